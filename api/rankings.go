package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/tenants"
)

// IndicatorBody is an indicator of the catalogue.
type IndicatorBody struct {
	Code        string `json:"code" example:"resolution_rate"`
	NameZH      string `json:"name_zh" example:"化解率"`
	NameEN      string `json:"name_en" example:"Resolution rate"`
	Unit        string `json:"unit" enum:"percent,per_person"`
	Direction   string `json:"direction" enum:"higher_better,lower_better"`
	Numerator   string `json:"numerator" doc:"what the numerator counts"`
	Denominator string `json:"denominator" doc:"what the denominator counts"`
}

// WeightedBody is an indicator of a scheme.
type WeightedBody struct {
	Indicator string  `json:"indicator" example:"resolution_rate"`
	Weight    float64 `json:"weight" example:"30" doc:"relative: weights need not add up to 100"`
	Direction string  `json:"direction,omitempty" enum:"higher_better,lower_better" doc:"default: the indicator's own"`
}

// SchemeBody is an assessment scheme (考核办法).
type SchemeBody struct {
	ID           int64          `json:"id"`
	Name         string         `json:"name" example:"2026年基层治理考核"`
	BottomN      int            `json:"bottom_n" doc:"how many bottom-ranked streets are named (ties at the boundary all are)"`
	BottomAction string         `json:"bottom_action" enum:"notice,interview" doc:"通报 or 约谈"`
	Nightly      bool           `json:"nightly" doc:"ranked every night over the month so far"`
	NoData       string         `json:"no_data" enum:"zero,skip" doc:"a street without data for an indicator (nothing to divide by, such as no rating): zero scores 0 on it; skip leaves it out of that street's weighted mean"`
	Indicators   []WeightedBody `json:"indicators"`
	CreatedBy    string         `json:"created_by"`
	CreatedAt    time.Time      `json:"created_at"`
	Archived     bool           `json:"archived"`
}

// RankingFigureBody is one indicator of a street in a ranking.
type RankingFigureBody struct {
	Indicator   string   `json:"indicator"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Value       *float64 `json:"value" nullable:"true" doc:"in the indicator's unit; null: no data"`
	Points      float64  `json:"points" doc:"0–100 before weighting"`
}

// RankingResultBody is a street's place in a ranking.
type RankingResultBody struct {
	StreetID   int64               `json:"street_id"`
	StreetName string              `json:"street_name"`
	Rank       int                 `json:"rank" doc:"ties share a rank: 1, 2, 2, 4"`
	Score      float64             `json:"score" doc:"0–100, the weighted mean of the points"`
	Bottom     bool                `json:"bottom" doc:"named for a notice or an interview"`
	Figures    []RankingFigureBody `json:"figures" doc:"in the scheme's order"`
}

// RankingBody is a ranking: queued, running (percent), done (with results,
// never changing again) or failed.
type RankingBody struct {
	ID           int64               `json:"id"`
	SchemeID     int64               `json:"scheme_id"`
	From         time.Time           `json:"from"`
	To           time.Time           `json:"to" doc:"exclusive"`
	Label        string              `json:"label"`
	Indicators   []WeightedBody      `json:"indicators" doc:"the weights as they were when it was requested"`
	BottomN      int                 `json:"bottom_n"`
	BottomAction string              `json:"bottom_action" enum:"notice,interview"`
	NoData       string              `json:"no_data" enum:"zero,skip" doc:"the scheme's rule when it was requested"`
	Trigger      string              `json:"trigger" enum:"manual,nightly"`
	RequestedBy  string              `json:"requested_by"`
	Status       string              `json:"status" enum:"queued,running,done,failed"`
	Percent      int                 `json:"percent"`
	Error        string              `json:"error,omitempty"`
	CreatedAt    time.Time           `json:"created_at"`
	FinishedAt   *time.Time          `json:"finished_at,omitempty"`
	Results      []RankingResultBody `json:"results,omitempty" doc:"best first; only on the ranking itself, once done"`
}

func weightedBodies(in []rankings.Weighted) []WeightedBody {
	out := make([]WeightedBody, len(in))
	for i, w := range in {
		out[i] = WeightedBody{Indicator: string(w.Indicator), Weight: w.Weight, Direction: string(w.Direction)}
	}
	return out
}

func schemeBody(sc rankings.Scheme) SchemeBody {
	return SchemeBody{ID: sc.ID, Name: sc.Name, BottomN: sc.BottomN, BottomAction: sc.BottomAction, Nightly: sc.Nightly, NoData: sc.NoData,
		Indicators: weightedBodies(sc.Indicators), CreatedBy: sc.CreatedBy, CreatedAt: sc.CreatedAt, Archived: sc.Archived}
}

func rankingBody(r rankings.Ranking) RankingBody {
	b := RankingBody{ID: r.ID, SchemeID: r.SchemeID, From: r.Period.From, To: r.Period.To, Label: r.Label, Indicators: weightedBodies(r.Indicators),
		BottomN: r.BottomN, BottomAction: r.BottomAction, NoData: r.NoData, Trigger: r.Trigger, RequestedBy: r.RequestedBy, Status: r.Status,
		Percent: r.Percent, Error: r.Error, CreatedAt: r.CreatedAt, FinishedAt: r.FinishedAt}
	for _, res := range r.Results {
		rb := RankingResultBody{StreetID: res.StreetID, StreetName: res.StreetName, Rank: res.Rank, Score: res.Score, Bottom: res.Bottom}
		for _, w := range r.Indicators {
			f := res.Figures[w.Indicator]
			rb.Figures = append(rb.Figures, RankingFigureBody{Indicator: string(w.Indicator), Numerator: f.Numerator, Denominator: f.Denominator,
				Value: f.Value, Points: f.Points})
		}
		b.Results = append(b.Results, rb)
	}
	return b
}

type schemeInput struct {
	CountyPath
	Body struct {
		Name         string         `json:"name" minLength:"1" maxLength:"200"`
		BottomN      int            `json:"bottom_n,omitempty" minimum:"0" maximum:"50" doc:"default 0: name no street"`
		BottomAction string         `json:"bottom_action,omitempty" enum:"notice,interview"`
		Nightly      bool           `json:"nightly,omitempty"`
		NoData       string         `json:"no_data,omitempty" enum:"zero,skip" doc:"a street without data for an indicator (nothing to divide by, such as no rating): zero scores 0 on it; skip leaves it out of that street's weighted mean; default zero"`
		Indicators   []WeightedBody `json:"indicators" minItems:"1" maxItems:"20"`
	}
}

type rankingRequestInput struct {
	SchemePath
	Body struct {
		Kind    string    `json:"kind" enum:"month,quarter,year,range" doc:"the period"`
		Year    int       `json:"year,omitempty" doc:"month, quarter, year"`
		Month   int       `json:"month,omitempty" doc:"month: 1–12"`
		Quarter int       `json:"quarter,omitempty" doc:"quarter: 1–4"`
		From    time.Time `json:"from,omitempty" doc:"range: from (inclusive)"`
		To      time.Time `json:"to,omitempty" doc:"range: to (exclusive)"`
		Label   string    `json:"label,omitempty" maxLength:"100" doc:"default: the period"`
	}
}

// SchemePath names a scheme of a county.
type SchemePath struct {
	CountyPath
	SchemeID int64 `path:"schemeId"`
}

// RankingPath names a ranking of a county.
type RankingPath struct {
	CountyPath
	RankingID int64 `path:"rankingId"`
}

type schemeOutput struct{ Body SchemeBody }
type schemesOutput struct {
	Body struct {
		Items []SchemeBody `json:"items"`
	}
}
type indicatorsOutput struct {
	Body struct {
		Items []IndicatorBody `json:"items"`
	}
}
type rankingOutput struct{ Body RankingBody }
type rankingsOutput struct {
	Body struct {
		Items []RankingBody `json:"items"`
	}
}

// periodOf reads a requested period.
func periodOf(kind string, year, month, quarter int, from, to time.Time) (assess.Period, error) {
	switch kind {
	case "month":
		return assess.Month(year, time.Month(month))
	case "quarter":
		return assess.Quarter(year, quarter)
	case "year":
		return assess.Year(year)
	case "range":
		return assess.Range(from, to)
	}
	return assess.Period{}, fengqiao.Invalid("body.kind", "month, quarter, year or range", kind)
}

func (s *Server) registerRankings(api huma.API) {
	tags := []string{"Assessment"}
	read, write := need{Resource: "county", Action: "read"}, need{Resource: "county", Action: "write"}
	countyOp(s, api, huma.Operation{
		OperationID: "list-indicators", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/assessment/indicators", Tags: tags,
		Summary: "The indicators an assessment can weigh",
	}, read, func(ctx context.Context, c tenants.County, in *CountyPath) (*indicatorsOutput, error) {
		out := &indicatorsOutput{}
		for _, ind := range assess.Catalogue() {
			out.Body.Items = append(out.Body.Items, IndicatorBody{Code: string(ind.Code), NameZH: ind.NameZH, NameEN: ind.NameEN,
				Unit: string(ind.Unit), Direction: string(ind.Direction), Numerator: ind.Numerator, Denominator: ind.Denominator})
		}
		return out, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "create-assessment-scheme", Method: http.MethodPost, Path: "/api/v1/counties/{countyCode}/assessment/schemes", Tags: tags,
		Summary: "Create an assessment scheme (考核办法)", DefaultStatus: http.StatusCreated,
		Description: "Indicators with weights and direction, and how many bottom-ranked streets are named for a notice (通报) or an interview (约谈).",
	}, write, func(ctx context.Context, c tenants.County, in *schemeInput) (*schemeOutput, error) {
		sc := rankings.Scheme{Name: in.Body.Name, BottomN: in.Body.BottomN, BottomAction: in.Body.BottomAction, Nightly: in.Body.Nightly, NoData: in.Body.NoData}
		for _, w := range in.Body.Indicators {
			sc.Indicators = append(sc.Indicators, rankings.Weighted{Indicator: assess.Code(w.Indicator), Weight: w.Weight, Direction: assess.Direction(w.Direction)})
		}
		p, _ := principalFrom(ctx)
		created, err := s.Rankings.CreateScheme(ctx, tenants.Scope{CountyID: c.ID}, p.Name, sc)
		if err != nil {
			return nil, err
		}
		return &schemeOutput{Body: schemeBody(created)}, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "list-assessment-schemes", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/assessment/schemes", Tags: tags,
		Summary: "The county's assessment schemes",
	}, read, func(ctx context.Context, c tenants.County, in *CountyPath) (*schemesOutput, error) {
		list, err := s.Rankings.Schemes(ctx, tenants.Scope{CountyID: c.ID})
		if err != nil {
			return nil, err
		}
		out := &schemesOutput{}
		out.Body.Items = make([]SchemeBody, len(list))
		for i, sc := range list {
			out.Body.Items[i] = schemeBody(sc)
		}
		return out, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "request-ranking", Method: http.MethodPost, Path: "/api/v1/counties/{countyCode}/assessment/schemes/{schemeId}/rankings", Tags: tags,
		Summary: "Rank every street for a period", DefaultStatus: http.StatusAccepted,
		Description: "Queues a River job; follow it with get-ranking (status, percent). Once done the ranking never changes: request another for new weights or data.",
	}, write, func(ctx context.Context, c tenants.County, in *rankingRequestInput) (*rankingOutput, error) {
		b := in.Body
		p, err := periodOf(b.Kind, b.Year, b.Month, b.Quarter, b.From, b.To)
		if err != nil {
			return nil, err
		}
		who, _ := principalFrom(ctx)
		r, err := s.Rankings.Request(ctx, tenants.Scope{CountyID: c.ID}, who.Name, "manual", in.SchemeID, p, b.Label)
		if err != nil {
			return nil, err
		}
		return &rankingOutput{Body: rankingBody(r)}, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "list-rankings", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/assessment/schemes/{schemeId}/rankings", Tags: tags,
		Summary: "A scheme's rankings, latest period first",
	}, read, func(ctx context.Context, c tenants.County, in *SchemePath) (*rankingsOutput, error) {
		list, err := s.Rankings.Rankings(ctx, tenants.Scope{CountyID: c.ID}, in.SchemeID)
		if err != nil {
			return nil, err
		}
		out := &rankingsOutput{}
		out.Body.Items = make([]RankingBody, len(list))
		for i, r := range list {
			out.Body.Items[i] = rankingBody(r)
		}
		return out, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "get-ranking", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/assessment/rankings/{rankingId}", Tags: tags,
		Summary: "A ranking: its progress, then every street's rank, score and figures",
	}, read, func(ctx context.Context, c tenants.County, in *RankingPath) (*rankingOutput, error) {
		r, err := s.Rankings.RankingByID(ctx, tenants.Scope{CountyID: c.ID}, in.RankingID)
		if err != nil {
			return nil, err
		}
		return &rankingOutput{Body: rankingBody(r)}, nil
	})
}
