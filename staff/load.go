package staff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/tenants"
)

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// All loads every membership of every county, for the authorizer. It reads
// county by county through the county read policy, so it needs no
// privilege beyond the app role's.
func (s *Service) All(ctx context.Context) ([]authz.Membership, error) {
	counties, err := tenants.NewService(s.db).CountyIDs(ctx)
	if err != nil {
		return nil, err
	}
	var out []authz.Membership
	for _, county := range counties {
		err := s.db.Tx(ctx, tenants.Scope{CountyID: county}, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, `SELECT t.county_id, m.identity_id::text, m.role, m.node_id, coalesce(m.department_id, 0)
				FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE t.county_id = $1
				UNION ALL
				SELECT county_id, identity_id::text, role, 0, 0 FROM county_memberships WHERE county_id = $1`, county)
			if err != nil {
				return err
			}
			ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (authz.Membership, error) {
				var m Membership
				err := r.Scan(&m.CountyID, &m.IdentityID, &m.Role, &m.NodeID, &m.DepartmentID)
				return m.authz(), err
			})
			out = append(out, ms...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("load memberships of county %d: %w", county, err)
		}
	}
	return out, nil
}

// authz places the membership in the authorizer's domains: the county, the
// node where it is held (the street's root node stands for the street), or
// the department for department staff.
func (m Membership) authz() authz.Membership {
	domain := "n" + strconv.FormatInt(m.NodeID, 10)
	switch {
	case m.NodeID == 0: // a county role
		domain = "c" + strconv.FormatInt(m.CountyID, 10)
	case m.DepartmentID != 0:
		domain = "d" + strconv.FormatInt(m.DepartmentID, 10)
	}
	return authz.Membership{Identity: m.IdentityID, Domain: domain, Role: authz.Role(m.Role)}
}

// Self is the signed-in person with every role they hold.
type Self struct {
	Person
	Memberships []Membership
}

// Me loads a person by their identity id, through the self-read policies.
// A Kratos identity that is not staff gets EFORBIDDEN: signing in is not
// enough to use Fengqiao.
func (s *Service) Me(ctx context.Context, identityID string) (Self, error) {
	var me Self
	err := s.db.Tx(ctx, tenants.Scope{IdentityID: identityID}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT identity_id::text, county_id, name, coalesce(email, ''), coalesce(phone, '')
			FROM staff WHERE identity_id = $1`, identityID).
			Scan(&me.IdentityID, &me.CountyID, &me.Name, &me.Email, &me.Phone)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, $2::bigint, tenant_id, role, node_id, coalesce(department_id, 0), created_at
				FROM memberships WHERE identity_id = $1
			UNION ALL
			SELECT id, county_id, 0, role, 0, 0, created_at FROM county_memberships WHERE identity_id = $1
			ORDER BY 3, 4`, identityID, me.CountyID)
		if err != nil {
			return err
		}
		me.Memberships, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Membership, error) {
			m := Membership{IdentityID: identityID}
			err := r.Scan(&m.ID, &m.CountyID, &m.TenantID, &m.Role, &m.NodeID, &m.DepartmentID, &m.CreatedAt)
			return m, err
		})
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Self{}, fengqiao.Errorf(fengqiao.EFORBIDDEN, "this account is not a member of staff; ask an administrator for an invitation")
	}
	if err != nil {
		return Self{}, fmt.Errorf("load staff %s: %w", identityID, err)
	}
	return me, nil
}

// Listen calls reload whenever memberships change on any server instance,
// until ctx ends. A lost connection is re-established, and reload runs
// after every reconnect because notifications may have been missed.
func (s *Service) Listen(ctx context.Context, log *slog.Logger, reload func(context.Context) error) {
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, reload)
		if ctx.Err() != nil {
			return
		}
		log.WarnContext(ctx, "membership listener lost its connection; reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (s *Service) listenOnce(ctx context.Context, reload func(context.Context) error) error {
	return s.db.Listen(ctx, notifyChannel, func(string) error { return reload(ctx) })
}
