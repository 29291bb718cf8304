package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/fengqiao/fengqiao/jobs"
)

// JobInserter inserts background jobs in the caller's transaction, so that
// a job exists only if the change that scheduled it commits.
// *river.Client[pgx.Tx] implements it.
type JobInserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// WithJobs makes the service schedule deadline reminders and escalations
// on dispatch. Without it (NewService alone) no jobs are inserted.
func (s *Service) WithJobs(j JobInserter) *Service {
	s.jobs = j
	return s
}

// afterDispatch tells the department of its assignment and schedules the
// dispatch's reminders and breaches, in the dispatch's transaction. The
// deadlines are the dispatch's own; only the reminder percentages come
// from the deadline policy.
func (s *Service) afterDispatch(ctx context.Context, tx pgx.Tx, tenantID int64, c Case) error {
	if c.DispatchedAt == nil || c.AcceptDue == nil || c.CompleteDue == nil {
		return fmt.Errorf("dispatched case %d lacks its dispatch time or deadlines", c.ID)
	}
	body := fmt.Sprintf("责任领导：%s；受理时限 %s；办结时限 %s", c.LeaderName,
		c.AcceptDue.In(cst).Format("2006-01-02 15:04"), c.CompleteDue.In(cst).Format("2006-01-02 15:04"))
	if _, err := tx.Exec(ctx, `INSERT INTO notifications (tenant_id, case_id, department_id, audience, kind, title, body)
		VALUES ($1, $2, $3, 'department', 'assignment', $4, $5)`,
		tenantID, c.ID, c.DepartmentID, fmt.Sprintf("新交办：%s %s", c.TrackingCode, c.Title), body); err != nil {
		return fmt.Errorf("notify department of assignment: %w", err)
	}
	if s.jobs == nil {
		return nil
	}
	policy, err := deadlinesIn(ctx, tx, tenantID, c.CategoryID, c.Grade)
	if err != nil {
		return err
	}
	start := *c.DispatchedAt
	for _, w := range []struct {
		name string
		due  time.Time
	}{{jobs.WindowAccept, *c.AcceptDue}, {jobs.WindowComplete, *c.CompleteDue}} {
		span := w.due.Sub(start)
		for _, p := range policy.RemindAtPercent {
			at := start.Add(span * time.Duration(p) / 100)
			if err := s.insertJob(ctx, tx, jobs.DeadlineArgs{TenantID: tenantID, CaseID: c.ID, Window: w.name, Action: jobs.KindRemind,
				Percent: p, DispatchedAt: start}, at); err != nil {
				return err
			}
		}
		if err := s.insertJob(ctx, tx, jobs.DeadlineArgs{TenantID: tenantID, CaseID: c.ID, Window: w.name, Action: jobs.KindBreach,
			DispatchedAt: start}, w.due); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) insertJob(ctx context.Context, tx pgx.Tx, args jobs.DeadlineArgs, at time.Time) error {
	opts := args.InsertOpts()
	opts.ScheduledAt = at
	if _, err := s.jobs.InsertTx(ctx, tx, args, &opts); err != nil {
		return fmt.Errorf("schedule %s %s job: %w", args.Window, args.Action, err)
	}
	return nil
}

var cst = time.FixedZone("CST", 8*3600)
