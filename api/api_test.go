package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/qrcodes"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	handler   http.Handler
	svc       *tenants.Service
	keys      *apikeys.Store
	county    tenants.County
	other     tenants.County
	streetA   tenants.Tenant
	streetB   tenants.Tenant
	countyKey string // county-wide key of county
	streetKey string // key scoped to streetA
	otherKey  string // county-wide key of the other county
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	b := &bundle{svc: tenants.NewService(tenants.NewDB(db.App)), keys: apikeys.NewStore(db.App)}
	var err error
	b.county, err = b.svc.CreateCounty(ctx, "371326", "平邑县")
	require.NoError(t, err)
	b.other, err = b.svc.CreateCounty(ctx, "440309", "龙华区")
	require.NoError(t, err)
	b.streetA, err = b.svc.CreateTenant(ctx, b.county, "371326001", "平邑街道")
	require.NoError(t, err)
	b.streetB, err = b.svc.CreateTenant(ctx, b.county, "371326101", "仲村镇")
	require.NoError(t, err)
	_, err = b.svc.CreateTenant(ctx, b.other, "440309001", "观湖街道")
	require.NoError(t, err)
	_, b.countyKey, err = b.keys.Create(ctx, "county", b.county.ID, 0)
	require.NoError(t, err)
	_, b.streetKey, err = b.keys.Create(ctx, "street A", b.county.ID, b.streetA.ID)
	require.NoError(t, err)
	_, b.otherKey, err = b.keys.Create(ctx, "other county", b.other.ID, 0)
	require.NoError(t, err)
	authorizer, err := authz.New()
	require.NoError(t, err)
	srv := &api.Server{Tenants: b.svc, Keys: b.keys, Authz: authorizer, Staff: staff.NewService(tenants.NewDB(db.App), nil), Cases: cases.NewService(tenants.NewDB(db.App)), Notifications: notifications.NewService(tenants.NewDB(db.App)), QRCodes: qrcodes.NewService(tenants.NewDB(db.App)), PublicURL: "http://fengqiao.test",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	b.handler = srv.Handler()
	return b
}

type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (b *bundle) do(t *testing.T, method, path, key string, body any) response {
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
	return b.send(t, req, key)
}

func (b *bundle) send(t *testing.T, req *http.Request, key string) response {
	t.Helper()
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), raw: rec.Body.String()}
	if strings.Contains(rec.Header().Get("Content-Type"), "json") {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &res.body), rec.Body.String())
	}
	return res
}

func (b *bundle) upload(t *testing.T, tenantCode, filename, content, key string) response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", filename)
	require.NoError(t, err)
	_, err = part.Write([]byte(content))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	req := httptest.NewRequest(http.MethodPost, "/api/v1/tenants/"+tenantCode+"/hierarchy/import", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.send(t, req, key)
}

func TestOpenAPIMatchesCommittedSpec(t *testing.T) {
	got, err := api.OpenAPI().YAML()
	require.NoError(t, err)
	if os.Getenv("UPDATE_OPENAPI") == "1" {
		require.NoError(t, os.WriteFile("openapi.yaml", got, 0o644))
	}
	want, err := os.ReadFile("openapi.yaml")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got), "api/openapi.yaml is stale: run `make openapi`")
}

func TestEveryOperationDeclaresAPermission(t *testing.T) {
	authorizer, err := authz.New()
	require.NoError(t, err)
	known := map[string]bool{"public": true, "self:read": true}
	for _, p := range authorizer.Catalog() {
		known[p.Resource+":"+p.Action] = true
	}
	spec := api.OpenAPI()
	count := 0
	for path, item := range spec.Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Options, item.Head, item.Patch, item.Trace} {
			if op == nil {
				continue
			}
			count++
			name := op.Method + " " + path
			permission, _ := op.Extensions["x-permission"].(string)
			require.True(t, known[permission], "%s declares no permission from authz/catalog.csv (got %q)", name, permission)
			require.NotEmpty(t, op.OperationID, name)
			require.NotEmpty(t, op.Summary, name)
			require.NotEmpty(t, op.Tags, name)
			if permission == "public" {
				require.Empty(t, op.Security, "%s is public but asks for credentials", name)
			}
		}
	}
	require.Greater(t, count, 15)
}

func TestCredentialsAreRequired(t *testing.T) {
	b := setup(t)
	res := b.do(t, http.MethodGet, "/api/v1/me", "", nil)
	require.Equal(t, http.StatusUnauthorized, res.status)
	require.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
	require.Contains(t, res.header.Get("WWW-Authenticate"), "Bearer")
	require.Contains(t, res.body["detail"], "API key")

	for _, bad := range []string{"nonsense", "fq_abc_def", b.countyKey + "x"} {
		res = b.do(t, http.MethodGet, "/api/v1/me", bad, nil)
		require.Equal(t, http.StatusUnauthorized, res.status, bad)
	}

	res = b.do(t, http.MethodGet, "/healthz", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "ok", res.body["status"])
}

func TestRevokedKeyIsRefused(t *testing.T) {
	b := setup(t)
	k, key, err := b.keys.Create(context.Background(), "temp", b.county.ID, 0)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/api/v1/me", key, nil).status)
	require.NoError(t, b.keys.Revoke(context.Background(), k.ID))
	require.Equal(t, http.StatusUnauthorized, b.do(t, http.MethodGet, "/api/v1/me", key, nil).status)
}

func TestMeDescribesTheCredential(t *testing.T) {
	b := setup(t)
	res := b.do(t, http.MethodGet, "/api/v1/me", b.countyKey, nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "371326", res.body["county"].(map[string]any)["code"])
	require.Nil(t, res.body["tenant"])

	res = b.do(t, http.MethodGet, "/api/v1/me", b.streetKey, nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "371326001", res.body["tenant"].(map[string]any)["code"])
}

func TestStreetKeyReachesOnlyItsStreet(t *testing.T) {
	b := setup(t)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/api/v1/tenants/371326001", b.streetKey, nil).status)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/api/v1/tenants/371326001/nodes", b.streetKey, nil).status)
	// A sibling street of the same county is not even known to exist.
	res := b.do(t, http.MethodGet, "/api/v1/tenants/371326101", b.streetKey, nil)
	require.Equal(t, http.StatusNotFound, res.status)
	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodGet, "/api/v1/tenants/371326101/departments", b.streetKey, nil).status)
	// County-level operations need a county credential.
	require.Equal(t, http.StatusForbidden, b.do(t, http.MethodGet, "/api/v1/counties/371326/tenants", b.streetKey, nil).status)
	require.Equal(t, http.StatusForbidden, b.do(t, http.MethodPatch, "/api/v1/tenants/371326001", b.streetKey, map[string]any{"name": "x"}).status)
}

func TestCountyKeyStaysInItsCounty(t *testing.T) {
	b := setup(t)
	res := b.do(t, http.MethodGet, "/api/v1/counties/371326/tenants", b.countyKey, nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Len(t, res.body["items"], 2)
	require.Equal(t, http.StatusOK, b.do(t, http.MethodGet, "/api/v1/tenants/371326101", b.countyKey, nil).status)

	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodGet, "/api/v1/counties/440309/tenants", b.countyKey, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodGet, "/api/v1/tenants/440309001", b.countyKey, nil).status)
	require.Equal(t, http.StatusNotFound, b.do(t, http.MethodGet, "/api/v1/tenants/371326001", b.otherKey, nil).status)
}

func TestCreateTenantReportsEveryBadField(t *testing.T) {
	b := setup(t)
	res := b.do(t, http.MethodPost, "/api/v1/counties/371326/tenants", b.countyKey, map[string]any{"code": "12", "name": ""})
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	require.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
	require.ElementsMatch(t, []string{"body.code", "body.name"}, locations(res))

	res = b.do(t, http.MethodPost, "/api/v1/counties/371326/tenants", b.countyKey, map[string]any{"code": "440309002", "name": "外县街道"})
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	require.Equal(t, []string{"body.code"}, locations(res))

	res = b.do(t, http.MethodPost, "/api/v1/counties/371326/tenants", b.countyKey, map[string]any{"code": "371326001", "name": "重复"})
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	require.Contains(t, res.raw, "already exists")

	res = b.do(t, http.MethodPost, "/api/v1/counties/371326/tenants", b.countyKey, map[string]any{"code": "371326102", "name": "武台镇"})
	require.Equal(t, http.StatusCreated, res.status)
	require.Equal(t, "active", res.body["status"])
	deps := b.do(t, http.MethodGet, "/api/v1/tenants/371326102/departments", b.countyKey, nil)
	require.Len(t, deps.body["items"], 8)
}

func locations(res response) []string {
	var out []string
	errs, _ := res.body["errors"].([]any)
	for _, e := range errs {
		out = append(out, e.(map[string]any)["location"].(string))
	}
	return out
}

func TestImportUploadReportsLinesAndImportsAllOrNothing(t *testing.T) {
	b := setup(t)
	bad := "level,code,name,parent_code\n" +
		"community,371326001001,东关社区,371326001\n" +
		"village,371326001002,错层级,371326001\n" +
		"zone,37132600100101,一片区,371326001099\n"
	res := b.upload(t, "371326001", "bad.csv", bad, b.streetKey)
	require.Equal(t, http.StatusUnprocessableEntity, res.status, res.raw)
	require.Equal(t, []string{"file[3].level", "file[4].parent_code"}, locations(res))
	tree := b.do(t, http.MethodGet, "/api/v1/tenants/371326001/nodes", b.streetKey, nil)
	require.EqualValues(t, 0, tree.body["items"].([]any)[0].(map[string]any)["child_count"], "a failed import inserts nothing")

	good := "层级,编码,名称,上级编码\n" +
		"楼栋,37132600100101001001,1号楼,37132600100101001\n" +
		"网格,37132600100101001,第1网格,37132600100101\n" +
		"社区,371326001001,东关社区,371326001\n" +
		"片区,37132600100101,一片区,371326001001\n"
	res = b.upload(t, "371326001", "good.csv", good, b.streetKey)
	require.Equal(t, http.StatusOK, res.status, res.raw)
	require.EqualValues(t, 4, res.body["total"])
	require.Equal(t, map[string]any{"community": 1.0, "zone": 1.0, "grid": 1.0, "building": 1.0}, res.body["created"])

	res = b.upload(t, "371326001", "tree.pdf", good, b.streetKey)
	require.Equal(t, http.StatusUnsupportedMediaType, res.status)
	res = b.upload(t, "371326101", "good.csv", good, b.streetKey)
	require.Equal(t, http.StatusNotFound, res.status, "a street key cannot import into a sibling street")
}

func TestNodeOperationsOverHTTP(t *testing.T) {
	b := setup(t)
	root := b.do(t, http.MethodGet, "/api/v1/tenants/371326001/nodes", b.countyKey, nil).body["items"].([]any)[0].(map[string]any)
	rootID := root["id"]
	res := b.do(t, http.MethodPost, "/api/v1/tenants/371326001/nodes", b.countyKey,
		map[string]any{"parent_id": rootID, "kind": "community", "code": "371326001007", "name": "金花社区"})
	require.Equal(t, http.StatusCreated, res.status, res.raw)
	id := int(res.body["id"].(float64))

	res = b.do(t, http.MethodPost, "/api/v1/tenants/371326001/nodes", b.countyKey,
		map[string]any{"parent_id": id, "kind": "grid", "code": "37132600100701001", "name": "错层级"})
	require.Equal(t, http.StatusUnprocessableEntity, res.status)
	require.Equal(t, []string{"body.kind"}, locations(res))

	res = b.do(t, http.MethodPatch, "/api/v1/tenants/371326001/nodes/"+strconv.Itoa(id), b.countyKey, map[string]any{"name": "金花新村社区"})
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, "金花新村社区", res.body["name"])

	res = b.do(t, http.MethodGet, "/api/v1/tenants/371326001/nodes/search?q=金花", b.countyKey, nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Len(t, res.body["items"], 1)

	res = b.do(t, http.MethodGet, "/api/v1/tenants/371326101/nodes/"+strconv.Itoa(id), b.countyKey, nil)
	require.Equal(t, http.StatusNotFound, res.status, "a node id of street A is unknown in street B")

	res = b.do(t, http.MethodPost, "/api/v1/tenants/371326001/nodes/"+strconv.Itoa(id)+"/archive", b.countyKey, nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Equal(t, true, res.body["archived"])
}

func TestWebAppRoutes(t *testing.T) {
	b := setup(t)
	res := b.do(t, http.MethodGet, "/streets/371326001", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.raw, "<html")
	res = b.do(t, http.MethodGet, "/api/v1/nothing-here", b.countyKey, nil)
	require.Equal(t, http.StatusNotFound, res.status)
	require.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
	require.Contains(t, res.body["detail"], "/api/v1/nothing-here")
	res = b.do(t, http.MethodGet, "/openapi.yaml", "", nil)
	require.Equal(t, http.StatusOK, res.status)
	require.Contains(t, res.raw, "import-hierarchy")
}
