// Package casetest builds the street a case test works in: a county, 平邑街道
// with one community, zone, grid and building, its default departments and
// categories, on a fresh test database. The cases, jobs and api tests share it.
package casetest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/tenants"
)

// Street is the fixture.
type Street struct {
	DB       *pgtest.DB
	TDB      *tenants.DB
	Tenants  *tenants.Service
	County   tenants.County
	Tenant   tenants.Tenant
	Scope    tenants.Scope
	Building int64 // 1号楼 in 第1网格
	Category int64 // the street's first category
	Police   int64 // the 派出所 department
	Center   int64 // the 综治中心 department
}

// New builds the street on a new database.
func New(t testing.TB) *Street {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	tdb := tenants.NewDB(db.App)
	ts := tenants.NewService(tdb)
	county, err := ts.CreateCounty(ctx, "371326", "平邑县")
	require.NoError(t, err)
	street, err := ts.CreateTenant(ctx, county, "371326001", "平邑街道")
	require.NoError(t, err)
	s := &Street{DB: db, TDB: tdb, Tenants: ts, County: county, Tenant: street, Scope: tenants.Scope{TenantID: street.ID}}
	_, err = ts.Import(ctx, s.Scope, []tenants.ImportRow{
		{Line: 2, Level: "community", Code: "371326001001", Name: "东关社区", ParentCode: "371326001"},
		{Line: 3, Level: "zone", Code: "37132600100101", Name: "一片区", ParentCode: "371326001001"},
		{Line: 4, Level: "grid", Code: "37132600100101001", Name: "第1网格", ParentCode: "37132600100101"},
		{Line: 5, Level: "building", Code: "37132600100101001001", Name: "1号楼", ParentCode: "37132600100101001"},
	})
	require.NoError(t, err)
	hits, err := ts.Search(ctx, s.Scope, "37132600100101001001", 1)
	require.NoError(t, err)
	s.Building = hits[0].ID
	categories, err := ts.Categories(ctx, s.Scope)
	require.NoError(t, err)
	s.Category = categories[0].ID
	departments, err := ts.Departments(ctx, s.Scope)
	require.NoError(t, err)
	for _, d := range departments {
		switch d.Kind {
		case "police":
			s.Police = d.ID
		case "center":
			s.Center = d.ID
		}
	}
	return s
}
