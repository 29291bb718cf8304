package demo_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/demo"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestDemoCasesCoverEveryStateChannelAndGradeOnce(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	tdb := tenants.NewDB(db.App)
	ts := tenants.NewService(tdb)
	cs := cases.NewService(tdb)
	county, err := demo.Seed(ctx, ts, io.Discard)
	require.NoError(t, err)
	var log strings.Builder
	require.NoError(t, demo.SeedCases(ctx, ts, cs, county, &log))
	require.Contains(t, log.String(), "371326001 平邑街道 with 240 cases")
	log.Reset()
	require.NoError(t, demo.SeedCases(ctx, ts, cs, county, &log))
	require.Empty(t, log.String(), "seeding again adds nothing")

	street, err := ts.TenantByCode(ctx, tenants.Scope{CountyID: county.ID}, "371326001")
	require.NoError(t, err)
	scope := tenants.Scope{TenantID: street.ID}
	distinct := func(sql string) []string {
		var out []string
		require.NoError(t, tdb.Tx(ctx, scope, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, sql)
			if err != nil {
				return err
			}
			out, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		}))
		return out
	}
	require.ElementsMatch(t, []string{"reported", "dispatched", "accepted", "resolved", "confirmed", "closed", "cancelled", "merged"},
		distinct(`SELECT DISTINCT status FROM cases`))
	require.ElementsMatch(t, cases.Channels, distinct(`SELECT DISTINCT channel FROM cases`))
	require.ElementsMatch(t, cases.Grades, distinct(`SELECT DISTINCT grade FROM cases`))
	require.Empty(t, distinct(`SELECT tracking_code FROM cases c WHERE EXISTS (SELECT 1 FROM case_events e
		WHERE e.case_id = c.id AND (e.at > now() OR e.at < c.reported_at))`), "every step lies between the report and now")
	require.Empty(t, distinct(`SELECT tracking_code FROM cases c WHERE status <> (SELECT to_status FROM case_events e
		WHERE e.case_id = c.id AND e.action <> 'absorb' ORDER BY at DESC, id DESC LIMIT 1)`), "the timeline ends in the case's status")
	require.Empty(t, distinct(`SELECT tracking_code FROM cases c WHERE escalation_level > 0 AND NOT EXISTS (SELECT 1 FROM case_events e
		WHERE e.case_id = c.id AND e.action = 'supervise')`), "every escalation is on the timeline")
	require.Empty(t, distinct(`SELECT c.tracking_code FROM cases c JOIN case_supervisions s ON s.case_id = c.id
		WHERE (s."window" = 'accept' AND c.accepted_at <= c.accept_due) OR (s."window" = 'complete' AND c.resolved_at <= c.complete_due)`),
		"a window met in time was not supervised")
	require.NotEmpty(t, distinct(`SELECT tracking_code FROM cases WHERE status IN ('dispatched', 'accepted') AND complete_due < now()`),
		"some open cases are overdue, for the ledger")

	// The demo's dispatch rules suggest a department.
	page, err := cs.List(ctx, scope, cases.Visibility{Street: true}, cases.Filter{Status: cases.Reported, Limit: 1})
	require.NoError(t, err)
	require.Len(t, page.Cases, 1)
	_, found, err := cs.SuggestDepartment(ctx, scope, page.Cases[0].ID)
	require.NoError(t, err)
	require.True(t, found)
}

func TestDemoAssessmentRanksEveryStreetOnce(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	tdb := tenants.NewDB(db.App)
	ts := tenants.NewService(tdb)
	county, err := demo.Seed(ctx, ts, io.Discard)
	require.NoError(t, err)
	require.NoError(t, demo.SeedCases(ctx, ts, cases.NewService(tdb), county, io.Discard))
	svc := rankings.NewService(tdb, assess.NewService(tdb))
	var log strings.Builder
	require.NoError(t, demo.SeedAssessment(ctx, svc, county, &log))
	require.Contains(t, log.String(), "rankings of last month and this month")
	log.Reset()
	require.NoError(t, demo.SeedAssessment(ctx, svc, county, &log))
	require.Empty(t, log.String(), "seeding again adds nothing")

	scope := tenants.Scope{CountyID: county.ID}
	schemes, err := svc.Schemes(ctx, scope)
	require.NoError(t, err)
	require.Len(t, schemes, 1)
	list, err := svc.Rankings(ctx, scope, schemes[0].ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	r, err := svc.RankingByID(ctx, scope, list[1].ID) // last month: a whole month of answers and ratings
	require.NoError(t, err)
	require.Equal(t, "done", r.Status)
	require.Len(t, r.Results, 3, "the demo county's three streets")
	var bottom int
	for _, res := range r.Results {
		if res.Bottom {
			bottom++
		}
		require.NotNil(t, res.Figures[assess.SatisfactionRate].Value, "demo residents rated answers in every street")
	}
	require.GreaterOrEqual(t, bottom, 1)
}
