// Package comptest builds what the competitions tests share: a county with
// two streets (one with a community), another county, judges, and helpers
// to set a competition up and score it.
package comptest

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/competitions"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/tenants"
)

// County is the fixture.
type County struct {
	DB        *pgtest.DB
	TDB       *tenants.DB
	Tenants   *tenants.Service
	Svc       *competitions.Service
	County    tenants.County
	Other     tenants.County // another county
	Streets   []tenants.Tenant
	Community int64 // 东关社区 of Streets[0]
	Admin     competitions.Actor
	Judges    []competitions.Actor // 7 judges of County
	Foreign   competitions.Actor   // a judge of Other
}

// New builds the fixture on a fresh database.
func New(t testing.TB) *County {
	t.Helper()
	ctx := context.Background()
	db := pgtest.New(t)
	tdb := tenants.NewDB(db.App)
	ts := tenants.NewService(tdb)
	f := &County{DB: db, TDB: tdb, Tenants: ts, Svc: competitions.NewService(tdb)}
	var err error
	f.County, err = ts.CreateCounty(ctx, "371326", "平邑县")
	require.NoError(t, err)
	f.Other, err = ts.CreateCounty(ctx, "440309", "龙华区")
	require.NoError(t, err)
	for _, s := range [][2]string{{"371326001", "平邑街道"}, {"371326101", "仲村镇"}} {
		st, err := ts.CreateTenant(ctx, f.County, s[0], s[1])
		require.NoError(t, err)
		f.Streets = append(f.Streets, st)
	}
	scope := tenants.Scope{TenantID: f.Streets[0].ID}
	_, err = ts.Import(ctx, scope, []tenants.ImportRow{{Line: 2, Level: "community", Code: "371326001001", Name: "东关社区", ParentCode: "371326001"}})
	require.NoError(t, err)
	hits, err := ts.Search(ctx, scope, "371326001001", 1)
	require.NoError(t, err)
	f.Community = hits[0].ID
	f.Admin = competitions.Actor{Name: "王建国", Admin: true, IdentityID: f.person(t, f.County.ID, "王建国", "county_admin")}
	for i := range 7 {
		name := fmt.Sprintf("评委%d", i+1)
		f.Judges = append(f.Judges, competitions.Actor{Name: name, IdentityID: f.person(t, f.County.ID, name, "judge")})
	}
	f.Foreign = competitions.Actor{Name: "外县评委", IdentityID: f.person(t, f.Other.ID, "外县评委", "judge")}
	return f
}

// person adds a member of a county's staff with a county role.
func (f *County) person(t testing.TB, countyID int64, name, role string) string {
	t.Helper()
	var id string
	err := f.TDB.Tx(context.Background(), tenants.Scope{CountyID: countyID}, func(tx pgx.Tx) error {
		return tx.QueryRow(context.Background(), `WITH p AS (INSERT INTO staff (identity_id, county_id, name, email)
			VALUES (gen_random_uuid(), $1, $2, $2 || '-' || $3 || '@example.org') RETURNING identity_id)
		INSERT INTO county_memberships (county_id, identity_id, role) SELECT $1, identity_id, $3 FROM p RETURNING identity_id::text`,
			countyID, name, role).Scan(&id)
	})
	require.NoError(t, err)
	return id
}

// Setup creates an open competition of the county's two streets and its
// community (in that order), three criteria (weights 0.5, 0.3, 0.2; maxima
// 100, 100, 50) and the first n judges.
func (f *County) Setup(t testing.TB, n int) competitions.Competition {
	t.Helper()
	ctx := context.Background()
	c, err := f.Svc.Create(ctx, f.County.ID, f.Admin, competitions.NewCompetition{Name: "2026年度观摩评比"})
	require.NoError(t, err)
	for _, p := range []competitions.NewParticipant{{StreetID: f.Streets[0].ID}, {StreetID: f.Streets[1].ID}, {StreetID: f.Streets[0].ID, NodeID: f.Community}} {
		_, err := f.Svc.AddParticipant(ctx, f.County.ID, f.Admin, c.ID, p)
		require.NoError(t, err)
	}
	for _, cr := range []competitions.NewCriterion{{Name: "矛盾化解", Weight: 0.5, MaxScore: 100}, {Name: "网格治理", Weight: 0.3, MaxScore: 100}, {Name: "群众满意", Weight: 0.2, MaxScore: 50}} {
		_, err := f.Svc.AddCriterion(ctx, f.County.ID, f.Admin, c.ID, cr)
		require.NoError(t, err)
	}
	for _, j := range f.Judges[:n] {
		_, err := f.Svc.AddJudge(ctx, f.County.ID, f.Admin, c.ID, j.IdentityID)
		require.NoError(t, err)
	}
	c, err = f.Svc.Open(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	return c
}

// ScoreAll has judge j give grid[j][p][k] to participant p on criterion k;
// a negative number is left unscored.
func (f *County) ScoreAll(t testing.TB, c competitions.Competition, grid [][][]float64) {
	t.Helper()
	for j, byParticipant := range grid {
		for p, byCriterion := range byParticipant {
			for k, v := range byCriterion {
				if v < 0 {
					continue
				}
				_, err := f.Svc.SetScore(context.Background(), f.County.ID, f.Judges[j], c.ID, c.Participants[p].ID, c.Criteria[k].ID, v)
				require.NoError(t, err)
			}
		}
	}
}
