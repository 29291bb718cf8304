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
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/exports"
	"github.com/fengqiao/fengqiao/infra/kratostest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

// exportsEnv is a county with two streets, cases in two grids of street A,
// signed-in people of a few roles and API keys, and a server with exports
// and River UI (its River client only inserts: tests work the jobs).
type exportsEnv struct {
	handler   http.Handler
	db        *pgtest.DB
	tdb       *tenants.DB
	tokens    map[string]string // role → session token
	keys      map[string]string // "county", "A", "B" → API key
	gridCases []int64           // the cases in the grid worker's grid
	allCases  int
}

func setupExports(t *testing.T) *exportsEnv {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	tdb := tenants.NewDB(db.App)
	svc := tenants.NewService(tdb)
	county, err := svc.CreateCounty(ctx, "371326", "平邑县")
	require.NoError(t, err)
	streetA, err := svc.CreateTenant(ctx, county, "371326001", "平邑街道")
	require.NoError(t, err)
	streetB, err := svc.CreateTenant(ctx, county, "371326101", "仲村镇")
	require.NoError(t, err)
	scopeA := tenants.Scope{TenantID: streetA.ID}
	var rows []tenants.ImportRow
	for i, l := range []string{"community,371326001001,东关社区,371326001", "zone,37132600100101,东关一片区,371326001001",
		"grid,37132600100101001,网格甲,37132600100101", "grid,37132600100101002,网格乙,37132600100101",
		"building,37132600100101001001,甲1号楼,37132600100101001", "building,37132600100101002001,乙1号楼,37132600100101002"} {
		f := strings.Split(l, ",")
		rows = append(rows, tenants.ImportRow{Line: i + 2, Level: f[0], Code: f[1], Name: f[2], ParentCode: f[3]})
	}
	_, err = svc.Import(ctx, scopeA, rows)
	require.NoError(t, err)
	node := func(code string) int64 {
		hits, err := svc.Search(ctx, scopeA, code, 1)
		require.NoError(t, err)
		return hits[0].ID
	}
	categories, err := svc.Categories(ctx, scopeA)
	require.NoError(t, err)
	env := &exportsEnv{db: db, tdb: tdb, tokens: map[string]string{}, keys: map[string]string{}}
	caseSvc := cases.NewService(tdb)
	for _, at := range []struct {
		building string
		n        int
	}{{"37132600100101001001", 3}, {"37132600100101002001", 4}} {
		for i := range at.n {
			c, err := caseSvc.Report(ctx, scopeA, cases.Actor{Name: "周强"}, cases.NewCase{Channel: "visit", CategoryID: categories[0].ID,
				Grade: "urgent", Title: fmt.Sprintf("纠纷%d", i), NodeID: node(at.building)})
			require.NoError(t, err)
			if at.building == "37132600100101001001" {
				env.gridCases = append(env.gridCases, c.ID)
			}
			env.allCases++
		}
	}

	keys := apikeys.NewStore(db.App)
	for name, tenantID := range map[string]int64{"county": 0, "A": streetA.ID, "B": streetB.ID} {
		_, env.keys[name], err = keys.Create(ctx, name, county.ID, tenantID)
		require.NoError(t, err)
	}
	kratos := kratostest.Server(t, "http://127.0.0.1:1")
	staffSvc := staff.NewService(tdb, staff.NewKratos(kratos.AdminURL(), nil))
	suffix := strconv.FormatInt(streetA.ID, 10) + "-" + db.Name
	for _, p := range []struct{ role, node string }{{staff.GridWorker, "37132600100101001"}, {staff.StreetAdmin, "371326001"},
		{staff.CountyAdmin, ""}, {staff.CountyViewer, ""}} {
		in := staff.Invitation{Name: "测试" + p.role, Email: fmt.Sprintf("x-%s-%s@example.org", p.role, suffix), Role: p.role}
		var invited staff.Invited
		if p.node == "" {
			invited, err = staffSvc.InviteToCounty(ctx, county.ID, in)
		} else {
			in.NodeID = node(p.node)
			invited, err = staffSvc.InviteToStreet(ctx, scopeA, streetA, in)
		}
		require.NoError(t, err, p.role)
		env.tokens[p.role] = kratostest.SignIn(t, kratos, invited.Person.IdentityID, in.Email)
	}
	authorizer, err := authz.New()
	require.NoError(t, err)
	all, err := staffSvc.All(ctx)
	require.NoError(t, err)
	require.NoError(t, authorizer.Load(all))
	client, err := river.NewClient(riverpgxv5.New(db.App), &river.Config{}) // insert only
	require.NoError(t, err)
	public, _ := url.Parse(kratos.PublicURL())
	srv := &api.Server{Tenants: svc, Keys: keys, Staff: staffSvc, Authz: authorizer, Cases: caseSvc, PublicURL: "http://fengqiao.test",
		Sessions: api.NewSessions(kratos.PublicURL()), Kratos: public, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Exports: exports.NewService(tdb).WithJobs(client), River: client}
	env.handler = srv.Handler()
	return env
}

// call sends a request as a role ("key:A" for an API key) and decodes a JSON answer.
func (env *exportsEnv) call(t *testing.T, who, method, path string, body any) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	var reader io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(t, err)
		reader = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, reader)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key, ok := strings.CutPrefix(who, "key:"); ok {
		req.Header.Set("Authorization", "Bearer "+env.keys[key])
	} else if who != "" {
		req.Header.Set("X-Session-Token", env.tokens[who])
	}
	rec := httptest.NewRecorder()
	env.handler.ServeHTTP(rec, req)
	var out map[string]any
	if strings.Contains(rec.Header().Get("Content-Type"), "json") {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	}
	return rec, out
}

// work runs the export's job, as River would, from the args Create inserted.
func (env *exportsEnv) work(t *testing.T, export map[string]any) {
	t.Helper()
	has := "tenant_id"
	if export["scope"] == "county" {
		has = "county_id"
	}
	var raw []byte
	require.NoError(t, env.db.Owner.QueryRow(context.Background(), `SELECT args FROM river_job
		WHERE kind = 'export' AND (args->>'export_id')::bigint = $1 AND args ? $2`, int64(export["id"].(float64)), has).Scan(&raw))
	var args jobs.ExportArgs
	require.NoError(t, json.Unmarshal(raw, &args))
	job := &river.Job[jobs.ExportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: jobs.ExportAttempts}, Args: args}
	require.NoError(t, (&jobs.ExportWorker{DB: env.tdb}).Work(context.Background(), job))
}

// sheetIDs downloads an export and returns the ids in its first column.
func (env *exportsEnv) sheetIDs(t *testing.T, who string, export map[string]any) (*httptest.ResponseRecorder, []int64) {
	t.Helper()
	rec, _ := env.call(t, who, http.MethodGet, export["download_url"].(string), nil)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("案件台账")
	require.NoError(t, err)
	var ids []int64
	for _, r := range rows[1:] {
		id, err := strconv.ParseInt(r[0], 10, 64)
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return rec, ids
}

func TestExportsOverHTTP(t *testing.T) {
	env := setupExports(t)
	const a = "/api/v1/tenants/371326001"

	// A grid worker's export holds their grid's cases only.
	rec, e := env.call(t, staff.GridWorker, http.MethodPost, a+"/exports", map[string]any{"kind": "case_ledger", "filters": map[string]any{"sort": "oldest", "grade": "urgent"}})
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "queued", e["status"])
	require.Equal(t, map[string]any{"sort": "oldest", "grade": "urgent"}, e["filters"])
	require.Nil(t, e["download_url"])
	rec, _ = env.call(t, staff.GridWorker, http.MethodGet, e["url"].(string)+"/download", nil)
	require.Equal(t, http.StatusConflict, rec.Code, "not done yet")
	env.work(t, e)
	rec, e = env.call(t, staff.GridWorker, http.MethodGet, e["url"].(string), nil)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "done", e["status"])
	require.EqualValues(t, 100, e["percent"])
	require.EqualValues(t, len(env.gridCases), e["row_count"])
	rec, ids := env.sheetIDs(t, staff.GridWorker, e)
	require.Equal(t, env.gridCases, ids)
	require.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", rec.Header().Get("Content-Type"))
	disposition := rec.Header().Get("Content-Disposition")
	require.Contains(t, disposition, `filename*=UTF-8''%E6%A1%88%E4%BB%B6%E5%8F%B0%E8%B4%A6-`, "案件台账-… in UTF-8")
	require.Contains(t, disposition, `attachment; filename="export-`)

	// The street admin's export of the same street holds every case; the
	// grid worker's export is not theirs (404), nor another street's key's.
	rec, all := env.call(t, "key:A", http.MethodPost, a+"/exports", map[string]any{"kind": "case_ledger"})
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	env.work(t, all)
	_, all = env.call(t, "key:A", http.MethodGet, all["url"].(string), nil)
	_, ids = env.sheetIDs(t, "key:A", all)
	require.Len(t, ids, env.allCases)
	for _, who := range []string{staff.StreetAdmin, "key:A", "key:B", staff.CountyAdmin} {
		rec, _ = env.call(t, who, http.MethodGet, e["url"].(string), nil)
		require.Equal(t, http.StatusNotFound, rec.Code, who)
		rec, _ = env.call(t, who, http.MethodGet, e["download_url"].(string), nil)
		require.Equal(t, http.StatusNotFound, rec.Code, who)
	}

	// My exports: each sees their own.
	_, mine := env.call(t, staff.GridWorker, http.MethodGet, "/api/v1/exports", nil)
	require.Len(t, mine["items"], 1)
	_, mine = env.call(t, "key:B", http.MethodGet, "/api/v1/exports", nil)
	require.Empty(t, mine["items"])

	// Field-named problems.
	rec, problem := env.call(t, "key:A", http.MethodPost, a+"/exports", map[string]any{"kind": "rankings",
		"filters": map[string]any{"status": "lost", "node_id": 999999}})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	var locations []string
	for _, d := range problem["errors"].([]any) {
		locations = append(locations, d.(map[string]any)["location"].(string))
	}
	require.ElementsMatch(t, []string{"body.kind", "body.filters.status"}, locations)
	rec, problem = env.call(t, "key:A", http.MethodPost, a+"/exports", map[string]any{"kind": "case_ledger", "filters": map[string]any{"node_id": 999999}})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "body.filters.node_id")
}

func TestCountyWideExportOverHTTP(t *testing.T) {
	env := setupExports(t)
	rec, e := env.call(t, staff.CountyAdmin, http.MethodPost, "/api/v1/counties/371326/exports", map[string]any{"kind": "case_ledger"})
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "county", e["scope"])
	env.work(t, e)
	_, e = env.call(t, staff.CountyAdmin, http.MethodGet, e["url"].(string), nil)
	require.Equal(t, "done", e["status"])
	_, ids := env.sheetIDs(t, staff.CountyAdmin, e)
	require.Len(t, ids, env.allCases)
	_, mine := env.call(t, staff.CountyAdmin, http.MethodGet, "/api/v1/exports", nil)
	require.Len(t, mine["items"], 1)

	// A street's key and a street's admin cannot export the county, nor read its export.
	for _, who := range []string{"key:A", staff.StreetAdmin} {
		rec, _ = env.call(t, who, http.MethodPost, "/api/v1/counties/371326/exports", map[string]any{"kind": "case_ledger"})
		require.Equal(t, http.StatusForbidden, rec.Code, who)
		rec, _ = env.call(t, who, http.MethodGet, e["url"].(string), nil)
		require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, rec.Code, who)
	}
	rec, _ = env.call(t, "key:county", http.MethodGet, e["download_url"].(string), nil)
	require.Equal(t, http.StatusNotFound, rec.Code, "another requester")
	rec, _ = env.call(t, staff.CountyAdmin, http.MethodPost, "/api/v1/counties/371326/exports", map[string]any{"kind": "case_ledger", "filters": map[string]any{"category_id": 3}})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Contains(t, rec.Body.String(), "body.filters.category_id")
}

func TestRiverUIIsForCountyAdminsOnly(t *testing.T) {
	env := setupExports(t)
	for who, want := range map[string]int{staff.CountyAdmin: http.StatusOK, "key:county": http.StatusOK,
		staff.CountyViewer: http.StatusForbidden, staff.StreetAdmin: http.StatusForbidden, "key:A": http.StatusForbidden, "": http.StatusUnauthorized} {
		rec, _ := env.call(t, who, http.MethodGet, "/admin/jobs/", nil)
		require.Equal(t, want, rec.Code, "%s: %s", who, rec.Body.String())
		if want == http.StatusOK {
			require.Contains(t, rec.Body.String(), "<html", "River UI's page, served from its embedded assets")
			rec, _ = env.call(t, who, http.MethodGet, "/admin/jobs/api/jobs?state=available", nil)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		}
	}
}

func TestTheIndicatorTableAndARankingExportOverHTTP(t *testing.T) {
	env := setupExports(t)
	now := time.Now().In(fengqiao.China)
	month, err := assess.Month(now.Year(), now.Month())
	require.NoError(t, err)
	period := map[string]any{"from": month.From.Format(time.RFC3339), "to": month.To.Format(time.RFC3339)}

	rec, e := env.call(t, staff.CountyAdmin, http.MethodPost, "/api/v1/counties/371326/exports", map[string]any{"kind": "indicators", "filters": period})
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	env.work(t, e)
	_, e = env.call(t, staff.CountyAdmin, http.MethodGet, e["url"].(string), nil)
	require.Equal(t, "done", e["status"], e["error"])
	require.Equal(t, float64(2), e["row_count"], "both streets")

	// A ranking is the county's; the API takes its id and checks it is done.
	rec, _ = env.call(t, "key:A", http.MethodPost, "/api/v1/tenants/371326001/exports", map[string]any{"kind": "ranking", "filters": map[string]any{"ranking_id": 1}})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code, "a street cannot export the county's ranking")
	rec, _ = env.call(t, staff.CountyAdmin, http.MethodPost, "/api/v1/counties/371326/exports", map[string]any{"kind": "ranking"})
	require.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	require.Contains(t, rec.Body.String(), "body.filters.ranking_id")
}
