package jobs

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/tenants"
)

// Inserter inserts background jobs in the caller's transaction, so that a
// job exists only if the change that scheduled it commits.
// *river.Client[pgx.Tx] implements it.
type Inserter interface {
	InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
}

// Batch gathers the jobs a change schedules and inserts them in one round
// trip at the end of its transaction: a dispatch schedules seven.
type Batch struct{ params []river.InsertManyParams }

// Add schedules a job; opts may be nil.
func (b *Batch) Add(args river.JobArgs, opts *river.InsertOpts) {
	b.params = append(b.params, river.InsertManyParams{Args: args, InsertOpts: opts})
}

// Insert inserts the gathered jobs in tx; without an inserter (a service
// built without jobs, a test working a job by hand) it drops them.
func (b *Batch) Insert(ctx context.Context, tx pgx.Tx, ins Inserter) error {
	if ins == nil || len(b.params) == 0 {
		return nil
	}
	if _, err := ins.InsertManyTx(ctx, tx, b.params); err != nil {
		return fmt.Errorf("insert %d jobs: %w", len(b.params), err)
	}
	b.params = nil
	return nil
}

// Notify adds a notification in tx and schedules, in batch, the job that
// sends it by SMS or mail.
func Notify(ctx context.Context, tx pgx.Tx, batch *Batch, n notifications.Notice) error {
	id, err := notifications.Insert(ctx, tx, n)
	if err != nil {
		return err
	}
	batch.Add(DeliveryArgs{TenantID: n.TenantID, NotificationID: id}, nil)
	return nil
}

// DeliveryArgs sends one notification to the people in its audience.
type DeliveryArgs struct {
	TenantID       int64 `json:"tenant_id"`
	NotificationID int64 `json:"notification_id"`
}

// Kind is River's name for the job.
func (DeliveryArgs) Kind() string { return "notification_delivery" }

// DeliveryWorker sends notifications by SMS or mail. A failed send fails
// the job, and River retries it: a person may get a message twice, which
// beats not at all.
type DeliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	DB     *tenants.DB
	Sender notifications.Sender
}

// Work sends one notification.
func (w *DeliveryWorker) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	a := job.Args
	// County staff are read through their county's policy: the tenant's
	// county comes first, from the tenant's own row.
	var countyID int64
	if err := w.DB.Read(ctx, tenants.Scope{TenantID: a.TenantID}, func(row pgx.Row) error {
		return row.Scan(&countyID)
	}, `SELECT county_id FROM tenants WHERE id = $1`, a.TenantID); err != nil {
		return fmt.Errorf("county of tenant %d: %w", a.TenantID, err)
	}
	var messages []notifications.Message
	if err := w.DB.Tx(ctx, tenants.Scope{TenantID: a.TenantID, CountyID: countyID}, func(tx pgx.Tx) (err error) {
		messages, err = notifications.Messages(ctx, tx, a.TenantID, a.NotificationID)
		return err
	}); err != nil {
		return fmt.Errorf("deliver notification %d: %w", a.NotificationID, err)
	}
	for _, m := range messages {
		if err := w.Sender.Send(ctx, m); err != nil {
			return fmt.Errorf("send notification %d by %s: %w", a.NotificationID, m.Channel, err)
		}
	}
	return nil
}
