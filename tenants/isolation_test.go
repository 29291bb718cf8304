package tenants_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// fixtureEnv is what a fixture may use to build a valid row of one tenant.
type fixtureEnv struct {
	tenant   tenants.Tenant
	root     tenants.Node // the tenant's street node
	category int64        // one of the tenant's case categories
}

// rowFixture returns an INSERT (without RETURNING) of one valid row of
// env.tenant; seq keeps unique columns apart between calls.
type rowFixture func(env fixtureEnv, seq int) (sql string, args []any)

// isolationFixtures has one entry per tenant table. TestIsolationEveryTenantTable
// discovers the tables from the catalog and fails for a table missing here.
var isolationFixtures = map[string]rowFixture{
	"org_nodes": func(env fixtureEnv, seq int) (string, []any) {
		return `INSERT INTO org_nodes (tenant_id, kind, parent_id, code, name) VALUES ($1, 'community', $2, $3, $4)`,
			[]any{env.tenant.ID, env.root.ID, fmt.Sprintf("%s%03d", env.tenant.Code, seq), fmt.Sprintf("隔离社区%d", seq)}
	},
	"departments": func(env fixtureEnv, seq int) (string, []any) {
		return `INSERT INTO departments (tenant_id, name, kind) VALUES ($1, $2, 'other')`,
			[]any{env.tenant.ID, fmt.Sprintf("隔离部门%d", seq)}
	},
	"memberships": func(env fixtureEnv, seq int) (string, []any) {
		// A membership needs a person: the street adds one of its county.
		// No RETURNING on staff: the new person is not visible to the street
		// until the membership exists.
		return `WITH person AS (SELECT gen_random_uuid() AS id),
			added AS (INSERT INTO staff (identity_id, county_id, name, email) SELECT id, $3, $4, $5 FROM person)
			INSERT INTO memberships (tenant_id, identity_id, role, node_id)
			SELECT $1, id, 'grid_worker', $2 FROM person`,
			[]any{env.tenant.ID, env.root.ID, env.tenant.CountyID, fmt.Sprintf("网格员%d", seq), fmt.Sprintf("worker%d@example.org", seq)}
	},
	"cases": func(env fixtureEnv, seq int) (string, []any) {
		return `INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, node_id)
			VALUES ($1, $2, 'visit', $3, 'general', '隔离案件', '', $4)`,
			[]any{env.tenant.ID, fmt.Sprintf("ISO%d-%04d-000", seq, env.tenant.ID%10000), env.category, env.root.ID}
	},
	"case_events": func(env fixtureEnv, seq int) (string, []any) {
		// An event needs its case: both rows go in as one statement.
		return `WITH c AS (INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, node_id)
				VALUES ($1, $2, 'visit', $3, 'general', '隔离事件', '', $4) RETURNING tenant_id, id)
			INSERT INTO case_events (tenant_id, case_id, actor, action, to_status)
			SELECT tenant_id, id, 'isolation-test', 'report', 'reported' FROM c`,
			[]any{env.tenant.ID, fmt.Sprintf("EVT%d-%04d-000", seq, env.tenant.ID%10000), env.category, env.root.ID}
	},
	"dispatch_rules": func(env fixtureEnv, seq int) (string, []any) {
		// Street-wide, to the tenant's first department; seq varies the
		// priority only (each tenant inserts one live rule per table run).
		return `INSERT INTO dispatch_rules (tenant_id, category_id, department_id, priority)
			VALUES ($1, $2, (SELECT min(id) FROM departments WHERE tenant_id = $1), $3)`,
			[]any{env.tenant.ID, env.category, seq}
	},
	"deadline_policies": func(env fixtureEnv, seq int) (string, []any) {
		return `INSERT INTO deadline_policies (tenant_id, category_id, grade, accept_hours, complete_hours) VALUES ($1, $2, 'general', $3, $4)`,
			[]any{env.tenant.ID, env.category, seq, seq + 24}
	},
	"case_supervisions": func(env fixtureEnv, seq int) (string, []any) {
		// A supervision needs its case: both rows go in as one statement.
		return `WITH c AS (INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, node_id)
				VALUES ($1, $2, 'visit', $3, 'general', '隔离督办', '', $4) RETURNING tenant_id, id)
			INSERT INTO case_supervisions (tenant_id, case_id, level, "window", reason)
			SELECT tenant_id, id, 'center_leader', 'accept', 'isolation-test' FROM c`,
			[]any{env.tenant.ID, fmt.Sprintf("SUP%d-%04d-000", seq, env.tenant.ID%10000), env.category, env.root.ID}
	},
	"notifications": func(env fixtureEnv, seq int) (string, []any) {
		return `INSERT INTO notifications (tenant_id, audience, kind, title) VALUES ($1, 'center', 'summons', $2)`,
			[]any{env.tenant.ID, fmt.Sprintf("隔离通知%d", seq)}
	},
	"case_summons": func(env fixtureEnv, seq int) (string, []any) {
		return `WITH c AS (INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, node_id)
				VALUES ($1, $2, 'visit', $3, 'general', '隔离吹哨', '', $4) RETURNING tenant_id, id)
			INSERT INTO case_summons (tenant_id, case_id, department_id, summoned_by, due_at)
			SELECT tenant_id, id, (SELECT min(id) FROM departments WHERE tenant_id = $1), 'isolation-test', now() + interval '2 hours' FROM c`,
			[]any{env.tenant.ID, fmt.Sprintf("SUM%d-%04d-000", seq, env.tenant.ID%10000), env.category, env.root.ID}
	},
	"case_attachments": func(env fixtureEnv, seq int) (string, []any) {
		return `WITH c AS (INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, node_id)
				VALUES ($1, $2, 'visit', $3, 'general', '隔离照片', '', $4) RETURNING tenant_id, id)
			INSERT INTO case_attachments (tenant_id, case_id, filename, content_type, size, sha256, data, uploaded_by)
			SELECT tenant_id, id, 'p.png', 'image/png', 1, sha256('x'), 'x', 'isolation-test' FROM c`,
			[]any{env.tenant.ID, fmt.Sprintf("ATT%d-%04d-000", seq, env.tenant.ID%10000), env.category, env.root.ID}
	},
	"notification_reads": func(env fixtureEnv, seq int) (string, []any) {
		return `WITH n AS (INSERT INTO notifications (tenant_id, audience, kind, title) VALUES ($1, 'center', 'urgent', $2) RETURNING tenant_id, id)
			INSERT INTO notification_reads (tenant_id, notification_id, identity_id) SELECT tenant_id, id, gen_random_uuid() FROM n`,
			[]any{env.tenant.ID, fmt.Sprintf("隔离已读%d", seq)}
	},
	"qr_codes": func(env fixtureEnv, seq int) (string, []any) {
		return `INSERT INTO qr_codes (tenant_id, node_id, token) VALUES ($1, $2, $3)`,
			[]any{env.tenant.ID, env.root.ID, fmt.Sprintf("isolation%013d", env.tenant.ID*100+int64(seq))}
	},
	"case_ratings": func(env fixtureEnv, seq int) (string, []any) {
		return `WITH c AS (INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, node_id, status, resolved_at)
				VALUES ($1, $2, 'qr', $3, 'general', '隔离评价', '', $4, 'resolved', now()) RETURNING tenant_id, id, resolved_at)
			INSERT INTO case_ratings (tenant_id, case_id, resolved_at, score) SELECT tenant_id, id, resolved_at, 4 FROM c`,
			[]any{env.tenant.ID, fmt.Sprintf("RAT%d-%04d-000", seq, env.tenant.ID%10000), env.category, env.root.ID}
	},
	"exports": func(env fixtureEnv, seq int) (string, []any) {
		return `INSERT INTO exports (tenant_id, kind, requested_by, filters) VALUES ($1, 'case_ledger', $2, '{}')`,
			[]any{env.tenant.ID, fmt.Sprintf("isolation-%d", seq)}
	},
	"case_categories": func(env fixtureEnv, seq int) (string, []any) {
		return `INSERT INTO case_categories (tenant_id, code, name, category_group) VALUES ($1, $2, $3, 'domain')`,
			[]any{env.tenant.ID, fmt.Sprintf("isolation_%d", seq), fmt.Sprintf("隔离类别%d", seq)}
	},
}

func primaryKey(t testing.TB, q querier, table string) []string {
	t.Helper()
	rows, err := q.Query(context.Background(), `SELECT a.attname::text
		FROM pg_constraint k CROSS JOIN unnest(k.conkey) WITH ORDINALITY AS u(attnum, ord)
		JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
		WHERE k.conrelid = ('public.' || quote_ident($1))::regclass AND k.contype = 'p' ORDER BY u.ord`, table)
	require.NoError(t, err)
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.NotEmpty(t, cols, "table %s has no primary key", table)
	return cols
}

// tableRef addresses rows of one table by primary key.
type tableRef struct {
	ident string
	pk    []string
}

// where matches the primary key against parameters $from, $from+1, ….
func (r tableRef) where(from int) string {
	cols := make([]string, len(r.pk))
	params := make([]string, len(r.pk))
	for i, c := range r.pk {
		cols[i] = pgx.Identifier{c}.Sanitize()
		params[i] = fmt.Sprintf("$%d", from+i)
	}
	return "(" + strings.Join(cols, ", ") + ") = (" + strings.Join(params, ", ") + ")"
}

// insert runs the fixture's INSERT in scope and returns the new row's key.
func (r tableRef) insert(t testing.TB, db *tenants.DB, scope tenants.Scope, sql string, args []any) []any {
	t.Helper()
	cols := make([]string, len(r.pk))
	for i, c := range r.pk {
		cols[i] = pgx.Identifier{c}.Sanitize()
	}
	var key []any
	err := db.Tx(context.Background(), scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(context.Background(), sql+" RETURNING "+strings.Join(cols, ", "), args...)
		if err != nil {
			return err
		}
		key, err = pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) ([]any, error) { return row.Values() })
		return err
	})
	require.NoError(t, err)
	return key
}

func (r tableRef) count(t testing.TB, db *tenants.DB, scope tenants.Scope, key []any) int64 {
	t.Helper()
	return queryInt(t, db, scope, `SELECT count(*) FROM `+r.ident+` WHERE `+r.where(1), key...)
}

// execIn runs one statement in scope and returns the rows it touched.
func execIn(db *tenants.DB, scope tenants.Scope, sql string, args ...any) (int64, error) {
	var n int64
	err := db.Tx(context.Background(), scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(context.Background(), sql, args...)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

func TestIsolationEveryTenantTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	db := b.svc.DB()

	// A street of another county, for the county-wide read policies.
	countyY, err := b.svc.CreateCounty(ctx, "440307", "龙岗区")
	require.NoError(t, err)
	tenantC, err := b.svc.CreateTenant(ctx, countyY, "440307001", "平湖街道")
	require.NoError(t, err)
	env := func(tn tenants.Tenant) fixtureEnv {
		scope := tenants.Scope{TenantID: tn.ID}
		root, err := b.svc.Root(ctx, scope)
		require.NoError(t, err)
		categories, err := b.svc.Categories(ctx, scope)
		require.NoError(t, err)
		return fixtureEnv{tenant: tn, root: root, category: categories[0].ID}
	}
	envA, envB, envC := env(b.tenantA), env(b.tenantB), env(tenantC)
	scopeC := tenants.Scope{TenantID: tenantC.ID}
	countyScopeX := tenants.Scope{CountyID: b.county.ID}
	countyScopeY := tenants.Scope{CountyID: countyY.ID}

	tables := tenantTables(t, b.db.Owner)
	for name := range isolationFixtures {
		require.Contains(t, tables, name, "isolationFixtures has an entry for %s, which is not a tenant table (any more)", name)
	}
	for _, table := range tables {
		t.Run(table, func(t *testing.T) {
			t.Parallel()
			fixture, ok := isolationFixtures[table]
			if !ok {
				t.Fatalf("add an isolation fixture for table %s to isolationFixtures in tenants/isolation_test.go", table)
			}
			ref := tableRef{ident: pgx.Identifier{table}.Sanitize(), pk: primaryKey(t, b.db.Owner, table)}
			// Append-only tables (the case timeline) grant no UPDATE at all:
			// there every update must be refused outright.
			updatable := queryInt(t, db, tenants.Scope{}, `SELECT has_table_privilege(current_user, $1, 'UPDATE')::int`, table) == 1
			requireNoUpdate := func(scope tenants.Scope, sql string, args []any, msg string) {
				t.Helper()
				n, err := execIn(db, scope, sql, args...)
				if !updatable {
					requireSQLState(t, err, "42501")
					return
				}
				require.NoError(t, err)
				require.Zero(t, n, msg)
			}

			sql, args := fixture(envA, 1)
			rowA := ref.insert(t, db, b.scopeA, sql, args)
			require.EqualValues(t, 1, ref.count(t, db, b.scopeA, rowA), "A cannot read its own row back")

			// Street B neither sees nor touches A's rows.
			require.Zero(t, ref.count(t, db, b.scopeB, rowA), "B sees A's row")
			sql, args = fixture(envA, 2)
			_, err := execIn(db, b.scopeB, sql, args...)
			requireSQLState(t, err, "42501")
			requireNoUpdate(b.scopeB, `UPDATE `+ref.ident+` SET tenant_id = tenant_id WHERE `+ref.where(1), rowA, "B updated A's row")

			// Nor can B hand one of its own rows to A.
			sql, args = fixture(envB, 3)
			rowB := ref.insert(t, db, b.scopeB, sql, args)
			_, err = execIn(db, b.scopeB, `UPDATE `+ref.ident+` SET tenant_id = $1 WHERE `+ref.where(2), append([]any{b.tenantA.ID}, rowB...)...)
			requireSQLState(t, err, "42501")

			// County staff read their county's rows only, and write none.
			sql, args = fixture(envC, 4)
			rowC := ref.insert(t, db, scopeC, sql, args)
			require.EqualValues(t, 1, ref.count(t, db, countyScopeX, rowA), "county X cannot read its street's row")
			require.Zero(t, ref.count(t, db, countyScopeX, rowC), "county X reads a row of county Y")
			require.EqualValues(t, 1, ref.count(t, db, countyScopeY, rowC), "county Y cannot read its street's row")
			sql, args = fixture(envA, 5)
			_, err = execIn(db, countyScopeX, sql, args...)
			requireSQLState(t, err, "42501")
			requireNoUpdate(countyScopeX, `UPDATE `+ref.ident+` SET tenant_id = tenant_id WHERE `+ref.where(1), rowA, "county staff updated a street's row")

			// Without any scope the table is empty.
			require.Positive(t, queryInt(t, db, b.scopeA, `SELECT count(*) FROM `+ref.ident))
			require.Zero(t, queryInt(t, db, tenants.Scope{}, `SELECT count(*) FROM `+ref.ident))
			require.Zero(t, ref.count(t, db, tenants.Scope{}, rowA))
		})
	}
}

func TestIsolationTenantsTable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	db := b.svc.DB()
	countyY, err := b.svc.CreateCounty(ctx, "440307", "龙岗区")
	require.NoError(t, err)
	tenantC, err := b.svc.CreateTenant(ctx, countyY, "440307001", "平湖街道")
	require.NoError(t, err)
	countyScopeX := tenants.Scope{CountyID: b.county.ID}

	ids := func(scope tenants.Scope) []int64 {
		var out []int64
		require.NoError(t, db.Tx(ctx, scope, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT id FROM tenants ORDER BY code`)
			if err != nil {
				return err
			}
			out, err = pgx.CollectRows(rows, pgx.RowTo[int64])
			return err
		}))
		return out
	}
	require.Empty(t, ids(tenants.Scope{}))
	require.Equal(t, []int64{b.tenantA.ID}, ids(b.scopeA))
	require.Equal(t, []int64{b.tenantA.ID, b.tenantB.ID}, ids(countyScopeX))
	require.Equal(t, []int64{tenantC.ID}, ids(tenants.Scope{CountyID: countyY.ID}))

	// Onboarding and editing streets takes the county setting.
	const insert = `INSERT INTO tenants (county_id, code, name) VALUES ($1, $2, 'x')`
	_, err = execIn(db, b.scopeA, insert, b.county.ID, "440309099")
	requireSQLState(t, err, "42501")
	_, err = execIn(db, countyScopeX, insert, countyY.ID, "440307099")
	requireSQLState(t, err, "42501")
	n, err := execIn(db, b.scopeA, `UPDATE tenants SET name = 'x' WHERE id = $1`, b.tenantA.ID)
	require.NoError(t, err)
	require.Zero(t, n, "a street renamed itself without the county setting")
	n, err = execIn(db, countyScopeX, `UPDATE tenants SET name = 'x' WHERE id = $1`, tenantC.ID)
	require.NoError(t, err)
	require.Zero(t, n, "county X renamed a street of county Y")
	_, err = execIn(db, countyScopeX, `UPDATE tenants SET county_id = $1 WHERE id = $2`, countyY.ID, b.tenantA.ID)
	requireSQLState(t, err, "42501")
	n, err = execIn(db, countyScopeX, `UPDATE tenants SET name = 'x' WHERE id = $1`, b.tenantA.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	// The service reports a street out of reach as not found.
	_, err = b.svc.TenantByCode(ctx, b.scopeB, b.tenantA.Code)
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = b.svc.TenantByID(ctx, countyScopeX, tenantC.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
	list, err := b.svc.ListTenants(ctx, b.county.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, []string{tenantCodeA, tenantCodeB}, []string{list[0].Code, list[1].Code})
	counties, err := b.svc.CountyIDs(ctx)
	require.NoError(t, err)
	require.Subset(t, counties, []int64{b.county.ID, countyY.ID}, "every county, from any scope")
	streets, err := b.svc.StreetIDs(ctx, b.county.ID)
	require.NoError(t, err)
	require.ElementsMatch(t, []int64{b.tenantA.ID, b.tenantB.ID}, streets)
	streets, err = b.svc.StreetIDs(ctx, countyY.ID)
	require.NoError(t, err)
	require.Equal(t, []int64{tenantC.ID}, streets, "county Y's streets only")
}

// TestIsolationSettingDoesNotLeak runs a scoped transaction and then a plain
// one on the same pooled connection: the plain one must see no setting and
// no rows, whether the scoped one committed or rolled back.
func TestIsolationSettingDoesNotLeak(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	cfg, err := pgxpool.ParseConfig(b.db.AppURL)
	require.NoError(t, err)
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	db := tenants.NewDB(pool)
	scope := tenants.Scope{CountyID: b.county.ID, TenantID: b.tenantA.ID}
	errRollback := errors.New("roll back")

	for _, tt := range []struct {
		name   string
		result error
	}{
		{"committed", nil},
		{"rolled back", errRollback},
	} {
		var scopedPID uint32
		err := db.Tx(ctx, scope, func(tx pgx.Tx) error {
			var tenantSetting, countySetting string
			require.NoError(t, tx.QueryRow(ctx, `SELECT current_setting('app.tenant_id'), current_setting('app.county_id'), pg_backend_pid()`).
				Scan(&tenantSetting, &countySetting, &scopedPID))
			require.Equal(t, fmt.Sprint(b.tenantA.ID), tenantSetting, tt.name)
			require.Equal(t, fmt.Sprint(b.county.ID), countySetting, tt.name)
			var n int
			require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM departments`).Scan(&n))
			require.Positive(t, n, tt.name)
			return tt.result
		})
		require.ErrorIs(t, err, tt.result)

		tx, err := pool.BeginTx(ctx, pgx.TxOptions{})
		require.NoError(t, err)
		var tenantSetting, countySetting *string
		var pid uint32
		var tenantRows, departmentRows int
		require.NoError(t, tx.QueryRow(ctx, `SELECT current_setting('app.tenant_id', true), current_setting('app.county_id', true), pg_backend_pid(),
			(SELECT count(*) FROM tenants), (SELECT count(*) FROM departments)`).
			Scan(&tenantSetting, &countySetting, &pid, &tenantRows, &departmentRows))
		require.NoError(t, tx.Commit(ctx))
		require.Equal(t, scopedPID, pid, "%s: not the same connection; the test proves nothing", tt.name)
		require.NotNil(t, tenantSetting, tt.name)
		require.Empty(t, *tenantSetting, tt.name)
		require.NotNil(t, countySetting, tt.name)
		require.Empty(t, *countySetting, tt.name)
		require.Zero(t, tenantRows, tt.name)
		require.Zero(t, departmentRows, tt.name)
	}
}
