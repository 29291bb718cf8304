// Package notifications tells people what needs them: a department of its
// assignments, reminders and summons, the centre of urgent cases, each
// level of the chain of its escalations. A notification goes to an
// audience; each person in it reads it on their own. SMS and mail go out
// through a Sender, from a River job (see jobs.DeliveryWorker).
package notifications

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Audiences, and the roles each one reaches (a department's audience is
// the department_staff bound to it).
const (
	ToDepartment = "department"
	ToCenter     = "center" // the governance centre and its leader
	ToStreet     = "street" // the street's leadership (party secretary)
	ToCounty     = "county"
)

// AudienceRoles lists the roles in each audience but a department's. The
// list of a person's notifications and the delivery of one both read it.
var AudienceRoles = map[string][]string{
	ToCenter: {"dispatcher", "street_admin"},
	ToStreet: {"street_admin"},
	ToCounty: {"county_admin"},
}

// Kinds of notification.
const (
	Assignment = "assignment"
	Reminder   = "reminder"
	Escalation = "escalation"
	Summons    = "summons"
	Urgent     = "urgent"
	Reopened   = "reopened" // a resident was not satisfied with the answer
)

// Notice is one notification to insert.
type Notice struct {
	TenantID     int64
	CaseID       int64 // 0: not about one case
	DepartmentID int64 // the department, for ToDepartment
	Audience     string
	Kind         string
	Title        string
	Body         string
}

// Insert adds a notification in the caller's transaction and returns its id.
func Insert(ctx context.Context, tx pgx.Tx, n Notice) (int64, error) {
	if n.Audience == ToDepartment && n.DepartmentID == 0 {
		return 0, fmt.Errorf("a department notification (%s) names no department", n.Kind)
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO notifications (tenant_id, case_id, department_id, audience, kind, title, body)
		VALUES ($1, nullif($2, 0), nullif($3, 0), $4, $5, $6, $7) RETURNING id`,
		n.TenantID, n.CaseID, n.DepartmentID, n.Audience, n.Kind, n.Title, n.Body).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("notify %s (%s): %w", n.Audience, n.Kind, err)
	}
	return id, nil
}

// Reader is who lists notifications: a person, and the audiences their
// roles in the street put them in.
type Reader struct {
	IdentityID    string
	DepartmentIDs []int64
	Audiences     []string // ToCenter, ToStreet, ToCounty
}

// ReaderFor puts a person in the audiences of the roles they hold in a
// street: department roles with their department, the others by AudienceRoles.
func ReaderFor(identityID string, roles []string, departmentIDs []int64) Reader {
	r := Reader{IdentityID: identityID, DepartmentIDs: departmentIDs}
	for _, audience := range []string{ToCenter, ToStreet, ToCounty} {
		for _, role := range roles {
			if slices.Contains(AudienceRoles[audience], role) {
				r.Audiences = append(r.Audiences, audience)
				break
			}
		}
	}
	return r
}

// Notification is one notification as its reader sees it.
type Notification struct {
	ID           int64
	CaseID       int64
	DepartmentID int64
	Audience     string
	Kind         string
	Title        string
	Body         string
	CreatedAt    time.Time
	ReadAt       *time.Time // when this reader read it
}

// Page is one page of a reader's notifications, newest first.
type Page struct {
	Items      []Notification
	Unread     int
	NextCursor string
}

// Service lists notifications and records reading.
type Service struct{ db *tenants.DB }

// NewService returns a Service.
func NewService(db *tenants.DB) *Service { return &Service{db: db} }

// visible is the condition for the reader's notifications; parameters
// $1 tenant, $2 department ids, $3 audiences.
const visible = `n.tenant_id = $1 AND ((n.audience = 'department' AND n.department_id = ANY($2)) OR n.audience = ANY($3))`

// List returns a page of the reader's notifications and how many are unread.
func (s *Service) List(ctx context.Context, scope tenants.Scope, r Reader, unreadOnly bool, cursor string, limit int) (Page, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var page Page
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		args := append(r.visibleArgs(scope.TenantID), r.IdentityID, limit+1)
		conds := visible
		if unreadOnly {
			conds += ` AND rd.read_at IS NULL`
		}
		if cursor != "" {
			cur, err := fengqiao.ParseCursor(cursor)
			if err != nil {
				return err
			}
			args = append(args, cur.At, cur.ID)
			conds += ` AND (n.created_at, n.id) < ($6, $7)`
		}
		rows, err := tx.Query(ctx, `SELECT n.id, coalesce(n.case_id, 0), coalesce(n.department_id, 0), n.audience, n.kind, n.title, n.body,
				n.created_at, rd.read_at
			FROM notifications n
			LEFT JOIN notification_reads rd ON rd.tenant_id = n.tenant_id AND rd.notification_id = n.id AND rd.identity_id = $4::uuid
			WHERE `+conds+` ORDER BY n.created_at DESC, n.id DESC LIMIT $5`, args...)
		if err != nil {
			return err
		}
		page.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Notification])
		if err != nil {
			return err
		}
		if len(page.Items) > limit {
			last := page.Items[limit-1]
			page.Items, page.NextCursor = page.Items[:limit], fengqiao.Cursor{At: last.CreatedAt, ID: last.ID}.String()
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM notifications n
			WHERE `+visible+` AND NOT EXISTS (SELECT 1 FROM notification_reads rd
				WHERE rd.tenant_id = n.tenant_id AND rd.notification_id = n.id AND rd.identity_id = $4::uuid)`,
			append(r.visibleArgs(scope.TenantID), r.IdentityID)...).Scan(&page.Unread)
	})
	if err != nil {
		return Page{}, fmt.Errorf("list notifications: %w", err)
	}
	return page, nil
}

// MarkRead records that the reader has read one notification (id) or,
// with id 0, all of theirs. Reading twice keeps the first time. A
// notification outside the reader's audiences is not found.
func (s *Service) MarkRead(ctx context.Context, scope tenants.Scope, r Reader, id int64) (int, error) {
	var marked int
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		args := append(r.visibleArgs(scope.TenantID), r.IdentityID)
		which := ""
		if id != 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM notifications n WHERE `+visible+` AND n.id = $4)`,
				append(r.visibleArgs(scope.TenantID), id)...).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return fengqiao.Errorf(fengqiao.ENOTFOUND, "notification %d not found", id)
			}
			args = append(args, id)
			which = ` AND n.id = $5`
		}
		tag, err := tx.Exec(ctx, `INSERT INTO notification_reads (tenant_id, notification_id, identity_id)
			SELECT n.tenant_id, n.id, $4::uuid FROM notifications n WHERE `+visible+which+`
			ON CONFLICT DO NOTHING`, args...)
		marked = int(tag.RowsAffected())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	return marked, nil
}

// visibleArgs are the parameters $1 to $3 of visible. A reader without
// departments or audiences sends NULL, which ANY never matches.
func (r Reader) visibleArgs(tenantID int64) []any {
	return []any{tenantID, r.DepartmentIDs, r.Audiences}
}
