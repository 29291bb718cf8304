package exports

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
)

// The assessment's kinds: a published ranking, and the indicator table of a
// period (every street of the county, or one street).
const (
	KindRanking    = "ranking"
	KindIndicators = "indicators"
)

// RankingFilters names the ranking to export.
type RankingFilters struct {
	RankingID int64 `json:"ranking_id"`
}

// indicatorColumns are a value, numerator and denominator per indicator of
// the catalogue, in its order, and with yearOnYear the change on the same
// period a year before (同比).
func indicatorColumns(yearOnYear bool) []Column {
	var cols []Column
	for _, ind := range assess.Catalogue() {
		typ := Percent
		if ind.Unit != assess.Percent {
			typ = Number
		}
		cols = append(cols, Column{Header: ind.NameZH, Type: typ, Width: 12},
			Column{Header: ind.NameZH + "（分子）", Type: Number, Width: 12},
			Column{Header: ind.NameZH + "（分母）", Type: Number, Width: 12})
		if yearOnYear {
			cols = append(cols, Column{Header: ind.NameZH + "（同比）", Type: Percent, Width: 12})
		}
	}
	return cols
}

// indicatorCells are a street's cells under indicatorColumns: a percent as
// a fraction (the cell's format shows it as one), no data as an empty cell.
// figure gives an indicator's figure and, with yearOnYear, its change in
// percent (nil: nothing to compare with).
func indicatorCells(yearOnYear bool, figure func(assess.Code) (f assess.Figure, change *float64, ok bool)) []any {
	var cells []any
	fraction := func(percent *float64) any {
		if percent == nil {
			return nil
		}
		return *percent / 100
	}
	for _, ind := range assess.Catalogue() {
		f, change, ok := figure(ind.Code)
		switch {
		case !ok:
			cells = append(cells, nil, nil, nil)
		case ind.Unit == assess.Percent:
			cells = append(cells, fraction(f.Value), f.Numerator, f.Denominator)
		case f.Value != nil:
			cells = append(cells, *f.Value, f.Numerator, f.Denominator)
		default:
			cells = append(cells, nil, f.Numerator, f.Denominator)
		}
		if yearOnYear {
			cells = append(cells, fraction(change))
		}
	}
	return cells
}

var rankingKind = Kind{
	Name:  KindRanking,
	Title: "考核排名",
	Check: func(raw json.RawMessage, countyWide bool) (json.RawMessage, error) {
		var f RankingFilters
		if err := decodeStrict(raw, &f); err != nil {
			return nil, err
		}
		if !countyWide {
			return nil, fengqiao.Invalid("body.filters", "rankings are the county's: export one from the county", nil)
		}
		if f.RankingID <= 0 {
			return nil, fengqiao.Invalid("body.filters.ranking_id", "the ranking to export", f.RankingID)
		}
		return json.Marshal(f)
	},
	Columns: func(bool) []Column {
		return append([]Column{{Header: "名次", Type: Number, Width: 7}, {Header: "街道（乡镇）", Width: 14},
			{Header: "得分", Type: Number, Width: 9}, {Header: "通报/约谈", Width: 10}}, indicatorColumns(false)...)
	},
	Count: func(ctx context.Context, tx pgx.Tx, job Job) (int64, error) {
		var f RankingFilters
		if err := json.Unmarshal(job.Filters, &f); err != nil {
			return 0, err
		}
		var status string
		var n int64
		err := tx.QueryRow(ctx, `SELECT r.status, (SELECT count(*) FROM ranking_results x WHERE x.county_id = r.county_id AND x.ranking_id = r.id)
			FROM rankings r WHERE r.county_id = $1 AND r.id = $2`, job.Scope.CountyID, f.RankingID).Scan(&status, &n)
		if err != nil {
			return 0, fmt.Errorf("ranking %d: %w", f.RankingID, err)
		}
		if status != "done" {
			return 0, fmt.Errorf("ranking %d is %s, not done", f.RankingID, status)
		}
		return n, nil
	},
	Rows: func(ctx context.Context, tx pgx.Tx, job Job, emit func([]any) error) error {
		var f RankingFilters
		if err := json.Unmarshal(job.Filters, &f); err != nil {
			return err
		}
		var action string
		if err := tx.QueryRow(ctx, `SELECT bottom_action FROM rankings WHERE county_id = $1 AND id = $2`, job.Scope.CountyID, f.RankingID).
			Scan(&action); err != nil {
			return err
		}
		label := map[string]string{"notice": "通报", "interview": "约谈"}[action]
		rows, err := tx.Query(ctx, `SELECT rank, street_name, score, bottom, figures FROM ranking_results
			WHERE county_id = $1 AND ranking_id = $2 ORDER BY rank, street_name`, job.Scope.CountyID, f.RankingID)
		if err != nil {
			return err
		}
		var rank int
		var street string
		var score float64
		var bottom bool
		var raw []byte
		_, err = pgx.ForEachRow(rows, []any{&rank, &street, &score, &bottom, &raw}, func() error {
			var figures map[assess.Code]assess.Figure
			if err := json.Unmarshal(raw, &figures); err != nil {
				return err
			}
			mark := ""
			if bottom {
				mark = label
			}
			cells := []any{rank, street, score, mark}
			return emit(append(cells, indicatorCells(false, func(c assess.Code) (assess.Figure, *float64, bool) {
				f, ok := figures[c]
				return f, nil, ok
			})...))
		})
		return err
	},
}

// IndicatorFilters is the period of an indicator table.
type IndicatorFilters struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// computeIndicators computes the table's figures, each beside the same
// period a year before, in the export's own transaction and scope: the
// county's, or the one street's.
func computeIndicators(ctx context.Context, tx pgx.Tx, job Job) (map[int64]assess.Comparisons, error) {
	var f IndicatorFilters
	if err := json.Unmarshal(job.Filters, &f); err != nil {
		return nil, fmt.Errorf("read filters: %w", err)
	}
	p := assess.Period{From: f.From, To: f.To}
	if !job.CountyWide {
		v, err := assess.CompareYearOnYearTenantInTx(ctx, tx, time.Now(), job.Scope.TenantID, p)
		return map[int64]assess.Comparisons{job.Scope.TenantID: v}, err
	}
	return assess.CompareYearOnYearInTx(ctx, tx, time.Now(), job.Scope.CountyID, p)
}

var indicatorsKind = Kind{
	Name:  KindIndicators,
	Title: "考核指标",
	Check: func(raw json.RawMessage, _ bool) (json.RawMessage, error) {
		var f IndicatorFilters
		if err := decodeStrict(raw, &f); err != nil {
			return nil, err
		}
		if err := (assess.Period{From: f.From, To: f.To}).Validate(); err != nil {
			return nil, fengqiao.Invalid("body.filters.to", err.Error(), f.To)
		}
		return json.Marshal(f)
	},
	Columns: func(bool) []Column {
		return append([]Column{{Header: "街道（乡镇）", Width: 14}}, indicatorColumns(true)...)
	},
	Count: func(ctx context.Context, tx pgx.Tx, job Job) (int64, error) {
		if !job.CountyWide {
			return 1, nil
		}
		var n int64
		err := tx.QueryRow(ctx, `SELECT count(*) FROM tenants WHERE county_id = $1`, job.Scope.CountyID).Scan(&n)
		return n, err
	},
	Rows: func(ctx context.Context, tx pgx.Tx, job Job, emit func([]any) error) error {
		values, err := computeIndicators(ctx, tx, job)
		if err != nil {
			return err
		}
		ids := slices.Collect(maps.Keys(values))
		rows, err := tx.Query(ctx, `SELECT id, name FROM tenants WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		names := map[int64]string{}
		var id int64
		var name string
		if _, err := pgx.ForEachRow(rows, []any{&id, &name}, func() error { names[id] = name; return nil }); err != nil {
			return err
		}
		sort.Slice(ids, func(i, j int) bool { return names[ids[i]] < names[ids[j]] })
		for _, id := range ids {
			v := values[id]
			cells := append([]any{names[id]}, indicatorCells(true, func(c assess.Code) (assess.Figure, *float64, bool) {
				compared, ok := v[c]
				return compared.Current, compared.Change, ok
			})...)
			if err := emit(cells); err != nil {
				return err
			}
		}
		return nil
	},
}
