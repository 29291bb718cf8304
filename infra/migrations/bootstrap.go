package migrations

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Roles names the two roles of a Fengqiao database.
type Roles struct {
	Owner       string // owns the schema and runs migrations
	App         string // the server's role: no superuser, no BYPASSRLS, owns nothing
	AppPassword string
}

// Bootstrap prepares a database on a server where we hold a superuser
// connection (the private dev cluster, the test harness): both roles and a
// database owned by the owner role. It is idempotent and tolerates a
// concurrent run creating the same objects.
func Bootstrap(ctx context.Context, superuserURL, database string, roles Roles) error {
	conn, err := pgx.Connect(ctx, superuserURL)
	if err != nil {
		return fmt.Errorf("bootstrap: connect as superuser: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	ident := func(s string) string { return pgx.Identifier{s}.Sanitize() }
	appSQL := `CREATE ROLE ` + ident(roles.App) + ` LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`
	if roles.AppPassword != "" {
		appSQL += ` PASSWORD ` + quoteLiteral(roles.AppPassword)
	}
	steps := []struct{ exists, create string }{
		{`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, `CREATE ROLE ` + ident(roles.Owner) + ` LOGIN NOSUPERUSER`},
		{`SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, appSQL},
		{`SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, `CREATE DATABASE ` + ident(database) + ` OWNER ` + ident(roles.Owner) + ` ENCODING 'UTF8' TEMPLATE template0`},
	}
	names := []string{roles.Owner, roles.App, database}
	for i, step := range steps {
		var exists bool
		if err := conn.QueryRow(ctx, step.exists, names[i]).Scan(&exists); err != nil {
			return fmt.Errorf("bootstrap: check %s: %w", names[i], err)
		}
		if exists {
			continue
		}
		if _, err := conn.Exec(ctx, step.create); err != nil && !isDuplicate(err) {
			return fmt.Errorf("bootstrap: create %s: %w", names[i], err)
		}
	}
	return nil
}

func isDuplicate(err error) bool {
	var pgErr *pgconn.PgError
	// duplicate_object (roles) and duplicate_database, or the unique index
	// on pg_authid/pg_database when two runs race.
	return errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "42P04" || pgErr.Code == "23505")
}
