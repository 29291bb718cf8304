package cases_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	db       *pgtest.DB
	tdb      *tenants.DB
	svc      *cases.Service
	scopeA   tenants.Scope
	scopeB   tenants.Scope
	building int64
	category int64
	police   int64 // a department of street A
	center   cases.Actor
	dept     cases.Actor
}

func setup(t *testing.T) *bundle {
	t.Helper()
	st := casetest.New(t)
	other, err := st.Tenants.CreateTenant(context.Background(), st.County, "371326101", "仲村镇")
	require.NoError(t, err)
	return &bundle{db: st.DB, tdb: st.TDB, svc: cases.NewService(st.TDB), scopeA: st.Scope, scopeB: tenants.Scope{TenantID: other.ID},
		building: st.Building, category: st.Category, police: st.Police,
		center: cases.Actor{Name: "陈静", Role: "dispatcher"}, dept: cases.Actor{Name: "张伟", Role: "department_staff"}}
}

func (b *bundle) report(t *testing.T) cases.Case {
	t.Helper()
	c, err := b.svc.Report(context.Background(), b.scopeA, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{
		Channel: "grid_report", CategoryID: b.category, Grade: "general", Title: "楼道堆放杂物", Description: "3单元楼道堆满纸箱，有消防隐患",
		NodeID: b.building, ReporterName: "王阿姨", ReporterPhone: "13800138000"})
	require.NoError(t, err)
	return c
}

func (b *bundle) dispatch() cases.Step {
	now := time.Now()
	return cases.Step{Action: cases.Dispatch, DepartmentID: b.police, LeaderName: "李所长", AcceptDue: now.Add(2 * time.Hour), CompleteDue: now.Add(72 * time.Hour)}
}

func TestFullLoopRecordsEveryStep(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.report(t)
	require.Equal(t, cases.Reported, c.Status)
	require.Regexp(t, `^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z*~$=]{3}$`, c.TrackingCode)

	steps := []struct {
		by   cases.Actor
		step cases.Step
		want cases.Status
	}{
		{b.center, b.dispatch(), cases.Dispatched},
		{b.dept, cases.Step{Action: cases.Accept}, cases.Accepted},
		{b.dept, cases.Step{Action: cases.Resolve, Note: "已清理楼道杂物"}, cases.Resolved},
		{b.center, cases.Step{Action: cases.Confirm}, cases.Confirmed},
		{b.center, cases.Step{Action: cases.Close, Note: "您反映的问题已处理完毕"}, cases.Closed},
	}
	for _, s := range steps {
		var err error
		c, err = b.svc.Take(ctx, b.scopeA, s.by, c.ID, s.step)
		require.NoError(t, err, s.step.Action)
		require.Equal(t, s.want, c.Status)
	}
	require.Equal(t, b.police, c.DepartmentID)
	require.Equal(t, "已清理楼道杂物", c.Result)
	require.Equal(t, "您反映的问题已处理完毕", c.Answer)
	for _, at := range []*time.Time{c.DispatchedAt, c.AcceptedAt, c.ResolvedAt, c.ConfirmedAt, c.ClosedAt} {
		require.NotNil(t, at, "every milestone has its time")
	}

	d, err := b.svc.Get(ctx, b.scopeA, c.ID)
	events := d.Timeline
	require.NoError(t, err)
	var trail []string
	for _, e := range events {
		trail = append(trail, e.Action+":"+string(e.FromStatus)+"→"+string(e.ToStatus)+":"+e.Actor)
	}
	require.Equal(t, []string{
		"report:→reported:周强",
		"dispatch:reported→dispatched:陈静",
		"accept:dispatched→accepted:张伟",
		"resolve:accepted→resolved:张伟",
		"confirm:resolved→confirmed:陈静",
		"close:confirmed→closed:陈静",
	}, trail)
}

func TestIllegalStepNamesTheAllowedOnes(t *testing.T) {
	b := setup(t)
	c := b.report(t)
	_, err := b.svc.Take(context.Background(), b.scopeA, b.dept, c.ID, cases.Step{Action: cases.Accept})
	var fe *fengqiao.Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, fengqiao.ECONFLICT, fe.Code)
	require.Contains(t, fe.Message, "allowed now: dispatch, self_resolve, merge, cancel")
}

func TestAllowedActionsFollowTheTable(t *testing.T) {
	require.Equal(t, []cases.Action{cases.Dispatch, cases.SelfResolve, cases.Merge, cases.Cancel}, cases.AllowedActions(cases.Reported))
	require.Equal(t, []cases.Action{cases.Dispatch, cases.Accept, cases.Return, cases.Merge, cases.Cancel}, cases.AllowedActions(cases.Dispatched))
	require.Equal(t, []cases.Action{cases.Reopen}, cases.AllowedActions(cases.Closed))
	require.Empty(t, cases.AllowedActions(cases.Cancelled))
	require.Empty(t, cases.AllowedActions(cases.Merged))
}

func TestReturnSelfResolveReopenMergeCancel(t *testing.T) {
	b := setup(t)
	ctx := context.Background()

	c := b.report(t)
	c, err := b.svc.Take(ctx, b.scopeA, b.center, c.ID, b.dispatch())
	require.NoError(t, err)
	_, err = b.svc.Take(ctx, b.scopeA, b.dept, c.ID, cases.Step{Action: cases.Return})
	require.Equal(t, []string{"body.note"}, fieldLocations(err), "a return needs a reason")
	c, err = b.svc.Take(ctx, b.scopeA, b.dept, c.ID, cases.Step{Action: cases.Return, Note: "属于城管职责"})
	require.NoError(t, err)
	require.Equal(t, cases.Reported, c.Status)
	require.Zero(t, c.DepartmentID, "a returned case leaves the department")

	spot := b.report(t)
	spot, err = b.svc.Take(ctx, b.scopeA, cases.Actor{Name: "周强", Role: "grid_worker"}, spot.ID, cases.Step{Action: cases.SelfResolve, Note: "当场劝离"})
	require.NoError(t, err)
	require.Equal(t, cases.Resolved, spot.Status)
	spot, err = b.svc.Take(ctx, b.scopeA, b.center, spot.ID, cases.Step{Action: cases.Reopen, Note: "居民反映仍有堆放"})
	require.NoError(t, err)
	require.Equal(t, cases.Reported, spot.Status)
	require.Nil(t, spot.ResolvedAt)

	dup := b.report(t)
	dup, err = b.svc.Take(ctx, b.scopeA, b.center, dup.ID, cases.Step{Action: cases.Merge, MergeInto: c.ID})
	require.NoError(t, err)
	require.Equal(t, cases.Merged, dup.Status)
	require.Equal(t, c.ID, dup.MergedInto)

	gone := b.report(t)
	gone, err = b.svc.Take(ctx, b.scopeA, b.center, gone.ID, cases.Step{Action: cases.Cancel, Note: "重复来电"})
	require.NoError(t, err)
	require.Equal(t, cases.Cancelled, gone.Status)
}

func TestReportValidationNamesEveryField(t *testing.T) {
	b := setup(t)
	_, err := b.svc.Report(context.Background(), b.scopeA, b.center, cases.NewCase{Channel: "fax", Grade: "huge", NodeID: 999999, CategoryID: 999999})
	require.ElementsMatch(t, []string{"body.channel", "body.grade", "body.title", "body.node_id", "body.category_id"}, fieldLocations(err))
}

func TestDispatchNeedsDepartmentLeaderAndDeadlines(t *testing.T) {
	b := setup(t)
	c := b.report(t)
	_, err := b.svc.Take(context.Background(), b.scopeA, b.center, c.ID, cases.Step{Action: cases.Dispatch})
	require.ElementsMatch(t, []string{"body.department_id", "body.leader_name", "body.complete_due"}, fieldLocations(err))
}

func TestAnotherStreetCannotSeeOrStepACase(t *testing.T) {
	b := setup(t)
	c := b.report(t)
	_, err := b.svc.Get(context.Background(), b.scopeB, c.ID)
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))
	_, err = b.svc.Take(context.Background(), b.scopeB, b.center, c.ID, cases.Step{Action: cases.Cancel, Note: "x"})
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))
}

func TestTimelineIsAppendOnly(t *testing.T) {
	b := setup(t)
	c := b.report(t)
	for _, sql := range []string{`UPDATE case_events SET note = 'rewritten' WHERE case_id = $1`, `DELETE FROM case_events WHERE case_id = $1`} {
		err := tenants.NewDB(b.db.App).Tx(context.Background(), b.scopeA, func(tx pgx.Tx) error {
			_, err := tx.Exec(context.Background(), sql, c.ID)
			return err
		})
		var pgErr *pgconn.PgError
		require.True(t, errors.As(err, &pgErr), sql)
		require.Equal(t, "42501", pgErr.Code, "the app role may only append to the timeline: %s", sql)
	}
}

func fieldLocations(err error) []string {
	var fe *fengqiao.Error
	if !errors.As(err, &fe) {
		return nil
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Location)
	}
	return out
}
