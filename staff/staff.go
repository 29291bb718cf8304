// Package staff owns the people who work in Fengqiao and the roles they hold
// where: a membership is (person, county or street, node, role). Identities
// and credentials live in Kratos; who may do what lives here.
package staff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Roles held county-wide and in a street.
const (
	CountyAdmin     = "county_admin"
	CountyViewer    = "county_viewer"
	Judge           = "judge"
	StreetAdmin     = "street_admin"
	Dispatcher      = "dispatcher"
	DepartmentStaff = "department_staff"
	CommunityStaff  = "community_staff"
	GridWorker      = "grid_worker"
	Mediator        = "mediator"
)

// CountyRoles sit above every street; StreetRoles are held at a node of one
// street's tree.
var (
	CountyRoles = []string{CountyAdmin, CountyViewer, Judge}
	StreetRoles = []string{StreetAdmin, Dispatcher, DepartmentStaff, CommunityStaff, GridWorker, Mediator}
)

// nodeKinds says where in the tree a street role may be held.
var nodeKinds = map[string][]tenants.Kind{
	StreetAdmin:     {tenants.KindStreet},
	Dispatcher:      {tenants.KindStreet},
	DepartmentStaff: {tenants.KindStreet},
	Mediator:        {tenants.KindStreet, tenants.KindCommunity},
	CommunityStaff:  {tenants.KindCommunity, tenants.KindZone},
	GridWorker:      {tenants.KindGrid},
}

// Person is a member of staff.
type Person struct {
	IdentityID string
	CountyID   int64
	Name       string
	Email      string
	Phone      string
}

// Membership is one role a person holds. TenantID is 0 for county roles.
type Membership struct {
	ID           int64
	CountyID     int64
	TenantID     int64
	IdentityID   string
	Role         string
	NodeID       int64 // the street-tree node; 0 for county roles
	DepartmentID int64 // department_staff only
	CreatedAt    time.Time
}

// Identities is the identity provider (Kratos): it creates people and the
// one-time codes with which they set their password.
type Identities interface {
	// Ensure returns the identity with this email or phone, creating it
	// with the given name if none exists.
	Ensure(ctx context.Context, name, email, phone string) (identityID string, err error)
	// Recovery returns a link and a code that let the person set a password.
	Recovery(ctx context.Context, identityID string) (link, code string, err error)
}

// Notifier is told when memberships change so that every server instance
// reloads its authorizer.
const notifyChannel = "fengqiao_memberships"

// Service manages staff and memberships.
type Service struct {
	db       *tenants.DB
	ids      Identities
	delivery Delivery
}

// NewService returns a Service. Without Identities, invitations answer
// "unavailable" and everything else works.
func NewService(db *tenants.DB, ids Identities) *Service {
	if ids == nil {
		ids = noIdentities{}
	}
	return &Service{db: db, ids: ids, delivery: LogDelivery{Log: slog.Default()}}
}

// WithDelivery sends sign-in codes through d as well as returning them.
func (s *Service) WithDelivery(d Delivery) *Service {
	s.delivery = d
	return s
}

type noIdentities struct{}

var errNoIdentities = &fengqiao.Error{Code: fengqiao.EUNAVAILABLE, Message: "staff sign-in is not configured on this server"}

func (noIdentities) Ensure(context.Context, string, string, string) (string, error) {
	return "", errNoIdentities
}
func (noIdentities) Recovery(context.Context, string) (string, string, error) {
	return "", "", errNoIdentities
}

// Invitation asks to give a person a role.
type Invitation struct {
	Name         string
	Email        string
	Phone        string
	Role         string
	NodeID       int64 // street roles: where the role is held
	DepartmentID int64 // department_staff: which department
}

// Invited is the result of an invitation: the link and code go to the
// person by whatever channel the inviter uses (no mail server is needed).
type Invited struct {
	Person       Person
	Membership   Membership
	RecoveryLink string
	RecoveryCode string
}

var (
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	phonePattern = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`) // E.164, as the identity schema requires
)

func (in *Invitation) validate(roles []string) []fengqiao.FieldError {
	in.Name, in.Email, in.Phone = strings.TrimSpace(in.Name), strings.ToLower(strings.TrimSpace(in.Email)), strings.TrimSpace(in.Phone)
	var problems []fengqiao.FieldError
	add := func(loc, msg string, v any) {
		problems = append(problems, fengqiao.FieldError{Location: loc, Message: msg, Value: v})
	}
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 60 {
		add("body.name", "name is required (at most 60 characters)", in.Name)
	}
	if in.Email == "" && in.Phone == "" {
		add("body.email", "give an email address or a phone number", in.Email)
	}
	if in.Email != "" && !emailPattern.MatchString(in.Email) {
		add("body.email", "not an email address", in.Email)
	}
	if in.Phone != "" && !phonePattern.MatchString(in.Phone) {
		add("body.phone", "write the phone number in international form, e.g. +8613800138000", in.Phone)
	}
	if !slices.Contains(roles, in.Role) {
		add("body.role", "role must be one of "+strings.Join(roles, ", "), in.Role)
	}
	return problems
}

// InviteToStreet gives a person a role at a node of the street in scope.
func (s *Service) InviteToStreet(ctx context.Context, scope tenants.Scope, t tenants.Tenant, in Invitation) (Invited, error) {
	problems := in.validate(StreetRoles)
	var node tenants.NodeDetail
	if len(problems) == 0 {
		var err error
		problems, node, err = s.checkPlace(ctx, scope, in.Role, in.NodeID, in.DepartmentID)
		if err != nil {
			return Invited{}, err
		}
	}
	if len(problems) > 0 {
		return Invited{}, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid invitation", Fields: problems}
	}
	id, err := s.ids.Ensure(ctx, in.Name, in.Email, in.Phone)
	if err != nil {
		return Invited{}, fmt.Errorf("invite %s: %w", in.Name, err)
	}
	m := Membership{CountyID: t.CountyID, TenantID: t.ID, IdentityID: id, Role: in.Role, NodeID: node.ID, DepartmentID: in.DepartmentID}
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if err := addPerson(ctx, tx, id, t.CountyID, in); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO memberships (tenant_id, identity_id, role, node_id, department_id)
			VALUES ($1, $2, $3, $4, nullif($5, 0)) RETURNING id, created_at`,
			t.ID, id, in.Role, node.ID, in.DepartmentID).Scan(&m.ID, &m.CreatedAt)
		if err != nil {
			return err
		}
		if err := checkCounty(ctx, tx, id, t.CountyID); err != nil {
			return err
		}
		return notify(ctx, tx)
	})
	return s.finishInvite(ctx, m, in, err)
}

// InviteToCounty gives a person a county-wide role.
func (s *Service) InviteToCounty(ctx context.Context, countyID int64, in Invitation) (Invited, error) {
	if problems := in.validate(CountyRoles); len(problems) > 0 {
		return Invited{}, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid invitation", Fields: problems}
	}
	id, err := s.ids.Ensure(ctx, in.Name, in.Email, in.Phone)
	if err != nil {
		return Invited{}, fmt.Errorf("invite %s: %w", in.Name, err)
	}
	m := Membership{CountyID: countyID, IdentityID: id, Role: in.Role}
	err = s.db.Tx(ctx, tenants.Scope{CountyID: countyID}, func(tx pgx.Tx) error {
		if err := addPerson(ctx, tx, id, countyID, in); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO county_memberships (county_id, identity_id, role) VALUES ($1, $2, $3)
			RETURNING id, created_at`, countyID, id, in.Role).Scan(&m.ID, &m.CreatedAt)
		if err != nil {
			return err
		}
		if err := checkCounty(ctx, tx, id, countyID); err != nil {
			return err
		}
		return notify(ctx, tx)
	})
	return s.finishInvite(ctx, m, in, err)
}

func (s *Service) finishInvite(ctx context.Context, m Membership, in Invitation, err error) (Invited, error) {
	if err != nil {
		if isUniqueViolation(err) {
			return Invited{}, fengqiao.Invalid("body.role", "this person already holds this role there", in.Role)
		}
		if isForeignCounty(err) {
			return Invited{}, fengqiao.Invalid("body.email", "this person works for another county", in.Email)
		}
		return Invited{}, fmt.Errorf("invite %s: %w", in.Name, err)
	}
	link, code, err := s.ids.Recovery(ctx, m.IdentityID)
	if err != nil {
		// The role stands; the inviter asks for a new code once the
		// identity provider answers again.
		return Invited{}, fmt.Errorf("invite %s: %w", in.Name, &fengqiao.Error{Code: fengqiao.EUNAVAILABLE,
			Message: "the role was granted, but no sign-in code could be made now: request a new code for this person later"})
	}
	person := Person{IdentityID: m.IdentityID, CountyID: m.CountyID, Name: in.Name, Email: in.Email, Phone: in.Phone}
	if err := s.delivery.Deliver(ctx, person, link, code); err != nil {
		return Invited{}, fmt.Errorf("invite %s: deliver the code: %w", in.Name, err)
	}
	return Invited{Person: person, Membership: m, RecoveryLink: link, RecoveryCode: code}, nil
}

// addPerson records the person in their county unless they are already
// staff. ON CONFLICT is not usable here: under row-level security it needs
// the existing row to be visible, and a street cannot see a person it has
// not yet given a role. A savepoint absorbs the duplicate instead.
func addPerson(ctx context.Context, tx pgx.Tx, id string, countyID int64, in Invitation) error {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return err
	}
	_, err = sp.Exec(ctx, `INSERT INTO staff (identity_id, county_id, name, email, phone)
		VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''))`, id, countyID, in.Name, in.Email, in.Phone)
	if isUniqueViolation(err) {
		return sp.Rollback(ctx)
	}
	if err != nil {
		_ = sp.Rollback(ctx)
		return fmt.Errorf("record staff: %w", err)
	}
	return sp.Commit(ctx)
}

// checkCounty refuses a person of another county; it runs once the
// membership makes the person's row visible to the street.
func checkCounty(ctx context.Context, tx pgx.Tx, id string, countyID int64) error {
	var sameCounty bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM staff WHERE identity_id = $1 AND county_id = $2)`, id, countyID).Scan(&sameCounty)
	if err != nil {
		return err
	}
	if !sameCounty {
		return errForeignCounty
	}
	return nil
}

var errForeignCounty = errors.New("person belongs to another county")

func isForeignCounty(err error) bool { return errors.Is(err, errForeignCounty) }

// checkPlace validates where a street role is held.
func (s *Service) checkPlace(ctx context.Context, scope tenants.Scope, role string, nodeID, departmentID int64) ([]fengqiao.FieldError, tenants.NodeDetail, error) {
	var problems []fengqiao.FieldError
	add := func(loc, msg string, v any) {
		problems = append(problems, fengqiao.FieldError{Location: loc, Message: msg, Value: v})
	}
	node, err := s.tenants().NodeDetail(ctx, scope, nodeID)
	switch {
	case fengqiao.ErrorCode(err) == fengqiao.ENOTFOUND:
		add("body.node_id", "node not found in this street", nodeID)
		return problems, node, nil
	case err != nil:
		return nil, node, err
	}
	kinds := nodeKinds[role]
	ok := false
	for _, k := range kinds {
		ok = ok || node.Kind == k
	}
	if !ok {
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = string(k)
		}
		add("body.node_id", fmt.Sprintf("a %s is held at a %s, not a %s", role, strings.Join(names, " or "), node.Kind), nodeID)
	}
	if node.Archived {
		add("body.node_id", "node is archived", nodeID)
	}
	switch {
	case role == DepartmentStaff && departmentID == 0:
		add("body.department_id", "department staff belong to a department", departmentID)
	case role != DepartmentStaff && departmentID != 0:
		add("body.department_id", "only department staff belong to a department", departmentID)
	case departmentID != 0:
		deps, err := s.tenants().Departments(ctx, scope)
		if err != nil {
			return nil, node, err
		}
		found := false
		for _, d := range deps {
			found = found || (d.ID == departmentID && !d.Archived)
		}
		if !found {
			add("body.department_id", "department not found in this street", departmentID)
		}
	}
	return problems, node, nil
}

func (s *Service) tenants() *tenants.Service { return tenants.NewService(s.db) }

// StaffEntry is one membership of a listed person.
type StaffEntry struct {
	Person
	Membership
	NodeName       string
	NodeKind       tenants.Kind
	DepartmentName string
}

// ListStreet lists the memberships held at nodeID or below it, with people.
func (s *Service) ListStreet(ctx context.Context, scope tenants.Scope, nodeID int64) ([]StaffEntry, error) {
	node, err := s.tenants().NodeDetail(ctx, scope, nodeID)
	if err != nil {
		return nil, err
	}
	subtree := "TRUE"
	if col := node.Kind.AncestorColumn(); col != "" {
		subtree = "n." + col + " = $2"
	} else if node.Kind == tenants.KindBuilding {
		subtree = "n.id = $2"
	}
	var out []StaffEntry
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT m.id, m.role, m.node_id, coalesce(m.department_id, 0), m.created_at,
				p.identity_id::text, p.county_id, p.name, coalesce(p.email, ''), coalesce(p.phone, ''),
				n.name, n.kind, coalesce(d.name, '')
			FROM memberships m
			JOIN staff p ON p.identity_id = m.identity_id
			JOIN org_nodes n ON n.tenant_id = m.tenant_id AND n.id = m.node_id
			LEFT JOIN departments d ON d.tenant_id = m.tenant_id AND d.id = m.department_id
			WHERE m.tenant_id = $1 AND (`+subtree+` OR $2 = 0)
			ORDER BY n.code, m.role, p.name`, scope.TenantID, nodeIDOrZero(node))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StaffEntry, error) {
			var e StaffEntry
			err := r.Scan(&e.Membership.ID, &e.Role, &e.NodeID, &e.DepartmentID, &e.CreatedAt,
				&e.Person.IdentityID, &e.Person.CountyID, &e.Name, &e.Email, &e.Phone, &e.NodeName, &e.NodeKind, &e.DepartmentName)
			e.Membership.IdentityID, e.Membership.TenantID, e.Membership.CountyID = e.Person.IdentityID, scope.TenantID, e.Person.CountyID
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list staff below node %d: %w", nodeID, err)
	}
	return out, nil
}

// nodeIDOrZero is 0 for the street root, whose subtree is the whole street.
func nodeIDOrZero(n tenants.NodeDetail) int64 {
	if n.Kind == tenants.KindStreet {
		return 0
	}
	return n.ID
}

// ListCounty lists the county-wide memberships.
func (s *Service) ListCounty(ctx context.Context, countyID int64) ([]StaffEntry, error) {
	var out []StaffEntry
	err := s.db.Tx(ctx, tenants.Scope{CountyID: countyID}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT m.id, m.role, m.created_at, p.identity_id::text, p.name, coalesce(p.email, ''), coalesce(p.phone, '')
			FROM county_memberships m JOIN staff p ON p.identity_id = m.identity_id
			WHERE m.county_id = $1 ORDER BY m.role, p.name`, countyID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StaffEntry, error) {
			var e StaffEntry
			err := r.Scan(&e.Membership.ID, &e.Role, &e.CreatedAt, &e.Person.IdentityID, &e.Name, &e.Email, &e.Phone)
			e.Membership.IdentityID, e.Membership.CountyID, e.Person.CountyID = e.Person.IdentityID, countyID, countyID
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list county staff: %w", err)
	}
	return out, nil
}

// ChangeStreetRole moves a membership to another role, node or department.
func (s *Service) ChangeStreetRole(ctx context.Context, scope tenants.Scope, membershipID int64, role string, nodeID, departmentID int64) (Membership, error) {
	if !slices.Contains(StreetRoles, role) {
		return Membership{}, fengqiao.Invalid("body.role", "role must be one of "+strings.Join(StreetRoles, ", "), role)
	}
	problems, node, err := s.checkPlace(ctx, scope, role, nodeID, departmentID)
	if err != nil {
		return Membership{}, err
	}
	if len(problems) > 0 {
		return Membership{}, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid role change", Fields: problems}
	}
	var m Membership
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE memberships SET role = $3, node_id = $4, department_id = nullif($5, 0)
			WHERE tenant_id = $1 AND id = $2
			RETURNING id, (SELECT t.county_id FROM tenants t WHERE t.id = memberships.tenant_id),
				tenant_id, identity_id::text, role, node_id, coalesce(department_id, 0), created_at`,
			scope.TenantID, membershipID, role, node.ID, departmentID).
			Scan(&m.ID, &m.CountyID, &m.TenantID, &m.IdentityID, &m.Role, &m.NodeID, &m.DepartmentID, &m.CreatedAt)
		if err != nil {
			return err
		}
		return notify(ctx, tx)
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return Membership{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "membership %d not found", membershipID)
	case isUniqueViolation(err):
		return Membership{}, fengqiao.Invalid("body.role", "this person already holds this role there", role)
	case err != nil:
		return Membership{}, fmt.Errorf("change membership %d: %w", membershipID, err)
	}
	return m, nil
}

// NewStreetCode issues a fresh sign-in link and code for the person holding
// a street membership: for an expired invitation or a forgotten password.
func (s *Service) NewStreetCode(ctx context.Context, scope tenants.Scope, membershipID int64) (link, code string, err error) {
	return s.newCode(ctx, scope, `SELECT identity_id::text FROM memberships WHERE tenant_id = $1 AND id = $2`, scope.TenantID, membershipID)
}

// NewCountyCode does the same for a county membership.
func (s *Service) NewCountyCode(ctx context.Context, countyID, membershipID int64) (link, code string, err error) {
	return s.newCode(ctx, tenants.Scope{CountyID: countyID}, `SELECT identity_id::text FROM county_memberships WHERE county_id = $1 AND id = $2`, countyID, membershipID)
}

func (s *Service) newCode(ctx context.Context, scope tenants.Scope, sql string, args ...any) (string, string, error) {
	var to Person
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, sql, args...).Scan(&to.IdentityID); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT county_id, name, coalesce(email, ''), coalesce(phone, '') FROM staff WHERE identity_id = $1`, to.IdentityID).
			Scan(&to.CountyID, &to.Name, &to.Email, &to.Phone)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", fengqiao.Errorf(fengqiao.ENOTFOUND, "membership %v not found", args[1])
	}
	if err != nil {
		return "", "", fmt.Errorf("find membership %v: %w", args[1], err)
	}
	link, code, err := s.ids.Recovery(ctx, to.IdentityID)
	if err != nil {
		return "", "", fmt.Errorf("new sign-in code for membership %v: %w", args[1], err)
	}
	if err := s.delivery.Deliver(ctx, to, link, code); err != nil {
		return "", "", fmt.Errorf("new sign-in code for membership %v: deliver: %w", args[1], err)
	}
	return link, code, nil
}

// RevokeStreet removes a street membership.
func (s *Service) RevokeStreet(ctx context.Context, scope tenants.Scope, membershipID int64) error {
	return s.revoke(ctx, scope, `DELETE FROM memberships WHERE tenant_id = $1 AND id = $2`, scope.TenantID, membershipID)
}

// RevokeCounty removes a county membership.
func (s *Service) RevokeCounty(ctx context.Context, countyID, membershipID int64) error {
	return s.revoke(ctx, tenants.Scope{CountyID: countyID}, `DELETE FROM county_memberships WHERE county_id = $1 AND id = $2`, countyID, membershipID)
}

func (s *Service) revoke(ctx context.Context, scope tenants.Scope, sql string, args ...any) error {
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "membership %v not found", args[1])
		}
		return notify(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("revoke membership %v: %w", args[1], err)
	}
	return nil
}

// notify tells every server instance, at commit, to reload memberships.
func notify(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify($1, '')`, notifyChannel)
	return err
}
