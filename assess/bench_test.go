package assess_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/tenants"
)

// Size of the benchmark county: benchStreets × benchCases cases over 2024
// and 2025, in every status and channel, with ratings and grid workers.
// FENGQIAO_BENCH_STREETS and FENGQIAO_BENCH_CASES_PER_STREET set the
// issue's size (100 × 100,000 = 10M cases; tens of minutes to seed).
var (
	benchStreets = envInt("FENGQIAO_BENCH_STREETS", 20)
	benchCases   = envInt("FENGQIAO_BENCH_CASES_PER_STREET", 50_000)
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkCompute prices every indicator for every street of a county
// against the floor the ranking job is held to. baseline_same_rows is one
// aggregate scan of the same case rows, SELECT tenant_id, count(*) …
// GROUP BY tenant_id with the statement's own row filter, so the same
// access path: the target is compute_* at most 2× its ns/op.
// baseline_period counts only the period's cases (by report time), a
// lower floor: the indicators also need the backlog open at the start and
// cases resolved or due in the period. year_on_year is the statement over
// the period and the year before it. All run in the county's scope, under
// the same row-level security.
func BenchmarkCompute(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	county, streets := e.county(b, "440309", benchStreets)
	start := time.Now()
	// A bulk load, as a restore would do it: the secondary indexes are
	// built once afterwards rather than maintained row by row, and the
	// triggers on a case change (the dashboards' signal) stay off. This
	// halves the seeding; what is measured runs on the same indexes.
	var indexes []string
	rows, err := e.db.Owner.Query(ctx, `SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
		WHERE indrelid = 'cases'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`)
	require.NoError(b, err)
	var drops []string
	for rows.Next() {
		var name, def string
		require.NoError(b, rows.Scan(&name, &def))
		drops, indexes = append(drops, `DROP INDEX `+name), append(indexes, def)
	}
	require.NoError(b, rows.Err())
	_, err = e.db.Owner.Exec(ctx, strings.Join(drops, "; ")+`; ALTER TABLE cases DISABLE TRIGGER USER`)
	require.NoError(b, err)
	for _, s := range streets {
		seedStreet(b, e, s)
	}
	_, err = e.db.Owner.Exec(ctx, strings.Join(indexes, "; ")+`; ALTER TABLE cases ENABLE TRIGGER USER`)
	require.NoError(b, err)
	_, err = e.db.Owner.Exec(ctx, `VACUUM ANALYZE`)
	require.NoError(b, err)
	b.Logf("seeded %d streets × %d cases in %s", benchStreets, benchCases, time.Since(start).Round(time.Millisecond))

	scope := tenants.Scope{CountyID: county.ID}
	svc := assess.NewService(e.tdb)
	count := func(b *testing.B, sql string, args ...any) {
		n := 0
		err := e.tdb.Tx(ctx, scope, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, sql, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				n++
			}
			return rows.Err()
		})
		if err != nil || n != benchStreets {
			b.Fatal(n, err)
		}
	}
	const streetsOf = `tenant_id = ANY (ARRAY(SELECT id FROM tenants WHERE county_id = $1))`
	for _, c := range []struct {
		name   string
		period assess.Period
	}{
		{"month", must(assess.Month(2025, time.December))},
		{"year", must(assess.Year(2025))},
	} {
		if os.Getenv("FENGQIAO_ASSESS_EXPLAIN") != "" {
			explain(b, e, scope, county.ID, c.period)
		}
		b.Run("compute_"+c.name, func(b *testing.B) {
			for b.Loop() {
				all, err := svc.Compute(ctx, scope, county.ID, c.period)
				if err != nil || len(all) != benchStreets {
					b.Fatal(len(all), err)
				}
			}
		})
		// The ranking job itself: request (the queued row), then compute,
		// score and store every street, as River's worker runs it.
		b.Run("ranking_job_"+c.name, func(b *testing.B) {
			ranks := rankings.NewService(e.tdb, svc)
			scheme, err := ranks.CreateScheme(ctx, scope, "bench", rankings.Scheme{Name: "bench " + c.name, BottomN: 3,
				Indicators: []rankings.Weighted{{Indicator: assess.ResolutionRate, Weight: 30}, {Indicator: assess.TimelyAcceptanceRate, Weight: 20},
					{Indicator: assess.OnTimeCompletionRate, Weight: 20}, {Indicator: assess.FirstTimeResolutionRate, Weight: 15},
					{Indicator: assess.SatisfactionRate, Weight: 15}}})
			require.NoError(b, err)
			for b.Loop() {
				r, err := ranks.Request(ctx, scope, "bench", "manual", scheme.ID, c.period, "")
				if err != nil {
					b.Fatal(err)
				}
				if err := ranks.Run(ctx, county.ID, r.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("baseline_same_rows_"+c.name, func(b *testing.B) {
			for b.Loop() {
				count(b, `SELECT tenant_id, count(*) FROM cases WHERE `+streetsOf+`
					AND `+assess.RelevantUntil+` >= $2 AND reported_at < $3 GROUP BY tenant_id`, county.ID, c.period.From, c.period.To)
			}
		})
		b.Run("baseline_period_"+c.name, func(b *testing.B) {
			for b.Loop() {
				count(b, `SELECT tenant_id, count(*) FROM cases WHERE `+streetsOf+`
					AND reported_at >= $2 AND reported_at < $3 GROUP BY tenant_id`, county.ID, c.period.From, c.period.To)
			}
		})
		b.Run("year_on_year_"+c.name, func(b *testing.B) {
			for b.Loop() {
				all, err := svc.CompareYearOnYear(ctx, scope, county.ID, c.period)
				if err != nil || len(all) != benchStreets {
					b.Fatal(len(all), err)
				}
			}
		})
	}
}

// seedStreet inserts a street's cases in one statement, spread over 2024
// and 2025: one in twenty cancelled, one merged, 15% of the last two
// months' still open and a few older ones (0.6%), the rest resolved within
// days, some late; then ratings for a fifth of the
// resolved ones and 100 grid workers.
func seedStreet(b testing.TB, e *env, s street) {
	ctx := context.Background()
	first := e.nextRow
	e.nextRow += int64(benchCases)
	err := e.asOwner(ctx, s.CountyID, s.ID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, status,
				node_id, reported_at, dispatched_at, accept_due, accepted_at, complete_due, resolved_at, return_count, reopen_count)
			SELECT $1, substr(h, 1, 4) || '-' || substr(h, 5, 4) || '-' || substr(h, 9, 3),
				(ARRAY['qr', 'grid_report', 'hotline_12345', 'visit', 'petition', 'online', 'superior_assigned', 'screening'])[1 + g % 8],
				$3, 'general', '测试案件', '', st, $4, rep,
				CASE WHEN dispatched THEN rep + interval '1 hour' END,
				CASE WHEN dispatched THEN rep + interval '25 hours' END,
				CASE WHEN dispatched AND st NOT IN ('reported', 'dispatched', 'cancelled', 'merged') THEN rep + make_interval(hours => 1 + g % 30) END,
				CASE WHEN dispatched THEN rep + interval '7 days' END,
				CASE WHEN st IN ('resolved', 'confirmed', 'closed') THEN rep + make_interval(days => 1 + g % 9) END,
				(g % 23 = 0)::int, (g % 31 = 0)::int
			FROM generate_series(1, $5::int) g,
				lpad(upper(to_hex($2::bigint + g)), 11, '0') h,
				LATERAL (SELECT timestamptz '2024-01-01 00:00+08' + make_interval(days => g % 731, hours => g % 24) AS rep) r,
				LATERAL (SELECT CASE WHEN g % 20 IN (2, 3, 4) AND (rep < timestamptz '2025-11-01 00:00+08' AND g % 50 <> 2) THEN 'closed'
					ELSE (ARRAY['cancelled', 'merged', 'reported', 'dispatched', 'accepted', 'resolved', 'resolved', 'resolved', 'resolved', 'resolved',
						'confirmed', 'confirmed', 'confirmed', 'confirmed', 'confirmed', 'closed', 'closed', 'closed', 'closed', 'closed'])[1 + g % 20] END AS st,
					g % 7 <> 0 AS dispatched) x`,
			s.ID, first, s.category, s.node, benchCases)
		if err != nil {
			return fmt.Errorf("cases: %w", err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_ratings (tenant_id, case_id, resolved_at, score, created_at)
			SELECT tenant_id, id, resolved_at, 1 + id % 5, resolved_at + interval '1 day' FROM cases
			WHERE tenant_id = $1 AND resolved_at IS NOT NULL AND id % 5 = 0`, s.ID); err != nil {
			return fmt.Errorf("ratings: %w", err)
		}
		_, err = tx.Exec(ctx, `WITH p AS (
				INSERT INTO staff (identity_id, county_id, name, email)
				SELECT gen_random_uuid(), $2, '网格员', 'grid@example.org' FROM generate_series(1, 100)
				RETURNING identity_id)
			INSERT INTO memberships (tenant_id, identity_id, role, node_id, created_at)
			SELECT $1, identity_id, 'grid_worker', $3, timestamptz '2023-06-01 00:00+08' FROM p`, s.ID, s.CountyID, s.node)
		if err != nil {
			return fmt.Errorf("grid workers: %w", err)
		}
		return nil
	})
	require.NoError(b, err)
}

// explain logs the statement's plan (FENGQIAO_ASSESS_EXPLAIN=1).
func explain(b *testing.B, e *env, scope tenants.Scope, countyID int64, p assess.Period) {
	ctx := context.Background()
	var lines []string
	err := e.tdb.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+assess.StatementSQL(1), countyID, time.Now(), p.From, p.To)
		if err != nil {
			return err
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			lines = append(lines, line)
		}
		return rows.Err()
	})
	require.NoError(b, err)
	b.Log(p.String() + "\n" + strings.Join(lines, "\n"))
}
