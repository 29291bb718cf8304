package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/rankings"
)

func TestAssessmentOverHTTP(t *testing.T) {
	b := setup(t)
	db := b.svc.DB()
	ranks := rankings.NewService(db, assess.NewService(db)) // no River here: the test runs the job's work itself
	srv := &api.Server{Tenants: b.svc, Keys: b.keys, Authz: mustAuthz(t), Rankings: ranks, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	b.handler = srv.Handler()
	base := "/api/v1/counties/371326/assessment"

	catalogue := b.do(t, "GET", base+"/indicators", b.countyKey, nil)
	require.Equal(t, http.StatusOK, catalogue.status, catalogue.raw)
	require.GreaterOrEqual(t, len(catalogue.body["items"].([]any)), 7)
	units := map[string]string{}
	for _, it := range catalogue.body["items"].([]any) {
		ind := it.(map[string]any)
		units[ind["code"].(string)] = ind["unit"].(string)
	}
	require.Equal(t, "per_person", units["reports_per_grid_worker"], "a unit the spec's enum names, which the page formats as a count")
	require.Equal(t, "percent", units["resolution_rate"])

	bad := b.do(t, "POST", base+"/schemes", b.countyKey, map[string]any{"name": "x", "indicators": []any{map[string]any{"indicator": "bogus", "weight": 1}}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.status, bad.raw)
	require.Contains(t, bad.raw, `"location":"body.indicators[0].indicator"`)
	bad = b.do(t, "POST", base+"/schemes", b.countyKey, map[string]any{"name": "x", "no_data": "average",
		"indicators": []any{map[string]any{"indicator": "resolution_rate", "weight": 1}}})
	require.Equal(t, http.StatusUnprocessableEntity, bad.status, bad.raw)
	require.Contains(t, bad.raw, `"location":"body.no_data"`)
	require.Equal(t, http.StatusForbidden, b.do(t, "POST", base+"/schemes", b.streetKey, map[string]any{"name": "x",
		"indicators": []any{map[string]any{"indicator": "resolution_rate", "weight": 1}}}).status, "a street does not assess streets")

	created := b.do(t, "POST", base+"/schemes", b.countyKey, map[string]any{"name": "月度考核", "bottom_n": 1, "bottom_action": "interview", "no_data": "skip",
		"indicators": []any{map[string]any{"indicator": "resolution_rate", "weight": 70}, map[string]any{"indicator": "satisfaction_rate", "weight": 30}}})
	require.Equal(t, http.StatusCreated, created.status, created.raw)
	schemeID := int64(created.body["id"].(float64))
	require.Equal(t, "skip", created.body["no_data"])

	now := time.Now().In(fengqiao.China)
	requested := b.do(t, "POST", fmt.Sprintf("%s/schemes/%d/rankings", base, schemeID), b.countyKey,
		map[string]any{"kind": "month", "year": now.Year(), "month": int(now.Month())})
	require.Equal(t, http.StatusAccepted, requested.status, requested.raw)
	require.Equal(t, "queued", requested.body["status"])
	require.Equal(t, "skip", requested.body["no_data"], "the ranking keeps the scheme's rule")
	rankingID := int64(requested.body["id"].(float64))
	require.Equal(t, http.StatusUnprocessableEntity, b.do(t, "POST", fmt.Sprintf("%s/schemes/%d/rankings", base, schemeID), b.countyKey,
		map[string]any{"kind": "month", "year": now.Year(), "month": 13}).status)

	require.NoError(t, ranks.Run(context.Background(), b.county.ID, rankingID))
	got := b.do(t, "GET", fmt.Sprintf("%s/rankings/%d", base, rankingID), b.countyKey, nil)
	require.Equal(t, http.StatusOK, got.status, got.raw)
	require.Equal(t, "done", got.body["status"])
	results := got.body["results"].([]any)
	require.Len(t, results, 2, "both streets of the county")
	first := results[0].(map[string]any)
	require.Equal(t, float64(1), first["rank"])
	require.Len(t, first["figures"], 2, "in the scheme's order")

	list := b.do(t, "GET", fmt.Sprintf("%s/schemes/%d/rankings", base, schemeID), b.countyKey, nil)
	require.Len(t, list.body["items"], 1)
	require.Equal(t, http.StatusNotFound, b.do(t, "GET", fmt.Sprintf("%s/rankings/%d", base, rankingID), b.otherKey, nil).status)
}
