package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Rule sends cases of a category to a department: street-wide (NodeID 0) or
// within a community, zone or grid.
type Rule struct {
	ID           int64
	CategoryID   int64
	NodeID       int64 // 0: the whole street
	DepartmentID int64
	Priority     int    // lower wins among equally specific rules; 0 on create means DefaultPriority
	LeaderName   string // the responsible leader of its cases; "" means the department's head (DefaultLeader)
}

// DefaultLeader stands for the receiving department's head when a rule
// names no leader.
const DefaultLeader = "部门负责人"

// DefaultPriority is the priority of a rule created without one.
const DefaultPriority = 100

const ruleColumns = `id, category_id, coalesce(node_id, 0), department_id, priority, leader_name`

func collectRules(rows pgx.Rows) ([]Rule, error) {
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Rule])
}

// Rules lists a street's live rules by category, street-wide ones first.
func (s *Service) Rules(ctx context.Context, scope tenants.Scope) ([]Rule, error) {
	var out []Rule
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+ruleColumns+` FROM dispatch_rules
			WHERE tenant_id = $1 AND archived_at IS NULL
			ORDER BY category_id, node_id NULLS FIRST, priority, id`, scope.TenantID)
		if err != nil {
			return err
		}
		out, err = collectRules(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list dispatch rules: %w", err)
	}
	return out, nil
}

// CreateRule adds a rule after checking that what it names is live in the
// street; every bad field is reported at once.
func (s *Service) CreateRule(ctx context.Context, scope tenants.Scope, in Rule) (Rule, error) {
	var problems []fengqiao.FieldError
	add := func(loc, msg string, v any) {
		problems = append(problems, fengqiao.FieldError{Location: loc, Message: msg, Value: v})
	}
	in.LeaderName = strings.TrimSpace(in.LeaderName)
	if utf8.RuneCountInString(in.LeaderName) > 60 {
		add("body.leader_name", "at most 60 characters", in.LeaderName)
	}
	switch {
	case in.Priority < 0:
		add("body.priority", "priority must not be negative", in.Priority)
	case in.Priority == 0:
		in.Priority = DefaultPriority
	}
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		var category, department bool
		var nodeKind *string
		// The node's kind comes back NULL when there is no live node: one
		// round trip answers all three questions.
		err := tx.QueryRow(ctx, `SELECT
				EXISTS (SELECT 1 FROM case_categories WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL),
				EXISTS (SELECT 1 FROM departments WHERE tenant_id = $1 AND id = $3 AND archived_at IS NULL),
				(SELECT kind FROM org_nodes WHERE tenant_id = $1 AND id = $4 AND archived_at IS NULL)`,
			scope.TenantID, in.CategoryID, in.DepartmentID, in.NodeID).Scan(&category, &department, &nodeKind)
		if err != nil {
			return err
		}
		if !category {
			add("body.category_id", "no such category in this street", in.CategoryID)
		}
		if !department {
			add("body.department_id", "no such department in this street", in.DepartmentID)
		}
		if in.NodeID != 0 {
			switch {
			case nodeKind == nil:
				add("body.node_id", "no such place in this street", in.NodeID)
			case *nodeKind != string(tenants.KindCommunity) && *nodeKind != string(tenants.KindZone) && *nodeKind != string(tenants.KindGrid):
				// Buildings are too fine to staff by; the street is node 0.
				add("body.node_id", "a rule applies to a community, zone or grid (or to the whole street without a node), not a "+*nodeKind, in.NodeID)
			}
		}
		if len(problems) > 0 {
			return &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid dispatch rule", Fields: problems}
		}
		err = tx.QueryRow(ctx, `INSERT INTO dispatch_rules (tenant_id, category_id, node_id, department_id, priority, leader_name)
			VALUES ($1, $2, nullif($3, 0), $4, $5, $6) RETURNING id`,
			scope.TenantID, in.CategoryID, in.NodeID, in.DepartmentID, in.Priority, in.LeaderName).Scan(&in.ID)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "dispatch_rules_live" {
			return fengqiao.Invalid("body.node_id", "this category already has a rule for this place; archive it first", in.NodeID)
		}
		return err
	})
	if err != nil {
		return Rule{}, fmt.Errorf("create dispatch rule: %w", err)
	}
	return in, nil
}

// ArchiveRule retires a rule; archiving an archived rule changes nothing.
func (s *Service) ArchiveRule(ctx context.Context, scope tenants.Scope, id int64) error {
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE dispatch_rules SET archived_at = coalesce(archived_at, now())
			WHERE tenant_id = $1 AND id = $2`, scope.TenantID, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "dispatch rule %d not found", id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("archive dispatch rule %d: %w", id, err)
	}
	return nil
}

// SuggestDepartment picks the rule for a case: the most specific live rule
// for its category (grid > zone > community > street-wide), then the lowest
// priority, then the oldest. false means no rule matches and the case stays
// with the centre for manual dispatch.
//
// The place is the case's own ancestor columns, i.e. where it was reported.
// Rules whose department has since been archived are skipped, so that a
// broader rule (or the centre) takes over rather than suggesting a
// department that can no longer be dispatched to.
func (s *Service) SuggestDepartment(ctx context.Context, scope tenants.Scope, caseID int64) (Rule, bool, error) {
	var rule Rule
	found := false
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE tenant_id = $1 AND id = $2)`,
			scope.TenantID, caseID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "case %d not found", caseID)
		}
		var err error
		rule, found, err = matchRule(ctx, tx, scope.TenantID, caseID)
		return err
	})
	if err != nil {
		return Rule{}, false, fmt.Errorf("suggest department for case %d: %w", caseID, err)
	}
	return rule, found, nil
}

// ruleAt is the most specific live rule for a category at a place, as a
// lateral subquery over a row "at" with tenant_id, category_id,
// community_id, zone_id and grid_id. Node ids are unique across levels, so
// a rule's node equal to one of the ancestor columns both matches and says
// the level.
const ruleAt = `SELECT r.id, r.category_id, coalesce(r.node_id, 0) AS node_id, r.department_id, r.priority, r.leader_name
	FROM dispatch_rules r
	JOIN departments d ON d.tenant_id = r.tenant_id AND d.id = r.department_id AND d.archived_at IS NULL
	WHERE r.tenant_id = at.tenant_id AND r.category_id = at.category_id AND r.archived_at IS NULL
		AND (r.node_id IS NULL OR r.node_id IN (at.community_id, at.zone_id, at.grid_id))
	ORDER BY CASE r.node_id WHEN at.grid_id THEN 3 WHEN at.zone_id THEN 2 WHEN at.community_id THEN 1 ELSE 0 END DESC,
		r.priority, r.id
	LIMIT 1`

// matchRule finds the most specific live rule for a case, in the caller's
// transaction.
func matchRule(ctx context.Context, tx pgx.Tx, tenantID, caseID int64) (Rule, bool, error) {
	var rule Rule
	err := tx.QueryRow(ctx, `SELECT r.id, r.category_id, r.node_id, r.department_id, r.priority, r.leader_name
		FROM cases at CROSS JOIN LATERAL (`+ruleAt+`) r
		WHERE at.tenant_id = $1 AND at.id = $2`, tenantID, caseID).
		Scan(&rule.ID, &rule.CategoryID, &rule.NodeID, &rule.DepartmentID, &rule.Priority, &rule.LeaderName)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Rule{}, false, nil
	case err != nil:
		return Rule{}, false, fmt.Errorf("match dispatch rule: %w", err)
	}
	return rule, true, nil
}

// DeadlinePolicy sets the deadlines of one grade, for one category or for
// any category (CategoryID 0).
type DeadlinePolicy struct {
	ID              int64
	CategoryID      int64 // 0: any category
	Grade           string
	AcceptHours     int
	CompleteHours   int
	RemindAtPercent []int // nil on SetPolicy means DefaultRemindAtPercent; empty means no reminders
}

// Deadlines are what a dispatch applies.
type Deadlines struct {
	AcceptHours     int
	CompleteHours   int
	RemindAtPercent []int
	PolicyID        int64 // 0: the built-in default
}

// DefaultRemindAtPercent is when a department is reminded unless a policy
// says otherwise.
var DefaultRemindAtPercent = []int{50, 80}

// defaultDeadlines are our own defaults, not a regulation: a street edits
// them by setting an any-category policy for the grade.
var defaultDeadlines = map[string]Deadlines{
	"general": {AcceptHours: 24, CompleteHours: 168},
	"major":   {AcceptHours: 12, CompleteHours: 72},
	"serious": {AcceptHours: 4, CompleteHours: 48},
	"urgent":  {AcceptHours: 1, CompleteHours: 24},
}

const policyColumns = `id, coalesce(category_id, 0), grade, accept_hours, complete_hours, remind_at_percent`

func scanPolicy(row pgx.Row) (DeadlinePolicy, error) {
	var p DeadlinePolicy
	err := row.Scan(&p.ID, &p.CategoryID, &p.Grade, &p.AcceptHours, &p.CompleteHours, &p.RemindAtPercent)
	if p.RemindAtPercent == nil {
		p.RemindAtPercent = []int{} // '{}' is "no reminders", not "unset"
	}
	return p, err
}

// Policies lists a street's deadline policies: any-category ones first,
// grades from general to urgent. Grades without a policy use the defaults.
func (s *Service) Policies(ctx context.Context, scope tenants.Scope) ([]DeadlinePolicy, error) {
	var out []DeadlinePolicy
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+policyColumns+` FROM deadline_policies WHERE tenant_id = $1
			ORDER BY category_id NULLS FIRST, array_position($2::text[], grade), id`, scope.TenantID, Grades)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeadlinePolicy, error) { return scanPolicy(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list deadline policies: %w", err)
	}
	return out, nil
}

func (p *DeadlinePolicy) validate() []fengqiao.FieldError {
	var problems []fengqiao.FieldError
	add := func(loc, msg string, v any) {
		problems = append(problems, fengqiao.FieldError{Location: loc, Message: msg, Value: v})
	}
	if !slices.Contains(Grades, p.Grade) {
		add("body.grade", "grade must be one of "+strings.Join(Grades, ", "), p.Grade)
	}
	if p.AcceptHours <= 0 {
		add("body.accept_hours", "accept_hours must be at least 1", p.AcceptHours)
	}
	if p.CompleteHours <= p.AcceptHours {
		add("body.complete_hours", "complete_hours must be more than accept_hours", p.CompleteHours)
	}
	if p.RemindAtPercent == nil {
		p.RemindAtPercent = slices.Clone(DefaultRemindAtPercent)
	}
	sorted := slices.Clone(p.RemindAtPercent) // keeps an empty list non-nil: '{}', not NULL
	slices.Sort(sorted)
	for i, v := range sorted {
		if v < 1 || v > 99 {
			add("body.remind_at_percent", "each reminder is a percentage from 1 to 99", p.RemindAtPercent)
			break
		}
		if i > 0 && sorted[i-1] == v {
			add("body.remind_at_percent", "a reminder percentage is listed twice", p.RemindAtPercent)
			break
		}
	}
	// Stored in ascending order so reminders are scheduled in order.
	p.RemindAtPercent = sorted
	return problems
}

// SetPolicy creates or replaces the policy for (category, grade).
func (s *Service) SetPolicy(ctx context.Context, scope tenants.Scope, in DeadlinePolicy) (DeadlinePolicy, error) {
	problems := in.validate()
	var out DeadlinePolicy
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if in.CategoryID != 0 {
			var category bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM case_categories WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL)`,
				scope.TenantID, in.CategoryID).Scan(&category); err != nil {
				return err
			}
			if !category {
				problems = append(problems, fengqiao.FieldError{Location: "body.category_id", Message: "no such category in this street", Value: in.CategoryID})
			}
		}
		if len(problems) > 0 {
			return &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid deadline policy", Fields: problems}
		}
		var err error
		out, err = scanPolicy(tx.QueryRow(ctx, `INSERT INTO deadline_policies (tenant_id, category_id, grade, accept_hours, complete_hours, remind_at_percent)
			VALUES ($1, nullif($2, 0), $3, $4, $5, $6)
			ON CONFLICT (tenant_id, coalesce(category_id, 0), grade) DO UPDATE
				SET accept_hours = excluded.accept_hours, complete_hours = excluded.complete_hours,
					remind_at_percent = excluded.remind_at_percent, updated_at = now()
			RETURNING `+policyColumns,
			scope.TenantID, in.CategoryID, in.Grade, in.AcceptHours, in.CompleteHours, in.RemindAtPercent))
		return err
	})
	if err != nil {
		return DeadlinePolicy{}, fmt.Errorf("set deadline policy: %w", err)
	}
	return out, nil
}

// DeadlinesFor resolves the deadlines of a case of a category and grade:
// the category's own policy, else the street's any-category policy, else
// the built-in default.
func (s *Service) DeadlinesFor(ctx context.Context, scope tenants.Scope, categoryID int64, grade string) (Deadlines, error) {
	if _, ok := defaultDeadlines[grade]; !ok {
		return Deadlines{}, fengqiao.Invalid("grade", "grade must be one of "+strings.Join(Grades, ", "), grade)
	}
	var out Deadlines
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) (err error) {
		out, err = deadlinesIn(ctx, tx, scope.TenantID, categoryID, grade)
		return err
	})
	if err != nil {
		return Deadlines{}, fmt.Errorf("deadlines for category %d, grade %s: %w", categoryID, grade, err)
	}
	return out, nil
}

// policyOf is the deadline policy for a category and grade: the
// category's, else the street's any-category one. $1 is the tenant, $2 the
// category, $3 the grade; no row means the built-in default.
const policyOf = `SELECT ` + policyColumns + ` FROM deadline_policies
	WHERE tenant_id = $1 AND grade = $3 AND (category_id = $2 OR category_id IS NULL)
	ORDER BY category_id NULLS LAST LIMIT 1`

// deadlinesIn picks the policy inside the caller's transaction: the
// category's, else the street's any-category one, else the built-in default.
func deadlinesIn(ctx context.Context, tx pgx.Tx, tenantID, categoryID int64, grade string) (Deadlines, error) {
	p, err := scanPolicy(tx.QueryRow(ctx, policyOf, tenantID, categoryID, grade))
	return policyDeadlines(p, err, grade)
}

// policyDeadlines turns a policy read (or its absence) into deadlines.
func policyDeadlines(p DeadlinePolicy, err error, grade string) (Deadlines, error) {
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		out := defaultDeadlines[grade]
		out.RemindAtPercent = slices.Clone(DefaultRemindAtPercent) // callers may not alter the shared default
		return out, nil
	case err != nil:
		return Deadlines{}, fmt.Errorf("deadline policy: %w", err)
	}
	return Deadlines{AcceptHours: p.AcceptHours, CompleteHours: p.CompleteHours, RemindAtPercent: p.RemindAtPercent, PolicyID: p.ID}, nil
}
