package cases_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

// insertOnly is a real River client that only inserts (no queues), as the
// app role.
func insertOnly(t *testing.T, b *bundle) *river.Client[pgx.Tx] {
	t.Helper()
	client, err := river.NewClient(riverpgxv5.New(b.db.App), &river.Config{})
	require.NoError(t, err)
	return client
}

type scheduled struct {
	args jobs.DeadlineArgs
	at   time.Time
}

// deadlineJobs reads a case's deadline jobs back from River's table, as the
// owner, in schedule order.
func deadlineJobs(t *testing.T, b *bundle, caseID int64) []scheduled {
	t.Helper()
	rows, err := b.db.Owner.Query(context.Background(), `SELECT args, scheduled_at FROM river_job
		WHERE kind = 'case_deadline' AND (args->>'case_id')::bigint = $1 ORDER BY scheduled_at, id`, caseID)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (scheduled, error) {
		var raw []byte
		var s scheduled
		if err := r.Scan(&raw, &s.at); err != nil {
			return s, err
		}
		return s, json.Unmarshal(raw, &s.args)
	})
	require.NoError(t, err)
	return out
}

func TestDispatchSchedulesRemindersAndBreaches(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	svc := cases.NewService(tenants.NewDB(b.db.App)).WithJobs(insertOnly(t, b))
	c := b.report(t)
	c, err := svc.Take(ctx, b.scopeA, b.center, c.ID, b.dispatch())
	require.NoError(t, err)

	got := deadlineJobs(t, b, c.ID)
	start := *c.DispatchedAt
	acceptSpan, completeSpan := c.AcceptDue.Sub(start), c.CompleteDue.Sub(start)
	type job struct {
		window, action string
		percent        int
		at             time.Time
	}
	// One chain per window: its first reminder, carrying the rest (each job
	// schedules the next; the jobs package tests the chain).
	want := []job{
		{jobs.WindowAccept, jobs.KindRemind, 50, start.Add(acceptSpan / 2)},
		{jobs.WindowComplete, jobs.KindRemind, 50, start.Add(completeSpan / 2)},
	}
	require.Len(t, got, len(want))
	for i, w := range want {
		g := got[i]
		require.Equal(t, w.window, g.args.Window, i)
		require.Equal(t, w.action, g.args.Action, i)
		require.Equal(t, w.percent, g.args.Percent, i)
		require.Equal(t, b.scopeA.TenantID, g.args.TenantID)
		require.Equal(t, c.ID, g.args.CaseID)
		require.True(t, start.Equal(g.args.DispatchedAt), "the job carries the dispatch it belongs to")
		require.Equal(t, []int{80}, g.args.Later, "and the reminders still to come")
		require.WithinDuration(t, w.at, g.at, time.Millisecond, i)
	}

	var assignments int
	require.NoError(t, tenants.NewDB(b.db.App).Tx(ctx, b.scopeA, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE case_id = $1 AND kind = 'assignment'
			AND audience = 'department' AND department_id = $2`, c.ID, b.police).Scan(&assignments)
	}))
	require.Equal(t, 1, assignments, "the department is told of its assignment")
}

func TestDispatchUsesThePolicysReminderPercentages(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	svc := cases.NewService(tenants.NewDB(b.db.App)).WithJobs(insertOnly(t, b))
	_, err := svc.SetPolicy(ctx, b.scopeA, cases.DeadlinePolicy{CategoryID: b.category, Grade: "general", AcceptHours: 2, CompleteHours: 72, RemindAtPercent: []int{25}})
	require.NoError(t, err)
	c := b.report(t)
	_, err = svc.Take(ctx, b.scopeA, b.center, c.ID, b.dispatch())
	require.NoError(t, err)
	var percents []int
	for _, j := range deadlineJobs(t, b, c.ID) {
		if j.args.Action == jobs.KindRemind {
			percents = append(percents, j.args.Percent)
		}
	}
	require.Equal(t, []int{25, 25}, percents)
}

func TestAutomaticDispatchUsesThePolicysReminderPercentages(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	svc := cases.NewService(tenants.NewDB(b.db.App)).WithJobs(insertOnly(t, b))
	_, err := svc.SetPolicy(ctx, b.scopeA, cases.DeadlinePolicy{CategoryID: b.category, Grade: "general", AcceptHours: 2, CompleteHours: 72, RemindAtPercent: []int{25}})
	require.NoError(t, err)
	_, err = svc.CreateRule(ctx, b.scopeA, cases.Rule{CategoryID: b.category, DepartmentID: b.police})
	require.NoError(t, err)
	c, err := svc.Report(ctx, b.scopeA, b.center, cases.NewCase{Channel: "visit", CategoryID: b.category, Grade: "general", Title: "x", NodeID: b.building})
	require.NoError(t, err)
	require.Equal(t, cases.Dispatched, c.Status)
	var percents []int
	for _, j := range deadlineJobs(t, b, c.ID) {
		if j.args.Action == jobs.KindRemind {
			percents = append(percents, j.args.Percent)
		}
	}
	require.Equal(t, []int{25, 25}, percents)
}

// failAfterInsert is the real client that fails the dispatch after its
// jobs are inserted, so that the dispatch's transaction rolls back with
// jobs already in it.
type failAfterInsert struct{ jobs.Inserter }

func (f failAfterInsert) InsertManyTx(ctx context.Context, tx pgx.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	if _, err := f.Inserter.InsertManyTx(ctx, tx, params); err != nil {
		return nil, err
	}
	return nil, errors.New("boom")
}

func TestRolledBackDispatchLeavesNoJobs(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	svc := cases.NewService(tenants.NewDB(b.db.App)).WithJobs(failAfterInsert{insertOnly(t, b)})
	c := b.report(t)
	_, err := svc.Take(ctx, b.scopeA, b.center, c.ID, b.dispatch())
	require.ErrorContains(t, err, "boom")
	require.Empty(t, deadlineJobs(t, b, c.ID), "jobs inserted before the failure went with the rollback")
	var n int
	require.NoError(t, b.db.Owner.QueryRow(ctx, `SELECT count(*) FROM river_job`).Scan(&n))
	require.Zero(t, n)
	d, err := svc.Get(ctx, b.scopeA, c.ID)
	require.NoError(t, err)
	require.Equal(t, cases.Reported, d.Status)
}

func TestNoJobsWithoutAnInserter(t *testing.T) {
	b := setup(t)
	c := b.report(t)
	_, err := b.svc.Take(context.Background(), b.scopeA, b.center, c.ID, b.dispatch())
	require.NoError(t, err)
	require.Empty(t, deadlineJobs(t, b, c.ID))
}
