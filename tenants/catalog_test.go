package tenants_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/infra/pgtest"
)

// The tenancy rules of the schema (see infra/migrations/001_foundation.sql)
// are checked against the catalog rather than the migration text, so a
// table added by any future migration is held to them automatically.

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// tenantTablesCTE selects the tenant tables: every table of schema public
// with a tenant_id column.
const tenantTablesCTE = `WITH tenant_tables AS (
	SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
		AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
`

func tenantTables(t testing.TB, q querier) []string {
	t.Helper()
	rows, err := q.Query(context.Background(), tenantTablesCTE+`SELECT relname::text FROM tenant_tables ORDER BY 1`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return names
}

var (
	// settingRead is the one allowed way for a policy to read a setting: a
	// pooled connection reads a reset setting as '' rather than NULL.
	settingRead    = regexp.MustCompile(`NULLIF\(current_setting\('app\.(tenant_id|county_id|identity_id|qr_token|tracking_code)'::text, true\), ''::text\)`)
	anySettingRead = regexp.MustCompile(`current_setting\(`)
)

// tenancyProblems lists every violation of the tenancy rules in the
// database q is connected to, one line each.
func tenancyProblems(t testing.TB, q querier) []string {
	t.Helper()
	ctx := context.Background()
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	rows, err := q.Query(ctx, tenantTablesCTE+`SELECT t.relname::text, c.relrowsecurity, c.relforcerowsecurity,
		coalesce((SELECT a.attname::text FROM pg_constraint k JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
			WHERE k.conrelid = t.oid AND k.contype = 'p'), ''),
		(SELECT count(*) FROM pg_policy p WHERE p.polrelid = t.oid)
		FROM tenant_tables t JOIN pg_class c ON c.oid = t.oid ORDER BY 1`)
	require.NoError(t, err)
	var (
		table               string
		rls, force          bool
		pkFirst             string
		policies            int
		fkName, fkReference string
	)
	_, err = pgx.ForEachRow(rows, []any{&table, &rls, &force, &pkFirst, &policies}, func() error {
		if !rls {
			report("%s: row-level security is not enabled", table)
		}
		if !force {
			report("%s: row-level security is not forced", table)
		}
		if pkFirst != "tenant_id" {
			report("%s: primary key does not start with tenant_id (first column: %q)", table, pkFirst)
		}
		if policies == 0 {
			report("%s: has no policy", table)
		}
		return nil
	})
	require.NoError(t, err)

	// A foreign key between two tenant tables must pair tenant_id with
	// tenant_id, or a row could point into another tenant.
	rows, err = q.Query(ctx, tenantTablesCTE+`SELECT t.relname::text, k.conname::text, k.confrelid::regclass::text
		FROM tenant_tables t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
		WHERE k.confrelid IN (SELECT oid FROM tenant_tables)
			AND NOT EXISTS (SELECT 1 FROM unnest(k.conkey, k.confkey) AS u(col, refcol)
				JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.col
				JOIN pg_attribute r ON r.attrelid = k.confrelid AND r.attnum = u.refcol
				WHERE a.attname = 'tenant_id' AND r.attname = 'tenant_id')
		ORDER BY 1, 2`)
	require.NoError(t, err)
	_, err = pgx.ForEachRow(rows, []any{&table, &fkName, &fkReference}, func() error {
		report("%s: foreign key %s to tenant table %s does not include tenant_id", table, fkName, fkReference)
		return nil
	})
	require.NoError(t, err)

	rows, err = q.Query(ctx, tenantTablesCTE+`SELECT t.relname::text, p.polname::text, p.polcmd::text,
		coalesce(pg_get_expr(p.polqual, p.polrelid), ''), coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
		FROM tenant_tables t JOIN pg_policy p ON p.polrelid = t.oid ORDER BY 1, 2`)
	require.NoError(t, err)
	var policy, cmd, using, check string
	_, err = pgx.ForEachRow(rows, []any{&table, &policy, &cmd, &using, &check}, func() error {
		exprs := using + "\n" + check
		reads := anySettingRead.FindAllString(exprs, -1)
		good := settingRead.FindAllStringSubmatch(exprs, -1)
		if len(good) == 0 || len(good) != len(reads) {
			report("%s: policy %s must read app.tenant_id, app.county_id, app.identity_id, app.qr_token or app.tracking_code through NULLIF(current_setting(…, true), ''), and nothing else: %s", table, policy, strings.TrimSpace(exprs))
		}
		var tenantSetting, countySetting, identitySetting, tokenSetting bool
		for _, m := range good {
			tenantSetting = tenantSetting || m[1] == "tenant_id"
			countySetting = countySetting || m[1] == "county_id"
			identitySetting = identitySetting || m[1] == "identity_id"
			tokenSetting = tokenSetting || m[1] == "qr_token" || m[1] == "tracking_code"
		}
		if countySetting && cmd != "r" {
			report("%s: policy %s reads app.county_id but is not SELECT-only (polcmd %s)", table, policy, cmd)
		}
		// A person may read their own rows across streets, never write them.
		if identitySetting && cmd != "r" {
			report("%s: policy %s reads app.identity_id but is not SELECT-only (polcmd %s)", table, policy, cmd)
		}
		// A resident's scan or status page reads the code it was given, nothing more.
		if tokenSetting && cmd != "r" {
			report("%s: policy %s reads a resident's token (app.qr_token or app.tracking_code) but is not SELECT-only (polcmd %s)", table, policy, cmd)
		}
		if cmd != "r" && !tenantSetting {
			report("%s: policy %s allows writes without checking app.tenant_id", table, policy)
		}
		return nil
	})
	require.NoError(t, err)

	// The tenants table has no tenant_id column but is just as private.
	err = q.QueryRow(ctx, `SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'public.tenants'::regclass`).Scan(&rls)
	require.NoError(t, err)
	if !rls {
		report("tenants: row-level security is not enabled and forced")
	}
	return problems
}

// appRoleProblems lists the ways the app role could get around row-level
// security in the database q is connected to.
func appRoleProblems(t testing.TB, q querier, role string) []string {
	t.Helper()
	ctx := context.Background()
	var problems []string
	var super, bypass bool
	require.NoError(t, q.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`, role).Scan(&super, &bypass))
	if super {
		problems = append(problems, role+" is a superuser")
	}
	if bypass {
		problems = append(problems, role+" has BYPASSRLS")
	}
	// Owners may disable row-level security; so may members of an owner.
	rows, err := q.Query(ctx, `SELECT format('%s owns %s %s', r.rolname,
			CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' ELSE 'table' END,
			c.oid::regclass)
		FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
		WHERE pg_has_role($1, r.oid, 'MEMBER') AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
		UNION ALL
		SELECT format('%s owns schema %s', r.rolname, n.nspname)
		FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE pg_has_role($1, r.oid, 'MEMBER')
		UNION ALL
		SELECT format('%s is a member of privileged role %s', $1::text, r.rolname)
		FROM pg_roles r WHERE r.rolname <> $1 AND pg_has_role($1, r.oid, 'MEMBER') AND (r.rolsuper OR r.rolbypassrls)
		ORDER BY 1`, role)
	require.NoError(t, err)
	owned, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return append(problems, owned...)
}

func TestCatalogTenancyRules(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)

	tables := tenantTables(t, db.Owner)
	require.Subset(t, tables, []string{"case_categories", "departments", "org_nodes"}, "tenant table discovery is broken")
	require.Empty(t, tenancyProblems(t, db.Owner))
	require.Empty(t, appRoleProblems(t, db.Owner, pgtest.Roles.App))
}

// TestCatalogChecksCatchViolations proves the checks above are not vacuous:
// each rule broken on purpose is reported.
func TestCatalogChecksCatchViolations(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()

	_, err := db.Owner.Exec(ctx, `
		CREATE TABLE bad_open (tenant_id bigint NOT NULL REFERENCES tenants (id), id bigint, PRIMARY KEY (tenant_id, id));

		CREATE TABLE bad_pk (id bigint PRIMARY KEY, tenant_id bigint NOT NULL);
		ALTER TABLE bad_pk ENABLE ROW LEVEL SECURITY;
		ALTER TABLE bad_pk FORCE ROW LEVEL SECURITY;
		CREATE POLICY tenant_isolation ON bad_pk
			USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint);

		CREATE TABLE bad_fk (tenant_id bigint NOT NULL, id bigint, pk_id bigint REFERENCES bad_pk (id), PRIMARY KEY (tenant_id, id));
		ALTER TABLE bad_fk ENABLE ROW LEVEL SECURITY;
		ALTER TABLE bad_fk FORCE ROW LEVEL SECURITY;
		CREATE POLICY county_write ON bad_fk
			USING (tenant_id IN (SELECT id FROM tenants WHERE county_id = NULLIF(current_setting('app.county_id', true), '')::bigint));
		CREATE POLICY raw_read ON bad_fk FOR SELECT
			USING (tenant_id = current_setting('app.tenant_id')::bigint);`)
	require.NoError(t, err)

	require.ElementsMatch(t, []string{
		"bad_fk: foreign key bad_fk_pk_id_fkey to tenant table bad_pk does not include tenant_id",
		"bad_fk: policy county_write reads app.county_id but is not SELECT-only (polcmd *)",
		"bad_fk: policy county_write allows writes without checking app.tenant_id",
		"bad_fk: policy raw_read must read app.tenant_id, app.county_id, app.identity_id, app.qr_token or app.tracking_code through NULLIF(current_setting(…, true), ''), and nothing else: (tenant_id = (current_setting('app.tenant_id'::text))::bigint)",
		"bad_open: row-level security is not enabled",
		"bad_open: row-level security is not forced",
		"bad_open: has no policy",
		"bad_pk: primary key does not start with tenant_id (first column: \"id\")",
	}, tenancyProblems(t, db.Owner))

	// Handing a table to the app role takes a superuser (or a member of
	// both roles).
	su, err := pgx.Connect(ctx, pgtest.SuperuserURL(db.Name))
	require.NoError(t, err)
	defer su.Close(ctx)
	_, err = su.Exec(ctx, `ALTER TABLE bad_open OWNER TO `+pgtest.Roles.App)
	require.NoError(t, err)
	require.Equal(t, []string{pgtest.Roles.App + " owns table bad_open"}, appRoleProblems(t, su, pgtest.Roles.App))
}
