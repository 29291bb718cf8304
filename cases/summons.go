package cases

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/tenants"
)

// Summons is one department called to a case (吹哨报到: 社区发令、部门报到).
type Summons struct {
	ID             int64
	DepartmentID   int64
	Department     string // its name
	SummonedBy     string
	SummonedByRole string
	Note           string
	DueAt          time.Time
	CreatedAt      time.Time
	CheckedInAt    *time.Time
	CheckedInBy    string
	CheckInNote    string
}

// Late reports whether the department checked in after its due time, or
// has not checked in and the time has passed.
func (s Summons) Late(now time.Time) bool {
	if s.CheckedInAt != nil {
		return s.CheckedInAt.After(s.DueAt)
	}
	return now.After(s.DueAt)
}

// Summon limits: a summons is for now, not for next month.
const (
	MinSummonsHours = 1
	MaxSummonsHours = 168
)

// Summon calls departments to an open case; each must check in within the
// given hours or the case is escalated (jobs.SummonsWorker). The summons,
// its timeline line, the departments' notifications and the check jobs
// commit together.
func (s *Service) Summon(ctx context.Context, scope tenants.Scope, by Actor, caseID int64, departmentIDs []int64, withinHours int, note string) ([]Summons, error) {
	note = strings.TrimSpace(note)
	var problems []fengqiao.FieldError
	if len(departmentIDs) == 0 {
		problems = append(problems, fengqiao.FieldError{Location: "body.department_ids", Message: "summon at least one department"})
	}
	if withinHours < MinSummonsHours || withinHours > MaxSummonsHours {
		problems = append(problems, fengqiao.FieldError{Location: "body.within_hours",
			Message: fmt.Sprintf("check-in time must be %d to %d hours", MinSummonsHours, MaxSummonsHours), Value: withinHours})
	}
	var out []Summons
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		c, err := getForUpdate(ctx, tx, scope.TenantID, caseID)
		if err != nil {
			return err
		}
		if !Open(c.Status) {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "a %s case cannot be summoned to; only open cases (reported, dispatched, accepted) can", c.Status)
		}
		rows, err := tx.Query(ctx, `SELECT id, name FROM departments WHERE tenant_id = $1 AND id = ANY($2) AND archived_at IS NULL`,
			scope.TenantID, departmentIDs)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		var id int64
		var name string
		if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { names[id] = name; return nil }); err != nil {
			return err
		}
		for i, d := range departmentIDs {
			if names[d] == "" {
				problems = append(problems, fengqiao.FieldError{Location: fmt.Sprintf("body.department_ids[%d]", i), Message: "no such department in this street", Value: d})
			}
		}
		if len(problems) > 0 {
			return &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid summons", Fields: problems}
		}
		due := time.Now().Add(time.Duration(withinHours) * time.Hour)
		var called []string
		var batch jobs.Batch
		for _, d := range departmentIDs {
			var sm Summons
			err := tx.QueryRow(ctx, `INSERT INTO case_summons (tenant_id, case_id, department_id, summoned_by, summoned_by_role, note, due_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING `+summonsColumns,
				scope.TenantID, caseID, d, by.Name, by.Role, note, due).Scan(summonsFields(&sm)...)
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.ConstraintName == "case_summons_open" {
				return fengqiao.Errorf(fengqiao.ECONFLICT, "%s is already summoned to this case and has not checked in yet", names[d])
			}
			if err != nil {
				return fmt.Errorf("insert summons: %w", err)
			}
			out = append(out, sm)
			called = append(called, names[d])
			body := fmt.Sprintf("%s（%s）召集，请于 %s 前报到", by.Name, roleName(by.Role), due.In(fengqiao.China).Format("2006-01-02 15:04"))
			if note != "" {
				body += "：" + note
			}
			if err := jobs.Notify(ctx, tx, &batch, notifications.Notice{TenantID: scope.TenantID, CaseID: caseID, DepartmentID: d,
				Audience: notifications.ToDepartment, Kind: notifications.Summons, Title: fmt.Sprintf("吹哨报到：%s %s", c.TrackingCode, c.Title),
				Body: body}); err != nil {
				return err
			}
			args := jobs.SummonsArgs{TenantID: scope.TenantID, SummonsID: sm.ID}
			opts := args.InsertOpts()
			opts.ScheduledAt = due
			batch.Add(args, &opts)
		}
		line := fmt.Sprintf("召集 %s，%d 小时内报到", strings.Join(called, "、"), withinHours)
		if note != "" {
			line += "：" + note
		}
		if err := record(ctx, tx, scope.TenantID, caseID, by, "summon", c.Status, c.Status, line); err != nil {
			return err
		}
		return batch.Insert(ctx, tx, s.jobs)
	})
	if err != nil {
		return nil, fmt.Errorf("summon to case %d: %w", caseID, err)
	}
	return out, nil
}

// CheckIn records that a summoned department has reported to the case.
func (s *Service) CheckIn(ctx context.Context, scope tenants.Scope, by Actor, caseID, departmentID int64, note string) (Summons, error) {
	note = strings.TrimSpace(note)
	var sm Summons
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		c, err := getForUpdate(ctx, tx, scope.TenantID, caseID)
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `UPDATE case_summons SET checked_in_at = now(), checked_in_by = $4, check_in_note = $5
			WHERE tenant_id = $1 AND case_id = $2 AND department_id = $3 AND checked_in_at IS NULL RETURNING `+summonsColumns,
			scope.TenantID, caseID, departmentID, by.Name, note).Scan(summonsFields(&sm)...)
		if errors.Is(err, pgx.ErrNoRows) {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "department %d has no open summons on case %d", departmentID, caseID)
		}
		if err != nil {
			return fmt.Errorf("check in: %w", err)
		}
		line := "报到"
		if sm.Late(*sm.CheckedInAt) {
			line = "报到（超时）"
		}
		if note != "" {
			line += "：" + note
		}
		return record(ctx, tx, scope.TenantID, caseID, by, "check_in", c.Status, c.Status, line)
	})
	if err != nil {
		return Summons{}, fmt.Errorf("check in to case %d: %w", caseID, err)
	}
	return sm, nil
}

const summonsColumns = `id, department_id,
	(SELECT d.name FROM departments d WHERE d.tenant_id = case_summons.tenant_id AND d.id = case_summons.department_id), summoned_by, summoned_by_role, note, due_at, created_at, checked_in_at, checked_in_by, check_in_note`

func summonsFields(sm *Summons) []any {
	return []any{&sm.ID, &sm.DepartmentID, &sm.Department, &sm.SummonedBy, &sm.SummonedByRole, &sm.Note, &sm.DueAt, &sm.CreatedAt,
		&sm.CheckedInAt, &sm.CheckedInBy, &sm.CheckInNote}
}

func summonsOf(ctx context.Context, tx pgx.Tx, tenantID, caseID int64) ([]Summons, error) {
	rows, err := tx.Query(ctx, `SELECT `+summonsColumns+` FROM case_summons WHERE tenant_id = $1 AND case_id = $2 ORDER BY created_at, id`,
		tenantID, caseID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Summons])
}

// Open reports whether a case is still in the loop's working part, where
// departments may be summoned to it.
func Open(s Status) bool { return s == Reported || s == Dispatched || s == Accepted }

// roleNames are the roles as the timeline and notifications say them.
var roleNames = map[string]string{"street_admin": "街道管理员", "dispatcher": "综治中心", "department_staff": "部门工作人员",
	"community_staff": "社区工作人员", "grid_worker": "网格员", "mediator": "调解员", "county_admin": "县级管理员", "system": "系统"}

// roleName is a role in Chinese, for what people read.
func roleName(role string) string {
	if n, ok := roleNames[role]; ok {
		return n
	}
	if role == "" {
		return "-"
	}
	return role
}
