package assess

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Service computes indicators.
type Service struct {
	db  *tenants.DB
	now func() time.Time
}

// NewService returns a Service.
func NewService(db *tenants.DB) *Service { return &Service{db: db, now: time.Now} }

// WithClock returns a copy of s that judges deadlines as of the moment now
// returns instead of the wall clock: an unaccepted or unresolved case counts as late once
// its deadline is before that moment. Tests and re-runs of a ranking use it.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

// Compute returns every indicator for every street of the county for the
// period, keyed by tenant id: every street of the county, suspended ones
// included, and one without any data with nil values. scope must be the
// county's read scope (tenants.Scope{CountyID: countyID}): county staff
// read every street through the county_read policies. One statement, one
// scan of the cases that matter to the period.
func (s *Service) Compute(ctx context.Context, scope tenants.Scope, countyID int64, p Period) (map[int64]Values, error) {
	if err := checkCounty(scope, countyID); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil { // before any transaction
		return nil, err
	}
	var out map[int64]Values
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		out, err = ComputeInTx(ctx, tx, s.now(), countyID, p)
		return err
	})
	return out, err
}

// ComputeTenant is Compute for the one street of scope.TenantID, with the
// same statement filtered to that street.
func (s *Service) ComputeTenant(ctx context.Context, scope tenants.Scope, p Period) (Values, error) {
	if scope.TenantID == 0 {
		return nil, fengqiao.Errorf(fengqiao.EFORBIDDEN, "a street's indicators need the street's scope")
	}
	if err := p.Validate(); err != nil { // before any transaction
		return nil, err
	}
	var out Values
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		out, err = ComputeTenantInTx(ctx, tx, s.now(), scope.TenantID, p)
		return err
	})
	return out, err
}

// ComputeInTx is Compute inside the caller's transaction (which must
// read in the county's scope, or in a street's for that street alone),
// judging deadlines as of now: an export reads its table in its own.
func ComputeInTx(ctx context.Context, tx pgx.Tx, now time.Time, countyID int64, p Period) (map[int64]Values, error) {
	rows, err := query(ctx, tx, now, countyStatements, countyID, p)
	if err != nil {
		return nil, fmt.Errorf("compute indicators of county %d for %s: %w", countyID, p, err)
	}
	out := make(map[int64]Values, len(rows))
	for id, counts := range rows {
		out[id] = counts.values(0)
	}
	return out, nil
}

// ComputeTenantInTx is ComputeTenant inside the caller's transaction.
func ComputeTenantInTx(ctx context.Context, tx pgx.Tx, now time.Time, tenantID int64, p Period) (Values, error) {
	rows, err := query(ctx, tx, now, tenantStatements, tenantID, p)
	if err != nil {
		return nil, fmt.Errorf("compute indicators of street %d for %s: %w", tenantID, p, err)
	}
	counts, ok := rows[tenantID]
	if !ok {
		return nil, fengqiao.Errorf(fengqiao.ENOTFOUND, "no street %d", tenantID)
	}
	return counts.values(0), nil
}

// CompareYearOnYear is Compute for the period and the same period a year
// earlier, with each indicator's change (同比). One statement covers both
// periods: the scan reaches back a year further.
func (s *Service) CompareYearOnYear(ctx context.Context, scope tenants.Scope, countyID int64, p Period) (map[int64]Comparisons, error) {
	if err := checkCounty(scope, countyID); err != nil {
		return nil, err
	}
	var out map[int64]Comparisons
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		out, err = CompareYearOnYearInTx(ctx, tx, s.now(), countyID, p)
		return err
	})
	return out, err
}

// CompareYearOnYearTenant is CompareYearOnYear for the one street of
// scope.TenantID.
func (s *Service) CompareYearOnYearTenant(ctx context.Context, scope tenants.Scope, p Period) (Comparisons, error) {
	if scope.TenantID == 0 {
		return nil, fengqiao.Errorf(fengqiao.EFORBIDDEN, "a street's indicators need the street's scope")
	}
	var out Comparisons
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		out, err = CompareYearOnYearTenantInTx(ctx, tx, s.now(), scope.TenantID, p)
		return err
	})
	return out, err
}

// CompareYearOnYearInTx is CompareYearOnYear inside the caller's
// transaction, judging deadlines as of now.
func CompareYearOnYearInTx(ctx context.Context, tx pgx.Tx, now time.Time, countyID int64, p Period) (map[int64]Comparisons, error) {
	rows, err := query(ctx, tx, now, countyStatements, countyID, p, p.PreviousYear())
	if err != nil {
		return nil, fmt.Errorf("compare indicators of county %d for %s year on year: %w", countyID, p, err)
	}
	out := make(map[int64]Comparisons, len(rows))
	for id, counts := range rows {
		out[id] = compare(counts.values(0), counts.values(1))
	}
	return out, nil
}

// CompareYearOnYearTenantInTx is CompareYearOnYearTenant inside the
// caller's transaction.
func CompareYearOnYearTenantInTx(ctx context.Context, tx pgx.Tx, now time.Time, tenantID int64, p Period) (Comparisons, error) {
	rows, err := query(ctx, tx, now, tenantStatements, tenantID, p, p.PreviousYear())
	if err != nil {
		return nil, fmt.Errorf("compare indicators of street %d for %s year on year: %w", tenantID, p, err)
	}
	counts, ok := rows[tenantID]
	if !ok {
		return nil, fengqiao.Errorf(fengqiao.ENOTFOUND, "no street %d", tenantID)
	}
	return compare(counts.values(0), counts.values(1)), nil
}

func compare(current, previous Values) Comparisons {
	out := make(Comparisons, len(current))
	for code, cur := range current {
		prev := previous[code]
		out[code] = Comparison{Current: cur, Previous: prev, Change: YearOnYear(cur.Value, prev.Value)}
	}
	return out
}

// checkCounty refuses a scope that cannot read the county: RLS would
// silently return nothing, which looks like a county without data.
func checkCounty(scope tenants.Scope, countyID int64) error {
	if countyID == 0 {
		return fengqiao.Invalid("path.county_id", "a county is required", countyID)
	}
	if scope.CountyID != countyID {
		return fengqiao.Errorf(fengqiao.EFORBIDDEN, "county %d's indicators need that county's read scope", countyID)
	}
	return nil
}

// counts are one street's raw aggregates, as the statement's columns.
type counts struct {
	stmt *statement
	cols []int64
}

// values turns the counts of the k-th period into figures.
func (c counts) values(k int) Values {
	out := make(Values, len(catalogue))
	for i, ind := range catalogue {
		num, den := c.stmt.columns[k][i][0], c.stmt.columns[k][i][1]
		out[ind.Code] = ind.figure(c.cols[num], c.cols[den])
	}
	return out
}

// query runs the statement for the periods in tx, judging deadlines as of now.
func query(ctx context.Context, tx pgx.Tx, now time.Time, stmts [2]*statement, id int64, periods ...Period) (map[int64]counts, error) {
	for _, p := range periods {
		if err := p.Validate(); err != nil {
			return nil, err
		}
	}
	stmt := stmts[len(periods)-1]
	args := []any{id, now}
	for _, p := range periods {
		args = append(args, p.From, p.To)
	}
	rows, err := tx.Query(ctx, stmt.sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64]counts)
	for rows.Next() {
		var tenantID int64
		cols := make([]int64, stmt.width)
		dest := make([]any, 1+len(cols))
		dest[0] = &tenantID
		for i := range cols {
			dest[i+1] = &cols[i]
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		out[tenantID] = counts{stmt: stmt, cols: cols}
	}
	return out, rows.Err()
}

// relevantUntil is the last moment a case counts for any indicator: its
// latest resolution or, if later, its completion deadline; never, while it
// is unresolved; and never at all once cancelled or merged (such a case
// is unresolved: neither step is allowed after a resolution). A case
// matters to a period only if this is at or after the period's start.
// Written with CASE rather than coalesce and greatest so that it is
// leakproof: PostgreSQL tests it before the row-level security policies,
// which cost a few setting lookups per row, and rejects most old cases
// after one or two comparisons. Migration 013 indexes this very expression
// (cases_relevant_idx): change both together;
// TestStatementCanUseTheRelevanceIndex fails when they drift apart.
const relevantUntil = `CASE WHEN resolved_at IS NOT NULL THEN CASE WHEN complete_due > resolved_at THEN complete_due ELSE resolved_at END
		WHEN status IN ('cancelled', 'merged') THEN '-infinity'::timestamptz ELSE 'infinity'::timestamptz END`

// statement is the SQL computing every indicator for one or two periods,
// and where each indicator's numerator and denominator are among its
// columns: columns[period][indicator] = {numerator, denominator}.
type statement struct {
	sql     string
	width   int
	columns [][][2]int
}

// The statements, built once: for a county's streets or one street, for
// one period or two (year on year).
var (
	countyStatements = [2]*statement{build(byCounty, 1), build(byCounty, 2)}
	tenantStatements = [2]*statement{build(byTenant, 1), build(byTenant, 2)}
)

// Filters selecting the streets: $1 is a county id or a tenant id. The
// explicit filter, on top of RLS, gives the planner the streets as an index
// condition (an array computed once, where IN (subquery) would be a join)
// and keeps a street-and-county scope to the street it asked about.
type filter struct{ tenants, rows string }

var (
	byCounty = filter{tenants: `t.county_id = $1`, rows: `tenant_id = ANY (ARRAY(SELECT id FROM tenants WHERE county_id = $1))`}
	byTenant = filter{tenants: `t.id = $1`, rows: `tenant_id = $1`}
)

// build writes the statement. Parameters: $1 the county or tenant, $2 now,
// then each period's from and to ($3, $4; $5, $6).
//
// Each period has its own scan of each source, so a year-on-year
// comparison of a month reads two months, not the thirteen between them.
// A period's cases scan reads the cases reported before its end whose
// relevantUntil is at or after its start: unresolved ones, and those
// resolved or due since. Every indicator's cases lie in that set: a case
// received, dispatched or resolved in the period, or open at its start,
// was not resolved before the period, and one whose deadline fell in it
// has that deadline after the start. Older resolved history is skipped
// through cases_relevant_idx (migration 013) or, for long periods, in a
// sequential scan after two comparisons; cancelled and merged cases never
// reach the aggregates.
func build(f filter, periods int) *statement {
	type scan struct {
		name string // the CTE: c0, r0, g0, c1, …
		aggs []string
		seen map[string]int
	}
	scans := make([]map[source]*scan, periods)
	for k := range periods {
		scans[k] = map[source]*scan{}
		for src, letter := range map[source]string{fromCases: "c", fromRatings: "r", fromGridWorkers: "g"} {
			scans[k][src] = &scan{name: fmt.Sprintf("%s%d", letter, k), seen: map[string]int{}}
		}
	}
	var selects []string
	column := func(a aggregate, k int) int {
		sql := strings.NewReplacer("{from}", fmt.Sprintf("$%d", 3+2*k), "{to}", fmt.Sprintf("$%d", 4+2*k), "{now}", "$2").Replace(a.sql)
		sc := scans[k][a.source]
		i, ok := sc.seen[sql]
		if !ok {
			// A new aggregate is a new output column; a repeated one (the
			// first-time rate's denominator is the resolution rate's
			// numerator) is counted once.
			i = len(selects)
			sc.seen[sql] = i
			sc.aggs = append(sc.aggs, fmt.Sprintf("%s AS a%d", sql, i))
			selects = append(selects, fmt.Sprintf("coalesce(%s.a%d, 0)", sc.name, i))
		}
		return i
	}
	st := &statement{}
	for k := range periods {
		cols := make([][2]int, len(catalogue))
		for i, ind := range catalogue {
			cols[i] = [2]int{column(ind.num, k), column(ind.den, k)}
		}
		st.columns = append(st.columns, cols)
	}
	st.width = len(selects)

	var ctes, joins []string
	for k := range periods {
		from, to := fmt.Sprintf("$%d", 3+2*k), fmt.Sprintf("$%d", 4+2*k)
		where := map[source]string{
			fromCases:       `FROM cases WHERE ` + f.rows + ` AND ` + relevantUntil + ` >= ` + from + ` AND reported_at < ` + to,
			fromRatings:     `FROM case_ratings WHERE ` + f.rows + ` AND created_at >= ` + from + ` AND created_at < ` + to,
			fromGridWorkers: `FROM memberships WHERE ` + f.rows + ` AND role = 'grid_worker' AND created_at < ` + to,
		}
		for _, src := range []source{fromCases, fromRatings, fromGridWorkers} {
			sc := scans[k][src]
			if len(sc.aggs) == 0 {
				continue
			}
			ctes = append(ctes, sc.name+` AS (
	SELECT tenant_id,
		`+strings.Join(sc.aggs, ",\n\t\t")+`
	`+where[src]+`
	GROUP BY tenant_id)`)
			joins = append(joins, `LEFT JOIN `+sc.name+` ON `+sc.name+`.tenant_id = t.id`)
		}
	}
	st.sql = `WITH ` + strings.Join(ctes, ",\n") + `
SELECT t.id, ` + strings.Join(selects, ", ") + `
FROM tenants t
	` + strings.Join(joins, "\n\t") + `
WHERE ` + f.tenants + `
ORDER BY t.id`
	return st
}
