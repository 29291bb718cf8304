package cases

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Visibility is what part of a street's cases a caller may read: the whole
// street, or the subtrees where their roles sit and the departments they
// belong to. The API computes it from the caller's roles.
type Visibility struct {
	Street        bool
	CommunityIDs  []int64
	ZoneIDs       []int64
	GridIDs       []int64
	NodeIDs       []int64 // buildings, or nodes without an ancestor column
	DepartmentIDs []int64
}

// Filter narrows a list. Zero values do not filter.
type Filter struct {
	Status       Status
	Channel      string
	CategoryID   int64
	Grade        string
	SubtreeKind  tenants.Kind // with SubtreeID: cases located at or below that node
	SubtreeID    int64
	DepartmentID int64
	Overdue      bool
	From, To     time.Time // reported between
	Cursor       string    // from the previous page
	Limit        int
}

// Page is one page of a list, newest first.
type Page struct {
	Cases      []Case
	NextCursor string // empty on the last page
}

// where builds the conditions shared by List and Counts; parameters start
// at $2 ($1 is the tenant).
func (v Visibility) where(f Filter) (string, []any, error) {
	conds := []string{"tenant_id = $1"}
	var args []any
	arg := func(x any) string {
		args = append(args, x)
		return "$" + strconv.Itoa(len(args)+1)
	}
	if !v.Street {
		var visible []string
		for col, ids := range map[string][]int64{"community_id": v.CommunityIDs, "zone_id": v.ZoneIDs, "grid_id": v.GridIDs,
			"node_id": v.NodeIDs, "department_id": v.DepartmentIDs} {
			if len(ids) > 0 {
				visible = append(visible, col+" = ANY("+arg(ids)+")")
			}
		}
		if len(visible) == 0 {
			visible = []string{"false"}
		}
		conds = append(conds, "("+strings.Join(visible, " OR ")+")")
	}
	if f.Status != "" {
		conds = append(conds, "status = "+arg(string(f.Status)))
	}
	if f.Channel != "" {
		conds = append(conds, "channel = "+arg(f.Channel))
	}
	if f.CategoryID != 0 {
		conds = append(conds, "category_id = "+arg(f.CategoryID))
	}
	if f.Grade != "" {
		conds = append(conds, "grade = "+arg(f.Grade))
	}
	if f.DepartmentID != 0 {
		conds = append(conds, "department_id = "+arg(f.DepartmentID))
	}
	if f.SubtreeID != 0 {
		switch f.SubtreeKind {
		case tenants.KindCommunity:
			conds = append(conds, "community_id = "+arg(f.SubtreeID))
		case tenants.KindZone:
			conds = append(conds, "zone_id = "+arg(f.SubtreeID))
		case tenants.KindGrid:
			conds = append(conds, "grid_id = "+arg(f.SubtreeID))
		case tenants.KindBuilding:
			conds = append(conds, "node_id = "+arg(f.SubtreeID))
		}
	}
	if f.Overdue {
		conds = append(conds, `((status = 'dispatched' AND accept_due < now()) OR (status IN ('dispatched', 'accepted') AND complete_due < now()))`)
	}
	if !f.From.IsZero() {
		conds = append(conds, "reported_at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "reported_at < "+arg(f.To))
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, fmt.Sprintf("(reported_at, id) < (%s, %s)", arg(at), arg(id)))
	}
	return strings.Join(conds, " AND "), args, nil
}

// List returns one page of the cases the caller may see, newest first.
func (s *Service) List(ctx context.Context, scope tenants.Scope, v Visibility, f Filter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	where, args, err := v.where(f)
	if err != nil {
		return Page{}, err
	}
	var page Page
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+where+
			fmt.Sprintf(` ORDER BY reported_at DESC, id DESC LIMIT %d`, f.Limit+1), append([]any{scope.TenantID}, args...)...)
		if err != nil {
			return err
		}
		page.Cases, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Case, error) { return scanCase(r) })
		return err
	})
	if err != nil {
		return Page{}, fmt.Errorf("list cases: %w", err)
	}
	if len(page.Cases) > f.Limit {
		page.Cases = page.Cases[:f.Limit]
		last := page.Cases[f.Limit-1]
		page.NextCursor = encodeCursor(last.ReportedAt, last.ID)
	}
	return page, nil
}

// Counts returns the number of visible cases per status, and how many are
// overdue: the inbox badges.
func (s *Service) Counts(ctx context.Context, scope tenants.Scope, v Visibility) (map[Status]int, int, error) {
	where, args, err := v.where(Filter{})
	if err != nil {
		return nil, 0, err
	}
	counts := map[Status]int{}
	var overdue int
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT status, count(*),
				count(*) FILTER (WHERE (status = 'dispatched' AND accept_due < now()) OR (status IN ('dispatched', 'accepted') AND complete_due < now()))
			FROM cases WHERE `+where+` GROUP BY status`, append([]any{scope.TenantID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st Status
			var n, late int
			if err := rows.Scan(&st, &n, &late); err != nil {
				return err
			}
			counts[st], overdue = n, overdue+late
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("count cases: %w", err)
	}
	return counts, overdue, nil
}

// Locate returns where a case is and which department has it, for
// authorization before anything else is read.
func (s *Service) Locate(ctx context.Context, scope tenants.Scope, id int64) (nodeID, departmentID int64, err error) {
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT node_id, coalesce(department_id, 0) FROM cases WHERE tenant_id = $1 AND id = $2`,
			scope.TenantID, id).Scan(&nodeID, &departmentID)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, fengqiao.Errorf(fengqiao.ENOTFOUND, "case %d not found", id)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("locate case %d: %w", id, err)
	}
	return nodeID, departmentID, nil
}

func encodeCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (time.Time, int64, error) {
	bad := fengqiao.Invalid("query.cursor", "not a cursor this server gave out", c)
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, 0, bad
	}
	atText, idText, ok := strings.Cut(string(raw), "|")
	if !ok {
		return time.Time{}, 0, bad
	}
	at, err := time.Parse(time.RFC3339Nano, atText)
	if err != nil {
		return time.Time{}, 0, bad
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return time.Time{}, 0, bad
	}
	return at, id, nil
}
