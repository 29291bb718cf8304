// Package authz decides who may do what where in the org tree.
//
// Casbin (RBAC with domains, model.conf) is the source of truth: policy.csv
// holds its p rules (role, resource, action) and memberships are its g rules
// (identity, role, domain). Domains are exact strings — c<countyID>,
// n<nodeID>, d<departmentID> — and the caller passes the target's chain of
// domains, most specific first; a role held at any domain on the chain applies.
//
// Decisions do not run casbin's matcher (tens of µs per domain). They ask
// casbin's role manager for the identity's roles at each domain of the chain
// and test those roles against the p rules casbin loaded, with the matcher's
// own keyMatch. equivalence_test.go checks the answers against Enforce.
package authz

import (
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/casbin/casbin/v2/rbac"
	defaultrolemanager "github.com/casbin/casbin/v2/rbac/default-role-manager"
	"github.com/casbin/casbin/v2/util"
)

var (
	//go:embed model.conf
	modelConf string
	//go:embed policy.csv
	policyCSV string
	//go:embed catalog.csv
	catalogCSV string
)

// Role is a role name as used in policy.csv.
type Role string

const (
	CountyAdmin     Role = "county_admin"
	CountyViewer    Role = "county_viewer"
	StreetAdmin     Role = "street_admin"
	Dispatcher      Role = "dispatcher"
	DepartmentStaff Role = "department_staff"
	CommunityStaff  Role = "community_staff"
	GridWorker      Role = "grid_worker"
	Mediator        Role = "mediator"
	Judge           Role = "judge"
)

// Roles lists every role, broadest first.
var Roles = []Role{CountyAdmin, CountyViewer, StreetAdmin, Dispatcher, DepartmentStaff,
	CommunityStaff, GridWorker, Mediator, Judge}

// domainKinds says at which kinds of domain (c, n, d) each role may be held.
// County roles are county-wide, department staff belong to a department, and
// no street role is ever held at a county: that is what keeps a street admin
// from county-level acts such as creating streets.
var domainKinds = map[Role]string{
	CountyAdmin:     "c",
	CountyViewer:    "c",
	StreetAdmin:     "n",
	Dispatcher:      "n",
	DepartmentStaff: "d",
	CommunityStaff:  "n",
	GridWorker:      "n",
	Mediator:        "nd",
	Judge:           "cn",
}

// ValidRole reports whether r is one of Roles.
func ValidRole(r Role) bool {
	_, ok := domainKinds[r]
	return ok
}

// Membership grants Role to Identity at Domain and everything below it.
type Membership struct {
	Identity string
	Domain   string
	Role     Role
}

// Permission is a (resource, action) pair from catalog.csv.
type Permission struct {
	Resource string
	Action   string
}

// Authorizer answers permission questions. It is safe for concurrent use:
// Load builds a new state aside and swaps it in, so readers never see a
// half-built one.
type Authorizer struct {
	catalog []Permission
	rules   map[string][]rule // role → its p rules, as casbin loaded them
	state   atomic.Pointer[state]
}

type rule struct{ resource, action string }

// state is one generation of memberships, split by domain into shards.
type state struct {
	shards [shardCount]*shard
}

// Memberships are split by a hash of their domain so that a Load after a
// small change rebuilds only the shards it touched: building casbin's role
// manager costs ~2 µs per membership, ~110 ms for all 50k. 64 shards of
// ~800 memberships rebuild in about a millisecond each.
const shardCount = 64

var shardSeed = maphash.MakeSeed()

func shardOf(domain string) int { return int(maphash.String(shardSeed, domain) % shardCount) }

// shard holds the memberships whose domain hashes to it, as links in casbin's
// role manager. It is never modified once built, so consecutive states share
// the shards that did not change. Splitting by domain changes no answer: the
// role manager keeps each domain separate, and every question names a domain.
type shard struct {
	ms    []Membership        // sorted and deduplicated; what roles was built from
	roles rbac.RoleManager    // casbin's domain role manager
	at    map[string][]string // identity → the domains where it has a membership
}

// New loads the embedded model, policy and catalogue, with no memberships.
func New() (*Authorizer, error) {
	catalog, err := parseCatalog(catalogCSV)
	if err != nil {
		return nil, err
	}
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, fmt.Errorf("authz: model.conf: %w", err)
	}
	e, err := casbin.NewEnforcer(m, adapter{})
	if err != nil {
		return nil, fmt.Errorf("authz: load policy: %w", err)
	}
	a := &Authorizer{catalog: catalog, rules: map[string][]rule{}}
	if err := a.loadRules(e); err != nil {
		return nil, err
	}
	empty := &state{}
	for i := range empty.shards {
		empty.shards[i] = &shard{roles: defaultrolemanager.NewRoleManager(10)}
	}
	a.state.Store(empty)
	return a, nil
}

// loadRules takes the p rules from casbin, rejecting a policy.csv the fast
// path could not mirror or that names something unknown (a typo would
// otherwise silently grant nothing).
func (a *Authorizer) loadRules(e *casbin.Enforcer) error {
	g, err := e.GetGroupingPolicy()
	if err != nil {
		return err
	}
	if len(g) > 0 {
		return errors.New("authz: policy.csv must not contain g rules")
	}
	p, err := e.GetPolicy()
	if err != nil {
		return err
	}
	for _, row := range p {
		if len(row) != 3 {
			return fmt.Errorf("authz: policy row %v: want role, resource, action", row)
		}
		if !ValidRole(Role(row[0])) {
			return fmt.Errorf("authz: policy row %v: unknown role", row)
		}
		if !slices.ContainsFunc(a.catalog, func(c Permission) bool {
			return util.KeyMatch(c.Resource, row[1]) && util.KeyMatch(c.Action, row[2])
		}) {
			return fmt.Errorf("authz: policy row %v matches nothing in catalog.csv", row)
		}
		a.rules[row[0]] = append(a.rules[row[0]], rule{resource: row[1], action: row[2]})
	}
	return nil
}

func parseCatalog(text string) ([]Permission, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("authz: catalog.csv: %w", err)
	}
	out := make([]Permission, 0, len(rows))
	for _, row := range rows {
		if len(row) != 2 || strings.Contains(row[0]+row[1], "*") {
			return nil, fmt.Errorf("authz: catalog.csv row %v: want resource, action", row)
		}
		out = append(out, Permission{Resource: row[0], Action: row[1]})
	}
	return out, nil
}

// adapter is a read-only casbin adapter serving the embedded policy.csv.
type adapter struct{}

func (adapter) LoadPolicy(m model.Model) error {
	for line := range strings.Lines(policyCSV) {
		if err := persist.LoadPolicyLine(strings.TrimSpace(line), m); err != nil {
			return fmt.Errorf("policy.csv %q: %w", line, err)
		}
	}
	return nil
}

var errReadOnly = errors.New("authz: policy is read-only; change memberships and call Load")

func (adapter) SavePolicy(model.Model) error                              { return errReadOnly }
func (adapter) AddPolicy(string, string, []string) error                  { return errReadOnly }
func (adapter) RemovePolicy(string, string, []string) error               { return errReadOnly }
func (adapter) RemoveFilteredPolicy(string, string, int, ...string) error { return errReadOnly }

// Load replaces all memberships. It validates them all first; on error the
// previous memberships stay in force. Shards whose memberships are unchanged
// (in any order) are kept; the others are rebuilt. Concurrent Loads are safe
// but the last to finish wins, so call it from one goroutine (the change
// listener) to keep an older snapshot from landing after a newer one.
func (a *Authorizer) Load(ms []Membership) error {
	var buckets [shardCount][]Membership
	for _, m := range ms {
		if err := checkMembership(m); err != nil {
			return err
		}
		i := shardOf(m.Domain)
		buckets[i] = append(buckets[i], m)
	}
	prev := a.state.Load()
	next := &state{}
	for i, b := range buckets {
		slices.SortFunc(b, compareMemberships)
		b = slices.Compact(b)
		if slices.Equal(b, prev.shards[i].ms) {
			next.shards[i] = prev.shards[i]
			continue
		}
		sh, err := newShard(b)
		if err != nil {
			return err
		}
		next.shards[i] = sh
	}
	a.state.Store(next)
	return nil
}

func compareMemberships(x, y Membership) int {
	if c := strings.Compare(x.Domain, y.Domain); c != 0 {
		return c
	}
	if c := strings.Compare(x.Identity, y.Identity); c != 0 {
		return c
	}
	return strings.Compare(string(x.Role), string(y.Role))
}

func newShard(ms []Membership) (*shard, error) {
	// The role manager casbin's Enforcer creates for `g = _, _, _`, filled the
	// way its BuildRoleLinks fills it from g rules.
	rm := defaultrolemanager.NewRoleManager(10)
	at := make(map[string][]string, len(ms))
	for _, m := range ms {
		if err := rm.AddLink(m.Identity, string(m.Role), m.Domain); err != nil {
			return nil, err
		}
		if !slices.Contains(at[m.Identity], m.Domain) {
			at[m.Identity] = append(at[m.Identity], m.Domain)
		}
	}
	return &shard{ms: ms, roles: rm, at: at}, nil
}

func checkMembership(m Membership) error {
	kinds, ok := domainKinds[m.Role]
	if !ok {
		return fmt.Errorf("authz: membership %+v: unknown role", m)
	}
	// casbin would treat an identity named like a role as that role (g links
	// are transitive and g(x, x) holds); the fast path does not mirror that.
	if m.Identity == "" || ValidRole(Role(m.Identity)) {
		return fmt.Errorf("authz: membership %+v: bad identity", m)
	}
	if !validDomain(m.Domain) || !strings.Contains(kinds, m.Domain[:1]) {
		return fmt.Errorf("authz: membership %+v: role cannot be held at this domain", m)
	}
	return nil
}

// validDomain accepts only canonical c<id>, n<id>, d<id>: domains are matched
// as exact strings, so "n05" would silently never match "n5".
func validDomain(d string) bool {
	if len(d) < 2 || !strings.Contains("cnd", d[:1]) {
		return false
	}
	id, err := strconv.ParseInt(d[1:], 10, 64)
	return err == nil && id > 0 && strconv.FormatInt(id, 10) == d[1:]
}

// rolesIn asks casbin's role manager for identity's roles at domain d, but
// only where identity has a membership: asking about an identity a domain
// does not know makes the role manager create and drop a temporary entry
// (~1 µs and ~15 allocations), to answer "none".
func (s *state) rolesIn(identity, d string) []string {
	sh := s.shards[shardOf(d)]
	if !slices.Contains(sh.at[identity], d) {
		return nil
	}
	roles, _ := sh.roles.GetRoles(identity, d)
	return roles
}

// Allowed reports whether identity may do action on resource at the target
// whose chain of domains (most specific first) is given. It equals casbin's
// Enforce(identity, d, resource, action) OR-ed over every d in chain.
func (a *Authorizer) Allowed(identity string, chain []string, resource, action string) bool {
	s := a.state.Load()
	for _, d := range chain {
		for _, r := range s.rolesIn(identity, d) {
			if a.grants(r, resource, action) {
				return true
			}
		}
	}
	return false
}

// grants mirrors the matcher's keyMatch(r.obj, p.obj) && keyMatch(r.act, p.act)
// over the role's p rules; the effect is allow-only, so any match allows.
func (a *Authorizer) grants(role, resource, action string) bool {
	for _, r := range a.rules[role] {
		if util.KeyMatch(resource, r.resource) && util.KeyMatch(action, r.action) {
			return true
		}
	}
	return false
}

// Permissions lists the catalogue pairs role is granted, in catalogue order.
func (a *Authorizer) Permissions(role Role) []Permission {
	var out []Permission
	for _, p := range a.catalog {
		if a.grants(string(role), p.Resource, p.Action) {
			out = append(out, p)
		}
	}
	return out
}

// Catalog lists every (resource, action) pair the application checks; the
// middleware can refuse to register a route whose pair is not in it.
func (a *Authorizer) Catalog() []Permission {
	return slices.Clone(a.catalog)
}

// RolesAt lists the roles identity holds at any domain on chain, in Roles order.
func (a *Authorizer) RolesAt(identity string, chain []string) []Role {
	s := a.state.Load()
	held := map[Role]bool{}
	for _, d := range chain {
		for _, r := range s.rolesIn(identity, d) {
			held[Role(r)] = true
		}
	}
	var out []Role
	for _, r := range Roles {
		if held[r] {
			out = append(out, r)
		}
	}
	return out
}
