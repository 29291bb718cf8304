// Package migrations applies the schema: River's tables, then our numbered
// SQL files, under one advisory lock, as the owner role. It also makes sure
// the app role exists and is not privileged.
package migrations

import (
	"context"
	"embed"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed *.sql
var files embed.FS

// Files are the numbered migrations, for tests that inspect them.
func Files() embed.FS { return files }

// Options names the app role the server connects as.
type Options struct {
	AppRole     string
	AppPassword string // set on the role when it is created; empty: no password (socket trust)
	Log         io.Writer
}

// lockKey serialises concurrent `fengqiao migrate` runs (several replicas
// starting at once). tern takes its own lock inside.
const lockKey = 7_340_152_600

// Migrate brings the database at ownerURL up to date.
func Migrate(ctx context.Context, ownerURL string, opts Options) error {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	pool, err := pgxpool.New(ctx, ownerURL)
	if err != nil {
		return fmt.Errorf("migrate: connect as owner: %w", err)
	}
	defer pool.Close()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return fmt.Errorf("migrate: take advisory lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey)

	if err := ensureAppRole(ctx, conn.Conn(), opts); err != nil {
		return err
	}
	riverMigrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("migrate: river migrator: %w", err)
	}
	res, err := riverMigrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("migrate: river schema: %w", err)
	}
	if len(res.Versions) > 0 {
		fmt.Fprintf(opts.Log, "migrate: river schema up %d versions\n", len(res.Versions))
	}

	m, err := migrate.NewMigrator(ctx, conn.Conn(), "schema_version")
	if err != nil {
		return fmt.Errorf("migrate: tern: %w", err)
	}
	// Templates are rendered when loaded, so Data comes first.
	m.Data["app_role"] = pgx.Identifier{opts.AppRole}.Sanitize()
	if err := m.LoadMigrations(files); err != nil {
		return fmt.Errorf("migrate: load migrations: %w", err)
	}
	m.OnStart = func(seq int32, name, direction, _ string) {
		fmt.Fprintf(opts.Log, "migrate: %s %03d %s\n", direction, seq, name)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return grantRiver(ctx, conn.Conn(), opts.AppRole)
}

// ensureAppRole creates the app role if it is missing and refuses to go on
// if it is privileged: the app role must be subject to row-level security.
func ensureAppRole(ctx context.Context, conn *pgx.Conn, opts Options) error {
	var exists, super, bypass bool
	err := conn.QueryRow(ctx, `SELECT true, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1`, opts.AppRole).
		Scan(&exists, &super, &bypass)
	if err != nil && err != pgx.ErrNoRows {
		return fmt.Errorf("migrate: look up role %s: %w", opts.AppRole, err)
	}
	if !exists {
		sql := `CREATE ROLE ` + pgx.Identifier{opts.AppRole}.Sanitize() + ` LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`
		if opts.AppPassword != "" {
			sql += ` PASSWORD ` + quoteLiteral(opts.AppPassword)
		}
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("migrate: create app role %s (the owner needs CREATEROLE, or create the role yourself): %w", opts.AppRole, err)
		}
		fmt.Fprintf(opts.Log, "migrate: created role %s\n", opts.AppRole)
		return nil
	}
	if super || bypass {
		return fmt.Errorf("migrate: role %s is a superuser or has BYPASSRLS; the app role must be subject to row-level security", opts.AppRole)
	}
	return nil
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// grantRiver lets the app role run River's client and workers: DML on its
// tables, no DDL.
func grantRiver(ctx context.Context, conn *pgx.Conn, role string) error {
	_, err := conn.Exec(ctx, fmt.Sprintf(`DO $$
DECLARE t text;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'river\_%%' LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %%I TO %s', t);
    END LOOP;
    EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ' || quote_ident(current_schema()) || ' TO %s';
END
$$`, pgx.Identifier{role}.Sanitize(), pgx.Identifier{role}.Sanitize()))
	if err != nil {
		return fmt.Errorf("migrate: grant river tables to %s: %w", role, err)
	}
	return nil
}
