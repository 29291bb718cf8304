package staff_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	kratos "github.com/ory/kratos-client-go"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/infra/kratoslocal"
	"github.com/fengqiao/fengqiao/infra/kratostest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Codes of the fixture: a county with two streets, a small tree in street A
// (root, two communities, a zone, two grids, a building) and one community
// in street B.
const (
	countyCode = "371326"
	streetA    = "371326001"
	communityA = "371326001001"
	zoneA      = "37132600100101"
	gridA1     = "37132600100101001"
	gridA2     = "37132600100101002"
	buildingA  = "37132600100101001001"
	community2 = "371326001002"
	streetB    = "371326101"
	communityB = "371326101001"
)

// bundle is what every test starts from: a fresh database with the fixture
// county and streets, a staff Service over the app role backed by the one
// real Kratos of this test binary, and Kratos's admin client for checks.
type bundle struct {
	db      *pgtest.DB
	tdb     *tenants.DB
	tenants *tenants.Service
	svc     *staff.Service
	ids     *staff.Kratos
	kratos  *kratoslocal.Server
	admin   *kratos.APIClient
	county  tenants.County
	streetA tenants.Tenant
	streetB tenants.Tenant
	scopeA  tenants.Scope // street staff of A: no county setting
	scopeB  tenants.Scope
	nodes   map[string]int64 // code → node id, both streets
	deptsA  map[string]int64 // name → department id in A
	deptsB  map[string]int64
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	tdb := tenants.NewDB(db.App)
	b := &bundle{db: db, tdb: tdb, tenants: tenants.NewService(tdb), nodes: map[string]int64{}}
	var err error
	b.county, err = b.tenants.CreateCounty(ctx, countyCode, "平邑县")
	require.NoError(t, err)
	b.streetA, err = b.tenants.CreateTenant(ctx, b.county, streetA, "平邑街道")
	require.NoError(t, err)
	b.streetB, err = b.tenants.CreateTenant(ctx, b.county, streetB, "仲村镇")
	require.NoError(t, err)
	b.scopeA, b.scopeB = tenants.Scope{TenantID: b.streetA.ID}, tenants.Scope{TenantID: b.streetB.ID}
	b.importTree(t, b.scopeA, b.streetA,
		"community,"+communityA+",东关社区,"+streetA,
		"zone,"+zoneA+",东关一片区,"+communityA,
		"grid,"+gridA1+",网格甲,"+zoneA,
		"grid,"+gridA2+",网格乙,"+zoneA,
		"building,"+buildingA+",甲1号楼,"+gridA1,
		"community,"+community2+",西关社区,"+streetA)
	b.importTree(t, b.scopeB, b.streetB, "community,"+communityB+",仲村村,"+streetB)
	b.deptsA = departments(t, b.tenants, b.scopeA)
	b.deptsB = departments(t, b.tenants, b.scopeB)

	b.kratos = kratostest.Server(t, "http://127.0.0.1:1")
	b.admin = newKratosClient(b.kratos.AdminURL())
	b.ids = staff.NewKratos(b.kratos.AdminURL(), nil)
	b.svc = staff.NewService(tdb, b.ids)
	return b
}

// importTree imports "kind,code,name,parent" lines into a street and records
// the ids of the street root and every imported node.
func (b *bundle) importTree(t *testing.T, scope tenants.Scope, street tenants.Tenant, lines ...string) {
	t.Helper()
	ctx := context.Background()
	var rows []tenants.ImportRow
	for i, l := range lines {
		f := strings.Split(l, ",")
		rows = append(rows, tenants.ImportRow{Line: i + 2, Level: f[0], Code: f[1], Name: f[2], ParentCode: f[3]})
	}
	_, err := b.tenants.Import(ctx, scope, rows)
	require.NoError(t, err)
	b.nodes[street.Code] = street.RootID
	for _, r := range rows {
		hits, err := b.tenants.Search(ctx, scope, r.Code, 1)
		require.NoError(t, err)
		require.Len(t, hits, 1, r.Code)
		b.nodes[r.Code] = hits[0].ID
	}
}

func departments(t *testing.T, svc *tenants.Service, scope tenants.Scope) map[string]int64 {
	t.Helper()
	deps, err := svc.Departments(context.Background(), scope)
	require.NoError(t, err)
	out := map[string]int64{}
	for _, d := range deps {
		out[d.Name] = d.ID
	}
	return out
}

// otherCounty onboards a second county with one street and one community.
func (b *bundle) otherCounty(t *testing.T) (tenants.County, tenants.Tenant) {
	t.Helper()
	ctx := context.Background()
	county, err := b.tenants.CreateCounty(ctx, "371325", "费县")
	require.NoError(t, err)
	street, err := b.tenants.CreateTenant(ctx, county, "371325001", "费城街道")
	require.NoError(t, err)
	b.importTree(t, tenants.Scope{TenantID: street.ID}, street, "community,371325001001,城东社区,371325001")
	return county, street
}

// Kratos outlives each test's database (one per test binary), so every
// email and phone number is made unique across the binary.
var serial atomic.Int64

func (b *bundle) email(who string) string {
	return fmt.Sprintf("%s-%s@example.org", who, b.db.Name)
}

func uniquePhone() string { return fmt.Sprintf("+86139%08d", serial.Add(1)) }

func (b *bundle) inviteStreet(t *testing.T, street tenants.Tenant, in staff.Invitation) staff.Invited {
	t.Helper()
	invited, err := b.svc.InviteToStreet(context.Background(), tenants.Scope{TenantID: street.ID}, street, in)
	require.NoError(t, err)
	return invited
}

func (b *bundle) inviteCounty(t *testing.T, countyID int64, in staff.Invitation) staff.Invited {
	t.Helper()
	invited, err := b.svc.InviteToCounty(context.Background(), countyID, in)
	require.NoError(t, err)
	return invited
}

// listStreet lists the memberships held at nodeID or below it.
func (b *bundle) listStreet(t *testing.T, scope tenants.Scope, nodeID int64) []staff.StaffEntry {
	t.Helper()
	entries, err := b.svc.ListStreet(context.Background(), scope, nodeID)
	require.NoError(t, err)
	return entries
}

func membershipIDs(entries []staff.StaffEntry) []int64 {
	out := []int64{}
	for _, e := range entries {
		out = append(out, e.Membership.ID)
	}
	return out
}

// superCount runs a count query as the superuser, outside row-level
// security, to see what really is in the database.
func (b *bundle) superCount(t *testing.T, sql string, args ...any) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.SuperuserURL(b.db.Name))
	require.NoError(t, err)
	defer conn.Close(ctx)
	var n int
	require.NoError(t, conn.QueryRow(ctx, sql, args...).Scan(&n))
	return n
}

func newKratosClient(url string) *kratos.APIClient {
	cfg := kratos.NewConfiguration()
	cfg.Servers = kratos.ServerConfigurations{{URL: url}}
	return kratos.NewAPIClient(cfg)
}

// identityCount counts every identity in Kratos. Tests that use it do not
// run in parallel with tests that create identities.
func (b *bundle) identityCount(t *testing.T) int {
	t.Helper()
	const pageSize = 500
	ids, _, err := b.admin.IdentityAPI.ListIdentities(context.Background()).PageSize(pageSize).Execute()
	require.NoError(t, err)
	require.Less(t, len(ids), pageSize, "too many identities to count in one page")
	return len(ids)
}

// identityByIdentifier finds identities by a credentials identifier (email
// or phone) through the admin API.
func (b *bundle) identityByIdentifier(t *testing.T, identifier string) []kratos.Identity {
	t.Helper()
	ids, _, err := b.admin.IdentityAPI.ListIdentities(context.Background()).CredentialsIdentifier(identifier).Execute()
	require.NoError(t, err)
	return ids
}

func (b *bundle) traits(t *testing.T, identityID string) map[string]any {
	t.Helper()
	ident, _, err := b.admin.IdentityAPI.GetIdentity(context.Background(), identityID).Execute()
	require.NoError(t, err)
	traits, ok := ident.Traits.(map[string]any)
	require.True(t, ok, "traits are %T", ident.Traits)
	return traits
}

// requireInvalid asserts that err is an EINVALID domain error naming exactly
// the given field locations, in order.
func requireInvalid(t *testing.T, err error, locations ...string) *fengqiao.Error {
	t.Helper()
	require.Error(t, err)
	var fe *fengqiao.Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, fengqiao.EINVALID, fe.Code, fe.Error())
	got := make([]string, len(fe.Fields))
	for i, f := range fe.Fields {
		got[i] = f.Location
	}
	require.Equal(t, locations, got, fe.Error())
	return fe
}

// requireCode asserts that err is a domain error with the given code.
func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, fengqiao.ErrorCode(err), err.Error())
}
