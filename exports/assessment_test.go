package exports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/exports"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/tenants"
)

// book downloads a done export and reads one sheet's rows.
func (b *bundle) book(t *testing.T, scope tenants.Scope, e exports.Export, sheet string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, b.svc.WriteFile(context.Background(), scope, e.Owner, e.ID, e.RequestedBy, &buf))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows(sheet)
	require.NoError(t, err)
	return rows
}

func TestARankingAndTheIndicatorTableExport(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	_, err := b.st.Tenants.CreateTenant(ctx, b.st.County, "371326101", "仲村镇")
	require.NoError(t, err)
	// Two of the street's five cases resolved on the spot.
	for _, id := range b.inGrid[b.grid1][:2] {
		_, err := b.cases.Take(ctx, b.st.Scope, cases.Actor{Name: "周强", Role: "grid_worker"}, id, cases.Step{Action: cases.SelfResolve, Note: "已处置"})
		require.NoError(t, err)
	}
	county := tenants.Scope{CountyID: b.st.County.ID}
	ranks := rankings.NewService(b.st.TDB, assess.NewService(b.st.TDB))
	scheme, err := ranks.CreateScheme(ctx, county, "王建国", rankings.Scheme{Name: "月度考核", BottomN: 1, BottomAction: "interview",
		Indicators: []rankings.Weighted{{Indicator: assess.ResolutionRate, Weight: 1}}})
	require.NoError(t, err)
	now := time.Now().In(fengqiao.China)
	month, err := assess.Month(now.Year(), now.Month())
	require.NoError(t, err)
	r, err := ranks.Request(ctx, county, "王建国", "manual", scheme.ID, month, "")
	require.NoError(t, err)
	require.NoError(t, ranks.Run(ctx, b.st.County.ID, r.ID))

	owner := exports.Owner{CountyID: b.st.County.ID}
	e, err := b.svc.Create(ctx, county, owner, exports.Request{Kind: exports.KindRanking,
		Filters: json.RawMessage(fmt.Sprintf(`{"ranking_id":%d}`, r.ID)), RequestedBy: "王建国"})
	require.NoError(t, err)
	run(t, b.st.TDB, e)
	rows := b.book(t, county, e, "考核排名")
	require.Len(t, rows, 3, "a header and both streets")
	require.Equal(t, []string{"名次", "街道（乡镇）", "得分", "通报/约谈", "化解率", "化解率（分子）", "化解率（分母）"}, rows[0][:7])
	require.Equal(t, []string{"1", "平邑街道", "100", "", "40.0%", "2", "5"}, rows[1][:7])
	require.Equal(t, "仲村镇", rows[2][1])
	require.Equal(t, "约谈", rows[2][3], "the bottom street is named for an interview")

	_, err = b.svc.Create(ctx, b.st.Scope, exports.Owner{TenantID: b.st.Tenant.ID}, exports.Request{Kind: exports.KindRanking,
		Filters: json.RawMessage(fmt.Sprintf(`{"ranking_id":%d}`, r.ID)), RequestedBy: "刘洋"})
	require.ErrorContains(t, err, "county", "a street cannot export the county's ranking")

	filters, err := json.Marshal(exports.IndicatorFilters{From: month.From, To: month.To})
	require.NoError(t, err)
	street, err := b.svc.Create(ctx, b.st.Scope, exports.Owner{TenantID: b.st.Tenant.ID}, exports.Request{Kind: exports.KindIndicators,
		Filters: filters, RequestedBy: "刘洋"})
	require.NoError(t, err)
	run(t, b.st.TDB, street)
	rows = b.book(t, b.st.Scope, street, "考核指标")
	require.Len(t, rows, 2, "the street's own row only")
	require.Equal(t, []string{"平邑街道", "40.0%", "2", "5"}, rows[1][:4])
}

func TestTheIndicatorTableComparesWithTheYearBefore(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	// A year ago: the street's five cases, two resolved on the spot (40%).
	for _, id := range b.inGrid[b.grid1][:2] {
		_, err := b.cases.Take(ctx, b.st.Scope, cases.Actor{Name: "周强", Role: "grid_worker"}, id, cases.Step{Action: cases.SelfResolve, Note: "已处置"})
		require.NoError(t, err)
	}
	conn, err := b.st.DB.Owner.Acquire(ctx)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, fmt.Sprint(b.st.Tenant.ID))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `UPDATE cases SET reported_at = reported_at - interval '1 year' WHERE tenant_id = $1`, b.st.Tenant.ID)
	conn.Release()
	require.NoError(t, err)
	// This month: four cases, one resolved (25%): −37.5% on the year before.
	for i := range 4 {
		c, err := b.cases.Report(ctx, b.st.Scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{Channel: "visit",
			CategoryID: b.st.Category, Grade: "general", Title: "邻里纠纷", NodeID: b.st.Building})
		require.NoError(t, err)
		if i == 0 {
			_, err = b.cases.Take(ctx, b.st.Scope, cases.Actor{Name: "周强", Role: "grid_worker"}, c.ID, cases.Step{Action: cases.SelfResolve, Note: "已处置"})
			require.NoError(t, err)
		}
	}
	now := time.Now().In(fengqiao.China)
	month, err := assess.Month(now.Year(), now.Month())
	require.NoError(t, err)
	filters, err := json.Marshal(exports.IndicatorFilters{From: month.From, To: month.To})
	require.NoError(t, err)
	e, err := b.svc.Create(ctx, b.st.Scope, exports.Owner{TenantID: b.st.Tenant.ID}, exports.Request{Kind: exports.KindIndicators,
		Filters: filters, RequestedBy: "刘洋"})
	require.NoError(t, err)
	run(t, b.st.TDB, e)
	rows := b.book(t, b.st.Scope, e, "考核指标")
	require.Equal(t, []string{"街道（乡镇）", "化解率", "化解率（分子）", "化解率（分母）", "化解率（同比）"}, rows[0][:5])
	require.Equal(t, []string{"平邑街道", "25.0%", "1", "4", "-37.5%"}, rows[1][:5])
}
