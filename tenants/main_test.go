package tenants_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Codes of the fixture county and streets (Longhua District, Shenzhen).
const (
	countyCode  = "440309"
	tenantCodeA = "440309001"
	tenantCodeB = "440309002"
)

// testBundle is what most tests start from: a fresh database with one
// county and two streets onboarded through the service.
type testBundle struct {
	db      *pgtest.DB
	svc     *tenants.Service
	county  tenants.County
	tenantA tenants.Tenant
	tenantB tenants.Tenant
	scopeA  tenants.Scope // street staff of A: no county setting
	scopeB  tenants.Scope
}

func setup(t testing.TB) *testBundle {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	svc := tenants.NewService(tenants.NewDB(db.App))
	county, err := svc.CreateCounty(ctx, countyCode, "龙华区")
	require.NoError(t, err)
	a, err := svc.CreateTenant(ctx, county, tenantCodeA, "观湖街道")
	require.NoError(t, err)
	b, err := svc.CreateTenant(ctx, county, tenantCodeB, "民治街道")
	require.NoError(t, err)
	return &testBundle{
		db: db, svc: svc, county: county, tenantA: a, tenantB: b,
		scopeA: tenants.Scope{TenantID: a.ID},
		scopeB: tenants.Scope{TenantID: b.ID},
	}
}

// requireInvalid asserts that err is an EINVALID domain error naming exactly
// the given field locations, in order, and returns it for further checks.
func requireInvalid(t testing.TB, err error, locations ...string) *fengqiao.Error {
	t.Helper()
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
func requireCode(t testing.TB, err error, code string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, fengqiao.ErrorCode(err), err.Error())
}

// requireSQLState asserts that err carries the PostgreSQL error code state.
func requireSQLState(t testing.TB, err error, state string) {
	t.Helper()
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "want SQLSTATE %s, got %v", state, err)
	require.Equal(t, state, pgErr.Code, pgErr.Message)
}

// queryInt runs a one-value query in a transaction with scope.
func queryInt(t testing.TB, db *tenants.DB, scope tenants.Scope, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	err := db.Tx(context.Background(), scope, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), sql, args...).Scan(&n)
	})
	require.NoError(t, err)
	return n
}
