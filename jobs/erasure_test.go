package jobs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/jobs"
)

// closedCase takes a case with a reporter's name and phone through the loop to closed.
func (b *bundle) closedCase(t *testing.T) cases.Case {
	t.Helper()
	ctx := context.Background()
	c, err := b.svc.Report(ctx, b.scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{Channel: "visit", CategoryID: b.category,
		Grade: "general", Title: "邻里纠纷", NodeID: b.building, ReporterName: "王阿姨", ReporterPhone: "13800138000"})
	require.NoError(t, err)
	c = b.dispatch(t, c.ID, time.Hour, 24*time.Hour)
	officer := cases.Actor{Name: "张伟", Role: "department_staff"}
	for _, step := range []cases.Step{{Action: cases.Accept}, {Action: cases.Resolve, Note: "已调解"}, {Action: cases.Confirm}, {Action: cases.Close, Note: "已答复"}} {
		c, err = b.svc.Take(ctx, b.scope, officer, c.ID, step)
		require.NoError(t, err)
	}
	return c
}

// erasureJob is the erasure the case's ending scheduled, and when.
func (b *bundle) erasureJob(t *testing.T, c cases.Case) (*river.Job[jobs.ErasureArgs], time.Time) {
	t.Helper()
	var raw []byte
	var at time.Time
	require.NoError(t, b.db.Owner.QueryRow(context.Background(), `SELECT args, scheduled_at FROM river_job
		WHERE kind = 'case_reporter_erasure' AND (args->>'case_id')::bigint = $1 ORDER BY id DESC LIMIT 1`, c.ID).Scan(&raw, &at))
	var args jobs.ErasureArgs
	require.NoError(t, json.Unmarshal(raw, &args))
	return &river.Job[jobs.ErasureArgs]{JobRow: &rivertype.JobRow{Kind: args.Kind(), EncodedArgs: raw}, Args: args}, at
}

func TestReporterIsErasedAfterTheRetentionPeriod(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.closedCase(t)
	job, at := b.erasureJob(t, c)
	require.WithinDuration(t, c.UpdatedAt.AddDate(0, 0, jobs.RetentionDays), at, time.Millisecond, "scheduled for the end of the retention period")

	require.NoError(t, (&jobs.ErasureWorker{DB: b.tdb}).Work(ctx, job))
	d, err := b.svc.Get(ctx, b.scope, c.ID)
	require.NoError(t, err)
	require.Empty(t, d.Case.ReporterName)
	require.Empty(t, d.Case.ReporterPhone)
	last := d.Timeline[len(d.Timeline)-1]
	require.Equal(t, "erase", last.Action)
	require.Equal(t, "system", last.Actor)
}

func TestAReopenedCaseKeepsItsReporter(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.closedCase(t)
	job, _ := b.erasureJob(t, c)
	_, err := b.svc.Take(ctx, b.scope, b.center, c.ID, cases.Step{Action: cases.Reopen, Note: "居民不满意"})
	require.NoError(t, err)
	require.NoError(t, (&jobs.ErasureWorker{DB: b.tdb}).Work(ctx, job))
	d, err := b.svc.Get(ctx, b.scope, c.ID)
	require.NoError(t, err)
	require.Equal(t, "王阿姨", d.Case.ReporterName, "the reopened case still needs its reporter")
	require.Equal(t, "13800138000", d.Case.ReporterPhone)
}
