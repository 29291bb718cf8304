package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/fengqiao/fengqiao/tenants"
)

// WindowSummons is the supervision window of a missed check-in.
const WindowSummons = "summons"

// SummonsArgs checks, at its due time, that a summoned department checked in.
type SummonsArgs struct {
	TenantID  int64 `json:"tenant_id" river:"unique"`
	SummonsID int64 `json:"summons_id" river:"unique"`
}

// Kind is River's name for the job.
func (SummonsArgs) Kind() string { return "case_summons_due" }

// InsertOpts makes the check unique per summons.
func (SummonsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// SummonsWorker escalates a case whose summoned department did not check
// in on time (吹哨报到: 报到超时), as a missed deadline is escalated.
type SummonsWorker struct {
	river.WorkerDefaults[SummonsArgs]
	DB *tenants.DB
}

// Work runs one check in the summons' tenant.
func (w *SummonsWorker) Work(ctx context.Context, job *river.Job[SummonsArgs]) error {
	a := job.Args
	if a.TenantID == 0 || a.SummonsID == 0 {
		return river.JobCancel(fmt.Errorf("invalid summons job args %+v", a))
	}
	err := w.DB.Tx(ctx, tenants.Scope{TenantID: a.TenantID}, func(tx pgx.Tx) error {
		var e escalation
		var checkedIn bool
		var department string
		err := tx.QueryRow(ctx, `SELECT c.id, c.status, c.tracking_code, c.title, c.escalation_level, s.department_id,
				s.checked_in_at IS NOT NULL, d.name
			FROM case_summons s JOIN cases c ON c.tenant_id = s.tenant_id AND c.id = s.case_id
			JOIN departments d ON d.tenant_id = s.tenant_id AND d.id = s.department_id
			WHERE s.tenant_id = $1 AND s.id = $2 FOR UPDATE OF c, s`, a.TenantID, a.SummonsID).
			Scan(&e.caseID, &e.status, &e.trackingCode, &e.title, &e.level, &e.departmentID, &checkedIn, &department)
		if errors.Is(err, pgx.ErrNoRows) {
			return river.JobCancel(fmt.Errorf("summons %d of tenant %d not found", a.SummonsID, a.TenantID))
		}
		if err != nil {
			return fmt.Errorf("lock summons: %w", err)
		}
		// Checked in, or the case has ended: nothing to supervise.
		if checkedIn || e.status == "closed" || e.status == "cancelled" || e.status == "merged" {
			return nil
		}
		e.tenantID, e.window, e.missed = a.TenantID, WindowSummons, department+"未按时报到"
		var batch Batch
		if err := escalate(ctx, tx, &batch, e); err != nil {
			return err
		}
		return batch.Insert(ctx, tx, inserterFrom(ctx))
	})
	if err != nil {
		return fmt.Errorf("check summons %d: %w", a.SummonsID, err)
	}
	return nil
}
