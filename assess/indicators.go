// Package assess computes the figures a county assesses its streets by
// (考核指标): resolution rate, timely acceptance, on-time completion,
// first-time resolution, backlog clearing, reports per grid worker and
// satisfaction, per street and period, with year-on-year change.
//
// Every indicator is defined once, in the catalogue below: its names, unit,
// direction, the plain-language definition of its numerator and denominator,
// and the SQL aggregates that count them. One statement computes every
// indicator for every street of a county: one scan of the cases that matter
// to the period (its cases, the backlog open at its start, those resolved
// or due in it), one of its ratings and one of the grid workers, each with
// all the aggregates at once (see compute.go), so ranking a whole county
// costs about one aggregate scan of those cases.
//
// Counted cases. Everywhere below, "case" means a case that is neither
// cancelled nor merged (judged by its status now): a cancelled case was not
// a case after all, and a merged one is counted in the case it joined.
// "Resolved" means status resolved, confirmed or closed; resolved_at is the
// time of the latest resolution (a reopen clears it). Indicators are judged
// as of the moment they are computed ("now", see Service.WithClock): a case
// received in March and resolved in May counts as resolved when March is
// computed in June.
package assess

import (
	"fmt"
	"strconv"
	"strings"
)

// Code names an indicator in APIs, weights and stored rankings.
type Code string

// The indicators.
const (
	ResolutionRate          Code = "resolution_rate"
	TimelyAcceptanceRate    Code = "timely_acceptance_rate"
	OnTimeCompletionRate    Code = "on_time_completion_rate"
	FirstTimeResolutionRate Code = "first_time_resolution_rate"
	BacklogClearingRate     Code = "backlog_clearing_rate"
	ReportsPerGridWorker    Code = "reports_per_grid_worker"
	SatisfactionRate        Code = "satisfaction_rate"
)

// Unit is what an indicator's value measures.
type Unit string

// The units.
const (
	Percent        Unit = "percent"    // 100 × numerator / denominator
	CountPerPerson Unit = "per_person" // numerator / denominator
)

// Direction says which way is better, for rankings and colours.
type Direction string

// The directions.
const (
	HigherBetter Direction = "higher_better"
	LowerBetter  Direction = "lower_better"
)

// source is the table an aggregate counts rows of. Each source is scanned
// once per computation, whatever the number of indicators.
type source int

const (
	fromCases       source = iota // counted cases relevant to the period(s)
	fromRatings                   // case_ratings given in the period(s)
	fromGridWorkers               // memberships with role grid_worker
)

// aggregate is one SQL aggregate over a source. {from} and {to} stand for
// the period's bounds, {now} for the moment of computation.
type aggregate struct {
	source source
	sql    string
}

// Indicator is one entry of the catalogue.
type Indicator struct {
	Code        Code
	NameZH      string
	NameEN      string
	Unit        Unit
	Direction   Direction
	Numerator   string // what the numerator counts, as shown to users
	Denominator string // what the denominator counts

	num, den aggregate
}

// SQL fragments the definitions share.
const (
	reportedIn   = `reported_at >= {from} AND reported_at < {to}`
	resolvedNow  = `status IN ('resolved', 'confirmed', 'closed')`
	dispatchedIn = `dispatched_at >= {from} AND dispatched_at < {to}`
	// Only the latest dispatch is on the row: an acceptance older than it
	// belongs to a dispatch that was returned, not to this one.
	acceptedThisDispatch = `accepted_at >= dispatched_at`
	// Completion is judged for cases whose deadline fell in the period or
	// that were resolved in it; an unresolved case is judged once its
	// deadline has passed.
	completionJudged = `complete_due IS NOT NULL
		AND ((complete_due >= {from} AND complete_due < {to}) OR (resolved_at >= {from} AND resolved_at < {to}))
		AND (resolved_at IS NOT NULL OR complete_due < {now})`
	// Open at the period's start: reported before it and not resolved by
	// then. See BacklogClearingRate for the approximation.
	openAtStart = `reported_at < {from} AND (resolved_at IS NULL OR resolved_at >= {from})`
	ratedIn     = `created_at >= {from} AND created_at < {to}`
)

func casesWhere(cond string) aggregate {
	return aggregate{fromCases, `count(*) FILTER (WHERE ` + cond + `)`}
}

// catalogue is every indicator, in the order reports show them.
var catalogue = []Indicator{
	{
		// 化解率: Longhua's QR appeals 12,739 / 14,583 = 87.3%.
		Code: ResolutionRate, NameZH: "化解率", NameEN: "Resolution rate", Unit: Percent, Direction: HigherBetter,
		Numerator:   "cases received in the period that are resolved (resolved, confirmed or closed)",
		Denominator: "cases received (reported) in the period, excluding cancelled and merged ones",
		num:         casesWhere(reportedIn + ` AND ` + resolvedNow),
		den:         casesWhere(reportedIn),
	},
	{
		// 及时受理率. Only the latest dispatch of a case is judged: the row
		// keeps no earlier ones (they are on the timeline). A case returned
		// and not dispatched again has no acceptance deadline and is left
		// out.
		Code: TimelyAcceptanceRate, NameZH: "及时受理率", NameEN: "Timely acceptance rate", Unit: Percent, Direction: HigherBetter,
		Numerator: "cases dispatched in the period that the department accepted at or before the acceptance deadline",
		Denominator: "cases dispatched in the period that were accepted, or are still unaccepted past their acceptance deadline " +
			"(unaccepted ones not yet due are left out)",
		num: casesWhere(dispatchedIn + ` AND ` + acceptedThisDispatch + ` AND accepted_at <= accept_due`),
		den: casesWhere(dispatchedIn + ` AND accept_due IS NOT NULL AND (` + acceptedThisDispatch + ` OR accept_due < {now})`),
	},
	{
		// 按期办结率. Cases without a completion deadline (never
		// dispatched, such as those a grid worker settled on the spot)
		// have no deadline to meet and are left out.
		Code: OnTimeCompletionRate, NameZH: "按期办结率", NameEN: "On-time completion rate", Unit: Percent, Direction: HigherBetter,
		Numerator: "of the denominator, cases resolved at or before their completion deadline",
		Denominator: "cases whose completion deadline fell in the period or that were resolved in the period " +
			"(unresolved ones not yet due are left out)",
		num: casesWhere(completionJudged + ` AND resolved_at <= complete_due`),
		den: casesWhere(completionJudged),
	},
	{
		// 一次性化解率: Longhua 98.57%.
		Code: FirstTimeResolutionRate, NameZH: "一次性化解率", NameEN: "First-time resolution rate", Unit: Percent, Direction: HigherBetter,
		Numerator:   "of the denominator, cases never returned by a department and never reopened",
		Denominator: "cases received in the period that are resolved",
		num:         casesWhere(reportedIn + ` AND ` + resolvedNow + ` AND return_count = 0 AND reopen_count = 0`),
		den:         casesWhere(reportedIn + ` AND ` + resolvedNow),
	},
	{
		// 积案化解率: Longhua 346 / 411 = 84%. Approximation: the row keeps
		// only the latest resolution, so a case resolved before the period
		// and reopened later counts as open at the start (its problem was
		// not solved after all), and a case cancelled or merged during the
		// period leaves the backlog altogether. The timeline would say
		// exactly, at the cost of a scan of case_events.
		Code: BacklogClearingRate, NameZH: "积案化解率", NameEN: "Backlog clearing rate", Unit: Percent, Direction: HigherBetter,
		Numerator:   "of the denominator, cases resolved before the period's end",
		Denominator: "cases still open at the period's start: reported before it and not resolved by then",
		num:         casesWhere(openAtStart + ` AND resolved_at < {to}`),
		den:         casesWhere(openAtStart),
	},
	{
		// 人均报送: Pingyi 40,929 grid events, 47 per worker. Memberships
		// have no end date (a removed one is deleted), so the denominator
		// is the street's grid workers now who were appointed before the
		// period's end; a person holding several grids counts once.
		Code: ReportsPerGridWorker, NameZH: "网格员人均报送", NameEN: "Reports per grid worker", Unit: CountPerPerson, Direction: HigherBetter,
		Numerator:   "cases reported by grid workers (channel grid_report) in the period, excluding cancelled and merged ones",
		Denominator: "the street's grid workers (people with the grid_worker role) appointed before the period's end",
		num:         casesWhere(reportedIn + ` AND channel = 'grid_report'`),
		den:         aggregate{fromGridWorkers, `count(DISTINCT identity_id) FILTER (WHERE created_at < {to})`},
	},
	{
		// 满意率, from residents' ratings of answers (1–5 stars).
		Code: SatisfactionRate, NameZH: "满意率", NameEN: "Satisfaction rate", Unit: Percent, Direction: HigherBetter,
		Numerator:   "ratings given in the period with a score of 4 or 5",
		Denominator: "ratings given in the period",
		num:         aggregate{fromRatings, `count(*) FILTER (WHERE ` + ratedIn + ` AND score >= 4)`},
		den:         aggregate{fromRatings, `count(*) FILTER (WHERE ` + ratedIn + `)`},
	},
}

// Catalogue returns every indicator, in report order.
func Catalogue() []Indicator {
	out := make([]Indicator, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup returns the indicator with this code.
func Lookup(code Code) (Indicator, bool) {
	for _, ind := range catalogue {
		if ind.Code == code {
			return ind, true
		}
	}
	return Indicator{}, false
}

// Figure is one indicator's numbers for one street and period, so callers
// can show how a rate came about ("12,739 / 14,583 = 87.3%").
type Figure struct {
	Numerator   int64
	Denominator int64
	// Value is in the indicator's unit (87.35… for a percent, 47.2 for a
	// count per person); nil when the denominator is 0: no data, not zero.
	Value *float64
}

// Values are a street's figures, by indicator.
type Values map[Code]Figure

func (ind Indicator) figure(num, den int64) Figure {
	f := Figure{Numerator: num, Denominator: den}
	if den == 0 {
		return f
	}
	v := float64(num) / float64(den)
	if ind.Unit == Percent {
		v *= 100
	}
	f.Value = &v
	return f
}

// Format shows a figure as "12,739 / 14,583 = 87.3%" (one decimal), or
// "no data (0 / 0)" when there is nothing to divide by.
func (ind Indicator) Format(f Figure) string {
	ratio := groupThousands(f.Numerator) + " / " + groupThousands(f.Denominator)
	if f.Value == nil {
		return "no data (" + ratio + ")"
	}
	switch ind.Unit {
	case Percent:
		return fmt.Sprintf("%s = %.1f%%", ratio, *f.Value)
	default:
		return fmt.Sprintf("%s = %.1f per person", ratio, *f.Value)
	}
}

func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String()
}

// Comparison is an indicator's figure beside the same period one year
// earlier (同比).
type Comparison struct {
	Current  Figure
	Previous Figure
	// Change is (current − previous) / previous, in percent (−13.0 for
	// Pingyi's petitions); nil when either value is missing or the
	// previous one is 0. For a rate, the change in points is simply
	// *Current.Value − *Previous.Value.
	Change *float64
}

// Comparisons are a street's comparisons, by indicator.
type Comparisons map[Code]Comparison

// YearOnYear is the relative change from previous to current, in percent;
// nil when there is no data for either, or previous is 0 (no base to
// compare with).
func YearOnYear(current, previous *float64) *float64 {
	if current == nil || previous == nil || *previous == 0 {
		return nil
	}
	c := (*current - *previous) / *previous * 100
	return &c
}
