package assess

import (
	"fmt"
	"time"

	"github.com/fengqiao/fengqiao"
)

// MaxSpan is the longest period: a multi-year assessment at most. Longer
// ranges are almost certainly a typo and would scan the whole history.
const MaxSpan = 5 // years

// Earliest and latest years a period may start in.
const (
	minYear = 2000
	maxYear = 2100
)

// Period is a half-open range [From, To) of instants. Its constructors cut
// it on China's calendar.
type Period struct {
	From time.Time
	To   time.Time
}

// Month is one calendar month in China time.
func Month(year int, month time.Month) (Period, error) {
	if month < time.January || month > time.December {
		return Period{}, fengqiao.Invalid("query.month", "a month from 1 to 12", int(month))
	}
	if err := checkYear(year); err != nil {
		return Period{}, err
	}
	from := time.Date(year, month, 1, 0, 0, 0, 0, fengqiao.China)
	return Period{From: from, To: from.AddDate(0, 1, 0)}, nil
}

// Quarter is one calendar quarter (1–4) in China time.
func Quarter(year, quarter int) (Period, error) {
	if quarter < 1 || quarter > 4 {
		return Period{}, fengqiao.Invalid("query.quarter", "a quarter from 1 to 4", quarter)
	}
	if err := checkYear(year); err != nil {
		return Period{}, err
	}
	from := time.Date(year, time.Month(3*(quarter-1)+1), 1, 0, 0, 0, 0, fengqiao.China)
	return Period{From: from, To: from.AddDate(0, 3, 0)}, nil
}

// Year is one calendar year in China time.
func Year(year int) (Period, error) {
	if err := checkYear(year); err != nil {
		return Period{}, err
	}
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, fengqiao.China)
	return Period{From: from, To: from.AddDate(1, 0, 0)}, nil
}

// Range is a custom period [from, to), validated.
func Range(from, to time.Time) (Period, error) {
	p := Period{From: from, To: to}
	return p, p.Validate()
}

func checkYear(year int) error {
	if year < minYear || year > maxYear {
		return fengqiao.Invalid("query.year", fmt.Sprintf("a year from %d to %d", minYear, maxYear), year)
	}
	return nil
}

// Validate checks that the period is non-empty, ordered and at most
// MaxSpan years long, naming the field at fault.
func (p Period) Validate() error {
	switch {
	case p.From.IsZero():
		return fengqiao.Invalid("query.from", "a start is required", nil)
	case p.To.IsZero():
		return fengqiao.Invalid("query.to", "an end is required", nil)
	case p.From.Year() < minYear || p.From.Year() > maxYear:
		return fengqiao.Invalid("query.from", fmt.Sprintf("a start from %d to %d", minYear, maxYear), p.From)
	case !p.From.Before(p.To):
		return fengqiao.Invalid("query.to", "the end must be after the start", p.To)
	case p.To.After(p.From.AddDate(MaxSpan, 0, 0)):
		return fengqiao.Invalid("query.to", fmt.Sprintf("a period of at most %d years", MaxSpan), p.To)
	}
	return nil
}

// PreviousYear is the same period one year earlier, for year-on-year
// change (同比). Bounds move by one calendar year in China time; a bound on
// 29 February moves to the 28th, the last day of that February, rather
// than spilling into March.
func (p Period) PreviousYear() Period {
	return Period{From: yearEarlier(p.From), To: yearEarlier(p.To)}
}

func yearEarlier(t time.Time) time.Time {
	t = t.In(fengqiao.China)
	if t.Month() == time.February && t.Day() == 29 {
		t = t.AddDate(0, 0, -1)
	}
	return t.AddDate(-1, 0, 0)
}

// String shows the period in China time, as [2024-03-01, 2024-04-01).
func (p Period) String() string {
	const layout = "2006-01-02"
	from, to := p.From.In(fengqiao.China), p.To.In(fengqiao.China)
	if !isMidnight(from) || !isMidnight(to) {
		const long = "2006-01-02 15:04"
		return "[" + from.Format(long) + ", " + to.Format(long) + ")"
	}
	return "[" + from.Format(layout) + ", " + to.Format(layout) + ")"
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}
