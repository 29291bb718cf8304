// Package tenants owns counties, tenants (streets and towns), the org
// hierarchy below a street, each tenant's departments and case categories,
// and the tenant-scoped database access every domain package goes through.
package tenants

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fengqiao/fengqiao"
)

// Scope is what a transaction may see. TenantID selects one tenant's rows
// for reading and writing; CountyID adds read-only access to every tenant of
// that county (county staff); IdentityID lets a signed-in person read their
// own staff row and memberships; QRToken lets a resident's request read the
// QR code it scanned, and TrackingCode the case whose code it holds. Zero
// values mean unset.
type Scope struct {
	CountyID     int64
	TenantID     int64
	IdentityID   string
	QRToken      string
	TrackingCode string
}

// DB is the application's pool. It connects as the app role, which is
// subject to row-level security, so every query must run inside Tx.
type DB struct {
	pool *pgxpool.Pool
}

// NewDB wraps a pool connected as the app role.
func NewDB(pool *pgxpool.Pool) *DB { return &DB{pool: pool} }

// Pool exposes the pool for code that needs no tenant scope (API key lookup,
// River's client).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Tx runs fn in a transaction whose settings carry scope. The settings are
// transaction-local (set_config's is_local), so nothing survives on the
// pooled connection afterwards. BEGIN and the settings go in one round trip.
func (db *DB) Tx(ctx context.Context, scope Scope, fn func(pgx.Tx) error) (err error) {
	var batch pgx.Batch
	batch.BeginTx(pgx.TxOptions{})
	batch.Queue(setScope, scope.settings()...)
	results := db.pool.SendBatch(ctx, &batch)
	tx := results.Tx()
	// Deferred before Close: when the batch fails, Rollback is what hands
	// the pooled connection back.
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := results.Close(); err != nil {
		return fmt.Errorf("begin scoped transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", mapPgError(err))
	}
	return nil
}

// Read runs one single-row query in scope in one round trip: BEGIN, the
// scope's settings, the query and COMMIT go to the server as one pipeline.
// For the lookups every request makes (its street, the node it touches, a
// scanned code), where Tx would take three round trips. scan sees the row
// as QueryRow's Scan would, pgx.ErrNoRows included.
func (db *DB) Read(ctx context.Context, scope Scope, scan func(pgx.Row) error, sql string, args ...any) error {
	var batch pgx.Batch
	batch.Queue(`BEGIN READ ONLY`)
	batch.Queue(setScope, scope.settings()...)
	var scanErr error
	batch.Queue(sql, args...).QueryRow(func(row pgx.Row) error {
		scanErr = scan(row)
		return nil
	})
	batch.Queue(`COMMIT`)
	if err := db.pool.SendBatch(ctx, &batch).Close(); err != nil {
		return fmt.Errorf("scoped read: %w", err)
	}
	return scanErr
}

const setScope = `SELECT set_config('app.tenant_id', $1, true), set_config('app.county_id', $2, true), set_config('app.identity_id', $3, true),
	set_config('app.qr_token', $4, true), set_config('app.tracking_code', $5, true)`

func (s Scope) settings() []any {
	return []any{idSetting(s.TenantID), idSetting(s.CountyID), s.IdentityID, s.QRToken, s.TrackingCode}
}

// Listen runs LISTEN channel on a connection of its own and calls handle
// with each notification's payload, until ctx ends or the connection fails.
// handle("") comes first, once listening has begun: whatever happened
// before (a reconnect) may have been missed. An error from handle ends it.
func (db *DB) Listen(ctx context.Context, channel string, handle func(payload string) error) error {
	pooled, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// LISTEN holds session state, so this connection leaves the pool.
	conn := pooled.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{channel}.Sanitize()); err != nil {
		return err
	}
	if err := handle(""); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if err := handle(n.Payload); err != nil {
			return err
		}
	}
}

func idSetting(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// mapPgError turns constraint violations that reach the caller into domain
// errors; everything else stays as it is (an internal error).
func mapPgError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505": // unique_violation
		return &fengqiao.Error{Code: fengqiao.ECONFLICT, Message: "already exists: " + pgErr.ConstraintName}
	case "42501": // insufficient_privilege, including an RLS WITH CHECK failure
		return &fengqiao.Error{Code: fengqiao.EFORBIDDEN, Message: "not allowed: the row is outside the caller's tenant or the role lacks the privilege"}
	}
	return err
}
