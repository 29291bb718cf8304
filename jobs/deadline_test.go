package jobs_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	client   *river.Client[pgx.Tx] // inserts only
	db       *pgtest.DB
	tdb      *tenants.DB
	svc      *cases.Service
	scope    tenants.Scope
	building int64
	category int64
	police   int64
	center   cases.Actor
}

func setup(t *testing.T) *bundle {
	t.Helper()
	st := casetest.New(t)
	client, err := river.NewClient(riverpgxv5.New(st.DB.App), &river.Config{}) // insert only
	require.NoError(t, err)
	return &bundle{client: client, db: st.DB, tdb: st.TDB, svc: cases.NewService(st.TDB).WithJobs(client), scope: st.Scope,
		building: st.Building, category: st.Category, police: st.Police, center: cases.Actor{Name: "陈静", Role: "dispatcher"}}
}

// dispatched reports a case and dispatches it with the given deadlines.
func (b *bundle) dispatched(t *testing.T, acceptIn, completeIn time.Duration) cases.Case {
	t.Helper()
	ctx := context.Background()
	c, err := b.svc.Report(ctx, b.scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{
		Channel: "grid_report", CategoryID: b.category, Grade: "general", Title: "楼道堆放杂物", Description: "3单元楼道堆满纸箱",
		NodeID: b.building})
	require.NoError(t, err)
	return b.dispatch(t, c.ID, acceptIn, completeIn)
}

func (b *bundle) dispatch(t *testing.T, caseID int64, acceptIn, completeIn time.Duration) cases.Case {
	t.Helper()
	now := time.Now()
	c, err := b.svc.Take(context.Background(), b.scope, b.center, caseID, cases.Step{Action: cases.Dispatch, DepartmentID: b.police,
		LeaderName: "李所长", AcceptDue: now.Add(acceptIn), CompleteDue: now.Add(completeIn)})
	require.NoError(t, err)
	return c
}

// job is the deadline job of a dispatch's window and step (percent, for
// reminders), as its chain schedules it.
func (b *bundle) job(t *testing.T, c cases.Case, window, action string, percent int) *river.Job[jobs.DeadlineArgs] {
	t.Helper()
	args := jobs.DeadlineArgs{TenantID: b.scope.TenantID, CaseID: c.ID, Window: window, Action: action, Percent: percent, DispatchedAt: *c.DispatchedAt}
	raw, err := json.Marshal(args)
	require.NoError(t, err)
	return &river.Job[jobs.DeadlineArgs]{JobRow: &rivertype.JobRow{Kind: args.Kind(), EncodedArgs: raw}, Args: args}
}

// scheduledJob is the one deadline job of a case's window in River's table
// with this action and percent, and when it is due.
func (b *bundle) scheduledJob(t *testing.T, c cases.Case, window, action string, percent int) (*river.Job[jobs.DeadlineArgs], time.Time) {
	t.Helper()
	var raw []byte
	var id int64
	var at time.Time
	err := b.db.Owner.QueryRow(context.Background(), `SELECT id, args, scheduled_at FROM river_job WHERE kind = 'case_deadline'
		AND (args->>'case_id')::bigint = $1 AND args->>'window' = $2 AND args->>'action' = $3
		AND coalesce((args->>'percent')::int, 0) = $4 AND (args->>'dispatched_at')::timestamptz = $5`,
		c.ID, window, action, percent, *c.DispatchedAt).Scan(&id, &raw, &at)
	require.NoError(t, err, "%s %s %d job of case %d", window, action, percent, c.ID)
	var args jobs.DeadlineArgs
	require.NoError(t, json.Unmarshal(raw, &args))
	return &river.Job[jobs.DeadlineArgs]{JobRow: &rivertype.JobRow{ID: id, Kind: args.Kind(), EncodedArgs: raw}, Args: args}, at
}

func (b *bundle) work(t *testing.T, job *river.Job[jobs.DeadlineArgs]) {
	t.Helper()
	require.NoError(t, (&jobs.DeadlineWorker{DB: b.tdb}).Work(context.Background(), job))
}

func TestEachDeadlineJobSchedulesTheNext(t *testing.T) {
	b := setup(t)
	c := b.dispatched(t, 10*time.Hour, 100*time.Hour)
	start := *c.DispatchedAt
	worker := &jobs.DeadlineWorker{DB: b.tdb, Jobs: b.client}
	for _, window := range []struct {
		name string
		due  time.Time
	}{{jobs.WindowAccept, *c.AcceptDue}, {jobs.WindowComplete, *c.CompleteDue}} {
		first, at := b.scheduledJob(t, c, window.name, jobs.KindRemind, 50)
		require.WithinDuration(t, start.Add(window.due.Sub(start)/2), at, time.Millisecond, "dispatch schedules the first reminder")
		require.NoError(t, worker.Work(context.Background(), first))
		second, at := b.scheduledJob(t, c, window.name, jobs.KindRemind, 80)
		require.WithinDuration(t, start.Add(window.due.Sub(start)*8/10), at, time.Millisecond, "the reminder schedules the next")
		require.NoError(t, worker.Work(context.Background(), second))
		breach, at := b.scheduledJob(t, c, window.name, jobs.KindBreach, 0)
		require.WithinDuration(t, window.due, at, time.Millisecond, "the last reminder schedules the breach, at the deadline")
		require.NoError(t, worker.Work(context.Background(), breach))
	}
	var total int
	require.NoError(t, b.db.Owner.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = 'case_deadline'
		AND (args->>'case_id')::bigint = $1`, c.ID).Scan(&total))
	require.Equal(t, 6, total, "a breach ends its chain")
}

type state struct {
	level         int
	supervisions  []string // level:window
	notifications []string // kind:audience
	supervises    []string // from→to:actor
}

func (b *bundle) state(t *testing.T, caseID int64) state {
	t.Helper()
	ctx := context.Background()
	var s state
	require.NoError(t, b.tdb.Tx(ctx, b.scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT escalation_level FROM cases WHERE tenant_id = $1 AND id = $2`, b.scope.TenantID, caseID).Scan(&s.level); err != nil {
			return err
		}
		collect := func(sql string) ([]string, error) {
			rows, err := tx.Query(ctx, sql, b.scope.TenantID, caseID)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowTo[string])
		}
		var err error
		if s.supervisions, err = collect(`SELECT level || ':' || "window" FROM case_supervisions WHERE tenant_id = $1 AND case_id = $2 ORDER BY id`); err != nil {
			return err
		}
		if s.notifications, err = collect(`SELECT kind || ':' || audience FROM notifications WHERE tenant_id = $1 AND case_id = $2 ORDER BY id`); err != nil {
			return err
		}
		s.supervises, err = collect(`SELECT from_status || '→' || to_status || ':' || actor FROM case_events
			WHERE tenant_id = $1 AND case_id = $2 AND action = 'supervise' ORDER BY id`)
		return err
	}))
	return s
}

func TestReminderNotifiesTheDepartment(t *testing.T) {
	b := setup(t)
	c := b.dispatched(t, 2*time.Hour, 72*time.Hour)
	b.work(t, b.job(t, c, jobs.WindowAccept, jobs.KindRemind, 50))
	s := b.state(t, c.ID)
	require.Equal(t, []string{"assignment:department", "reminder:department"}, s.notifications)
	require.Zero(t, s.level)
	require.Empty(t, s.supervisions)

	var dept int64
	require.NoError(t, b.tdb.Tx(context.Background(), b.scope, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT department_id FROM notifications WHERE case_id = $1 AND kind = 'reminder'`, c.ID).Scan(&dept)
	}))
	require.Equal(t, b.police, dept)
}

func TestBreachEscalatesOneLevel(t *testing.T) {
	b := setup(t)
	c := b.dispatched(t, 2*time.Hour, 72*time.Hour)
	b.work(t, b.job(t, c, jobs.WindowAccept, jobs.KindBreach, 0))
	s := b.state(t, c.ID)
	require.Equal(t, 1, s.level)
	require.Equal(t, []string{"center_leader:accept"}, s.supervisions)
	require.Equal(t, []string{"assignment:department", "escalation:center"}, s.notifications)
	require.Equal(t, []string{"dispatched→dispatched:system"}, s.supervises)

	d, err := b.svc.Get(context.Background(), b.scope, c.ID)
	events := d.Timeline
	require.NoError(t, err)
	last := events[len(events)-1]
	require.Equal(t, "supervise", last.Action)
	require.Contains(t, last.Note, "中心领导")
}

func TestBreachOfAMovedOnCaseDoesNothing(t *testing.T) {
	b := setup(t)
	ctx := context.Background()

	// Accepted before the acceptance deadline.
	c := b.dispatched(t, 2*time.Hour, 72*time.Hour)
	acceptBreach := b.job(t, c, jobs.WindowAccept, jobs.KindBreach, 0)
	acceptRemind := b.job(t, c, jobs.WindowAccept, jobs.KindRemind, 80)
	_, err := b.svc.Take(ctx, b.scope, cases.Actor{Name: "张伟", Role: "department_staff"}, c.ID, cases.Step{Action: cases.Accept})
	require.NoError(t, err)
	b.work(t, acceptBreach)
	b.work(t, acceptRemind)
	s := b.state(t, c.ID)
	require.Zero(t, s.level)
	require.Empty(t, s.supervisions)
	require.Equal(t, []string{"assignment:department"}, s.notifications)
	// The completion window still runs for an accepted case.
	b.work(t, b.job(t, c, jobs.WindowComplete, jobs.KindBreach, 0))
	require.Equal(t, []string{"center_leader:complete"}, b.state(t, c.ID).supervisions)

	// Dispatched again since: the first dispatch's jobs are stale.
	r := b.dispatched(t, 2*time.Hour, 72*time.Hour)
	stale := b.job(t, r, jobs.WindowAccept, jobs.KindBreach, 0)
	time.Sleep(2 * time.Millisecond)
	r = b.dispatch(t, r.ID, 3*time.Hour, 72*time.Hour)
	b.work(t, stale)
	s = b.state(t, r.ID)
	require.Zero(t, s.level)
	require.Empty(t, s.supervisions)
	b.work(t, b.job(t, r, jobs.WindowAccept, jobs.KindBreach, 0))
	require.Equal(t, []string{"center_leader:accept"}, b.state(t, r.ID).supervisions)

	// Cancelled.
	x := b.dispatched(t, 2*time.Hour, 72*time.Hour)
	_, err = b.svc.Take(ctx, b.scope, b.center, x.ID, cases.Step{Action: cases.Cancel, Note: "重复来电"})
	require.NoError(t, err)
	b.work(t, b.job(t, x, jobs.WindowComplete, jobs.KindBreach, 0))
	require.Empty(t, b.state(t, x.ID).supervisions)
}

func TestEscalationCapsAtCounty(t *testing.T) {
	b := setup(t)
	c := b.dispatched(t, 2*time.Hour, 72*time.Hour)
	breach := b.job(t, c, jobs.WindowComplete, jobs.KindBreach, 0)
	for range 5 {
		b.work(t, breach)
	}
	s := b.state(t, c.ID)
	require.Equal(t, 3, s.level)
	require.Equal(t, []string{"center_leader:complete", "street_secretary:complete", "county:complete", "county:complete", "county:complete"}, s.supervisions)
	require.Equal(t, []string{"assignment:department", "escalation:center", "escalation:street", "escalation:county", "escalation:county", "escalation:county"}, s.notifications)
}

// A real River client works the jobs at their scheduled times.
func TestRiverWorksScheduledDeadlines(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	police := b.member(t, "王警官", "department_staff", b.police, "13800138000", "")
	dispatcher := b.member(t, "陈静", "dispatcher", 0, "", "chenjing@pingyi.example")
	sender := &recordingSender{}
	workers := river.NewWorkers()
	jobs.Register(workers, b.tdb, sender)
	client, err := river.NewClient(riverpgxv5.New(b.db.App), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:           workers,
		FetchPollInterval: 100 * time.Millisecond,
		TestOnly:          true,
	})
	require.NoError(t, err)
	require.NoError(t, client.Start(ctx))
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, client.Stop(stopCtx))
	})
	b.svc.WithJobs(client)

	c := b.dispatched(t, time.Second, time.Hour)
	require.Eventually(t, func() bool {
		s := b.state(t, c.ID)
		return len(s.supervisions) == 1
	}, 10*time.Second, 100*time.Millisecond, "the acceptance breach is worked about a second after dispatch")
	s := b.state(t, c.ID)
	require.Equal(t, 1, s.level)
	require.Equal(t, []string{"center_leader:accept"}, s.supervisions)
	require.Contains(t, s.notifications, "reminder:department")
	require.Contains(t, s.notifications, "escalation:center")

	// Each notification went out by SMS to the department's staff, by mail
	// to the centre's (who have no phone on record).
	require.Eventually(t, func() bool { return len(sender.messages()) >= 4 }, 10*time.Second, 100*time.Millisecond) // assignment, two reminders, escalation
	got := sender.messages()
	require.Contains(t, got, "sms "+police.phone+" 新交办："+c.TrackingCode+" 楼道堆放杂物")
	require.Contains(t, got, "sms "+police.phone+" 催办："+c.TrackingCode+" 楼道堆放杂物")
	require.Contains(t, got, "email "+dispatcher.email+" 督办："+c.TrackingCode+" 楼道堆放杂物")
}

// recordingSender stands in for the SMS and mail gateways: outside our
// control, so a fake is what a test can use.
type recordingSender struct {
	mu  sync.Mutex
	got []string
}

func (r *recordingSender) Send(_ context.Context, m notifications.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, m.Channel+" "+m.To+" "+m.Title)
	return nil
}

func (r *recordingSender) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

type person struct{ phone, email string }

// member adds a person holding role at the street's root (bound to a
// department for department staff).
func (b *bundle) member(t *testing.T, name, role string, department int64, phone, email string) person {
	t.Helper()
	err := b.tdb.Tx(context.Background(), b.scope, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `WITH p AS (SELECT gen_random_uuid() AS id),
				s AS (INSERT INTO staff (identity_id, county_id, name, email, phone)
					SELECT id, (SELECT county_id FROM tenants WHERE id = $1), $2, nullif($5, ''), nullif($4, '') FROM p)
			INSERT INTO memberships (tenant_id, identity_id, role, node_id, department_id)
			SELECT $1, id, $3, (SELECT id FROM org_nodes WHERE tenant_id = $1 AND kind = 'street'), nullif($6, 0) FROM p`,
			b.scope.TenantID, name, role, phone, email, department)
		return err
	})
	require.NoError(t, err)
	return person{phone: phone, email: email}
}
