package rankings_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func value(v float64) *float64 { return &v }

func figure(num, den int64) assess.Figure {
	if den == 0 {
		return assess.Figure{}
	}
	return assess.Figure{Numerator: num, Denominator: den, Value: value(float64(num) / float64(den) * 100)}
}

func TestScoreWeighsRanksWithTiesAndNamesTheBottom(t *testing.T) {
	scheme := []rankings.Weighted{
		{Indicator: assess.ResolutionRate, Weight: 3, Direction: assess.HigherBetter},
		{Indicator: assess.SatisfactionRate, Weight: 1, Direction: assess.LowerBetter}, // turned round, to test direction
	}
	values := map[int64]assess.Values{
		1: {assess.ResolutionRate: figure(90, 100), assess.SatisfactionRate: figure(50, 100)},
		2: {assess.ResolutionRate: figure(70, 100), assess.SatisfactionRate: figure(50, 100)},
		3: {assess.ResolutionRate: figure(70, 100), assess.SatisfactionRate: figure(50, 100)},
		4: {assess.ResolutionRate: figure(0, 0), assess.SatisfactionRate: figure(90, 100)}, // no cases: no points
		5: {assess.ResolutionRate: figure(80, 100), assess.SatisfactionRate: figure(10, 100)},
	}
	names := map[int64]string{1: "甲", 2: "乙", 3: "丙", 4: "丁", 5: "戊"}
	got := rankings.Score(scheme, 1, rankings.NoDataZero, values, names)
	byID := map[int64]rankings.Result{}
	for _, r := range got {
		byID[r.StreetID] = r
	}
	// Resolution: 90 → 100 points, 80 → 50, 70 → 0, none → 0. Satisfaction
	// (lower better here): 10 → 100, 50 → 50, 90 → 0.
	require.InDelta(t, (3*100+1*50)/4.0, byID[1].Score, 0.01)
	require.InDelta(t, (3*50+1*100)/4.0, byID[5].Score, 0.01)
	require.InDelta(t, (3*0+1*50)/4.0, byID[2].Score, 0.01)
	require.InDelta(t, 0, byID[4].Score, 0.01)
	require.Equal(t, []int64{1, 5, 3, 2, 4}, []int64{got[0].StreetID, got[1].StreetID, got[2].StreetID, got[3].StreetID, got[4].StreetID},
		"best first; equal scores by name (丙 before 乙)")
	require.Equal(t, []int{1, 2, 3, 3, 5}, []int{got[0].Rank, got[1].Rank, got[2].Rank, got[3].Rank, got[4].Rank}, "ties share a rank")
	require.Equal(t, []bool{false, false, false, false, true}, []bool{got[0].Bottom, got[1].Bottom, got[2].Bottom, got[3].Bottom, got[4].Bottom})
	got = rankings.Score(scheme, 2, rankings.NoDataZero, values, names)
	require.Equal(t, []bool{false, false, true, true, true}, []bool{got[0].Bottom, got[1].Bottom, got[2].Bottom, got[3].Bottom, got[4].Bottom},
		"the bottom two reach into a tie: both tied streets are named")
	require.Nil(t, byID[4].Figures[assess.ResolutionRate].Value)
	require.Equal(t, 100.0, byID[1].Figures[assess.ResolutionRate].Points)
}

func TestScoreCanLeaveOutAnIndicatorAStreetHasNoDataFor(t *testing.T) {
	scheme := []rankings.Weighted{
		{Indicator: assess.ResolutionRate, Weight: 3, Direction: assess.HigherBetter},
		{Indicator: assess.SatisfactionRate, Weight: 1, Direction: assess.HigherBetter},
	}
	values := map[int64]assess.Values{
		1: {assess.ResolutionRate: figure(90, 100), assess.SatisfactionRate: figure(9, 10)},
		2: {assess.ResolutionRate: figure(70, 100), assess.SatisfactionRate: figure(5, 10)},
		3: {assess.ResolutionRate: figure(80, 100), assess.SatisfactionRate: figure(0, 0)}, // no resident rated
		4: {assess.ResolutionRate: figure(0, 0), assess.SatisfactionRate: figure(0, 0)},    // nothing at all
	}
	names := map[int64]string{1: "甲", 2: "乙", 3: "丙", 4: "丁"}
	scores := func(noData string) map[int64]float64 {
		out := map[int64]float64{}
		for _, r := range rankings.Score(scheme, 1, noData, values, names) {
			out[r.StreetID] = r.Score
		}
		return out
	}
	// Resolution: 90 → 100 points, 80 → 50, 70 → 0. Satisfaction: 90% → 100, 50% → 0.
	require.Equal(t, map[int64]float64{1: 100, 2: 0, 3: 37.5, 4: 0}, scores(rankings.NoDataZero), "no ratings cost 丙 the satisfaction weight")
	require.Equal(t, map[int64]float64{1: 100, 2: 0, 3: 50, 4: 0}, scores(rankings.NoDataSkip), "丙 is scored on resolution alone")
}

type bundle struct {
	*casetest.Street
	svc    *rankings.Service
	county tenants.Scope
}

func setup(t *testing.T) *bundle {
	t.Helper()
	st := casetest.New(t)
	_, err := st.Tenants.CreateTenant(context.Background(), st.County, "371326101", "仲村镇")
	require.NoError(t, err)
	return &bundle{Street: st, svc: rankings.NewService(st.TDB, assess.NewService(st.TDB)), county: tenants.Scope{CountyID: st.County.ID}}
}

func TestARankingIsComputedOnceAndNeverChanges(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	cs := cases.NewService(b.TDB)
	for i := range 4 {
		c, err := cs.Report(ctx, b.Scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{Channel: "grid_report",
			CategoryID: b.Category, Grade: "general", Title: "楼道堆放杂物", NodeID: b.Building})
		require.NoError(t, err)
		if i < 3 {
			_, err = cs.Take(ctx, b.Scope, cases.Actor{Name: "周强", Role: "grid_worker"}, c.ID, cases.Step{Action: cases.SelfResolve, Note: "已处置"})
			require.NoError(t, err)
		}
	}
	scheme, err := b.svc.CreateScheme(ctx, b.county, "王建国", rankings.Scheme{Name: "月度考核", BottomN: 1,
		Indicators: []rankings.Weighted{{Indicator: assess.ResolutionRate, Weight: 1}}})
	require.NoError(t, err)
	require.Equal(t, assess.HigherBetter, scheme.Indicators[0].Direction, "the indicator's own direction by default")
	require.Equal(t, rankings.NoDataZero, scheme.NoData, "no data scores 0 by default")
	now := time.Now().In(fengqiao.China)
	month, err := assess.Month(now.Year(), now.Month())
	require.NoError(t, err)
	r, err := b.svc.Request(ctx, b.county, "王建国", "manual", scheme.ID, month, "")
	require.NoError(t, err)
	require.Equal(t, "queued", r.Status)

	require.NoError(t, b.svc.Run(ctx, b.County.ID, r.ID))
	done, err := b.svc.RankingByID(ctx, b.county, r.ID)
	require.NoError(t, err)
	require.Equal(t, "done", done.Status)
	require.Equal(t, 100, done.Percent)
	require.Len(t, done.Results, 2, "every street of the county")
	require.Equal(t, "平邑街道", done.Results[0].StreetName)
	require.Equal(t, 1, done.Results[0].Rank)
	fig := done.Results[0].Figures[assess.ResolutionRate]
	require.Equal(t, int64(3), fig.Numerator)
	require.Equal(t, int64(4), fig.Denominator)
	require.Equal(t, "仲村镇", done.Results[1].StreetName)
	require.True(t, done.Results[1].Bottom, "no cases, no points: named for a notice")
	require.Equal(t, rankings.NoDataZero, done.NoData)

	// A scheme that leaves out what a street has no data for: the rule is
	// read back and copied into its ranking.
	skipping, err := b.svc.CreateScheme(ctx, b.county, "王建国", rankings.Scheme{Name: "满意度考核", NoData: rankings.NoDataSkip,
		Indicators: []rankings.Weighted{{Indicator: assess.ResolutionRate, Weight: 1}}})
	require.NoError(t, err)
	read, err := b.svc.SchemeByID(ctx, b.county, skipping.ID)
	require.NoError(t, err)
	require.Equal(t, rankings.NoDataSkip, read.NoData)
	r2, err := b.svc.Request(ctx, b.county, "王建国", "manual", skipping.ID, month, "")
	require.NoError(t, err)
	require.Equal(t, rankings.NoDataSkip, r2.NoData)

	// Published: the snapshot stands against the database itself.
	err = b.TDB.Tx(ctx, b.county, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE rankings SET percent = 50 WHERE id = $1`, r.ID)
		return err
	})
	require.ErrorContains(t, err, "published")
	err = b.TDB.Tx(ctx, b.county, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE ranking_results SET score = 100 WHERE ranking_id = $1`, r.ID)
		return err
	})
	require.Error(t, err, "results cannot be updated at all")
	require.NoError(t, b.svc.Run(ctx, b.County.ID, r.ID), "a retried job leaves a done ranking alone")

	// A street's scope, or another county's, sees no schemes or rankings.
	var n int
	require.NoError(t, b.TDB.Tx(ctx, b.Scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM assessment_schemes) + (SELECT count(*) FROM rankings) + (SELECT count(*) FROM ranking_results)`).Scan(&n)
	}))
	require.Zero(t, n)
	_, err = b.svc.RankingByID(ctx, tenants.Scope{CountyID: b.County.ID + 1000}, r.ID)
	require.Error(t, err)
}

func TestSchemesAreValidatedByField(t *testing.T) {
	b := setup(t)
	_, err := b.svc.CreateScheme(context.Background(), b.county, "x", rankings.Scheme{Name: " ", BottomN: 99, BottomAction: "fire", NoData: "average",
		Indicators: []rankings.Weighted{{Indicator: "bogus", Weight: 1}, {Indicator: assess.ResolutionRate, Weight: 0, Direction: "sideways"}}})
	var fe *fengqiao.Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, fengqiao.EINVALID, fe.Code)
	var locations []string
	for _, f := range fe.Fields {
		locations = append(locations, f.Location)
	}
	require.Equal(t, []string{"body.name", "body.bottom_n", "body.bottom_action", "body.no_data", "body.indicators[0].indicator",
		"body.indicators[1].weight", "body.indicators[1].direction"}, locations)
}
