package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/competitions"
	"github.com/fengqiao/fengqiao/infra/kratostest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

// contest is a county with two streets (one with a community), another
// county, and signed-in people: a county admin, a county viewer, a street
// admin and six judges (five will judge).
type contest struct {
	handler   http.Handler
	tdb       *tenants.DB
	county    tenants.County
	tokens    map[string]string // who → session token
	ids       map[string]string // who → identity id
	community int64
	otherKey  string // county-wide key of the other county
}

func setupContest(t *testing.T) *contest {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	tdb := tenants.NewDB(db.App)
	svc := tenants.NewService(tdb)
	ct := &contest{tdb: tdb, tokens: map[string]string{}, ids: map[string]string{}}
	var err error
	ct.county, err = svc.CreateCounty(ctx, "371326", "平邑县")
	require.NoError(t, err)
	other, err := svc.CreateCounty(ctx, "440309", "龙华区")
	require.NoError(t, err)
	streetA, err := svc.CreateTenant(ctx, ct.county, "371326001", "平邑街道")
	require.NoError(t, err)
	_, err = svc.CreateTenant(ctx, ct.county, "371326101", "仲村镇")
	require.NoError(t, err)
	_, err = svc.Import(ctx, tenants.Scope{TenantID: streetA.ID}, []tenants.ImportRow{{Line: 2, Level: "community", Code: "371326001001", Name: "东关社区", ParentCode: "371326001"}})
	require.NoError(t, err)
	hits, err := svc.Search(ctx, tenants.Scope{TenantID: streetA.ID}, "371326001001", 1)
	require.NoError(t, err)
	ct.community = hits[0].ID
	keys := apikeys.NewStore(db.App)
	_, ct.otherKey, err = keys.Create(ctx, "other county", other.ID, 0)
	require.NoError(t, err)

	kratos := kratostest.Server(t, "http://127.0.0.1:1")
	staffSvc := staff.NewService(tdb, staff.NewKratos(kratos.AdminURL(), nil))
	suffix := db.Name
	invite := func(who, role string) {
		in := staff.Invitation{Name: who, Email: fmt.Sprintf("%s-%s@example.org", strings.ToLower(strings.ReplaceAll(who, " ", "")), suffix), Role: role}
		var invited staff.Invited
		if role == staff.StreetAdmin {
			in.NodeID = streetA.RootID
			invited, err = staffSvc.InviteToStreet(ctx, tenants.Scope{TenantID: streetA.ID}, streetA, in)
		} else {
			invited, err = staffSvc.InviteToCounty(ctx, ct.county.ID, in)
		}
		require.NoError(t, err, who)
		ct.ids[who] = invited.Person.IdentityID
		ct.tokens[who] = kratostest.SignIn(t, kratos, invited.Person.IdentityID, in.Email)
	}
	invite("admin", staff.CountyAdmin)
	invite("viewer", staff.CountyViewer)
	invite("streetadmin", staff.StreetAdmin)
	for i := 1; i <= 6; i++ {
		invite("judge"+strconv.Itoa(i), staff.Judge)
	}
	authorizer, err := authz.New()
	require.NoError(t, err)
	all, err := staffSvc.All(ctx)
	require.NoError(t, err)
	require.NoError(t, authorizer.Load(all))
	public, _ := url.Parse(kratos.PublicURL())
	srv := &api.Server{Tenants: svc, Keys: keys, Staff: staffSvc, Authz: authorizer, Competitions: competitions.NewService(tdb),
		Sessions: api.NewSessions(kratos.PublicURL()), Kratos: public, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ct.handler = srv.Handler()
	return ct
}

// call sends a request as who ("" for none, "key:…" for an API key) and
// decodes a JSON answer.
func (ct *contest) call(t *testing.T, who, method, path string, body any) (int, map[string]any, []byte) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		require.NoError(t, err)
		reader = bytes.NewReader(data)
	}
	req := httptest.NewRequest(method, path, reader)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key, ok := strings.CutPrefix(who, "key:"); ok {
		req.Header.Set("Authorization", "Bearer "+key)
	} else if who != "" {
		req.Header.Set("X-Session-Token", ct.tokens[who])
	}
	rec := httptest.NewRecorder()
	ct.handler.ServeHTTP(rec, req)
	var out map[string]any
	if strings.Contains(rec.Header().Get("Content-Type"), "json") {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	}
	return rec.Code, out, rec.Body.Bytes()
}

func (ct *contest) ok(t *testing.T, who, method, path string, body any, want int) map[string]any {
	t.Helper()
	code, out, raw := ct.call(t, who, method, path, body)
	require.Equal(t, want, code, "%s %s as %s: %s", method, path, who, raw)
	return out
}

func problemLocations(out map[string]any) []string {
	var locs []string
	errs, _ := out["errors"].([]any)
	for _, e := range errs {
		locs = append(locs, e.(map[string]any)["location"].(string))
	}
	return locs
}

func id(v any) int64 { return int64(v.(float64)) }

func TestCompetitionOverHTTPWithFiveJudges(t *testing.T) {
	ct := setupContest(t)
	base := "/api/v1/counties/371326/competitions"

	// Set-up: field-named problems, county admin only.
	_, out, _ := ct.call(t, "admin", http.MethodPost, base, map[string]any{"name": " ", "drop_extremes_min_judges": 2})
	require.Equal(t, []string{"body.name", "body.drop_extremes_min_judges"}, problemLocations(out))
	ct.ok(t, "viewer", http.MethodPost, base, map[string]any{"name": "x"}, http.StatusForbidden)
	ct.ok(t, "judge1", http.MethodPost, base, map[string]any{"name": "x"}, http.StatusForbidden)
	ct.ok(t, "streetadmin", http.MethodPost, base, map[string]any{"name": "x"}, http.StatusForbidden)
	comp := ct.ok(t, "admin", http.MethodPost, base, map[string]any{"name": "2026年度观摩评比"}, http.StatusCreated)
	cid := id(comp["competition"].(map[string]any)["id"])
	require.EqualValues(t, 5, comp["competition"].(map[string]any)["drop_extremes_min_judges"])
	path := fmt.Sprintf("%s/%d", base, cid)

	_, out, _ = ct.call(t, "admin", http.MethodPost, path+"/participants", map[string]any{"street_code": "371326999"})
	require.Equal(t, []string{"body.street_code"}, problemLocations(out))
	_, out, _ = ct.call(t, "admin", http.MethodPost, path+"/criteria", map[string]any{"name": "矛盾化解", "weight": 0, "max_score": 0})
	require.Equal(t, []string{"body.weight", "body.max_score"}, problemLocations(out))
	_, out, _ = ct.call(t, "admin", http.MethodPost, path+"/judges", map[string]any{"identity_id": ct.ids["viewer"]})
	require.Equal(t, []string{"body.identity_id"}, problemLocations(out))
	ct.ok(t, "admin", http.MethodPost, path+"/open", nil, http.StatusConflict)

	var participants, criteria []int64
	for _, p := range []map[string]any{{"street_code": "371326001"}, {"street_code": "371326101"}, {"street_code": "371326001", "node_id": ct.community}} {
		participants = append(participants, id(ct.ok(t, "admin", http.MethodPost, path+"/participants", p, http.StatusCreated)["id"]))
	}
	for _, c := range []map[string]any{{"name": "矛盾化解", "weight": 0.5, "max_score": 100}, {"name": "网格治理", "weight": 0.3, "max_score": 100}, {"name": "群众满意", "weight": 0.2, "max_score": 50}} {
		criteria = append(criteria, id(ct.ok(t, "admin", http.MethodPost, path+"/criteria", c, http.StatusCreated)["id"]))
	}
	for i := 1; i <= 5; i++ {
		ct.ok(t, "admin", http.MethodPost, path+"/judges", map[string]any{"identity_id": ct.ids["judge"+strconv.Itoa(i)]}, http.StatusCreated)
	}
	ct.ok(t, "judge1", http.MethodGet, path+"/sheet", nil, http.StatusConflict)
	opened := ct.ok(t, "admin", http.MethodPost, path+"/open", nil, http.StatusOK)
	require.Equal(t, "open", opened["competition"].(map[string]any)["status"])
	ct.ok(t, "admin", http.MethodPost, path+"/criteria", map[string]any{"name": "新增", "weight": 1, "max_score": 10}, http.StatusConflict)

	// Judges: their competitions, their sheet, their own scores.
	mine := ct.ok(t, "judge1", http.MethodGet, "/api/v1/counties/371326/judging", nil, http.StatusOK)
	require.Len(t, mine["items"], 1)
	require.Empty(t, ct.ok(t, "judge6", http.MethodGet, "/api/v1/counties/371326/judging", nil, http.StatusOK)["items"])
	require.Empty(t, ct.ok(t, "judge6", http.MethodGet, base, nil, http.StatusOK)["items"], "a judge lists only what they judge")
	require.Len(t, ct.ok(t, "viewer", http.MethodGet, base, nil, http.StatusOK)["items"], 1)
	ct.ok(t, "judge6", http.MethodGet, path+"/sheet", nil, http.StatusForbidden)
	ct.ok(t, "judge6", http.MethodGet, path, nil, http.StatusNotFound)
	ct.ok(t, "viewer", http.MethodGet, path+"/sheet", nil, http.StatusForbidden)
	scoreURL := func(p, k int) string { return fmt.Sprintf("%s/scores/%d/%d", path, participants[p], criteria[k]) }
	ct.ok(t, "judge6", http.MethodPut, scoreURL(0, 0), map[string]any{"score": 10}, http.StatusForbidden)
	ct.ok(t, "admin", http.MethodPut, scoreURL(0, 0), map[string]any{"score": 10}, http.StatusForbidden)
	_, out, _ = ct.call(t, "judge1", http.MethodPut, scoreURL(0, 2), map[string]any{"score": 51})
	require.Equal(t, []string{"body.score"}, problemLocations(out))
	ct.ok(t, "judge1", http.MethodPut, fmt.Sprintf("%s/scores/%d/%d", path, participants[0], 999999), map[string]any{"score": 1}, http.StatusNotFound)

	// cells[p][k][j], as in the domain test: ranks 1, 1, 3.
	cells := [][][]float64{
		{{90, 80, 85, 70, 100}, {80, 80, 80, 80, 80}, {40, 45, 50, 30, 40}},
		{{85, 85, 85, 85, 85}, {70, 80, 90, 80, 80}, {40, 45, 40, 45, 40}},
		{{60, 70, 80, 90, 100}, {50, 60, 70, 80, 90}, {30, 30, 30, 30, 30}},
	}
	ct.ok(t, "judge1", http.MethodPut, scoreURL(0, 0), map[string]any{"score": 10}, http.StatusOK) // revised below
	for p := range cells {
		for k := range cells[p] {
			for j, v := range cells[p][k] {
				got := ct.ok(t, "judge"+strconv.Itoa(j+1), http.MethodPut, scoreURL(p, k), map[string]any{"score": v}, http.StatusOK)
				require.Equal(t, v, got["score"])
			}
		}
	}
	sheet := ct.ok(t, "judge2", http.MethodGet, path+"/sheet", nil, http.StatusOK)
	require.Len(t, sheet["scores"], 9, "judge 2's own nine scores")
	require.Equal(t, 80.0, sheet["scores"].([]any)[0].(map[string]any)["score"])
	require.Equal(t, true, sheet["is_judge"])
	require.Equal(t, false, sheet["can_administer"])
	require.Len(t, sheet["participants"], 3)

	// Other counties see nothing.
	ct.ok(t, "key:"+ct.otherKey, http.MethodGet, base, nil, http.StatusNotFound)
	require.Empty(t, ct.ok(t, "key:"+ct.otherKey, http.MethodGet, "/api/v1/counties/440309/competitions", nil, http.StatusOK)["items"])
	ct.ok(t, "key:"+ct.otherKey, http.MethodGet, fmt.Sprintf("/api/v1/counties/440309/competitions/%d", cid), nil, http.StatusNotFound)

	// Lock, score, publish.
	require.Empty(t, ct.ok(t, "admin", http.MethodGet, path+"/missing-scores", nil, http.StatusOK)["items"])
	ct.ok(t, "admin", http.MethodPost, path+"/publish", nil, http.StatusConflict)
	ct.ok(t, "admin", http.MethodPost, path+"/lock", nil, http.StatusOK)
	ct.ok(t, "judge1", http.MethodPut, scoreURL(0, 0), map[string]any{"score": 10}, http.StatusConflict)
	started := ct.ok(t, "admin", http.MethodPost, path+"/scoring", map[string]any{}, http.StatusAccepted)
	require.Equal(t, "scoring", started["competition"].(map[string]any)["status"])
	args := jobs.CompetitionScoringArgs{CountyID: ct.county.ID, CompetitionID: cid}
	require.NoError(t, (&jobs.CompetitionScoringWorker{DB: ct.tdb}).Work(context.Background(), &river.Job[jobs.CompetitionScoringArgs]{JobRow: &rivertype.JobRow{}, Args: args}))
	scored := ct.ok(t, "admin", http.MethodGet, path, nil, http.StatusOK)["competition"].(map[string]any)
	require.Equal(t, "scored", scored["status"])
	require.EqualValues(t, 100, scored["progress"])
	ct.ok(t, "judge1", http.MethodGet, path+"/results", nil, http.StatusConflict)
	ct.ok(t, "admin", http.MethodGet, path+"/results", nil, http.StatusOK)
	ct.ok(t, "admin", http.MethodPost, path+"/publish", nil, http.StatusOK)

	for _, who := range []string{"judge3", "viewer", "admin"} {
		r := ct.ok(t, who, http.MethodGet, path+"/results", nil, http.StatusOK)
		var lines []string
		for _, row := range r["rows"].([]any) {
			m := row.(map[string]any)
			lines = append(lines, fmt.Sprintf("%v %s %v", m["rank"], m["participant"].(map[string]any)["name"], m["total"]))
		}
		require.Equal(t, []string{"1 平邑街道 74.8333", "1 仲村镇 74.8333", "3 平邑街道 东关社区 67"}, lines, who)
	}
	ct.ok(t, "judge6", http.MethodGet, path+"/results", nil, http.StatusNotFound)
	ct.ok(t, "judge3", http.MethodGet, path+"/score-events", nil, http.StatusForbidden)
	events := ct.ok(t, "admin", http.MethodGet, path+"/score-events", nil, http.StatusOK)["items"].([]any)
	require.Len(t, events, 46, "45 scores and judge 1's revision of 10 → 90")

	code, _, raw := ct.call(t, "judge3", http.MethodGet, path+"/results.xlsx", nil)
	require.Equal(t, http.StatusOK, code)
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Equal(t, []string{"排名", "各项得分"}, f.GetSheetList())
	rows, err := f.GetRows("排名")
	require.NoError(t, err)
	require.Equal(t, []string{"排名", "参评单位", "加权总分"}, rows[3])
	require.Equal(t, []string{"1", "平邑街道", "74.83"}, rows[4])
	require.Equal(t, []string{"3", "平邑街道 东关社区", "67.00"}, rows[6])
	means, err := f.GetRows("各项得分")
	require.NoError(t, err)
	require.Equal(t, []string{"1", "平邑街道", "85.00", "80.00", "41.67", "74.83"}, means[4])
}
