// Package rankings is the county's assessment (考核): schemes of weighted
// indicators, and rankings of every street for a period computed from them
// by a River job — each a snapshot that never changes once done, with the
// bottom-ranked streets who get a notice (通报) or an interview (约谈).
package rankings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/tenants"
)

// Weighted is an indicator of a scheme.
type Weighted struct {
	Indicator assess.Code      `json:"indicator"`
	Weight    float64          `json:"weight"`
	Direction assess.Direction `json:"direction"`
}

// What a ranking does with a street that has no data for an indicator.
const (
	NoDataZero = "zero" // 0 points on the indicator
	NoDataSkip = "skip" // the indicator is left out of that street's score
)

// Scheme is a county's assessment method.
type Scheme struct {
	ID           int64
	Name         string
	BottomN      int    // how many bottom-ranked streets are named
	BottomAction string // notice (通报) or interview (约谈)
	Nightly      bool   // ranked every night for the month so far
	NoData       string // NoDataZero or NoDataSkip
	Indicators   []Weighted
	CreatedBy    string
	CreatedAt    time.Time
	Archived     bool
}

// Ranking is one scheme over one period.
type Ranking struct {
	ID           int64
	SchemeID     int64
	Period       assess.Period
	Label        string
	Indicators   []Weighted // as they were when it was requested
	BottomN      int
	BottomAction string
	NoData       string // as the scheme's was when it was requested
	Trigger      string // manual or nightly
	RequestedBy  string
	Status       string // queued, running, done, failed
	Percent      int
	Error        string
	CreatedAt    time.Time
	FinishedAt   *time.Time
	Results      []Result // best first; only when done
}

// Result is one street's place in a ranking.
type Result struct {
	StreetID   int64
	StreetName string
	Rank       int // ties share a rank: 1, 2, 2, 4
	Score      float64
	Bottom     bool // among the bottom-ranked named for a notice or interview
	Figures    map[assess.Code]Scored
}

// Scored is one indicator of a street in a ranking: its figure and the
// points it earned (0–100 before weighting).
type Scored struct {
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Value       *float64 `json:"value"`
	Points      float64  `json:"points"`
}

// Inserter schedules the ranking job in the request's transaction (a River
// client).
type Inserter interface {
	InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Args is the ranking job: county_id travels in the args, the worker opens
// its own county-scoped transactions.
type Args struct {
	CountyID  int64 `json:"county_id" river:"unique"`
	RankingID int64 `json:"ranking_id" river:"unique"`
}

// Kind is River's name for the job.
func (Args) Kind() string { return "assessment_ranking" }

// InsertOpts makes a ranking's job unique.
func (Args) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Service manages schemes and rankings.
type Service struct {
	db         *tenants.DB
	indicators *assess.Service
	jobs       Inserter // nil: rankings are requested but not run (tests run them by hand)
}

// NewService returns a Service.
func NewService(db *tenants.DB, indicators *assess.Service) *Service {
	return &Service{db: db, indicators: indicators}
}

// WithJobs makes requested rankings run as River jobs.
func (s *Service) WithJobs(j Inserter) *Service {
	c := *s
	c.jobs = j
	return &c
}

func (sc *Scheme) validate() error {
	sc.Name = strings.TrimSpace(sc.Name)
	var problems []fengqiao.FieldError
	add := func(loc, msg string, v any) {
		problems = append(problems, fengqiao.FieldError{Location: loc, Message: msg, Value: v})
	}
	if sc.Name == "" || utf8.RuneCountInString(sc.Name) > 200 {
		add("body.name", "a name of 1 to 200 characters", sc.Name)
	}
	if sc.BottomN < 0 || sc.BottomN > 50 {
		add("body.bottom_n", "from 0 to 50 streets", sc.BottomN)
	}
	if sc.BottomAction == "" {
		sc.BottomAction = "notice"
	}
	if sc.BottomAction != "notice" && sc.BottomAction != "interview" {
		add("body.bottom_action", "notice (通报) or interview (约谈)", sc.BottomAction)
	}
	if sc.NoData == "" {
		sc.NoData = NoDataZero
	}
	if sc.NoData != NoDataZero && sc.NoData != NoDataSkip {
		add("body.no_data", "zero (no data scores 0) or skip (the indicator is left out of that street's score)", sc.NoData)
	}
	if len(sc.Indicators) == 0 {
		add("body.indicators", "at least one indicator", nil)
	}
	seen := map[assess.Code]bool{}
	for i, w := range sc.Indicators {
		loc := fmt.Sprintf("body.indicators[%d]", i)
		ind, ok := assess.Lookup(w.Indicator)
		switch {
		case !ok:
			add(loc+".indicator", "no such indicator", w.Indicator)
		case seen[w.Indicator]:
			add(loc+".indicator", "listed twice", w.Indicator)
		}
		seen[w.Indicator] = true
		if w.Weight <= 0 || w.Weight > 1000 || math.IsNaN(w.Weight) {
			add(loc+".weight", "a weight above 0, at most 1000", w.Weight)
		}
		if w.Direction == "" {
			sc.Indicators[i].Direction = ind.Direction
		} else if w.Direction != assess.HigherBetter && w.Direction != assess.LowerBetter {
			add(loc+".direction", "higher_better or lower_better", w.Direction)
		}
	}
	if len(problems) > 0 {
		return &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid assessment scheme", Fields: problems}
	}
	return nil
}

// CreateScheme adds a scheme to the county of scope.
func (s *Service) CreateScheme(ctx context.Context, scope tenants.Scope, by string, sc Scheme) (Scheme, error) {
	if err := sc.validate(); err != nil {
		return Scheme{}, err
	}
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO assessment_schemes (county_id, name, bottom_n, bottom_action, nightly, no_data, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`, scope.CountyID, sc.Name, sc.BottomN, sc.BottomAction, sc.Nightly, sc.NoData, by).
			Scan(&sc.ID, &sc.CreatedAt); err != nil {
			return fmt.Errorf("insert scheme: %w", err)
		}
		for i, w := range sc.Indicators {
			if _, err := tx.Exec(ctx, `INSERT INTO assessment_scheme_indicators (county_id, scheme_id, indicator, weight, direction, sort)
				VALUES ($1, $2, $3, $4, $5, $6)`, scope.CountyID, sc.ID, string(w.Indicator), w.Weight, string(w.Direction), i); err != nil {
				return fmt.Errorf("insert scheme indicator: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return Scheme{}, fmt.Errorf("create assessment scheme: %w", err)
	}
	sc.CreatedBy = by
	return sc, nil
}

const schemeColumns = `s.id, s.name, s.bottom_n, s.bottom_action, s.nightly, s.no_data, s.created_by, s.created_at, s.archived_at IS NOT NULL,
	coalesce((SELECT jsonb_agg(jsonb_build_object('indicator', i.indicator, 'weight', i.weight, 'direction', i.direction) ORDER BY i.sort)
		FROM assessment_scheme_indicators i WHERE i.county_id = s.county_id AND i.scheme_id = s.id), '[]')`

func scanScheme(row pgx.Row) (Scheme, error) {
	var sc Scheme
	var indicators []byte
	if err := row.Scan(&sc.ID, &sc.Name, &sc.BottomN, &sc.BottomAction, &sc.Nightly, &sc.NoData, &sc.CreatedBy, &sc.CreatedAt, &sc.Archived, &indicators); err != nil {
		return Scheme{}, err
	}
	return sc, json.Unmarshal(indicators, &sc.Indicators)
}

// Schemes lists the county's schemes, newest first.
func (s *Service) Schemes(ctx context.Context, scope tenants.Scope) ([]Scheme, error) {
	var out []Scheme
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+schemeColumns+` FROM assessment_schemes s WHERE s.county_id = $1 ORDER BY s.id DESC`, scope.CountyID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Scheme, error) { return scanScheme(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list assessment schemes: %w", err)
	}
	return out, nil
}

// SchemeByID returns one scheme of the county.
func (s *Service) SchemeByID(ctx context.Context, scope tenants.Scope, id int64) (Scheme, error) {
	var sc Scheme
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) (err error) {
		sc, err = scheme(ctx, tx, scope.CountyID, id)
		return err
	})
	return sc, err
}

func scheme(ctx context.Context, tx pgx.Tx, countyID, id int64) (Scheme, error) {
	sc, err := scanScheme(tx.QueryRow(ctx, `SELECT `+schemeColumns+` FROM assessment_schemes s WHERE s.county_id = $1 AND s.id = $2`, countyID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Scheme{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "assessment scheme %d not found", id)
	}
	if err != nil {
		return Scheme{}, fmt.Errorf("read assessment scheme %d: %w", id, err)
	}
	return sc, nil
}

// Request asks for a ranking of a scheme over a period: it is queued, with
// the scheme's weights as they are now, and its job is scheduled in the
// same transaction.
func (s *Service) Request(ctx context.Context, scope tenants.Scope, by, trigger string, schemeID int64, p assess.Period, label string) (Ranking, error) {
	if err := p.Validate(); err != nil {
		return Ranking{}, err
	}
	if label = strings.TrimSpace(label); label == "" {
		label = p.String()
	}
	var r Ranking
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		sc, err := scheme(ctx, tx, scope.CountyID, schemeID)
		if err != nil {
			return err
		}
		if sc.Archived {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "assessment scheme %d is archived", schemeID)
		}
		indicators, err := json.Marshal(sc.Indicators)
		if err != nil {
			return err
		}
		r, err = scanRanking(tx.QueryRow(ctx, `INSERT INTO rankings (county_id, scheme_id, period_from, period_to, label, indicators,
				bottom_n, bottom_action, no_data, trigger, requested_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING `+rankingColumns,
			scope.CountyID, schemeID, p.From, p.To, label, indicators, sc.BottomN, sc.BottomAction, sc.NoData, trigger, by))
		if err != nil {
			return fmt.Errorf("insert ranking: %w", err)
		}
		if s.jobs == nil {
			return nil
		}
		_, err = s.jobs.InsertTx(ctx, tx, Args{CountyID: scope.CountyID, RankingID: r.ID}, nil)
		return err
	})
	if err != nil {
		return Ranking{}, fmt.Errorf("request ranking of scheme %d: %w", schemeID, err)
	}
	return r, nil
}

const rankingColumns = `id, scheme_id, period_from, period_to, label, indicators, bottom_n, bottom_action, no_data, trigger, requested_by,
	status, percent, error, created_at, finished_at`

func scanRanking(row pgx.Row) (Ranking, error) {
	var r Ranking
	var indicators []byte
	err := row.Scan(&r.ID, &r.SchemeID, &r.Period.From, &r.Period.To, &r.Label, &indicators, &r.BottomN, &r.BottomAction, &r.NoData, &r.Trigger,
		&r.RequestedBy, &r.Status, &r.Percent, &r.Error, &r.CreatedAt, &r.FinishedAt)
	if err != nil {
		return Ranking{}, err
	}
	r.Period.From, r.Period.To = r.Period.From.In(fengqiao.China), r.Period.To.In(fengqiao.China)
	return r, json.Unmarshal(indicators, &r.Indicators)
}

// Rankings lists a scheme's rankings, latest period first (without results).
func (s *Service) Rankings(ctx context.Context, scope tenants.Scope, schemeID int64) ([]Ranking, error) {
	var out []Ranking
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if _, err := scheme(ctx, tx, scope.CountyID, schemeID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+rankingColumns+` FROM rankings WHERE county_id = $1 AND scheme_id = $2
			ORDER BY period_from DESC, id DESC LIMIT 200`, scope.CountyID, schemeID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Ranking, error) { return scanRanking(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list rankings of scheme %d: %w", schemeID, err)
	}
	return out, nil
}

// RankingByID returns a ranking with its results, best first.
func (s *Service) RankingByID(ctx context.Context, scope tenants.Scope, id int64) (Ranking, error) {
	var r Ranking
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		var err error
		r, err = scanRanking(tx.QueryRow(ctx, `SELECT `+rankingColumns+` FROM rankings WHERE county_id = $1 AND id = $2`, scope.CountyID, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "ranking %d not found", id)
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT street_id, street_name, rank, score, bottom, figures FROM ranking_results
			WHERE county_id = $1 AND ranking_id = $2 ORDER BY rank, street_name`, scope.CountyID, id)
		if err != nil {
			return err
		}
		var res Result
		var figures []byte
		_, err = pgx.ForEachRow(rows, []any{&res.StreetID, &res.StreetName, &res.Rank, &res.Score, &res.Bottom, &figures}, func() error {
			out := res
			if err := json.Unmarshal(figures, &out.Figures); err != nil {
				return err
			}
			r.Results = append(r.Results, out)
			return nil
		})
		return err
	})
	if err != nil {
		return Ranking{}, fmt.Errorf("read ranking %d: %w", id, err)
	}
	return r, nil
}

// Run computes a queued ranking: every street of the county, scored and
// ranked, stored with the ranking marked done in one transaction. Progress
// is written as it goes, in short transactions of its own.
func (s *Service) Run(ctx context.Context, countyID, rankingID int64) error {
	scope := tenants.Scope{CountyID: countyID}
	progress := func(status string, percent int) error {
		return s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE rankings SET status = $3, percent = $4 WHERE county_id = $1 AND id = $2`, countyID, rankingID, status, percent)
			return err
		})
	}
	r, err := s.RankingByID(ctx, scope, rankingID)
	if err != nil {
		return err
	}
	if r.Status == "done" {
		return nil // a retried job: the snapshot stands
	}
	if err := progress("running", 10); err != nil {
		return fmt.Errorf("start ranking %d: %w", rankingID, err)
	}
	values, err := s.indicators.Compute(ctx, scope, countyID, r.Period)
	if err != nil {
		return err
	}
	if err := progress("running", 70); err != nil {
		return err
	}
	var names map[int64]string
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name FROM tenants WHERE county_id = $1`, countyID)
		if err != nil {
			return err
		}
		names = map[int64]string{}
		var id int64
		var name string
		_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error { names[id] = name; return nil })
		return err
	})
	if err != nil {
		return fmt.Errorf("street names: %w", err)
	}
	results := Score(r.Indicators, r.BottomN, r.NoData, values, names)
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		for _, res := range results {
			figures, err := json.Marshal(res.Figures)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ranking_results (county_id, ranking_id, street_id, street_name, rank, score, bottom, figures)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, countyID, rankingID, res.StreetID, res.StreetName, res.Rank, res.Score, res.Bottom, figures); err != nil {
				return fmt.Errorf("insert result: %w", err)
			}
		}
		_, err := tx.Exec(ctx, `UPDATE rankings SET status = 'done', percent = 100, finished_at = now() WHERE county_id = $1 AND id = $2`,
			countyID, rankingID)
		return err
	})
	if err != nil {
		return fmt.Errorf("store ranking %d: %w", rankingID, err)
	}
	return nil
}

// Fail records why a ranking could not be computed.
func (s *Service) Fail(ctx context.Context, countyID, rankingID int64, cause error) error {
	return s.db.Tx(ctx, tenants.Scope{CountyID: countyID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE rankings SET status = 'failed', error = $3, finished_at = now()
			WHERE county_id = $1 AND id = $2 AND status <> 'done'`, countyID, rankingID, cause.Error())
		return err
	})
}

// Score turns the streets' figures into points, weighted scores and ranks.
//
// Each indicator gives 0–100 points by where the street's value sits
// between the county's lowest and highest that period (min-max: the best
// street gets 100, the worst 0, equal values all 100), turned round for a
// lower-is-better indicator. A street without data for an indicator (no
// cases to divide by) gets 0 on it under NoDataZero (it cannot show it did
// the work); under NoDataSkip the indicator is left out of that street's
// weighted mean, and a street with no data at all scores 0. The score is
// the weighted mean of the points, 0–100 with two decimals. Ties
// (equal scores) share a rank: 1, 2, 2, 4. The bottom n ranks — every
// street sharing the n-th worst place included — are named.
func Score(indicators []Weighted, bottomN int, noData string, values map[int64]assess.Values, names map[int64]string) []Result {
	out := make([]Result, 0, len(values))
	for id := range values {
		out = append(out, Result{StreetID: id, StreetName: names[id], Figures: map[assess.Code]Scored{}})
	}
	weights := make([]float64, len(out)) // the weight each street's score is divided by
	for _, w := range indicators {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range values {
			if f := v[w.Indicator]; f.Value != nil {
				lo, hi = math.Min(lo, *f.Value), math.Max(hi, *f.Value)
			}
		}
		for i := range out {
			f := values[out[i].StreetID][w.Indicator]
			sc := Scored{Numerator: f.Numerator, Denominator: f.Denominator, Value: f.Value}
			if f.Value != nil {
				sc.Points = 100
				if hi > lo {
					sc.Points = (*f.Value - lo) / (hi - lo) * 100
					if w.Direction == assess.LowerBetter {
						sc.Points = 100 - sc.Points
					}
				}
			}
			out[i].Figures[w.Indicator] = sc
			if f.Value != nil || noData != NoDataSkip {
				out[i].Score += sc.Points * w.Weight
				weights[i] += w.Weight
			}
		}
	}
	for i := range out {
		if weights[i] > 0 {
			out[i].Score = math.Round(out[i].Score/weights[i]*100) / 100
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].StreetName < out[j].StreetName
	})
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && out[i].Score == out[i-1].Score {
			out[i].Rank = out[i-1].Rank
		}
	}
	if bottomN > 0 && len(out) > 0 {
		cut := len(out) - bottomN
		if cut < 0 {
			cut = 0
		}
		threshold := out[cut].Rank // the n-th worst place, and every street sharing it
		for i := range out {
			out[i].Bottom = out[i].Rank >= threshold
		}
	}
	return out
}
