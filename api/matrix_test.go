package api_test

import (
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

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/infra/kratostest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/qrcodes"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

// matrix is a county with two streets, a small tree in street A, and one
// signed-in person per role.
type matrix struct {
	handler  http.Handler
	tokens   map[string]string // role → session token
	nodes    map[string]int64  // name → node id
	depts    map[string]int64  // name → department id
	streetA  tenants.Tenant
	streetB  tenants.Tenant
	authz    *authz.Authorizer
	staffSvc *staff.Service
}

func setupMatrix(t *testing.T) *matrix {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	svc := tenants.NewService(tenants.NewDB(db.App))
	county, err := svc.CreateCounty(ctx, "371326", "平邑县")
	require.NoError(t, err)
	mx := &matrix{tokens: map[string]string{}, nodes: map[string]int64{}, depts: map[string]int64{}}
	mx.streetA, err = svc.CreateTenant(ctx, county, "371326001", "平邑街道")
	require.NoError(t, err)
	mx.streetB, err = svc.CreateTenant(ctx, county, "371326101", "仲村镇")
	require.NoError(t, err)
	scopeA, scopeB := tenants.Scope{TenantID: mx.streetA.ID}, tenants.Scope{TenantID: mx.streetB.ID}
	rows := func(lines ...string) []tenants.ImportRow {
		var out []tenants.ImportRow
		for i, l := range lines {
			f := strings.Split(l, ",")
			out = append(out, tenants.ImportRow{Line: i + 2, Level: f[0], Code: f[1], Name: f[2], ParentCode: f[3]})
		}
		return out
	}
	_, err = svc.Import(ctx, scopeA, rows(
		"community,371326001001,东关社区,371326001",
		"zone,37132600100101,东关一片区,371326001001",
		"grid,37132600100101001,网格甲,37132600100101",
		"grid,37132600100101002,网格乙,37132600100101",
		"building,37132600100101001001,甲1号楼,37132600100101001",
		"community,371326001002,西关社区,371326001"))
	require.NoError(t, err)
	_, err = svc.Import(ctx, scopeB, rows("community,371326101001,仲村村,371326101"))
	require.NoError(t, err)
	for _, code := range []string{"371326001", "371326001001", "37132600100101001", "37132600100101002", "37132600100101001001", "371326001002"} {
		hits, err := svc.Search(ctx, scopeA, code, 1)
		require.NoError(t, err)
		mx.nodes[code] = hits[0].ID
	}
	hits, err := svc.Search(ctx, scopeB, "371326101001", 1)
	require.NoError(t, err)
	mx.nodes["371326101001"] = hits[0].ID
	deps, err := svc.Departments(ctx, scopeA)
	require.NoError(t, err)
	for _, d := range deps {
		mx.depts[d.Name] = d.ID
	}

	// The proxy target is irrelevant here: requests carry X-Session-Token.
	kratos := kratostest.Server(t, "http://127.0.0.1:1")
	mx.staffSvc = staff.NewService(tenants.NewDB(db.App), staff.NewKratos(kratos.AdminURL(), nil))
	people := []struct {
		role string
		node string
		dept string
	}{
		{staff.GridWorker, "37132600100101001", ""},
		{staff.CommunityStaff, "371326001001", ""},
		{staff.DepartmentStaff, "371326001", "派出所"},
		{staff.Dispatcher, "371326001", ""},
		{staff.StreetAdmin, "371326001", ""},
		{staff.Mediator, "371326001", ""},
		{staff.CountyViewer, "", ""},
		{staff.CountyAdmin, "", ""},
		{staff.Judge, "", ""},
	}
	suffix := strconv.FormatInt(mx.streetA.ID, 10) + "-" + db.Name
	for _, p := range people {
		in := staff.Invitation{Name: "测试" + p.role, Email: fmt.Sprintf("%s-%s@example.org", p.role, suffix), Role: p.role,
			NodeID: mx.nodes[p.node], DepartmentID: mx.depts[p.dept]}
		var invited staff.Invited
		if p.node == "" {
			invited, err = mx.staffSvc.InviteToCounty(ctx, county.ID, in)
		} else {
			invited, err = mx.staffSvc.InviteToStreet(ctx, scopeA, mx.streetA, in)
		}
		require.NoError(t, err, p.role)
		mx.tokens[p.role] = kratostest.SignIn(t, kratos, invited.Person.IdentityID, in.Email)
	}
	mx.authz, err = authz.New()
	require.NoError(t, err)
	all, err := mx.staffSvc.All(ctx)
	require.NoError(t, err)
	require.NoError(t, mx.authz.Load(all))
	public, _ := url.Parse(kratos.PublicURL())
	srv := &api.Server{Tenants: svc, Keys: apikeys.NewStore(db.App), Staff: mx.staffSvc, Authz: mx.authz, Cases: cases.NewService(tenants.NewDB(db.App)), Notifications: notifications.NewService(tenants.NewDB(db.App)), QRCodes: qrcodes.NewService(tenants.NewDB(db.App)), PublicURL: "http://fengqiao.test",
		Sessions: api.NewSessions(kratos.PublicURL()), Kratos: public, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	mx.handler = srv.Handler()
	return mx
}

func (mx *matrix) status(t *testing.T, role, method, path, body string) int {
	t.Helper()
	code, _ := mx.call(t, role, method, path, body)
	return code
}

func (mx *matrix) call(t *testing.T, role, method, path, body string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Session-Token", mx.tokens[role])
	rec := httptest.NewRecorder()
	mx.handler.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		t.Log(rec.Body.String())
	}
	return rec.Code, rec.Body.String()
}

const (
	allow = "allow"
	deny  = "deny"
)

func TestAuthorizationMatrix(t *testing.T) {
	mx := setupMatrix(t)
	a, b := "/api/v1/tenants/371326001", "/api/v1/tenants/371326101"
	node := func(tenant, code string) string { return fmt.Sprintf("%s/nodes/%d", tenant, mx.nodes[code]) }
	dept := func(name string) string { return fmt.Sprintf("%s/departments/%d", a, mx.depts[name]) }
	const (
		ownGrid     = "37132600100101001"
		building    = "37132600100101001001" // below the grid
		siblingGrid = "37132600100101002"
		community   = "371326001001"
		otherComm   = "371326001002"
		root        = "371326001"
	)
	rename := `{"name":"改名"}`
	cases := []struct {
		role, what, method, path, body, want string
	}{
		// Grid worker: its grid and below, nothing beside or above it.
		{staff.GridWorker, "read own grid", "GET", node(a, ownGrid), "", allow},
		{staff.GridWorker, "read building below", "GET", node(a, building), "", allow},
		{staff.GridWorker, "read sibling grid", "GET", node(a, siblingGrid), "", deny},
		{staff.GridWorker, "read community above", "GET", node(a, community), "", deny},
		{staff.GridWorker, "read other street", "GET", node(b, "371326101001"), "", deny},
		{staff.GridWorker, "rename own grid", "PATCH", node(a, ownGrid), rename, deny},
		{staff.GridWorker, "list categories", "GET", a + "/categories", "", allow},
		{staff.GridWorker, "open own street", "GET", a, "", allow},
		{staff.GridWorker, "open other street", "GET", b, "", deny},
		{staff.DepartmentStaff, "open own street", "GET", a, "", allow},
		// Community staff: its community's subtree.
		{staff.CommunityStaff, "read own community", "GET", node(a, community), "", allow},
		{staff.CommunityStaff, "read grid below", "GET", node(a, siblingGrid), "", allow},
		{staff.CommunityStaff, "read sibling community", "GET", node(a, otherComm), "", deny},
		{staff.CommunityStaff, "list staff below", "GET", a + "/staff?node_id=" + strconv.FormatInt(mx.nodes[community], 10), "", allow},
		{staff.CommunityStaff, "list staff of the street", "GET", a + "/staff", "", deny},
		// Department staff: its own department, not another.
		{staff.DepartmentStaff, "read own department", "GET", dept("派出所"), "", allow},
		{staff.DepartmentStaff, "read another department", "GET", dept("司法所"), "", deny},
		{staff.DepartmentStaff, "edit own department", "PATCH", dept("派出所"), rename, deny},
		// Dispatcher: reads the street, does not run it.
		{staff.Dispatcher, "read any node", "GET", node(a, building), "", allow},
		{staff.Dispatcher, "read any department", "GET", dept("司法所"), "", allow},
		{staff.Dispatcher, "rename a node", "PATCH", node(a, community), rename, deny},
		// Street admin: everything in its street, nothing in another or above.
		{staff.StreetAdmin, "rename in own street", "PATCH", node(a, community), rename, allow},
		{staff.StreetAdmin, "edit a department", "PATCH", dept("司法所"), `{"sort":5}`, allow},
		{staff.StreetAdmin, "read other street", "GET", node(b, "371326101001"), "", deny},
		{staff.StreetAdmin, "rename own street (county's act)", "PATCH", a, rename, deny},
		{staff.StreetAdmin, "list county streets", "GET", "/api/v1/counties/371326/tenants", "", deny},
		// County viewer: reads everything in the county, writes nothing.
		{staff.CountyViewer, "read node in A", "GET", node(a, building), "", allow},
		{staff.CountyViewer, "read node in B", "GET", node(b, "371326101001"), "", allow},
		{staff.CountyViewer, "list county streets", "GET", "/api/v1/counties/371326/tenants", "", allow},
		{staff.CountyViewer, "rename a node", "PATCH", node(a, community), rename, deny},
		{staff.CountyViewer, "create a street", "POST", "/api/v1/counties/371326/tenants", `{"code":"371326102","name":"武台镇"}`, deny},
		{staff.CountyAdmin, "create a street", "POST", "/api/v1/counties/371326/tenants", `{"code":"371326102","name":"武台镇"}`, allow},
		{staff.CountyAdmin, "rename a street", "PATCH", b, `{"name":"仲村镇"}`, allow},
		// Mediator: reads, writes no tree.
		{staff.Mediator, "read a node", "GET", node(a, building), "", allow},
		{staff.Mediator, "rename a node", "PATCH", node(a, building), rename, deny},
		// Judge: competitions only, never the tree, departments or streets.
		{staff.Judge, "read a node", "GET", node(a, community), "", deny},
		{staff.Judge, "read a department", "GET", dept("派出所"), "", deny},
		{staff.Judge, "list county streets", "GET", "/api/v1/counties/371326/tenants", "", deny},
	}
	for _, c := range cases {
		t.Run(c.role+"/"+c.what, func(t *testing.T) {
			got := mx.status(t, c.role, c.method, c.path, c.body)
			if c.want == allow {
				require.Less(t, got, 300, "%s %s → %d", c.method, c.path, got)
			} else {
				require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, got, "%s %s → %d", c.method, c.path, got)
			}
		})
	}
}

func TestGridWorkerSeesOnlyItsGrid(t *testing.T) {
	mx := setupMatrix(t)
	req := httptest.NewRequest("GET", "/api/v1/tenants/371326001/nodes", nil)
	req.Header.Set("X-Session-Token", mx.tokens[staff.GridWorker])
	rec := httptest.NewRecorder()
	mx.handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "网格甲")
	require.NotContains(t, rec.Body.String(), "平邑街道", "the street root is above the grid worker")

	req = httptest.NewRequest("GET", "/api/v1/tenants/371326001/nodes/search?q=网格", nil)
	req.Header.Set("X-Session-Token", mx.tokens[staff.GridWorker])
	rec = httptest.NewRecorder()
	mx.handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "网格甲")
	require.NotContains(t, rec.Body.String(), "网格乙", "search must not reveal the sibling grid")
}

func TestRevokedRoleStopsGranting(t *testing.T) {
	mx := setupMatrix(t)
	path := fmt.Sprintf("/api/v1/tenants/371326001/nodes/%d", mx.nodes["371326001001"])
	require.Equal(t, http.StatusOK, mx.status(t, staff.CommunityStaff, "GET", path, ""))
	ctx := context.Background()
	scope := tenants.Scope{TenantID: mx.streetA.ID}
	entries, err := mx.staffSvc.ListStreet(ctx, scope, mx.streetA.RootID)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Role == staff.CommunityStaff {
			require.NoError(t, mx.staffSvc.RevokeStreet(ctx, scope, e.Membership.ID))
		}
	}
	all, err := mx.staffSvc.All(ctx)
	require.NoError(t, err)
	require.NoError(t, mx.authz.Load(all))
	require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, mx.status(t, staff.CommunityStaff, "GET", path, ""))
}

func TestIdentityProxyServesFlowsButNotAdmin(t *testing.T) {
	mx := setupMatrix(t)
	req := httptest.NewRequest("GET", "/identity/self-service/login/browser", nil)
	req.Header.Set("Accept", "application/json")
	rec := httptest.NewRecorder()
	mx.handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"ui"`)
	require.Contains(t, rec.Header().Get("Set-Cookie"), "csrf_token")

	for _, path := range []string{"/identity/admin/identities", "/identity/health/ready"} {
		rec = httptest.NewRecorder()
		mx.handler.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		require.Equal(t, http.StatusNotFound, rec.Code, path)
	}
}

func TestKratosDownAnswers503ForStaffOnly(t *testing.T) {
	b := setup(t)
	down := &api.Server{Tenants: b.svc, Keys: b.keys, Authz: mustAuthz(t), Staff: staff.NewService(b.svc.DB(), nil),
		Sessions: api.NewSessions("http://127.0.0.1:1"), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := down.Handler()
	req := httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("X-Session-Token", "ory_st_whatever")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Contains(t, rec.Body.String(), "identity service")

	req = httptest.NewRequest("GET", "/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+b.countyKey)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, "API keys do not depend on Kratos")

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	require.Equal(t, http.StatusOK, rec.Code)
}

func mustAuthz(t *testing.T) *authz.Authorizer {
	a, err := authz.New()
	require.NoError(t, err)
	return a
}

func TestChangeRoleAnswersWithTheWholeMember(t *testing.T) {
	mx := setupMatrix(t)
	entries, err := mx.staffSvc.ListStreet(context.Background(), tenants.Scope{TenantID: mx.streetA.ID}, mx.streetA.RootID)
	require.NoError(t, err)
	var membership int64
	for _, e := range entries {
		if e.Role == staff.GridWorker {
			membership = e.Membership.ID
		}
	}
	require.NotZero(t, membership)
	body := fmt.Sprintf(`{"role":"community_staff","node_id":%d}`, mx.nodes["371326001002"])
	req := httptest.NewRequest("PATCH", fmt.Sprintf("/api/v1/tenants/371326001/staff/%d", membership), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Session-Token", mx.tokens[staff.StreetAdmin])
	rec := httptest.NewRecorder()
	mx.handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"name":"测试grid_worker"`)
	require.Contains(t, rec.Body.String(), `"node_name":"西关社区"`)
	require.Contains(t, rec.Body.String(), `"role":"community_staff"`)
}

func TestCaseLoopOverHTTP(t *testing.T) {
	mx := setupMatrix(t)
	a := "/api/v1/tenants/371326001"
	categories := func() int64 {
		_, body := mx.call(t, staff.GridWorker, "GET", a+"/categories", "")
		var list struct{ Items []struct{ ID int64 } }
		require.NoError(t, json.Unmarshal([]byte(body), &list))
		return list.Items[0].ID
	}()
	report := fmt.Sprintf(`{"channel":"grid_report","category_id":%d,"grade":"general","title":"楼道堆放杂物","description":"3单元楼道堆满纸箱",
		"node_id":%d,"reporter_name":"王阿姨","reporter_phone":"13800138000"}`, categories, mx.nodes["37132600100101001001"])
	code, body := mx.call(t, staff.GridWorker, "POST", a+"/cases", report)
	require.Equal(t, http.StatusCreated, code, body)
	var created struct {
		ID           int64
		TrackingCode string `json:"tracking_code"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	c := fmt.Sprintf("%s/cases/%d", a, created.ID)

	siblingReport := strings.Replace(report, strconv.FormatInt(mx.nodes["37132600100101001001"], 10), strconv.FormatInt(mx.nodes["37132600100101002"], 10), 1)
	require.Contains(t, []int{403, 404}, mx.status(t, staff.GridWorker, "POST", a+"/cases", siblingReport), "a grid worker reports in its own grid only")

	// The department sees nothing until the case is dispatched to it.
	_, body = mx.call(t, staff.DepartmentStaff, "GET", a+"/cases", "")
	require.Contains(t, body, `"items":[]`)
	require.Contains(t, []int{403, 404}, mx.status(t, staff.DepartmentStaff, "GET", c, ""))

	code, body = mx.call(t, staff.DepartmentStaff, "POST", c+"/accept", "{}")
	require.Contains(t, []int{403, 404}, code, body)
	due := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	later := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
	dispatch := fmt.Sprintf(`{"department_id":%d,"leader_name":"李所长","accept_due":"%s","complete_due":"%s"}`, mx.depts["派出所"], due, later)
	code, body = mx.call(t, staff.Dispatcher, "GET", c+"/suggestion", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"found":false`, "no dispatch rule yet: the centre dispatches by hand")
	require.Equal(t, http.StatusForbidden, mx.status(t, staff.DepartmentStaff, "GET", c+"/suggestion", ""))
	code, body = mx.call(t, staff.Dispatcher, "POST", c+"/dispatch", dispatch)
	require.Equal(t, http.StatusOK, code, body)
	for _, role := range []string{staff.Dispatcher, staff.DepartmentStaff} {
		code, body = mx.call(t, role, "GET", a+"/cases/ledger", "")
		require.Equal(t, http.StatusOK, code, body)
		require.Contains(t, body, `"leader_name":"李所长"`, "%s sees the dispatched item on the ledger", role)
	}

	code, body = mx.call(t, staff.Dispatcher, "POST", c+"/confirm", "{}")
	require.Equal(t, http.StatusConflict, code, body)
	require.Contains(t, body, "allowed now: dispatch, accept, return, merge, cancel")
	steps := []struct{ role, step, body string }{
		{staff.DepartmentStaff, "accept", "{}"},
		{staff.DepartmentStaff, "resolve", `{"note":"已清理楼道杂物"}`},
		{staff.Dispatcher, "confirm", "{}"},
		{staff.Dispatcher, "close", `{"note":"您反映的问题已处理完毕"}`},
	}
	code, body = mx.call(t, staff.Dispatcher, "POST", c+"/accept", "{}")
	require.Equal(t, http.StatusForbidden, code, "the centre does not accept in the department's place: %s", body)
	for _, s := range steps {
		if s.step == "confirm" {
			code, body = mx.call(t, staff.DepartmentStaff, "POST", c+"/confirm", "{}")
			require.Equal(t, http.StatusForbidden, code, "a department does not confirm its own work: %s", body)
		}
		code, body = mx.call(t, s.role, "POST", c+"/"+s.step, s.body)
		require.Equal(t, http.StatusOK, code, "%s: %s", s.step, body)
	}
	require.Contains(t, body, `"status":"closed"`)
	_, body = mx.call(t, staff.Dispatcher, "GET", a+"/cases/ledger", "")
	require.Contains(t, body, `"items":[]`, "a resolved item is struck off the ledger")

	code, body = mx.call(t, staff.GridWorker, "GET", c, "")
	require.Equal(t, http.StatusOK, code, body)
	for _, want := range []string{`"action":"report"`, `"action":"dispatch"`, `"action":"accept"`, `"action":"resolve"`, `"action":"confirm"`, `"action":"close"`,
		`"actor":"测试department_staff"`, `"actor_role":"department_staff"`} {
		require.Contains(t, body, want)
	}
	_, body = mx.call(t, staff.Mediator, "GET", c, "")
	require.Contains(t, body, `"reporter_phone":"138****8000"`, "a reader who cannot handle the case sees the phone masked")
	require.Contains(t, []int{403, 404}, mx.status(t, staff.Judge, "GET", c, ""))

	code, body = mx.call(t, staff.Dispatcher, "GET", a+"/cases/inbox", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"closed":1`)
}
