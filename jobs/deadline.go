// Package jobs holds Fengqiao's River workers. Each job carries its
// tenant's id in its args and opens its own tenant-scoped transaction: a
// worker has no request, hence no scope, of its own.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/fengqiao/fengqiao/tenants"
)

// Deadline windows and job kinds.
const (
	WindowAccept   = "accept"   // from dispatch to accept_due
	WindowComplete = "complete" // from dispatch to complete_due

	KindRemind = "remind" // at a percentage of the window
	KindBreach = "breach" // at the deadline itself
)

// Levels is the escalation chain, from the department that has the case
// (cases.escalation_level 0) to the county (3).
var Levels = []string{"department", "center_leader", "street_secretary", "county"}

// audiences says who is told of an escalation to each level.
var audiences = map[string]string{"department": "department", "center_leader": "center", "street_secretary": "street", "county": "county"}

// levelNames are the chain's levels as the notifications and timeline say them.
var levelNames = map[string]string{"department": "承办部门", "center_leader": "中心领导", "street_secretary": "街道书记", "county": "县级"}

var windowNames = map[string]string{WindowAccept: "受理", WindowComplete: "办结"}

// DeadlineArgs is one reminder or breach of one dispatch of a case.
// DispatchedAt identifies the dispatch: a job of an earlier dispatch finds
// a different time on the case and does nothing.
type DeadlineArgs struct {
	TenantID     int64     `json:"tenant_id" river:"unique"`
	CaseID       int64     `json:"case_id" river:"unique"`
	Window       string    `json:"window" river:"unique"`
	Action       string    `json:"action" river:"unique"` // KindRemind or KindBreach (not "Kind": River's JobArgs method)
	Percent      int       `json:"percent,omitempty" river:"unique"`
	DispatchedAt time.Time `json:"dispatched_at" river:"unique"`
}

// Kind is River's name for the job.
func (DeadlineArgs) Kind() string { return "case_deadline" }

// InsertOpts makes a dispatch's jobs unique: inserting the same job twice
// (a retried request) schedules it once.
func (DeadlineArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// DeadlineWorker reminds a department before a deadline and escalates a
// case when the deadline passes.
type DeadlineWorker struct {
	river.WorkerDefaults[DeadlineArgs]
	DB *tenants.DB
}

// Register adds the workers to a River bundle.
func Register(workers *river.Workers, db *tenants.DB) {
	river.AddWorker(workers, &DeadlineWorker{DB: db})
}

// deadlineCase is what the worker needs of a case.
type deadlineCase struct {
	status          string
	trackingCode    string
	title           string
	departmentID    *int64
	dispatchedAt    *time.Time
	acceptDue       *time.Time
	completeDue     *time.Time
	escalationLevel int
}

// Work runs one job in the case's tenant.
func (w *DeadlineWorker) Work(ctx context.Context, job *river.Job[DeadlineArgs]) error {
	a := job.Args
	if a.TenantID == 0 || a.CaseID == 0 || (a.Window != WindowAccept && a.Window != WindowComplete) || (a.Action != KindRemind && a.Action != KindBreach) {
		return river.JobCancel(fmt.Errorf("invalid deadline job args %+v", a))
	}
	err := w.DB.Tx(ctx, tenants.Scope{TenantID: a.TenantID}, func(tx pgx.Tx) error {
		var c deadlineCase
		err := tx.QueryRow(ctx, `SELECT status, tracking_code, title, department_id, dispatched_at, accept_due, complete_due, escalation_level
			FROM cases WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, a.TenantID, a.CaseID).
			Scan(&c.status, &c.trackingCode, &c.title, &c.departmentID, &c.dispatchedAt, &c.acceptDue, &c.completeDue, &c.escalationLevel)
		if errors.Is(err, pgx.ErrNoRows) {
			return river.JobCancel(fmt.Errorf("case %d of tenant %d not found", a.CaseID, a.TenantID))
		}
		if err != nil {
			return fmt.Errorf("lock case: %w", err)
		}
		if movedOn(c, a) {
			return nil
		}
		if a.Action == KindRemind {
			return remind(ctx, tx, c, a)
		}
		return escalate(ctx, tx, c, a)
	})
	if err != nil {
		return fmt.Errorf("%s %s deadline of case %d: %w", a.Action, a.Window, a.CaseID, err)
	}
	return nil
}

// movedOn reports whether the job no longer applies: the case was
// dispatched again (or returned and dispatched again) since, or it has
// left the stage the window watches.
func movedOn(c deadlineCase, a DeadlineArgs) bool {
	if c.dispatchedAt == nil || !c.dispatchedAt.Equal(a.DispatchedAt) {
		return true
	}
	switch a.Window {
	case WindowAccept:
		return c.status != "dispatched"
	case WindowComplete:
		return c.status != "dispatched" && c.status != "accepted"
	}
	return true
}

func remind(ctx context.Context, tx pgx.Tx, c deadlineCase, a DeadlineArgs) error {
	due := c.acceptDue
	if a.Window == WindowComplete {
		due = c.completeDue
	}
	title := fmt.Sprintf("催办：%s %s", c.trackingCode, c.title)
	body := fmt.Sprintf("%s时限已过%d%%", windowNames[a.Window], a.Percent)
	if due != nil {
		body += "，截止时间 " + due.In(shanghai).Format("2006-01-02 15:04")
	}
	return notify(ctx, tx, a.TenantID, a.CaseID, c.departmentID, "department", "reminder", title, body)
}

func escalate(ctx context.Context, tx pgx.Tx, c deadlineCase, a DeadlineArgs) error {
	level := min(c.escalationLevel+1, len(Levels)-1)
	name := Levels[level]
	if _, err := tx.Exec(ctx, `UPDATE cases SET escalation_level = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
		a.TenantID, a.CaseID, level); err != nil {
		return fmt.Errorf("raise escalation level: %w", err)
	}
	reason := fmt.Sprintf("超过%s时限，升级至%s督办", windowNames[a.Window], levelNames[name])
	if _, err := tx.Exec(ctx, `INSERT INTO case_supervisions (tenant_id, case_id, level, "window", reason) VALUES ($1, $2, $3, $4, $5)`,
		a.TenantID, a.CaseID, name, a.Window, reason); err != nil {
		return fmt.Errorf("record supervision: %w", err)
	}
	var dept *int64
	if audiences[name] == "department" {
		dept = c.departmentID
	}
	if err := notify(ctx, tx, a.TenantID, a.CaseID, dept, audiences[name], "escalation",
		fmt.Sprintf("督办：%s %s", c.trackingCode, c.title), reason); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_events (tenant_id, case_id, actor, actor_role, action, from_status, to_status, note)
		VALUES ($1, $2, 'system', 'system', 'supervise', $3, $3, $4)`, a.TenantID, a.CaseID, c.status, reason); err != nil {
		return fmt.Errorf("record supervise event: %w", err)
	}
	return nil
}

func notify(ctx context.Context, tx pgx.Tx, tenantID, caseID int64, departmentID *int64, audience, kind, title, body string) error {
	_, err := tx.Exec(ctx, `INSERT INTO notifications (tenant_id, case_id, department_id, audience, kind, title, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, tenantID, caseID, departmentID, audience, kind, title, body)
	if err != nil {
		return fmt.Errorf("notify %s (%s): %w", audience, kind, err)
	}
	return nil
}

// shanghai is China Standard Time, for the times notifications show.
var shanghai = time.FixedZone("CST", 8*3600)
