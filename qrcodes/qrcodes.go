// Package qrcodes owns the QR codes posted on buildings and grids (码上办):
// one live code per place, pointing to /q/{token}, with a random token that
// can be rotated. A resident's scan finds the street and the place from the
// token alone.
package qrcodes

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Code is a place's QR code.
type Code struct {
	Token     string
	NodeID    int64
	CreatedAt time.Time
}

// Scan is what a token says: the street and place of its code, and whether
// the code has since been replaced.
type Scan struct {
	TenantID int64
	NodeID   int64
	Replaced bool
}

// Service manages codes.
type Service struct{ db *tenants.DB }

// NewService returns a Service.
func NewService(db *tenants.DB) *Service { return &Service{db: db} }

const tokenAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newToken is 22 base-62 characters: 130 random bits, too many to guess.
func newToken() (string, error) {
	b := make([]byte, 22)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(tokenAlphabet))))
		if err != nil {
			return "", fmt.Errorf("random token: %w", err)
		}
		b[i] = tokenAlphabet[n.Int64()]
	}
	return string(b), nil
}

// For returns the live code of a building or grid, creating it the first
// time it is asked for.
func (s *Service) For(ctx context.Context, scope tenants.Scope, nodeID int64) (Code, error) {
	var c Code
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if err := checkPlace(ctx, tx, scope.TenantID, nodeID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT token, node_id, created_at FROM qr_codes
			WHERE tenant_id = $1 AND node_id = $2 AND replaced_at IS NULL`, scope.TenantID, nodeID).Scan(&c.Token, &c.NodeID, &c.CreatedAt)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		c, err = insert(ctx, tx, scope.TenantID, nodeID)
		return err
	})
	if err != nil {
		return Code{}, fmt.Errorf("QR code of node %d: %w", nodeID, err)
	}
	return c, nil
}

// Rotate replaces a place's code with a new one: the old token then only
// says it was replaced (a code torn off or photographed for misuse).
func (s *Service) Rotate(ctx context.Context, scope tenants.Scope, nodeID int64) (Code, error) {
	var c Code
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if err := checkPlace(ctx, tx, scope.TenantID, nodeID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE qr_codes SET replaced_at = now()
			WHERE tenant_id = $1 AND node_id = $2 AND replaced_at IS NULL`, scope.TenantID, nodeID); err != nil {
			return err
		}
		var err error
		c, err = insert(ctx, tx, scope.TenantID, nodeID)
		return err
	})
	if err != nil {
		return Code{}, fmt.Errorf("rotate QR code of node %d: %w", nodeID, err)
	}
	return c, nil
}

// Codes returns the live codes of every building and grid at or below a
// node (a community or zone, for a label sheet), creating missing ones, in
// tree order with each place's name.
func (s *Service) Codes(ctx context.Context, scope tenants.Scope, under tenants.Node) ([]Labelled, error) {
	col := under.Kind.AncestorColumn()
	if col == "" {
		return nil, fengqiao.Invalid("path.id", "labels are printed for a community, zone or grid", under.ID)
	}
	var out []Labelled
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT n.id, n.code, n.name, n.kind, coalesce(q.token, '')
			FROM org_nodes n LEFT JOIN qr_codes q ON q.tenant_id = n.tenant_id AND q.node_id = n.id AND q.replaced_at IS NULL
			WHERE n.tenant_id = $1 AND n.`+col+` = $2 AND n.kind IN ('grid', 'building') AND n.archived_at IS NULL
			ORDER BY n.code`, scope.TenantID, under.ID)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Labelled]); err != nil {
			return err
		}
		for i := range out {
			if out[i].Token != "" {
				continue
			}
			c, err := insert(ctx, tx, scope.TenantID, out[i].NodeID)
			if err != nil {
				return err
			}
			out[i].Token = c.Token
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("QR codes under node %d: %w", under.ID, err)
	}
	return out, nil
}

// Labelled is a code with its place, for a label.
type Labelled struct {
	NodeID int64
	Code   string // the place's code in the tree
	Name   string
	Kind   string
	Token  string
}

// Resolve reads a scanned token. It runs in a scope that sees that one
// code and nothing else.
func (s *Service) Resolve(ctx context.Context, token string) (Scan, error) {
	notFound := fengqiao.Errorf(fengqiao.ENOTFOUND, "no such code")
	if !validToken(token) {
		return Scan{}, notFound
	}
	var sc Scan
	var replaced *time.Time
	err := s.db.Read(ctx, tenants.Scope{QRToken: token}, func(row pgx.Row) error {
		return row.Scan(&sc.TenantID, &sc.NodeID, &replaced)
	}, `SELECT tenant_id, node_id, replaced_at FROM qr_codes WHERE token = $1`, token)
	if errors.Is(err, pgx.ErrNoRows) {
		return Scan{}, notFound
	}
	if err != nil {
		return Scan{}, fmt.Errorf("resolve QR code: %w", err)
	}
	sc.Replaced = replaced != nil
	return sc, nil
}

func validToken(t string) bool {
	if len(t) != 22 {
		return false
	}
	for _, r := range t {
		if !('0' <= r && r <= '9' || 'A' <= r && r <= 'Z' || 'a' <= r && r <= 'z') {
			return false
		}
	}
	return true
}

// checkPlace allows codes on live buildings and grids only: where
// residents are.
func checkPlace(ctx context.Context, tx pgx.Tx, tenantID, nodeID int64) error {
	var kind string
	err := tx.QueryRow(ctx, `SELECT kind FROM org_nodes WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL`, tenantID, nodeID).Scan(&kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return fengqiao.Errorf(fengqiao.ENOTFOUND, "node %d not found", nodeID)
	}
	if err != nil {
		return err
	}
	if kind != string(tenants.KindBuilding) && kind != string(tenants.KindGrid) {
		return fengqiao.Invalid("path.id", "QR codes go on buildings and grids, not on a "+kind, nodeID)
	}
	return nil
}

func insert(ctx context.Context, tx pgx.Tx, tenantID, nodeID int64) (Code, error) {
	token, err := newToken()
	if err != nil {
		return Code{}, err
	}
	c := Code{Token: token, NodeID: nodeID}
	err = tx.QueryRow(ctx, `INSERT INTO qr_codes (tenant_id, node_id, token) VALUES ($1, $2, $3) RETURNING created_at`,
		tenantID, nodeID, token).Scan(&c.CreatedAt)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "qr_codes_live" {
		return Code{}, fengqiao.Errorf(fengqiao.ECONFLICT, "node %d got a code at the same moment; ask again", nodeID)
	}
	if err != nil {
		return Code{}, fmt.Errorf("insert QR code: %w", err)
	}
	return c, nil
}

// Place is what a resident's scan shows: the street, the place, and the
// services they can ask for there. A replaced code shows only that it was
// replaced.
type Place struct {
	Scan
	Street   string
	Place    string // community, grid and the building (or grid) itself
	Services []ResidentService
}

// ResidentService is one of the street's resident-facing categories.
type ResidentService struct {
	CategoryID int64
	Name       string
}

// PlaceOf resolves a scan and reads what the appeal page shows, in the
// code's street only.
func (s *Service) PlaceOf(ctx context.Context, token string) (Place, error) {
	sc, err := s.Resolve(ctx, token)
	if err != nil || sc.Replaced {
		return Place{Scan: sc}, err
	}
	p := Place{Scan: sc}
	err = s.db.Tx(ctx, tenants.Scope{TenantID: sc.TenantID}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT t.name, concat_ws(' ',
				(SELECT c.name FROM org_nodes c WHERE c.tenant_id = n.tenant_id AND c.id = n.community_id AND c.id <> n.id),
				(SELECT g.name FROM org_nodes g WHERE g.tenant_id = n.tenant_id AND g.id = n.grid_id AND g.id <> n.id),
				n.name)
			FROM org_nodes n JOIN tenants t ON t.id = n.tenant_id
			WHERE n.tenant_id = $1 AND n.id = $2 AND n.archived_at IS NULL`, sc.TenantID, sc.NodeID).Scan(&p.Street, &p.Place)
		if errors.Is(err, pgx.ErrNoRows) {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "no such code")
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, name FROM case_categories
			WHERE tenant_id = $1 AND resident_facing AND archived_at IS NULL ORDER BY sort, id`, sc.TenantID)
		if err != nil {
			return err
		}
		p.Services, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ResidentService])
		return err
	})
	if err != nil {
		return Place{}, fmt.Errorf("place of a scan: %w", err)
	}
	return p, nil
}
