package cases

import (
	"context"
	"fmt"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/jackc/pgx/v5"
)

// WithJobs makes the service schedule deadline reminders and escalations
// on dispatch. Without it (NewService alone) no jobs are inserted.
func (s *Service) WithJobs(j jobs.Inserter) *Service {
	s.jobs = j
	return s
}

// afterDispatch tells the department of its assignment and schedules the
// first job of each deadline window's chain (its first reminder; each job
// schedules the next, up to the breach), in the dispatch's transaction. The
// deadlines are the dispatch's own; only the reminder percentages come
// from the deadline policy (policy, or read here when nil).
func (s *Service) afterDispatch(ctx context.Context, tx pgx.Tx, batch *jobs.Batch, tenantID int64, c Case, policy *Deadlines) error {
	if c.DispatchedAt == nil || c.AcceptDue == nil || c.CompleteDue == nil {
		return fmt.Errorf("dispatched case %d lacks its dispatch time or deadlines", c.ID)
	}
	body := fmt.Sprintf("责任领导：%s；受理时限 %s；办结时限 %s", c.LeaderName,
		c.AcceptDue.In(fengqiao.China).Format("2006-01-02 15:04"), c.CompleteDue.In(fengqiao.China).Format("2006-01-02 15:04"))
	if err := jobs.Notify(ctx, tx, batch, notifications.Notice{TenantID: tenantID, CaseID: c.ID, DepartmentID: c.DepartmentID,
		Audience: notifications.ToDepartment, Kind: notifications.Assignment,
		Title: fmt.Sprintf("新交办：%s %s", c.TrackingCode, c.Title), Body: body}); err != nil {
		return err
	}
	// Urgent cases also go straight to the centre's leadership, who answer
	// for them (the responsible leader named at dispatch is among them).
	if c.Grade == "urgent" {
		if err := jobs.Notify(ctx, tx, batch, notifications.Notice{TenantID: tenantID, CaseID: c.ID, Audience: notifications.ToCenter,
			Kind: notifications.Urgent, Title: fmt.Sprintf("紧急案件：%s %s", c.TrackingCode, c.Title), Body: body}); err != nil {
			return err
		}
	}
	if s.jobs == nil {
		return nil // the jobs would be dropped: spare the policy lookup
	}
	if policy == nil {
		p, err := deadlinesIn(ctx, tx, tenantID, c.CategoryID, c.Grade)
		if err != nil {
			return err
		}
		policy = &p
	}
	jobs.ScheduleDeadline(batch, jobs.FirstDeadline(tenantID, c.ID, jobs.WindowAccept, *c.DispatchedAt, policy.RemindAtPercent), *c.AcceptDue)
	jobs.ScheduleDeadline(batch, jobs.FirstDeadline(tenantID, c.ID, jobs.WindowComplete, *c.DispatchedAt, policy.RemindAtPercent), *c.CompleteDue)
	return nil
}
