package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/fengqiao/fengqiao/situation"
	"github.com/fengqiao/fengqiao/tenants"
)

// TotalsBody are a dashboard's headline figures.
type TotalsBody struct {
	Received       int      `json:"received" doc:"cases reported in the period (cancelled and merged ones are not cases)"`
	Resolved       int      `json:"resolved" doc:"of those, resolved (resolved, confirmed or closed)"`
	ResolutionRate *float64 `json:"resolution_rate" nullable:"true" doc:"resolved / received, 0..1; null without cases"`
	Today          int      `json:"today" doc:"reported since midnight, Beijing time"`
	Open           int      `json:"open" doc:"in hand now, however old: reported, dispatched or accepted"`
	Overdue        int      `json:"overdue" doc:"of those, past the acceptance or completion deadline"`
}

// CountBody is one slice of a breakdown.
type CountBody struct {
	Key      string `json:"key" doc:"channel, grade, or the id of a category, community, grid or street; empty for cases without one"`
	Name     string `json:"name,omitempty"`
	Received int    `json:"received"`
	Resolved int    `json:"resolved"`
	Open     int    `json:"open"`
	Overdue  int    `json:"overdue"`
}

// DayBody is one day of the trend.
type DayBody struct {
	Date     string `json:"date" example:"2026-12-01"`
	Received int    `json:"received"`
	Resolved int    `json:"resolved"`
}

// SituationBody is a dashboard (态势).
type SituationBody struct {
	From        time.Time   `json:"from"`
	To          time.Time   `json:"to"`
	GeneratedAt time.Time   `json:"generated_at"`
	Totals      TotalsBody  `json:"totals"`
	ByChannel   []CountBody `json:"by_channel"`
	ByCategory  []CountBody `json:"by_category"`
	ByGrade     []CountBody `json:"by_grade"`
	ByPlace     []CountBody `json:"by_place" doc:"a street: its communities; the county: its streets"`
	Heat        []CountBody `json:"heat" doc:"a street: every grid; the county: every street; quiet ones too"`
	Trend       []DayBody   `json:"trend" doc:"one entry per day of the period, oldest first"`
}

type situationOutput struct{ Body SituationBody }

// SituationQuery is a dashboard's period.
type SituationQuery struct {
	Days int `query:"days" minimum:"1" maximum:"366" default:"30" doc:"the period: the last N days, today included"`
}

type streetSituationInput struct {
	TenantPath
	SituationQuery
}

type countySituationInput struct {
	CountyPath
	SituationQuery
}

func countBodies(in []situation.Count) []CountBody {
	out := make([]CountBody, len(in))
	for i, c := range in {
		out[i] = CountBody(c)
	}
	return out
}

func situationBody(s situation.Snapshot) SituationBody {
	b := SituationBody{From: s.From, To: s.To, GeneratedAt: s.GeneratedAt, Totals: TotalsBody(s.Totals),
		ByChannel: countBodies(s.ByChannel), ByCategory: countBodies(s.ByCategory), ByGrade: countBodies(s.ByGrade),
		ByPlace: countBodies(s.ByPlace), Heat: countBodies(s.Heat), Trend: make([]DayBody, len(s.Trend))}
	for i, d := range s.Trend {
		b.Trend[i] = DayBody(d)
	}
	return b
}

// sseResponses documents an event stream.
var sseResponses = map[string]*huma.Response{"200": {
	Description: "text/event-stream: an event `changed` whenever cases of the dashboard changed (a burst is one event), and a comment every 25 s to keep the connection open. Fetch the dashboard again on `changed`.",
	Content:     map[string]*huma.MediaType{"text/event-stream": {}},
}}

// keepAlive is how often an idle stream says it is alive: under the 60 s
// many proxies give an idle connection.
const keepAlive = 25 * time.Second

// streamChanges writes an event stream of a hub subscription until the
// client goes away.
func streamChanges(ctx huma.Context, signal <-chan struct{}, stop func()) {
	defer stop()
	r, w := humago.Unwrap(ctx)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(chunk string) bool {
		_, err := fmt.Fprint(w, chunk)
		return err == nil && rc.Flush() == nil
	}
	if !send("retry: 5000\n\n") {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if !send(": alive\n\n") {
				return
			}
		case <-signal:
			if !send("event: changed\ndata: {}\n\n") {
				return
			}
		}
	}
}

func (s *Server) registerSituation(api huma.API) {
	tags := []string{"Oversight"}
	read := need{Resource: "case", Action: "read"}
	tenantOp(s, api, huma.Operation{
		OperationID: "get-street-situation", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/situation", Tags: tags,
		Summary:     "A street's dashboard (态势)",
		Description: "The period's intake, resolution and breakdowns by channel, category, grade, community and grid, the daily trend, and the cases in hand now. Needs case:read street-wide.",
	}, read, func(ctx context.Context, st street, in *streetSituationInput) (*situationOutput, error) {
		snap, err := s.Situation.Street(ctx, st.Scope, in.Days)
		if err != nil {
			return nil, err
		}
		return &situationOutput{Body: situationBody(snap)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "street-situation-events", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/situation/events", Tags: tags,
		Summary: "Live changes of a street's dashboard (server-sent events)", Responses: sseResponses,
	}, read, func(ctx context.Context, st street, in *TenantPath) (*huma.StreamResponse, error) {
		signal, stop := s.Live.Subscribe(st.ID)
		return &huma.StreamResponse{Body: func(ctx huma.Context) { streamChanges(ctx, signal, stop) }}, nil
	})
	countyRead := need{Resource: "county", Action: "read"}
	countyOp(s, api, huma.Operation{
		OperationID: "get-county-situation", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/situation", Tags: tags,
		Summary:     "The county's dashboard (态势)",
		Description: "Every street of the county added up, with a heat view per street. Needs county:read.",
	}, countyRead, func(ctx context.Context, c tenants.County, in *countySituationInput) (*situationOutput, error) {
		snap, err := s.Situation.County(ctx, tenants.Scope{CountyID: c.ID}, in.Days)
		if err != nil {
			return nil, err
		}
		return &situationOutput{Body: situationBody(snap)}, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "county-situation-events", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/situation/events", Tags: tags,
		Summary: "Live changes of the county's dashboard (server-sent events)", Responses: sseResponses,
	}, countyRead, func(ctx context.Context, c tenants.County, in *CountyPath) (*huma.StreamResponse, error) {
		ids, err := s.Tenants.StreetIDs(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		signal, stop := s.Live.Subscribe(ids...)
		return &huma.StreamResponse{Body: func(ctx huma.Context) { streamChanges(ctx, signal, stop) }}, nil
	})
}
