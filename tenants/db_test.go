package tenants_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestTxReturnsFnErrorAndRollsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	errStop := errors.New("stop")
	err := b.svc.DB().Tx(ctx, b.scopeA, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO departments (tenant_id, name, kind) VALUES ($1, '临时', 'other')`, b.tenantA.ID); err != nil {
			return err
		}
		return errStop
	})
	require.ErrorIs(t, err, errStop)
	require.Zero(t, queryInt(t, b.svc.DB(), b.scopeA, `SELECT count(*) FROM departments WHERE name = '临时'`))
}

// TestTxReleasesConnectionWhenBeginFails kills the only connection of a pool
// behind its back: the scoped BEGIN fails, and the next Tx must get a fresh
// connection instead of waiting forever for the dead one to be returned.
func TestTxReleasesConnectionWhenBeginFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	cfg, err := pgxpool.ParseConfig(b.db.AppURL)
	require.NoError(t, err)
	cfg.MaxConns = 1
	// No liveness ping on acquire: the batch itself must meet the dead connection.
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	// Close waits for every connection to come back, so it would hang
	// after the leak this test is about.
	t.Cleanup(func() {
		if !t.Failed() {
			pool.Close()
		}
	})
	db := tenants.NewDB(pool)

	var pid uint32
	require.NoError(t, db.Tx(ctx, b.scopeA, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid)
	}))
	su, err := pgx.Connect(ctx, pgtest.SuperuserURL(b.db.Name))
	require.NoError(t, err)
	defer su.Close(ctx)
	var gone bool
	require.NoError(t, su.QueryRow(ctx, `SELECT pg_terminate_backend($1, 5000)`, pid).Scan(&gone))
	require.True(t, gone)

	err = db.Tx(ctx, b.scopeA, func(pgx.Tx) error { return nil })
	require.ErrorContains(t, err, "begin scoped transaction")

	waitCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var n int
	require.NoError(t, db.Tx(waitCtx, b.scopeA, func(tx pgx.Tx) error {
		return tx.QueryRow(waitCtx, `SELECT count(*) FROM departments`).Scan(&n)
	}), "the failed Tx did not hand its connection back to the pool")
	require.Positive(t, n)
}

// TestReadIsScopedAndLeavesNothingBehind: a one-round-trip read sees its
// scope's rows only, reports a missing row as pgx.ErrNoRows, and leaves no
// setting on the pooled connection for the next user.
func TestReadIsScopedAndLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t)
	cfg, err := pgxpool.ParseConfig(b.db.AppURL)
	require.NoError(t, err)
	cfg.MaxConns = 1 // every call below shares one connection
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	db := tenants.NewDB(pool)
	count := func(scope tenants.Scope) int {
		var n int
		require.NoError(t, db.Read(ctx, scope, func(row pgx.Row) error { return row.Scan(&n) }, `SELECT count(*) FROM departments`))
		return n
	}
	own := count(b.scopeA)
	require.Positive(t, own)
	require.EqualValues(t, own, queryInt(t, b.svc.DB(), b.scopeA, `SELECT count(*) FROM departments WHERE tenant_id = $1`, b.tenantA.ID))
	require.Zero(t, count(tenants.Scope{}), "the previous read's tenant setting is gone")
	err = db.Read(ctx, b.scopeA, func(row pgx.Row) error {
		var id int64
		return row.Scan(&id)
	}, `SELECT id FROM departments WHERE tenant_id = $1`, b.tenantB.ID)
	require.ErrorIs(t, err, pgx.ErrNoRows, "street B's rows are not there for street A")
	err = db.Read(ctx, b.scopeA, func(row pgx.Row) error { return row.Scan(new(int)) }, `SELECT 1/0`)
	require.Error(t, err)
	require.Equal(t, own, count(b.scopeA), "a failed read leaves the connection usable")
}
