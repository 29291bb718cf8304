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

// RetentionDays is how long a reporter's name and phone are kept after
// their case has ended (closed, cancelled or merged): long enough to reopen
// it and to answer questions about it, no longer (PIPL: kept only as long
// as the purpose needs). The appeal page's consent text says the same.
const RetentionDays = 180

// ErasureArgs erases the reporter's personal information of a case that
// ended at EndedAt, once the retention period has passed.
type ErasureArgs struct {
	TenantID int64     `json:"tenant_id" river:"unique"`
	CaseID   int64     `json:"case_id" river:"unique"`
	EndedAt  time.Time `json:"ended_at" river:"unique"`
}

// Kind is River's name for the job.
func (ErasureArgs) Kind() string { return "case_reporter_erasure" }

// InsertOpts makes the erasure unique per ending of a case.
func (ErasureArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// ScheduleErasure adds the erasure of a case that ended at endedAt.
func ScheduleErasure(batch *Batch, tenantID, caseID int64, endedAt time.Time) {
	args := ErasureArgs{TenantID: tenantID, CaseID: caseID, EndedAt: endedAt}
	opts := args.InsertOpts()
	opts.ScheduledAt = endedAt.AddDate(0, 0, RetentionDays)
	batch.Add(args, &opts)
}

// ErasureWorker blanks the reporter's name and phone of a case that has
// stayed ended for the retention period, and says so on its timeline. A
// case reopened since does nothing: its next ending schedules its own.
type ErasureWorker struct {
	river.WorkerDefaults[ErasureArgs]
	DB *tenants.DB
}

// Work runs one erasure in the case's tenant.
func (w *ErasureWorker) Work(ctx context.Context, job *river.Job[ErasureArgs]) error {
	a := job.Args
	if a.TenantID == 0 || a.CaseID == 0 {
		return river.JobCancel(fmt.Errorf("invalid erasure job args %+v", a))
	}
	err := w.DB.Tx(ctx, tenants.Scope{TenantID: a.TenantID}, func(tx pgx.Tx) error {
		var status string
		var personal bool
		err := tx.QueryRow(ctx, `SELECT status, reporter_name <> '' OR reporter_phone <> '' FROM cases
			WHERE tenant_id = $1 AND id = $2 AND updated_at <= $3 FOR UPDATE`, a.TenantID, a.CaseID, a.EndedAt).Scan(&status, &personal)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // changed since it ended (reopened), or gone
		}
		if err != nil {
			return fmt.Errorf("lock case: %w", err)
		}
		if !personal || (status != "closed" && status != "cancelled" && status != "merged") {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET reporter_name = '', reporter_phone = '' WHERE tenant_id = $1 AND id = $2`,
			a.TenantID, a.CaseID); err != nil {
			return fmt.Errorf("erase reporter: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO case_events (tenant_id, case_id, actor, actor_role, action, from_status, to_status, note)
			VALUES ($1, $2, 'system', 'system', 'erase', $3, $3, $4)`, a.TenantID, a.CaseID, status,
			fmt.Sprintf("结案满%d天，反映人姓名和电话已删除", RetentionDays))
		return err
	})
	if err != nil {
		return fmt.Errorf("erase reporter of case %d: %w", a.CaseID, err)
	}
	return nil
}
