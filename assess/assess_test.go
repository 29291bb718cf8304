package assess_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/tenants"
)

var march2025 = must(assess.Month(2025, time.March))

func must(p assess.Period, err error) assess.Period {
	if err != nil {
		panic(err)
	}
	return p
}

// requireFigure checks an indicator's numerator and denominator, and that
// the value is their ratio in the indicator's unit.
func requireFigure(t *testing.T, v assess.Values, code assess.Code, num, den int64) {
	t.Helper()
	f, ok := v[code]
	require.True(t, ok, "no figure for %s", code)
	require.Equal(t, [2]int64{num, den}, [2]int64{f.Numerator, f.Denominator}, "%s numerator and denominator", code)
	if den == 0 {
		require.Nil(t, f.Value, "%s: no data is nil, not zero", code)
		return
	}
	ind, _ := assess.Lookup(code)
	want := float64(num) / float64(den)
	if ind.Unit == assess.Percent {
		want *= 100
	}
	require.NotNil(t, f.Value, code)
	require.InDelta(t, want, *f.Value, 1e-9, code)
}

func oneDecimal(v *float64) string { return fmt.Sprintf("%.1f", *v) }

// The articles' figures, from generated cases of three streets of one
// county, computed in one call.
func TestArticleFigures(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	county, streets := e.county(t, "440309", 3)
	longhua, pingyi, backlog := streets[0], streets[1], streets[2]

	// Longhua's QR appeals: 14,583 received, 12,739 resolved, in every
	// answered status; cancelled and merged cases are not received.
	reported, resolved := at(2025, time.March, 3, 9), at(2025, time.March, 20, 9)
	for _, b := range []batch{
		{n: 4000, status: "resolved", resolved: resolved},
		{n: 4000, status: "confirmed", resolved: resolved},
		{n: 4739, status: "closed", resolved: resolved},
		{n: 1000, status: "reported"},
		{n: 844, status: "accepted"},
		{n: 120, status: "cancelled"},
		{n: 37, status: "merged"},
	} {
		b.channel, b.reported = "qr", *reported
		e.insert(t, longhua, b)
	}
	// Pingyi's online petitions: 124 of 173.
	e.insert(t, pingyi, batch{n: 124, channel: "online", status: "closed", reported: *reported, resolved: resolved})
	e.insert(t, pingyi, batch{n: 49, channel: "online", status: "dispatched", reported: *reported})
	// A backlog of 411 cases open on 1 March, 346 of them cleared in March.
	old := *at(2024, time.November, 5, 9)
	e.insert(t, backlog, batch{n: 346, status: "closed", reported: old, resolved: at(2025, time.March, 15, 9)})
	e.insert(t, backlog, batch{n: 40, status: "accepted", reported: old})
	e.insert(t, backlog, batch{n: 25, status: "resolved", reported: old, resolved: at(2025, time.April, 2, 9)})   // cleared too late
	e.insert(t, backlog, batch{n: 500, status: "closed", reported: old, resolved: at(2025, time.February, 2, 9)}) // cleared before

	all, err := e.svc.Compute(ctx, tenants.Scope{CountyID: county.ID}, county.ID, march2025)
	require.NoError(t, err)
	require.Len(t, all, 3, "every street of the county, in one call")

	rate, _ := assess.Lookup(assess.ResolutionRate)
	requireFigure(t, all[longhua.ID], assess.ResolutionRate, 12739, 14583)
	// 12,739 / 14,583 is 87.355…%: 87.4% rounded. The article prints
	// 87.3%, cut off rather than rounded; its other figures are rounded
	// (71.676… → 71.7, 84.185… → 84.2), so the counts are what we match.
	require.Equal(t, "12,739 / 14,583 = 87.4%", rate.Format(all[longhua.ID][assess.ResolutionRate]))
	require.Equal(t, "87.3", fmt.Sprintf("%.1f", float64(int(*all[longhua.ID][assess.ResolutionRate].Value*10))/10))

	requireFigure(t, all[pingyi.ID], assess.ResolutionRate, 124, 173)
	require.Equal(t, "71.7", oneDecimal(all[pingyi.ID][assess.ResolutionRate].Value))
	require.Equal(t, "124 / 173 = 71.7%", rate.Format(all[pingyi.ID][assess.ResolutionRate]))

	requireFigure(t, all[backlog.ID], assess.BacklogClearingRate, 346, 411)
	require.Equal(t, "84.2", oneDecimal(all[backlog.ID][assess.BacklogClearingRate].Value))
	// Nothing was received in March there.
	requireFigure(t, all[backlog.ID], assess.ResolutionRate, 0, 0)

	// One street alone gives the same figures.
	one, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: pingyi.ID}, march2025)
	require.NoError(t, err)
	require.Equal(t, all[pingyi.ID], one)
}

func TestTimelyAcceptance(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, streets := e.county(t, "371326", 1)
	s := streets[0]
	reported := *at(2025, time.March, 10, 8)
	dispatched, due := at(2025, time.March, 10, 9), at(2025, time.March, 11, 9)
	for _, b := range []batch{
		// Accepted in time, whatever happened next: 7.
		{n: 5, status: "accepted", accepted: at(2025, time.March, 10, 12)},
		{n: 2, status: "closed", accepted: at(2025, time.March, 11, 9), resolved: at(2025, time.March, 12, 9)}, // exactly at the deadline
		// Accepted late: 3.
		{n: 3, status: "accepted", accepted: at(2025, time.March, 12, 9)},
		// Still unaccepted past the deadline: 4, not timely.
		{n: 4, status: "dispatched"},
		// Unaccepted, not yet due (the deadline is after now): left out.
		{n: 6, status: "dispatched", acceptDue: at(2025, time.July, 1, 0)},
		// Accepted under an earlier dispatch, returned and dispatched
		// again, not accepted since: late on the current dispatch.
		{n: 1, status: "dispatched", accepted: at(2025, time.March, 10, 8), returns: 1},
		// Returned and not dispatched again: no deadline to judge.
		{n: 2, status: "reported", returns: 1, acceptDue: nil},
		// Cancelled: not a case.
		{n: 9, status: "cancelled", accepted: at(2025, time.March, 10, 12)},
	} {
		b.reported, b.dispatched = reported, dispatched
		if b.acceptDue == nil && !(b.status == "reported") {
			b.acceptDue = due
		}
		e.insert(t, s, b)
	}
	// Dispatched before the period: not this period's.
	e.insert(t, s, batch{n: 8, status: "accepted", reported: *at(2025, time.February, 27, 8), dispatched: at(2025, time.February, 27, 9),
		acceptDue: at(2025, time.March, 1, 9), accepted: at(2025, time.March, 2, 9)})

	v, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: s.ID}, march2025)
	require.NoError(t, err)
	requireFigure(t, v, assess.TimelyAcceptanceRate, 7, 7+3+4+1)
}

func TestOnTimeCompletion(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, streets := e.county(t, "371326", 1)
	s := streets[0]
	feb, mar := *at(2025, time.February, 20, 8), *at(2025, time.March, 5, 8)
	for _, b := range []batch{
		// Due in March, resolved in time (one before March began): 3 + 2.
		{n: 3, reported: mar, status: "resolved", due: at(2025, time.March, 20, 0), resolved: at(2025, time.March, 19, 0)},
		{n: 2, reported: feb, status: "closed", due: at(2025, time.March, 3, 0), resolved: at(2025, time.February, 25, 0)},
		// Due in March, resolved late in April: counted, not on time: 4.
		{n: 4, reported: mar, status: "confirmed", due: at(2025, time.March, 20, 0), resolved: at(2025, time.April, 2, 0)},
		// Resolved in March, due in April: on time, counted: 5.
		{n: 5, reported: mar, status: "resolved", due: at(2025, time.April, 20, 0), resolved: at(2025, time.March, 25, 0)},
		// Resolved in March, late against a February deadline: 6.
		{n: 6, reported: feb, status: "closed", due: at(2025, time.February, 25, 0), resolved: at(2025, time.March, 2, 0)},
		// Due in March, still unresolved: late: 7.
		{n: 7, reported: mar, status: "accepted", due: at(2025, time.March, 25, 0)},
		// Neither due nor resolved in March: out.
		{n: 8, reported: mar, status: "accepted", due: at(2025, time.April, 25, 0)},
		// Resolved on the spot, never dispatched: no deadline, out.
		{n: 9, reported: mar, status: "closed", resolved: at(2025, time.March, 6, 0)},
		// Merged while due in March: not a case.
		{n: 10, reported: mar, status: "merged", due: at(2025, time.March, 20, 0)},
	} {
		e.insert(t, s, b)
	}
	v, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: s.ID}, march2025)
	require.NoError(t, err)
	requireFigure(t, v, assess.OnTimeCompletionRate, 3+2+5, 3+2+4+5+6+7)

	// Judged in the middle of March, an unresolved case due later in
	// March is not late yet.
	midMarch := e.svc.WithClock(func() time.Time { return *at(2025, time.March, 22, 0) })
	v, err = midMarch.ComputeTenant(ctx, tenants.Scope{TenantID: s.ID}, march2025)
	require.NoError(t, err)
	requireFigure(t, v, assess.OnTimeCompletionRate, 3+2+5, 3+2+4+5+6)
}

func TestFirstTimeResolution(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, streets := e.county(t, "371326", 1)
	s := streets[0]
	mar, resolved := *at(2025, time.March, 5, 8), at(2025, time.March, 9, 8)
	for _, b := range []batch{
		{n: 69, status: "closed"},
		{n: 3, status: "resolved", returns: 1},
		{n: 2, status: "confirmed", reopens: 1},
		{n: 1, status: "closed", returns: 2, reopens: 1},
		// Not resolved: out, however clean.
		{n: 20, status: "accepted", resolved: nil},
		// Reopened and open again: out.
		{n: 4, status: "reported", reopens: 1, resolved: nil},
	} {
		b.reported = mar
		if b.status != "accepted" && b.status != "reported" {
			b.resolved = resolved
		}
		e.insert(t, s, b)
	}
	v, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: s.ID}, march2025)
	require.NoError(t, err)
	requireFigure(t, v, assess.FirstTimeResolutionRate, 69, 75)
	requireFigure(t, v, assess.ResolutionRate, 75, 99)
}

func TestBacklogClearing(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, streets := e.county(t, "371326", 1)
	s := streets[0]
	jan := *at(2025, time.January, 10, 8)
	for _, b := range []batch{
		{n: 10, reported: jan, status: "closed", resolved: at(2025, time.March, 10, 0)},                       // open on 1 March, cleared
		{n: 1, reported: jan, status: "resolved", resolved: at(2025, time.March, 1, 0)},                       // cleared at the first instant
		{n: 4, reported: jan, status: "accepted"},                                                             // still open
		{n: 2, reported: jan, status: "reported", reopens: 1},                                                 // reopened: open
		{n: 3, reported: jan, status: "confirmed", resolved: at(2025, time.April, 1, 0)},                      // cleared after March
		{n: 20, reported: jan, status: "closed", resolved: at(2025, time.February, 28, 23)},                   // cleared before March
		{n: 5, reported: jan, status: "cancelled"},                                                            // not a case
		{n: 6, reported: *at(2025, time.March, 2, 0), status: "closed", resolved: at(2025, time.March, 3, 0)}, // new in March
	} {
		e.insert(t, s, b)
	}
	v, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: s.ID}, march2025)
	require.NoError(t, err)
	requireFigure(t, v, assess.BacklogClearingRate, 11, 10+1+4+2+3)
}

func TestReportsPerGridWorker(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, streets := e.county(t, "371326", 1)
	s := streets[0]
	mar := *at(2025, time.March, 5, 8)
	e.insert(t, s, batch{n: 141, channel: "grid_report", reported: mar})
	e.insert(t, s, batch{n: 9, channel: "grid_report", reported: mar, status: "cancelled"})
	e.insert(t, s, batch{n: 30, channel: "qr", reported: mar})
	e.insert(t, s, batch{n: 40, channel: "grid_report", reported: *at(2025, time.April, 1, 0)})

	e.gridWorker(t, s, "grid_worker", 1, *at(2024, time.January, 1, 0))
	e.gridWorker(t, s, "grid_worker", 3, *at(2024, time.January, 1, 0)) // one person, three grids
	e.gridWorker(t, s, "grid_worker", 1, *at(2025, time.March, 31, 23))
	e.gridWorker(t, s, "grid_worker", 1, *at(2025, time.April, 1, 0)) // appointed after March
	e.gridWorker(t, s, "community_staff", 1, *at(2024, time.January, 1, 0))

	v, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: s.ID}, march2025)
	require.NoError(t, err)
	requireFigure(t, v, assess.ReportsPerGridWorker, 141, 3)
	ind, _ := assess.Lookup(assess.ReportsPerGridWorker)
	require.Equal(t, "141 / 3 = 47.0 per person", ind.Format(v[assess.ReportsPerGridWorker]))
}

func TestSatisfaction(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	_, streets := e.county(t, "371326", 1)
	s := streets[0]
	e.insert(t, s, batch{n: 60, reported: *at(2025, time.February, 5, 8), status: "closed", resolved: at(2025, time.February, 28, 8)})
	e.rate(t, s, 9, 5, *at(2025, time.March, 2, 0))
	e.rate(t, s, 8, 4, *at(2025, time.March, 31, 23))
	e.rate(t, s, 2, 3, *at(2025, time.March, 2, 0))
	e.rate(t, s, 1, 1, *at(2025, time.March, 2, 0))
	e.rate(t, s, 7, 5, *at(2025, time.February, 28, 23)) // before March
	e.rate(t, s, 6, 1, *at(2025, time.April, 1, 0))      // after

	v, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: s.ID}, march2025)
	require.NoError(t, err)
	requireFigure(t, v, assess.SatisfactionRate, 17, 20)
	require.Equal(t, "85.0", oneDecimal(v[assess.SatisfactionRate].Value))
}

// A street without any data has every indicator, each with no value.
func TestNoData(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	county, streets := e.county(t, "371326", 2)
	e.insert(t, streets[0], batch{n: 1, reported: *at(2025, time.March, 5, 8)})

	all, err := e.svc.Compute(ctx, tenants.Scope{CountyID: county.ID}, county.ID, march2025)
	require.NoError(t, err)
	empty := all[streets[1].ID]
	require.Len(t, empty, len(assess.Catalogue()))
	for _, ind := range assess.Catalogue() {
		requireFigure(t, empty, ind.Code, 0, 0)
		require.Equal(t, "no data (0 / 0)", ind.Format(empty[ind.Code]))
	}
	requireFigure(t, all[streets[0].ID], assess.ResolutionRate, 0, 1)
	require.Equal(t, "0.0", oneDecimal(all[streets[0].ID][assess.ResolutionRate].Value), "0 of 1 is a value: 0%")
}

func TestYearOnYear(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	county, streets := e.county(t, "371326", 2)
	s := streets[0]
	// March 2024: 100 of 120 resolved, 40 grid reports. March 2025: 100
	// of 120, 20 grid reports. February 2025 belongs to neither.
	e.insert(t, s, batch{n: 80, reported: *at(2024, time.March, 5, 8), status: "closed", resolved: at(2024, time.March, 9, 8)})
	e.insert(t, s, batch{n: 20, reported: *at(2024, time.March, 31, 23), channel: "grid_report"})
	e.insert(t, s, batch{n: 20, reported: *at(2024, time.March, 6, 8), channel: "grid_report", status: "closed", resolved: at(2025, time.May, 1, 8)})
	e.insert(t, s, batch{n: 90, reported: *at(2025, time.March, 5, 8), status: "closed", resolved: at(2025, time.March, 9, 8)})
	e.insert(t, s, batch{n: 10, reported: *at(2025, time.March, 5, 8), channel: "grid_report"})
	e.insert(t, s, batch{n: 10, reported: *at(2025, time.March, 5, 8), status: "accepted"})
	e.insert(t, s, batch{n: 10, reported: *at(2025, time.March, 6, 8), channel: "grid_report", status: "resolved", resolved: at(2025, time.March, 9, 8)})
	e.insert(t, s, batch{n: 500, reported: *at(2025, time.February, 5, 8), status: "closed", resolved: at(2025, time.February, 9, 8)})
	e.gridWorker(t, s, "grid_worker", 1, *at(2020, time.January, 1, 0))

	require.Equal(t, must(assess.Month(2024, time.March)), march2025.PreviousYear())
	all, err := e.svc.CompareYearOnYear(ctx, tenants.Scope{CountyID: county.ID}, county.ID, march2025)
	require.NoError(t, err)
	require.Len(t, all, 2)
	c := all[s.ID][assess.ResolutionRate]
	require.Equal(t, [4]int64{100, 120, 100, 120}, [4]int64{c.Current.Numerator, c.Current.Denominator, c.Previous.Numerator, c.Previous.Denominator})
	require.InDelta(t, 0, *c.Change, 1e-9, "100/120 both years")
	g := all[s.ID][assess.ReportsPerGridWorker]
	require.Equal(t, int64(20), g.Current.Numerator)
	require.Equal(t, int64(40), g.Previous.Numerator)
	require.InDelta(t, -50, *g.Change, 1e-9, "20 reports per worker against 40")
	// The current figures are Compute's.
	current, err := e.svc.Compute(ctx, tenants.Scope{CountyID: county.ID}, county.ID, march2025)
	require.NoError(t, err)
	for code, cmp := range all[s.ID] {
		require.Equal(t, current[s.ID][code], cmp.Current, code)
	}
	// The other street has nothing to compare.
	require.Nil(t, all[streets[1].ID][assess.ResolutionRate].Change)

	one, err := e.svc.CompareYearOnYearTenant(ctx, tenants.Scope{TenantID: s.ID}, march2025)
	require.NoError(t, err)
	require.Equal(t, all[s.ID], one)

	require.InDelta(t, -13.0, *assess.YearOnYear(ptr(87.0), ptr(100.0)), 1e-9)
	require.Nil(t, assess.YearOnYear(ptr(5), ptr(0)))
	require.Nil(t, assess.YearOnYear(ptr(5), nil))
	require.Nil(t, assess.YearOnYear(nil, ptr(5)))
}

func ptr(v float64) *float64 { return &v }

// A county sees only its own streets, and a street only itself.
func TestIsolation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	countyA, streetsA := e.county(t, "440309", 2)
	countyB, streetsB := e.county(t, "371326", 1)
	mar := *at(2025, time.March, 5, 8)
	e.insert(t, streetsA[0], batch{n: 30, reported: mar, status: "closed", resolved: at(2025, time.March, 6, 8)})
	e.insert(t, streetsA[1], batch{n: 20, reported: mar})
	e.rate(t, streetsA[0], 5, 5, mar)
	e.gridWorker(t, streetsA[0], "grid_worker", 1, mar)

	b, err := e.svc.Compute(ctx, tenants.Scope{CountyID: countyB.ID}, countyB.ID, march2025)
	require.NoError(t, err)
	require.Len(t, b, 1)
	for _, ind := range assess.Catalogue() {
		requireFigure(t, b[streetsB[0].ID], ind.Code, 0, 0)
	}

	// County B's scope asking for county A: refused, not an empty answer.
	_, err = e.svc.Compute(ctx, tenants.Scope{CountyID: countyB.ID}, countyA.ID, march2025)
	require.Equal(t, fengqiao.EFORBIDDEN, fengqiao.ErrorCode(err))
	_, err = e.svc.Compute(ctx, tenants.Scope{TenantID: streetsA[0].ID}, countyA.ID, march2025)
	require.Equal(t, fengqiao.EFORBIDDEN, fengqiao.ErrorCode(err))

	// A street of county B, with its county's scope as county staff have
	// it, gets its own (empty) figures.
	own, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: streetsB[0].ID, CountyID: countyB.ID}, march2025)
	require.NoError(t, err)
	require.Equal(t, b[streetsB[0].ID], own)

	// Street A1 sees itself, not A0, even though they share a county.
	a1, err := e.svc.ComputeTenant(ctx, tenants.Scope{TenantID: streetsA[1].ID}, march2025)
	require.NoError(t, err)
	requireFigure(t, a1, assess.ResolutionRate, 0, 20)
	requireFigure(t, a1, assess.SatisfactionRate, 0, 0)
	requireFigure(t, a1, assess.ReportsPerGridWorker, 0, 0)

	// County A sees both of its streets and no other.
	a, err := e.svc.Compute(ctx, tenants.Scope{CountyID: countyA.ID}, countyA.ID, march2025)
	require.NoError(t, err)
	require.Len(t, a, 2)
	requireFigure(t, a[streetsA[0].ID], assess.ResolutionRate, 30, 30)
	requireFigure(t, a[streetsA[0].ID], assess.SatisfactionRate, 5, 5)
	requireFigure(t, a[streetsA[0].ID], assess.ReportsPerGridWorker, 0, 1)
	requireFigure(t, a[streetsA[1].ID], assess.ResolutionRate, 0, 20)

	// A tenant scope cannot name another street through ComputeTenant:
	// the scope is the street.
	_, err = e.svc.ComputeTenant(ctx, tenants.Scope{}, march2025)
	require.Equal(t, fengqiao.EFORBIDDEN, fengqiao.ErrorCode(err))
}

func TestCatalogue(t *testing.T) {
	codes := map[assess.Code]bool{}
	for _, ind := range assess.Catalogue() {
		require.False(t, codes[ind.Code], "duplicate %s", ind.Code)
		codes[ind.Code] = true
		require.NotEmpty(t, ind.NameZH, ind.Code)
		require.NotEmpty(t, ind.NameEN, ind.Code)
		require.NotEmpty(t, ind.Numerator, ind.Code)
		require.NotEmpty(t, ind.Denominator, ind.Code)
		require.Contains(t, []assess.Unit{assess.Percent, assess.CountPerPerson}, ind.Unit, ind.Code)
		require.Contains(t, []assess.Direction{assess.HigherBetter, assess.LowerBetter}, ind.Direction, ind.Code)
	}
	require.Len(t, codes, 7)
	_, ok := assess.Lookup("nonsense")
	require.False(t, ok)
}

func TestPeriods(t *testing.T) {
	p, err := assess.Quarter(2024, 4)
	require.NoError(t, err)
	require.Equal(t, "[2024-10-01, 2025-01-01)", p.String())
	require.Equal(t, time.Date(2024, time.September, 30, 16, 0, 0, 0, time.UTC), p.From.UTC(), "midnight in China is 16:00 UTC the day before")

	p, err = assess.Year(2024)
	require.NoError(t, err)
	require.Equal(t, "[2024-01-01, 2025-01-01)", p.String())
	require.Equal(t, "[2023-01-01, 2024-01-01)", p.PreviousYear().String())

	p, err = assess.Month(2024, time.February)
	require.NoError(t, err)
	require.Equal(t, "[2024-02-01, 2024-03-01)", p.String())
	require.Equal(t, "[2023-02-01, 2023-03-01)", p.PreviousYear().String())

	from := time.Date(2024, time.February, 29, 0, 0, 0, 0, fengqiao.China)
	p, err = assess.Range(from, from.Add(36*time.Hour))
	require.NoError(t, err)
	require.Equal(t, "[2024-02-29 00:00, 2024-03-01 12:00)", p.String())
	require.Equal(t, "[2023-02-28 00:00, 2023-03-01 12:00)", p.PreviousYear().String())

	for _, c := range []struct {
		err   error
		field string
	}{
		{second(assess.Month(2024, 13)), "query.month"},
		{second(assess.Month(1999, 1)), "query.year"},
		{second(assess.Quarter(2024, 0)), "query.quarter"},
		{second(assess.Year(2101)), "query.year"},
		{second(assess.Range(from, from)), "query.to"},
		{second(assess.Range(from, from.Add(-time.Hour))), "query.to"},
		{second(assess.Range(from, from.AddDate(6, 0, 0))), "query.to"},
		{second(assess.Range(time.Time{}, from)), "query.from"},
		{second(assess.Range(from, time.Time{})), "query.to"},
	} {
		var fe *fengqiao.Error
		require.ErrorAs(t, c.err, &fe)
		require.Equal(t, fengqiao.EINVALID, fe.Code)
		require.Equal(t, c.field, fe.Fields[0].Location, fe.Message)
	}
	_, err = assess.Range(from, from.AddDate(5, 0, 0))
	require.NoError(t, err, "five years is the longest period")

	// Compute validates a hand-made period too.
	e := &assess.Service{}
	_, err = e.ComputeTenant(context.Background(), tenants.Scope{TenantID: 1}, assess.Period{From: from, To: from})
	require.Equal(t, fengqiao.EINVALID, fengqiao.ErrorCode(err))
}

func second(_ assess.Period, err error) error { return err }

// The statement's row filter is the expression migration 013 indexes,
// written identically: with sequential scans off, the plan uses the index.
func TestStatementCanUseTheRelevanceIndex(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	county, streets := e.county(t, "371326", 1)
	e.insert(t, streets[0], batch{n: 10, reported: *at(2025, time.March, 5, 8)})
	var plan []string
	err := e.tdb.Tx(ctx, tenants.Scope{CountyID: county.ID}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "EXPLAIN "+assess.StatementSQL(1), county.ID, now, march2025.From, march2025.To)
		if err != nil {
			return err
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan = append(plan, line)
		}
		return rows.Err()
	})
	require.NoError(t, err)
	require.Contains(t, strings.Join(plan, "\n"), "cases_relevant_idx")
}
