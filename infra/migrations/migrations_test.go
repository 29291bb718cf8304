package migrations_test

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/infra/migrations"
	"github.com/fengqiao/fengqiao/infra/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestFilesAreNumberedWithoutGaps(t *testing.T) {
	names, err := fs.Glob(migrations.Files(), "*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	pattern := regexp.MustCompile(`^(\d{3})_[a-z0-9_]+\.sql$`)
	for i, name := range names {
		m := pattern.FindStringSubmatch(name)
		require.NotNil(t, m, "%s: name migrations NNN_snake_case.sql", name)
		n, _ := strconv.Atoi(m[1])
		require.Equal(t, i+1, n, "%s is out of sequence", name)
	}
}

func TestMigrateIsIdempotentAndSerialised(t *testing.T) {
	db := pgtest.New(t) // already migrated once by the harness
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = migrations.Migrate(ctx, db.OwnerURL, migrations.Options{AppRole: pgtest.Roles.App})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	var version int
	require.NoError(t, db.Owner.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&version))
	names, _ := fs.Glob(migrations.Files(), "*.sql")
	require.Equal(t, len(names), version)
}

func TestMigrateRefusesAPrivilegedAppRole(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.SuperuserURL(db.Name))
	require.NoError(t, err)
	defer conn.Close(ctx)
	role := fmt.Sprintf("too_mighty_%s", db.Name)
	_, err = conn.Exec(ctx, `CREATE ROLE `+pgx.Identifier{role}.Sanitize()+` LOGIN BYPASSRLS`)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = conn.Exec(context.Background(), `DROP ROLE IF EXISTS `+pgx.Identifier{role}.Sanitize()) })

	err = migrations.Migrate(ctx, db.OwnerURL, migrations.Options{AppRole: role})
	require.ErrorContains(t, err, "BYPASSRLS")
}

func TestAppRoleCanUseRiverTables(t *testing.T) {
	db := pgtest.New(t)
	ctx := context.Background()
	_, err := db.App.Exec(ctx, `SELECT count(*) FROM river_job`)
	require.NoError(t, err, "the app role runs River's client and needs DML on its tables")
	_, err = db.App.Exec(ctx, `DELETE FROM river_job WHERE false`)
	require.NoError(t, err)
}
