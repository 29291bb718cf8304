package api_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/situation"
)

// situationEnv is the appeals street with a server that has dashboards and
// a live hub fed by the database.
func situationEnv(t *testing.T) (*appealEnv, *httptest.Server) {
	t.Helper()
	e := setupAppeals(t, api.PublicLimits{Off: true})
	db := e.svc.DB()
	hub := situation.NewHub()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go hub.Run(ctx, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := &api.Server{Tenants: e.svc, Keys: e.keys, Authz: mustAuthz(t), Cases: e.cases, QRCodes: e.codes,
		Situation: situation.NewService(db), Live: hub, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.handler = srv.Handler()
	server := httptest.NewServer(e.handler)
	t.Cleanup(server.Close)
	return e, server
}

func TestDashboardsOverHTTP(t *testing.T) {
	e, _ := situationEnv(t)
	_, err := e.cases.Report(context.Background(), e.scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{
		Channel: "grid_report", CategoryID: e.service, Grade: "urgent", Title: "楼道堆放杂物", NodeID: e.building})
	require.NoError(t, err)

	res := e.do(t, "GET", "/api/v1/tenants/371326001/situation?days=7", e.streetKey, nil)
	require.Equal(t, http.StatusOK, res.status, res.raw)
	totals := res.body["totals"].(map[string]any)
	require.Equal(t, float64(1), totals["received"])
	require.Equal(t, float64(1), totals["open"])
	require.Equal(t, float64(0), totals["resolution_rate"], "nothing resolved yet")
	require.Len(t, res.body["trend"], 7)
	require.Equal(t, "网格甲", res.body["heat"].([]any)[0].(map[string]any)["name"])

	require.Equal(t, http.StatusNotFound, e.do(t, "GET", "/api/v1/tenants/371326101/situation", e.streetKey, nil).status,
		"a street's key does not reach another street")
	require.Equal(t, http.StatusUnprocessableEntity, e.do(t, "GET", "/api/v1/tenants/371326001/situation?days=0", e.streetKey, nil).status)

	county := e.do(t, "GET", "/api/v1/counties/371326/situation", e.countyKey, nil)
	require.Equal(t, http.StatusOK, county.status, county.raw)
	require.Len(t, county.body["heat"], 2, "both streets of the county")
	require.Equal(t, http.StatusForbidden, e.do(t, "GET", "/api/v1/counties/371326/situation", e.streetKey, nil).status)
	require.Equal(t, http.StatusNotFound, e.do(t, "GET", "/api/v1/counties/371326/situation", e.otherKey, nil).status)
}

func TestDashboardEventsSayWhenCasesChange(t *testing.T) {
	e, server := situationEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	street := openEvents(ctx, t, server.URL+"/api/v1/tenants/371326001/situation/events", e.streetKey)
	county := openEvents(ctx, t, server.URL+"/api/v1/counties/371326/situation/events", e.countyKey)
	// Each stream opens with a "changed" at the hub's first poll of its
	// streets: drain them, then a case reported now must be announced on both.
	time.Sleep(situation.PollEvery + 500*time.Millisecond)
	for _, events := range []chan string{street, county} {
		for len(events) > 0 {
			<-events
		}
	}
	_, err := e.cases.Report(ctx, e.scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{
		Channel: "grid_report", CategoryID: e.service, Grade: "general", Title: "噪音扰民", NodeID: e.building})
	require.NoError(t, err)
	for name, events := range map[string]chan string{"street": street, "county": county} {
		select {
		case ev := <-events:
			require.Equal(t, "changed", ev, name)
		case <-ctx.Done():
			t.Fatalf("no event on the %s stream after a case was reported", name)
		}
	}

	// Another county's key cannot open either stream.
	for _, url := range []string{"/api/v1/tenants/371326001/situation/events", "/api/v1/counties/371326/situation/events"} {
		other, err := http.NewRequestWithContext(ctx, "GET", server.URL+url, nil)
		require.NoError(t, err)
		other.Header.Set("Authorization", "Bearer "+e.otherKey)
		otherResp, err := http.DefaultClient.Do(other)
		require.NoError(t, err)
		otherResp.Body.Close()
		require.Equal(t, http.StatusNotFound, otherResp.StatusCode, url)
	}
}

// openEvents opens a dashboard's event stream with key and sends the name
// of each event it carries.
func openEvents(ctx context.Context, t *testing.T, url, key string) chan string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	events := make(chan string, 16)
	go func() {
		defer close(events)
		scanner := bufio.NewScanner(resp.Body)
		for scanner.Scan() {
			if line, ok := strings.CutPrefix(scanner.Text(), "event: "); ok {
				events <- line
			}
		}
	}()
	return events
}
