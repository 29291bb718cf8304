package tenants

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
)

// County is a district or county: the top of a rollout.
type County struct {
	ID   int64
	Code string // GB/T 2260, 6 digits
	Name string
}

// Tenant is a street or town.
type Tenant struct {
	ID         int64
	CountyID   int64
	CountyCode string
	Code       string // county code + 3 digits
	Name       string
	Status     string
	CreatedAt  time.Time
	NodeCounts map[Kind]int
	RootID     int64 // the street node at the top of the tenant's tree
	// ReopenWindowDays is how long after the answer a resident may still
	// say "not satisfied" and have the case handled again.
	ReopenWindowDays int
}

// Tenant statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

var (
	countyCodePattern = regexp.MustCompile(`^[0-9]{6}$`)
	tenantCodePattern = regexp.MustCompile(`^[0-9]{9}$`)
)

// Service is the tenants domain: counties, tenants, hierarchy and catalogues.
type Service struct {
	db *DB
}

// NewService returns a Service over db.
func NewService(db *DB) *Service { return &Service{db: db} }

// DB returns the scoped database the service uses.
func (s *Service) DB() *DB { return s.db }

// CreateCounty registers a county, or returns it if the code is taken. Counties are created by operators (the
// seed and the CLI), never through the tenant API.
func (s *Service) CreateCounty(ctx context.Context, code, name string) (County, error) {
	if !countyCodePattern.MatchString(code) {
		return County{}, fengqiao.Invalid("code", "county code must be 6 digits (GB/T 2260)", code)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return County{}, fengqiao.Invalid("name", "name is required", name)
	}
	var c County
	err := s.db.Tx(ctx, Scope{}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO counties (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, code, name); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT id, code, name FROM counties WHERE code = $1`, code).Scan(&c.ID, &c.Code, &c.Name)
	})
	if err != nil {
		return County{}, fmt.Errorf("create county %s: %w", code, mapPgError(err))
	}
	return c, nil
}

// CountyByCode finds a county by its code.
func (s *Service) CountyByCode(ctx context.Context, code string) (County, error) {
	return s.county(ctx, "code = $1", code)
}

// CountyByID finds a county by id.
func (s *Service) CountyByID(ctx context.Context, id int64) (County, error) {
	return s.county(ctx, "id = $1", id)
}

func (s *Service) county(ctx context.Context, where string, arg any) (County, error) {
	var c County
	err := s.db.Tx(ctx, Scope{}, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT id, code, name FROM counties WHERE `+where, arg).Scan(&c.ID, &c.Code, &c.Name)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return County{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "county %v not found", arg)
	}
	if err != nil {
		return County{}, fmt.Errorf("find county %v: %w", arg, err)
	}
	return c, nil
}

const tenantColumns = `t.id, t.county_id, c.code, t.code, t.name, t.status, t.created_at, t.reopen_window_days,
	coalesce((SELECT r.id FROM org_nodes r WHERE r.tenant_id = t.id AND r.kind = 'street'), 0),
	(SELECT jsonb_object_agg(kind, n) FROM (SELECT kind, count(*) AS n FROM org_nodes o
		WHERE o.tenant_id = t.id AND o.archived_at IS NULL AND o.kind <> 'street' GROUP BY kind) k)`

func scanTenant(row pgx.Row) (Tenant, error) {
	var t Tenant
	var counts map[string]int
	if err := row.Scan(&t.ID, &t.CountyID, &t.CountyCode, &t.Code, &t.Name, &t.Status, &t.CreatedAt, &t.ReopenWindowDays, &t.RootID, &counts); err != nil {
		return Tenant{}, err
	}
	t.NodeCounts = make(map[Kind]int, len(Levels)-1)
	for _, k := range Levels[1:] {
		t.NodeCounts[k] = counts[string(k)]
	}
	return t, nil
}

// ListTenants lists the tenants of a county, by code.
func (s *Service) ListTenants(ctx context.Context, countyID int64) ([]Tenant, error) {
	var out []Tenant
	err := s.db.Tx(ctx, Scope{CountyID: countyID}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+tenantColumns+` FROM tenants t JOIN counties c ON c.id = t.county_id
			WHERE t.county_id = $1 ORDER BY t.code`, countyID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Tenant, error) { return scanTenant(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list tenants of county %d: %w", countyID, err)
	}
	return out, nil
}

// CountyIDs lists every county's id. Counties are not tenant rows: any
// scope reads them.
func (s *Service) CountyIDs(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := s.db.Tx(ctx, Scope{}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM counties ORDER BY id`)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list counties: %w", err)
	}
	return ids, nil
}

// StreetIDs lists the ids of a county's streets, without the node counts
// ListTenants reads for each.
func (s *Service) StreetIDs(ctx context.Context, countyID int64) ([]int64, error) {
	var ids []int64
	err := s.db.Tx(ctx, Scope{CountyID: countyID}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM tenants WHERE county_id = $1 ORDER BY id`, countyID)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list streets of county %d: %w", countyID, err)
	}
	return ids, nil
}

// TenantByCode finds a tenant visible in scope. A tenant outside the scope is
// reported as not found, so its existence does not leak.
func (s *Service) TenantByCode(ctx context.Context, scope Scope, code string) (Tenant, error) {
	return s.tenant(ctx, scope, "t.code = $1", code)
}

// TenantByID finds a tenant visible in scope by id.
func (s *Service) TenantByID(ctx context.Context, scope Scope, id int64) (Tenant, error) {
	return s.tenant(ctx, scope, "t.id = $1", id)
}

func (s *Service) tenant(ctx context.Context, scope Scope, where string, arg any) (Tenant, error) {
	var t Tenant
	err := s.db.Read(ctx, scope, func(row pgx.Row) (err error) {
		t, err = scanTenant(row)
		return err
	}, `SELECT `+tenantColumns+` FROM tenants t JOIN counties c ON c.id = t.county_id WHERE `+where, arg)
	if errors.Is(err, pgx.ErrNoRows) {
		return Tenant{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "street %v not found", arg)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("find tenant %v: %w", arg, err)
	}
	return t, nil
}

// Ping checks that the database answers.
func (s *Service) Ping(ctx context.Context) error { return s.db.pool.Ping(ctx) }

// CreateTenant onboards a street: the tenant row, the root node of its
// hierarchy, and the default departments and case categories, in one
// transaction.
func (s *Service) CreateTenant(ctx context.Context, county County, code, name string) (Tenant, error) {
	name = strings.TrimSpace(name)
	var problems []fengqiao.FieldError
	if !tenantCodePattern.MatchString(code) {
		problems = append(problems, fengqiao.FieldError{Location: "body.code", Message: "street code must be 9 digits: the county code followed by 3 digits", Value: code})
	} else if !strings.HasPrefix(code, county.Code) {
		problems = append(problems, fengqiao.FieldError{Location: "body.code", Message: fmt.Sprintf("street code must start with the county code %s", county.Code), Value: code})
	}
	if name == "" {
		problems = append(problems, fengqiao.FieldError{Location: "body.name", Message: "name is required", Value: name})
	}
	if len(problems) > 0 {
		return Tenant{}, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid street", Fields: problems}
	}
	var id int64
	err := s.db.Tx(ctx, Scope{CountyID: county.ID}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO tenants (county_id, code, name) VALUES ($1, $2, $3) RETURNING id`,
			county.ID, code, name).Scan(&id); err != nil {
			return mapPgError(err)
		}
		// Writes to tenant rows are checked against app.tenant_id alone.
		if _, err := tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, idSetting(id)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO org_nodes (tenant_id, kind, code, name) VALUES ($1, 'street', $2, $3)`,
			id, code, name); err != nil {
			return err
		}
		return insertDefaultCatalogues(ctx, tx, id)
	})
	if err != nil {
		var fe *fengqiao.Error
		if errors.As(err, &fe) && fe.Code == fengqiao.ECONFLICT {
			return Tenant{}, fengqiao.Invalid("body.code", "a street with this code already exists", code)
		}
		return Tenant{}, fmt.Errorf("create tenant %s: %w", code, err)
	}
	return s.TenantByCode(ctx, Scope{CountyID: county.ID, TenantID: id}, code)
}

// TenantChange is what an update changes; nil fields stay.
type TenantChange struct {
	Name             *string
	Status           *string
	ReopenWindowDays *int
}

// UpdateTenant renames a tenant, changes its status or its residents'
// reopen window. Only county staff may.
func (s *Service) UpdateTenant(ctx context.Context, t Tenant, ch TenantChange) (Tenant, error) {
	name, status := ch.Name, ch.Status
	if name != nil {
		trimmed := strings.TrimSpace(*name)
		if trimmed == "" {
			return Tenant{}, fengqiao.Invalid("body.name", "name must not be empty", *name)
		}
		name = &trimmed
	}
	if status != nil && *status != StatusActive && *status != StatusSuspended {
		return Tenant{}, fengqiao.Invalid("body.status", "status must be active or suspended", *status)
	}
	if d := ch.ReopenWindowDays; d != nil && (*d < 1 || *d > 90) {
		return Tenant{}, fengqiao.Invalid("body.reopen_window_days", "from 1 to 90 days", *d)
	}
	scope := Scope{CountyID: t.CountyID, TenantID: t.ID}
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE tenants SET name = coalesce($2, name), status = coalesce($3, status),
				reopen_window_days = coalesce($4, reopen_window_days), updated_at = now()
			WHERE id = $1`, t.ID, name, status, ch.ReopenWindowDays); err != nil {
			return err
		}
		if name == nil {
			return nil
		}
		_, err := tx.Exec(ctx, `UPDATE org_nodes SET name = $2, updated_at = now() WHERE tenant_id = $1 AND kind = 'street'`, t.ID, *name)
		return err
	})
	if err != nil {
		return Tenant{}, fmt.Errorf("update tenant %s: %w", t.Code, err)
	}
	return s.TenantByCode(ctx, scope, t.Code)
}
