package situation_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/situation"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	*casetest.Street
	cases  *cases.Service
	svc    *situation.Service
	second tenants.Tenant // another street of the county, without cases
}

func setup(t *testing.T) *bundle {
	t.Helper()
	st := casetest.New(t)
	second, err := st.Tenants.CreateTenant(context.Background(), st.County, "371326101", "仲村镇")
	require.NoError(t, err)
	return &bundle{Street: st, cases: cases.NewService(st.TDB), svc: situation.NewService(st.TDB), second: second}
}

func (b *bundle) report(t *testing.T, channel, grade string) cases.Case {
	t.Helper()
	c, err := b.cases.Report(context.Background(), b.Scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{
		Channel: channel, CategoryID: b.Category, Grade: grade, Title: "楼道堆放杂物", NodeID: b.Building})
	require.NoError(t, err)
	return c
}

func (b *bundle) take(t *testing.T, c cases.Case, steps ...cases.Step) {
	t.Helper()
	for _, st := range steps {
		_, err := b.cases.Take(context.Background(), b.Scope, cases.Actor{Name: "陈静", Role: "dispatcher"}, c.ID, st)
		require.NoError(t, err)
	}
}

func find(counts []situation.Count, key string) situation.Count {
	for _, c := range counts {
		if c.Key == key {
			return c
		}
	}
	return situation.Count{Key: key}
}

func TestStreetDashboardCountsThePeriodAndWhatIsInHand(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	now := time.Now()
	dispatch := func(acceptIn, completeIn time.Duration) cases.Step {
		return cases.Step{Action: cases.Dispatch, DepartmentID: b.Police, LeaderName: "李所长", AcceptDue: now.Add(acceptIn), CompleteDue: now.Add(completeIn)}
	}
	// 5 cases: 2 resolved on the spot, 1 overdue for acceptance, 1 open in time, 1 cancelled.
	for range 2 {
		b.take(t, b.report(t, "grid_report", "general"), cases.Step{Action: cases.SelfResolve, Note: "当场劝离"})
	}
	b.take(t, b.report(t, "qr", "urgent"), dispatch(-time.Hour, time.Hour))
	b.report(t, "qr", "major")
	b.take(t, b.report(t, "visit", "general"), cases.Step{Action: cases.Cancel, Note: "重复"})
	// One old case, reported before the period, still open.
	old := b.report(t, "hotline_12345", "general")
	err := b.TDB.Tx(ctx, b.Scope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE cases SET reported_at = now() - interval '90 days' WHERE id = $1`, old.ID)
		return err
	})
	require.NoError(t, err)

	snap, err := b.svc.Street(ctx, b.Scope, 30)
	require.NoError(t, err)
	require.Equal(t, 4, snap.Totals.Received, "the cancelled case is not a case; the old one is outside the period")
	require.Equal(t, 2, snap.Totals.Resolved)
	require.InDelta(t, 0.5, *snap.Totals.ResolutionRate, 1e-9)
	require.Equal(t, 4, snap.Totals.Today)
	require.Equal(t, 3, snap.Totals.Open, "the two open ones of the period and the old one")
	require.Equal(t, 1, snap.Totals.Overdue)

	require.Equal(t, situation.Count{Key: "qr", Received: 2, Open: 2, Overdue: 1}, find(snap.ByChannel, "qr"))
	require.Equal(t, situation.Count{Key: "grid_report", Received: 2, Resolved: 2}, find(snap.ByChannel, "grid_report"))
	require.Equal(t, situation.Count{Key: "hotline_12345", Open: 1}, find(snap.ByChannel, "hotline_12345"))
	require.Equal(t, 1, find(snap.ByGrade, "urgent").Overdue)
	require.Equal(t, "qr", snap.ByChannel[0].Key, "busiest first: as many received as grid reports, more in hand")

	require.Len(t, snap.Heat, 1, "every grid of the street")
	require.Equal(t, "第1网格", snap.Heat[0].Name)
	require.Equal(t, 4, snap.Heat[0].Received)
	require.Equal(t, 3, snap.Heat[0].Open)
	require.Equal(t, "东关社区", snap.ByPlace[0].Name)
	require.NotEmpty(t, find(snap.ByCategory, snap.ByCategory[0].Key).Name)

	require.Len(t, snap.Trend, 30)
	last := snap.Trend[len(snap.Trend)-1]
	require.Equal(t, time.Now().In(fengqiao.China).Format("2006-01-02"), last.Date)
	require.Equal(t, situation.Day{Date: last.Date, Received: 4, Resolved: 2}, last)

	_, err = b.svc.Street(ctx, b.Scope, 0)
	require.Error(t, err)
}

func TestCountyDashboardAddsUpItsStreetsAndStreetsSeeOnlyTheirOwn(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	b.report(t, "qr", "general")
	b.report(t, "visit", "general")

	county, err := b.svc.County(ctx, tenants.Scope{CountyID: b.County.ID}, 7)
	require.NoError(t, err)
	require.Equal(t, 2, county.Totals.Received)
	require.Len(t, county.Heat, 2, "every street of the county, quiet ones too")
	require.Equal(t, 2, find(county.Heat, fmtInt(b.Tenant.ID)).Received)
	require.Equal(t, "仲村镇", find(county.Heat, fmtInt(b.second.ID)).Name)
	require.Equal(t, 2, county.ByCategory[0].Received, "categories add up by name across streets")

	other, err := b.svc.Street(ctx, tenants.Scope{TenantID: b.second.ID}, 7)
	require.NoError(t, err)
	require.Zero(t, other.Totals.Received, "another street sees none of these cases")
	require.Zero(t, other.Totals.Open)
	require.Nil(t, other.Totals.ResolutionRate)
}
