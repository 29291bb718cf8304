package cases_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/tenants"
)

// moveReportTime moves a case's report time, which only the database sets.
func (b *bundle) moveReportTime(t *testing.T, id int64, at time.Time) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.SuperuserURL(b.db.Name))
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE cases SET reported_at = $2 WHERE id = $1`, id, at)
	require.NoError(t, err)
}

func requestCodes(rs []cases.Request) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.TrackingCode
	}
	return out
}

func TestRequestsFilterByCodeCategoryStatusAndTime(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	categories, err := tenants.NewService(b.tdb).Categories(ctx, b.scopeA)
	require.NoError(t, err)
	other := categories[1]

	old := b.report(t)
	b.moveReportTime(t, old.ID, time.Now().Add(-100*24*time.Hour))
	first := b.report(t)
	second, err := b.svc.Report(ctx, b.scopeA, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{
		Channel: "online", CategoryID: other.ID, Grade: "general", Title: "邻里噪音", NodeID: b.building})
	require.NoError(t, err)
	_, err = b.svc.Take(ctx, b.scopeA, b.center, first.ID, cases.Step{Action: cases.Cancel, Note: "重复上报"})
	require.NoError(t, err)

	all, err := b.svc.Requests(ctx, b.scopeA, cases.RequestQuery{})
	require.NoError(t, err)
	require.Equal(t, []string{second.TrackingCode, first.TrackingCode, old.TrackingCode}, requestCodes(all), "newest first")
	require.Equal(t, other.Code, all[0].CategoryCode)
	require.Equal(t, "37132600100101001001", all[0].NodeCode)
	require.Equal(t, "东关社区 第1网格 1号楼", all[0].PlaceName)

	for name, tc := range map[string]struct {
		q    cases.RequestQuery
		want []string
	}{
		"codes":      {cases.RequestQuery{TrackingCodes: []string{old.TrackingCode, second.TrackingCode}}, []string{second.TrackingCode, old.TrackingCode}},
		"category":   {cases.RequestQuery{CategoryIDs: []int64{other.ID}}, []string{second.TrackingCode}},
		"statuses":   {cases.RequestQuery{Statuses: []cases.Status{cases.Cancelled, cases.Closed}}, []string{first.TrackingCode}},
		"from":       {cases.RequestQuery{From: time.Now().Add(-time.Hour)}, []string{second.TrackingCode, first.TrackingCode}},
		"to":         {cases.RequestQuery{To: time.Now().Add(-90 * 24 * time.Hour)}, []string{old.TrackingCode}},
		"limit":      {cases.RequestQuery{Limit: 1}, []string{second.TrackingCode}},
		"conditions": {cases.RequestQuery{CategoryIDs: []int64{b.category}, Statuses: []cases.Status{cases.Reported}}, []string{old.TrackingCode}},
	} {
		got, err := b.svc.Requests(ctx, b.scopeA, tc.q)
		require.NoError(t, err, name)
		require.Equal(t, tc.want, requestCodes(got), name)
	}

	got, err := b.svc.Requests(ctx, b.scopeB, cases.RequestQuery{TrackingCodes: []string{second.TrackingCode}})
	require.NoError(t, err)
	require.Empty(t, got, "another street's scope reads none of street A's cases")
}
