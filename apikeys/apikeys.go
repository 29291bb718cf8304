// Package apikeys issues and verifies machine credentials. A key is scoped to
// a county (all its streets) or to one street. Only a hash of the secret is
// stored; the plain key is shown once, at creation.
package apikeys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fengqiao/fengqiao"
)

// Key is a stored key, without its secret.
type Key struct {
	ID       int64
	Name     string
	Prefix   string
	CountyID int64
	TenantID int64 // 0: the whole county
}

// Store reads and writes api_keys. The table holds no tenant rows, so it is
// used without a tenant scope.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewStore returns a Store over the app pool.
func NewStore(pool *pgxpool.Pool) *Store { return &Store{pool: pool, now: time.Now} }

// The key format is fq_<prefix>_<secret>: the prefix finds the row, the
// secret (160 random bits) is compared by hash. A fast hash suffices
// because the secret is random, not a password.
const keyPrefix = "fq_"

var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return strings.ToLower(encoding.EncodeToString(b)), nil
}

func hashSecret(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// Create issues a key and returns it with its plain text.
func (s *Store) Create(ctx context.Context, name string, countyID, tenantID int64) (Key, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return Key{}, "", fengqiao.Invalid("name", "a key needs a name saying who uses it", name)
	}
	prefix, err := randomToken(5)
	if err != nil {
		return Key{}, "", err
	}
	secret, err := randomToken(20)
	if err != nil {
		return Key{}, "", err
	}
	k := Key{Name: name, Prefix: prefix, CountyID: countyID, TenantID: tenantID}
	err = s.pool.QueryRow(ctx, `INSERT INTO api_keys (name, prefix, secret_hash, scope_county_id, scope_tenant_id)
		VALUES ($1, $2, $3, $4, nullif($5, 0)) RETURNING id`, name, prefix, hashSecret(secret), countyID, tenantID).Scan(&k.ID)
	if err != nil {
		return Key{}, "", fmt.Errorf("store api key %q: %w", name, err)
	}
	return k, keyPrefix + prefix + "_" + secret, nil
}

var errBadKey = &fengqiao.Error{Code: fengqiao.EUNAUTHORIZED, Message: "invalid or revoked API key"}

// Verify returns the key a presented token belongs to.
func (s *Store) Verify(ctx context.Context, token string) (Key, error) {
	rest, ok := strings.CutPrefix(token, keyPrefix)
	if !ok {
		return Key{}, errBadKey
	}
	prefix, secret, ok := strings.Cut(rest, "_")
	if !ok || prefix == "" || secret == "" {
		return Key{}, errBadKey
	}
	var k Key
	var hash []byte
	var lastUsed *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id, name, prefix, scope_county_id, coalesce(scope_tenant_id, 0), secret_hash, last_used_at
		FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL`, prefix).
		Scan(&k.ID, &k.Name, &k.Prefix, &k.CountyID, &k.TenantID, &hash, &lastUsed)
	if errors.Is(err, pgx.ErrNoRows) {
		return Key{}, errBadKey
	}
	if err != nil {
		return Key{}, fmt.Errorf("look up api key: %w", err)
	}
	if subtle.ConstantTimeCompare(hash, hashSecret(secret)) != 1 {
		return Key{}, errBadKey
	}
	// Recording use at most once a minute keeps verification read-only on
	// the hot path.
	if now := s.now(); lastUsed == nil || now.Sub(*lastUsed) > time.Minute {
		if _, err := s.pool.Exec(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, k.ID, now); err != nil {
			return Key{}, fmt.Errorf("record api key use: %w", err)
		}
	}
	return k, nil
}

// Revoke disables a key for good.
func (s *Store) Revoke(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
	if err != nil {
		return fmt.Errorf("revoke api key %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fengqiao.Errorf(fengqiao.ENOTFOUND, "api key %d not found or already revoked", id)
	}
	return nil
}
