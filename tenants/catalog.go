package tenants

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
)

// Department is a unit stationed in the street that handles cases.
type Department struct {
	ID       int64
	Name     string
	Kind     string
	Sort     int
	Archived bool
}

// DepartmentKinds are the kinds a department may have: the governance
// centre, the stationed "6" and the rest.
var DepartmentKinds = []string{"center", "police", "justice", "labor", "petition", "court", "procuratorate", "urban", "other"}

var defaultDepartments = []Department{
	{Name: "综治中心", Kind: "center"},
	{Name: "派出所", Kind: "police"},
	{Name: "司法所", Kind: "justice"},
	{Name: "人社所", Kind: "labor"},
	{Name: "信访办", Kind: "petition"},
	{Name: "法庭", Kind: "court"},
	{Name: "检察室", Kind: "procuratorate"},
	{Name: "城管", Kind: "urban"},
}

// Category is a kind of case: a dispute domain or a resident service.
type Category struct {
	ID             int64
	Code           string
	Name           string
	Group          string // CategoryDomain or CategoryService
	ResidentFacing bool
	Sort           int
	Archived       bool
}

// Category groups.
const (
	CategoryDomain  = "domain"  // the "8+N" dispute domains cases are dispatched by
	CategoryService = "service" // services offered to residents on the QR platform
)

// The articles name the "8+N" scheme without listing it; these are the
// domains street petition offices commonly dispatch by. Tenants edit them.
var defaultCategories = []Category{
	{Code: "marriage_family", Name: "婚姻家庭", Group: CategoryDomain},
	{Code: "neighbourhood", Name: "邻里纠纷", Group: CategoryDomain},
	{Code: "labour", Name: "劳动争议", Group: CategoryDomain},
	{Code: "land_property", Name: "土地山林", Group: CategoryDomain},
	{Code: "property_management", Name: "物业管理", Group: CategoryDomain},
	{Code: "demolition", Name: "征地拆迁", Group: CategoryDomain},
	{Code: "consumer", Name: "消费维权", Group: CategoryDomain},
	{Code: "medical", Name: "医疗纠纷", Group: CategoryDomain},
	{Code: "traffic", Name: "交通事故", Group: CategoryDomain},
	{Code: "other_dispute", Name: "其他纠纷", Group: CategoryDomain},
	{Code: "petition", Name: "信访诉求", Group: CategoryService, ResidentFacing: true},
	{Code: "dispute_resolution", Name: "纠纷化解", Group: CategoryService, ResidentFacing: true},
	{Code: "legal_service", Name: "法律服务", Group: CategoryService, ResidentFacing: true},
	{Code: "joint_defense", Name: "治安联防", Group: CategoryService, ResidentFacing: true},
	{Code: "counseling", Name: "心理咨询", Group: CategoryService, ResidentFacing: true},
	{Code: "hazard_report", Name: "隐患上报", Group: CategoryService, ResidentFacing: true},
}

var categoryCodePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

func insertDefaultCatalogues(ctx context.Context, tx pgx.Tx, tenantID int64) error {
	for i, d := range defaultDepartments {
		if _, err := tx.Exec(ctx, `INSERT INTO departments (tenant_id, name, kind, sort) VALUES ($1, $2, $3, $4)`,
			tenantID, d.Name, d.Kind, i+1); err != nil {
			return fmt.Errorf("insert default department %s: %w", d.Name, err)
		}
	}
	for i, c := range defaultCategories {
		if _, err := tx.Exec(ctx, `INSERT INTO case_categories (tenant_id, code, name, category_group, resident_facing, sort)
			VALUES ($1, $2, $3, $4, $5, $6)`, tenantID, c.Code, c.Name, c.Group, c.ResidentFacing, i+1); err != nil {
			return fmt.Errorf("insert default category %s: %w", c.Code, err)
		}
	}
	return nil
}

// Departments lists a tenant's departments, archived ones last.
func (s *Service) Departments(ctx context.Context, scope Scope) ([]Department, error) {
	var out []Department
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name, kind, sort, archived_at IS NOT NULL FROM departments
			WHERE tenant_id = $1 ORDER BY archived_at IS NOT NULL, sort, id`, scope.TenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Department])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list departments: %w", err)
	}
	return out, nil
}

// CreateDepartment adds a department at the end of the list.
func (s *Service) CreateDepartment(ctx context.Context, scope Scope, name, kind string) (Department, error) {
	name = strings.TrimSpace(name)
	var problems []fengqiao.FieldError
	if name == "" {
		problems = append(problems, fengqiao.FieldError{Location: "body.name", Message: "name is required", Value: name})
	}
	if !validDepartmentKind(kind) {
		problems = append(problems, fengqiao.FieldError{Location: "body.kind", Message: "unknown department kind; expected one of " + strings.Join(DepartmentKinds, ", "), Value: kind})
	}
	if len(problems) > 0 {
		return Department{}, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid department", Fields: problems}
	}
	d := Department{Name: name, Kind: kind}
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO departments (tenant_id, name, kind, sort)
			VALUES ($1, $2, $3, (SELECT coalesce(max(sort), 0) + 1 FROM departments WHERE tenant_id = $1))
			RETURNING id, sort`, scope.TenantID, name, kind).Scan(&d.ID, &d.Sort)
		return mapPgError(err)
	})
	if fengqiao.ErrorCode(err) == fengqiao.ECONFLICT {
		return Department{}, fengqiao.Invalid("body.name", "a department with this name already exists", name)
	}
	if err != nil {
		return Department{}, fmt.Errorf("create department %s: %w", name, err)
	}
	return d, nil
}

func validDepartmentKind(kind string) bool {
	for _, k := range DepartmentKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// DepartmentChange lists the fields to change; nil leaves a field alone.
type DepartmentChange struct {
	Name     *string
	Sort     *int
	Archived *bool
}

// UpdateDepartment renames, reorders, archives or restores a department.
func (s *Service) UpdateDepartment(ctx context.Context, scope Scope, id int64, ch DepartmentChange) (Department, error) {
	if ch.Name != nil {
		trimmed := strings.TrimSpace(*ch.Name)
		if trimmed == "" {
			return Department{}, fengqiao.Invalid("body.name", "name must not be empty", *ch.Name)
		}
		ch.Name = &trimmed
	}
	var d Department
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE departments SET name = coalesce($3, name), sort = coalesce($4, sort),
			archived_at = CASE WHEN $5::boolean IS NULL THEN archived_at WHEN $5 THEN coalesce(archived_at, now()) ELSE NULL END
			WHERE tenant_id = $1 AND id = $2
			RETURNING id, name, kind, sort, archived_at IS NOT NULL`, scope.TenantID, id, ch.Name, ch.Sort, ch.Archived).
			Scan(&d.ID, &d.Name, &d.Kind, &d.Sort, &d.Archived)
		return mapPgError(err)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Department{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "department %d not found", id)
	case fengqiao.ErrorCode(err) == fengqiao.ECONFLICT:
		return Department{}, fengqiao.Invalid("body.name", "a department with this name already exists", ch.Name)
	case err != nil:
		return Department{}, fmt.Errorf("update department %d: %w", id, err)
	}
	return d, nil
}

// Categories lists a tenant's case categories, archived ones last.
func (s *Service) Categories(ctx context.Context, scope Scope) ([]Category, error) {
	var out []Category
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, code, name, category_group, resident_facing, sort, archived_at IS NOT NULL
			FROM case_categories WHERE tenant_id = $1 ORDER BY archived_at IS NOT NULL, sort, id`, scope.TenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Category])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	return out, nil
}

// CreateCategory adds a category at the end of the list.
func (s *Service) CreateCategory(ctx context.Context, scope Scope, c Category) (Category, error) {
	c.Name = strings.TrimSpace(c.Name)
	var problems []fengqiao.FieldError
	if !categoryCodePattern.MatchString(c.Code) {
		problems = append(problems, fengqiao.FieldError{Location: "body.code", Message: "code must be 2–40 lowercase letters, digits or underscores, starting with a letter", Value: c.Code})
	}
	if c.Name == "" {
		problems = append(problems, fengqiao.FieldError{Location: "body.name", Message: "name is required", Value: c.Name})
	}
	if c.Group != CategoryDomain && c.Group != CategoryService {
		problems = append(problems, fengqiao.FieldError{Location: "body.group", Message: "group must be domain or service", Value: c.Group})
	}
	if len(problems) > 0 {
		return Category{}, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid category", Fields: problems}
	}
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO case_categories (tenant_id, code, name, category_group, resident_facing, sort)
			VALUES ($1, $2, $3, $4, $5, (SELECT coalesce(max(sort), 0) + 1 FROM case_categories WHERE tenant_id = $1))
			RETURNING id, sort`, scope.TenantID, c.Code, c.Name, c.Group, c.ResidentFacing).Scan(&c.ID, &c.Sort)
		return mapPgError(err)
	})
	if fengqiao.ErrorCode(err) == fengqiao.ECONFLICT {
		return Category{}, fengqiao.Invalid("body.code", "a category with this code already exists", c.Code)
	}
	if err != nil {
		return Category{}, fmt.Errorf("create category %s: %w", c.Code, err)
	}
	return c, nil
}

// CategoryChange lists the fields to change; nil leaves a field alone.
type CategoryChange struct {
	Name           *string
	Sort           *int
	ResidentFacing *bool
	Archived       *bool
}

// UpdateCategory edits a category.
func (s *Service) UpdateCategory(ctx context.Context, scope Scope, id int64, ch CategoryChange) (Category, error) {
	if ch.Name != nil {
		trimmed := strings.TrimSpace(*ch.Name)
		if trimmed == "" {
			return Category{}, fengqiao.Invalid("body.name", "name must not be empty", *ch.Name)
		}
		ch.Name = &trimmed
	}
	var c Category
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `UPDATE case_categories SET name = coalesce($3, name), sort = coalesce($4, sort),
			resident_facing = coalesce($5, resident_facing),
			archived_at = CASE WHEN $6::boolean IS NULL THEN archived_at WHEN $6 THEN coalesce(archived_at, now()) ELSE NULL END
			WHERE tenant_id = $1 AND id = $2
			RETURNING id, code, name, category_group, resident_facing, sort, archived_at IS NOT NULL`,
			scope.TenantID, id, ch.Name, ch.Sort, ch.ResidentFacing, ch.Archived).
			Scan(&c.ID, &c.Code, &c.Name, &c.Group, &c.ResidentFacing, &c.Sort, &c.Archived)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Category{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "category %d not found", id)
	}
	if err != nil {
		return Category{}, fmt.Errorf("update category %d: %w", id, err)
	}
	return c, nil
}
