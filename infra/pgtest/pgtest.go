// Package pgtest gives each test its own migrated PostgreSQL database.
//
// A test binary's TestMain calls Main: it starts a private cluster in a
// temporary directory (or uses the server at FENGQIAO_TEST_DATABASE_URL, a
// superuser URL), migrates a template database once, and every New clones
// the template (~40 ms) so tests never share rows.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/infra/migrations"
	"github.com/fengqiao/fengqiao/infra/pgcluster"
)

// Roles are the roles every test database uses.
var Roles = migrations.Roles{Owner: "fengqiao", App: "fengqiao_app", AppPassword: "fengqiao_app_test"}

var (
	superuserURL func(database string) string
	template     string
	counter      atomic.Int64
)

// Main starts the database for a test binary, runs the tests and cleans up.
func Main(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx := context.Background()
	if external := os.Getenv("FENGQIAO_TEST_DATABASE_URL"); external != "" {
		base, err := url.Parse(external)
		if err != nil {
			return 0, fmt.Errorf("parse FENGQIAO_TEST_DATABASE_URL: %w", err)
		}
		superuserURL = func(database string) string {
			u := *base
			u.Path = "/" + database
			return u.String()
		}
	} else {
		dir, err := os.MkdirTemp("", "fengqiao-pgtest-")
		if err != nil {
			return 0, err
		}
		defer os.RemoveAll(dir)
		os.Setenv("FENGQIAO_PG_FAST", "1")
		cluster, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg")})
		if err != nil {
			return 0, err
		}
		defer cluster.Stop(context.WithoutCancel(ctx))
		superuserURL = func(database string) string { return cluster.ConnString(cluster.Superuser(), database) }
	}
	template = fmt.Sprintf("fq_template_%d", os.Getpid())
	if err := migrations.Bootstrap(ctx, superuserURL("postgres"), template, Roles); err != nil {
		return 0, err
	}
	if err := migrations.Migrate(ctx, roleURL(Roles.Owner, template), migrations.Options{AppRole: Roles.App}); err != nil {
		return 0, err
	}
	code := m.Run()
	for i := len(atExit) - 1; i >= 0; i-- {
		atExit[i]()
	}
	dropDatabase(ctx, template)
	return code, nil
}

var atExit []func()

// AtExit runs f after the tests, before the database goes away (for
// servers that tests start lazily on top of it, such as Kratos).
func AtExit(f func()) { atExit = append(atExit, f) }

// roleURL is the superuser URL with another role: the cluster trusts its
// socket, an external server must accept the role's password.
func roleURL(role, database string) string {
	u, _ := url.Parse(superuserURL(database))
	if role == Roles.App {
		u.User = url.UserPassword(role, Roles.AppPassword)
	} else if pw, ok := u.User.Password(); ok && role == u.User.Username() {
		u.User = url.UserPassword(role, pw)
	} else {
		u.User = url.User(role)
	}
	return u.String()
}

func dropDatabase(ctx context.Context, name string) {
	conn, err := pgx.Connect(ctx, superuserURL("postgres"))
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
}

// DB is one test's database.
type DB struct {
	Name     string
	OwnerURL string
	AppURL   string
	Owner    *pgxpool.Pool // the schema owner: bypasses nothing but owns the tables
	App      *pgxpool.Pool // the server's role, subject to row-level security
}

// New clones the migrated template into a fresh database for t.
func New(t testing.TB) *DB {
	t.Helper()
	require.NotEmpty(t, template, "pgtest.Main was not called from TestMain")
	ctx := context.Background()
	name := fmt.Sprintf("%s_%d", template, counter.Add(1))
	conn, err := pgx.Connect(ctx, superuserURL("postgres"))
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE `+pgx.Identifier{template}.Sanitize()+
		` OWNER `+pgx.Identifier{Roles.Owner}.Sanitize())
	conn.Close(ctx)
	require.NoError(t, err, "clone template database")

	db := &DB{Name: name, OwnerURL: roleURL(Roles.Owner, name), AppURL: roleURL(Roles.App, name)}
	db.Owner, err = pgxpool.New(ctx, db.OwnerURL)
	require.NoError(t, err)
	db.App, err = pgxpool.New(ctx, db.AppURL)
	require.NoError(t, err)
	t.Cleanup(func() {
		db.App.Close()
		db.Owner.Close()
		dropDatabase(context.Background(), name)
	})
	return db
}

// SuperuserURL is a superuser connection to the test server's database, for
// tests that inspect roles.
func SuperuserURL(database string) string { return superuserURL(database) }
