// Package jobs holds Fengqiao's River workers. Each job carries its
// tenant's id in its args and opens its own tenant-scoped transaction: a
// worker has no request, hence no scope, of its own.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/rankings"
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
var audiences = map[string]string{"department": notifications.ToDepartment, "center_leader": notifications.ToCenter,
	"street_secretary": notifications.ToStreet, "county": notifications.ToCounty}

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
	// Later are the window's reminder percentages still to come. A window
	// is a chain: each job schedules the next when it runs, so a dispatch
	// inserts one job per window, not one per reminder.
	Later []int `json:"later,omitempty"`
}

// FirstDeadline is the first job of a window's chain: its first reminder,
// or the breach when there are none.
func FirstDeadline(tenantID, caseID int64, window string, dispatchedAt time.Time, remindAtPercent []int) DeadlineArgs {
	later := slices.Sorted(slices.Values(remindAtPercent))
	return DeadlineArgs{TenantID: tenantID, CaseID: caseID, Window: window, DispatchedAt: dispatchedAt, Later: later}.next()
}

// next is the step after this one: the next reminder, else the breach.
func (a DeadlineArgs) next() DeadlineArgs {
	n := DeadlineArgs{TenantID: a.TenantID, CaseID: a.CaseID, Window: a.Window, DispatchedAt: a.DispatchedAt, Action: KindBreach}
	if len(a.Later) > 0 {
		n.Action, n.Percent, n.Later = KindRemind, a.Later[0], a.Later[1:]
	}
	return n
}

// ScheduleDeadline adds a deadline job to batch at its time in the window
// ending at due. A time already past makes the job available at once:
// River would otherwise hold it until its scheduler's next round.
func ScheduleDeadline(batch *Batch, a DeadlineArgs, due time.Time) {
	opts := a.InsertOpts()
	at := due
	if a.Action == KindRemind {
		at = a.DispatchedAt.Add(due.Sub(a.DispatchedAt) * time.Duration(a.Percent) / 100)
	}
	if at.After(time.Now()) {
		opts.ScheduledAt = at
	}
	batch.Add(a, &opts)
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
	// Jobs inserts the chain's next step; nil: the River client working the
	// job (tests working a job by hand set it).
	Jobs Inserter
}

// Register adds the workers to a River bundle; sender delivers
// notifications by SMS or mail.
func Register(workers *river.Workers, db *tenants.DB, sender notifications.Sender) {
	river.AddWorker(workers, &DeadlineWorker{DB: db})
	river.AddWorker(workers, &SummonsWorker{DB: db})
	river.AddWorker(workers, &DeliveryWorker{DB: db, Sender: sender})
	river.AddWorker(workers, &ErasureWorker{DB: db})
	ranks := rankings.NewService(db, assess.NewService(db))
	river.AddWorker(workers, &RankingWorker{Rankings: ranks})
	river.AddWorker(workers, &NightlyRankingWorker{DB: db, Rankings: ranks})
	river.AddWorker(workers, &ExportWorker{DB: db})
	river.AddWorker(workers, &CompetitionScoringWorker{DB: db})
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
		var batch Batch
		if a.Action == KindRemind {
			err = remind(ctx, tx, &batch, c, a)
			if due := c.due(a.Window); due != nil {
				ScheduleDeadline(&batch, a.next(), *due)
			}
		} else {
			err = escalate(ctx, tx, &batch, escalation{tenantID: a.TenantID, caseID: a.CaseID, status: c.status, trackingCode: c.trackingCode,
				title: c.title, departmentID: deref(c.departmentID), level: c.escalationLevel, window: a.Window,
				missed: fmt.Sprintf("超过%s时限", windowNames[a.Window])})
		}
		if err != nil {
			return err
		}
		inserter := w.Jobs
		if inserter == nil {
			inserter = inserterFrom(ctx)
		}
		return batch.Insert(ctx, tx, inserter)
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

// due is the deadline a window ends at.
func (c deadlineCase) due(window string) *time.Time {
	if window == WindowComplete {
		return c.completeDue
	}
	return c.acceptDue
}

func remind(ctx context.Context, tx pgx.Tx, batch *Batch, c deadlineCase, a DeadlineArgs) error {
	due := c.due(a.Window)
	body := fmt.Sprintf("%s时限已过%d%%", windowNames[a.Window], a.Percent)
	if due != nil {
		body += "，截止时间 " + due.In(fengqiao.China).Format("2006-01-02 15:04")
	}
	return Notify(ctx, tx, batch, notifications.Notice{TenantID: a.TenantID, CaseID: a.CaseID, DepartmentID: deref(c.departmentID),
		Audience: notifications.ToDepartment, Kind: notifications.Reminder, Title: fmt.Sprintf("催办：%s %s", c.trackingCode, c.title), Body: body})
}

// escalation is one breach to supervise: a deadline window of a dispatch,
// or a summons without its check-in.
type escalation struct {
	tenantID, caseID int64
	status           string // the case's, unchanged
	trackingCode     string
	title            string
	departmentID     int64 // the department that missed it
	level            int   // the case's escalation level so far
	window           string
	missed           string // what was missed, for the reason
}

// escalate raises the case one level up the chain, records the
// supervision (督办), tells that level, and puts it on the timeline.
func escalate(ctx context.Context, tx pgx.Tx, batch *Batch, e escalation) error {
	level := min(e.level+1, len(Levels)-1)
	name := Levels[level]
	if _, err := tx.Exec(ctx, `UPDATE cases SET escalation_level = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
		e.tenantID, e.caseID, level); err != nil {
		return fmt.Errorf("raise escalation level: %w", err)
	}
	reason := fmt.Sprintf("%s，升级至%s督办", e.missed, levelNames[name])
	if _, err := tx.Exec(ctx, `INSERT INTO case_supervisions (tenant_id, case_id, level, "window", reason) VALUES ($1, $2, $3, $4, $5)`,
		e.tenantID, e.caseID, name, e.window, reason); err != nil {
		return fmt.Errorf("record supervision: %w", err)
	}
	n := notifications.Notice{TenantID: e.tenantID, CaseID: e.caseID, Audience: audiences[name], Kind: notifications.Escalation,
		Title: fmt.Sprintf("督办：%s %s", e.trackingCode, e.title), Body: reason}
	if n.Audience == notifications.ToDepartment {
		n.DepartmentID = e.departmentID
	}
	if err := Notify(ctx, tx, batch, n); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_events (tenant_id, case_id, actor, actor_role, action, from_status, to_status, note)
		VALUES ($1, $2, 'system', 'system', 'supervise', $3, $3, $4)`, e.tenantID, e.caseID, e.status, reason); err != nil {
		return fmt.Errorf("record supervise event: %w", err)
	}
	return nil
}

// inserterFrom is the River client working the job, to insert follow-up
// jobs (deliveries) in the job's transaction; nil when a test works a job
// without a client.
func inserterFrom(ctx context.Context) Inserter {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return nil
	}
	return client
}

func deref(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}
