package assess_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// env is a test database with counties and streets whose cases are
// inserted in bulk, as the owner, with exact timestamps: the lifecycle
// would stamp now() on every step.
type env struct {
	db       *pgtest.DB
	tdb      *tenants.DB
	ts       *tenants.Service
	svc      *assess.Service
	nextRow  int64 // tracking codes are unique across streets
	nextNode int
}

// street is a tenant with the node and category its cases use.
type street struct {
	tenants.Tenant
	node, category int64
}

// now is the moment the tests compute indicators at: June 2025, after the
// March 2025 period most tests use.
var now = time.Date(2025, time.June, 1, 0, 0, 0, 0, fengqiao.China)

func newEnv(t testing.TB) *env {
	t.Helper()
	db := pgtest.New(t)
	tdb := tenants.NewDB(db.App)
	return &env{db: db, tdb: tdb, ts: tenants.NewService(tdb), svc: assess.NewService(tdb).WithClock(func() time.Time { return now })}
}

// county creates a county with n streets, coded county+001, +002, ….
func (e *env) county(t testing.TB, code string, n int) (tenants.County, []street) {
	t.Helper()
	ctx := context.Background()
	c, err := e.ts.CreateCounty(ctx, code, code+"县")
	require.NoError(t, err)
	var out []street
	for i := 1; i <= n; i++ {
		tn, err := e.ts.CreateTenant(ctx, c, fmt.Sprintf("%s%03d", code, i), fmt.Sprintf("第%d街道", i))
		require.NoError(t, err)
		s := street{Tenant: tn}
		require.NoError(t, e.asOwner(ctx, c.ID, tn.ID, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT (SELECT id FROM org_nodes WHERE tenant_id = $1 AND kind = 'street'),
				(SELECT min(id) FROM case_categories WHERE tenant_id = $1)`, tn.ID).Scan(&s.node, &s.category)
		}))
		out = append(out, s)
	}
	return c, out
}

// asOwner runs fn as the table owner, which the forced policies still
// check, in the street's (and county's) scope. fn returns errors; callers
// check them outside, as FailNow inside a transaction would hang.
func (e *env) asOwner(ctx context.Context, countyID, tenantID int64, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, e.db.Owner, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true), set_config('app.county_id', $2, true)`,
			fmt.Sprint(tenantID), fmt.Sprint(countyID)); err != nil {
			return err
		}
		return fn(tx)
	})
}

// batch is n identical cases.
type batch struct {
	n          int
	channel    string // default visit
	status     string // default reported
	reported   time.Time
	dispatched *time.Time
	acceptDue  *time.Time
	accepted   *time.Time
	due        *time.Time // complete_due
	resolved   *time.Time
	returns    int
	reopens    int
}

func at(y int, m time.Month, d, h int) *time.Time {
	v := time.Date(y, m, d, h, 0, 0, 0, fengqiao.China)
	return &v
}

func (e *env) insert(t testing.TB, s street, b batch) {
	t.Helper()
	if b.channel == "" {
		b.channel = "visit"
	}
	if b.status == "" {
		b.status = "reported"
	}
	first := e.nextRow
	e.nextRow += int64(b.n)
	ctx := context.Background()
	err := e.asOwner(ctx, s.CountyID, s.ID, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, status,
				node_id, reported_at, dispatched_at, accept_due, accepted_at, complete_due, resolved_at, return_count, reopen_count)
			SELECT $1, substr(h, 1, 4) || '-' || substr(h, 5, 4) || '-' || substr(h, 9, 3), $3, $4, 'general', '测试案件', '', $5,
				$6, $7, $8, $9, $10, $11, $12, $13, $14
			FROM generate_series(1, $15::int) g, lpad(upper(to_hex($2::bigint + g)), 11, '0') h`,
			s.ID, first, b.channel, s.category, b.status, s.node, b.reported, b.dispatched, b.acceptDue, b.accepted, b.due, b.resolved,
			b.returns, b.reopens, b.n)
		return err
	})
	require.NoError(t, err)
}

// rate gives n ratings of score, at the time given, to resolved cases of
// the street that have none yet.
func (e *env) rate(t testing.TB, s street, n, score int, when time.Time) {
	t.Helper()
	ctx := context.Background()
	var inserted int64
	err := e.asOwner(ctx, s.CountyID, s.ID, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO case_ratings (tenant_id, case_id, resolved_at, score, created_at)
			SELECT tenant_id, id, resolved_at, $2, $3 FROM cases c
			WHERE tenant_id = $1 AND resolved_at IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM case_ratings r WHERE r.tenant_id = c.tenant_id AND r.case_id = c.id)
			ORDER BY id LIMIT $4`, s.ID, score, when, n)
		inserted = tag.RowsAffected()
		return err
	})
	require.NoError(t, err)
	require.EqualValues(t, n, inserted, "not enough resolved cases to rate")
}

// gridWorker appoints one person with role at the given number of places
// (the street node, then new communities) at the given time.
func (e *env) gridWorker(t testing.TB, s street, role string, places int, appointed time.Time) {
	t.Helper()
	ctx := context.Background()
	err := e.asOwner(ctx, s.CountyID, s.ID, func(tx pgx.Tx) error {
		var id string
		if err := tx.QueryRow(ctx, `INSERT INTO staff (identity_id, county_id, name, email)
			VALUES (gen_random_uuid(), $1, '网格员', 'grid@example.org') RETURNING identity_id::text`, s.CountyID).Scan(&id); err != nil {
			return err
		}
		for i := range places {
			node := s.node
			if i > 0 {
				e.nextNode++
				if err := tx.QueryRow(ctx, `INSERT INTO org_nodes (tenant_id, kind, parent_id, code, name, community_id)
					VALUES ($1, 'community', $2, $3, '社区', NULL) RETURNING id`, s.ID, s.node, fmt.Sprintf("%s%03d", s.Code, e.nextNode)).Scan(&node); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO memberships (tenant_id, identity_id, role, node_id, created_at) VALUES ($1, $2, $3, $4, $5)`,
				s.ID, id, role, node, appointed); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
}
