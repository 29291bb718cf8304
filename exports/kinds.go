package exports

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao/tenants"
)

// ColumnType says how a column's cells are written.
type ColumnType int

// The column types.
const (
	Text     ColumnType = iota // a string
	Number                     // an integer or a float, written as a number
	DateTime                   // a time.Time (or nil), written as a date number in Beijing time
	Date                       // a time.Time (or nil), written as a date number, day only
	Percent                    // a float64 fraction, shown as a percentage
)

// Column is one column of an export: its Chinese header, how its cells are
// written, and its width in characters.
type Column struct {
	Header string
	Type   ColumnType
	Width  float64
}

// Job is what a kind's row source gets: where the export belongs, the
// filters its requester chose, and the visibility they had when they asked.
type Job struct {
	Scope      tenants.Scope // the job's own scope: the street's, or the county's
	CountyWide bool          // a county export: every street of Scope.CountyID
	Filters    json.RawMessage
	Visibility json.RawMessage
}

// Kind is one sort of export: its name in the API, its sheet title (also the
// file name), its columns, how to check filters when an export is asked for,
// and its row source.
type Kind struct {
	Name    string // "case_ledger"
	Title   string // "案件台账": the sheet's name and the file's
	Columns func(countyWide bool) []Column
	// Check validates and normalizes the filters when the export is asked
	// for; problems name the field as body.filters.<name>. nil: none.
	Check func(filters json.RawMessage, countyWide bool) (json.RawMessage, error)
	// Count returns how many rows Rows will emit (for the percentage).
	Count func(ctx context.Context, tx pgx.Tx, job Job) (int64, error)
	// Rows streams the rows in order, one call of emit per row, each value
	// matching its column's type. It runs inside one scoped transaction.
	// emit copies the values: the row slice may be reused, but values must
	// not point into memory the next row overwrites.
	Rows func(ctx context.Context, tx pgx.Tx, job Job, emit func(row []any) error) error
}

// kinds are the sorts of export there are, by name.
var kinds = map[string]Kind{KindCaseLedger: caseLedger, KindRanking: rankingKind, KindIndicators: indicatorsKind}

// Lookup returns a kind by name.
func Lookup(name string) (Kind, bool) {
	k, ok := kinds[name]
	return k, ok
}

// Kinds lists the kinds' names, sorted.
func Kinds() []string {
	return slices.Sorted(maps.Keys(kinds))
}

func mustKind(name string) (Kind, error) {
	k, ok := Lookup(name)
	if !ok {
		return Kind{}, fmt.Errorf("unknown export kind %q", name)
	}
	return k, nil
}
