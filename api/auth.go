package api

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

// need is the permission an operation declares: a resource and an action
// from authz/catalog.csv, checked against the target the request touches.
// The zero need marks a public operation.
type need struct {
	Resource string
	Action   string
	// county checks a street operation at the county instead (renaming or
	// suspending a street is the county's business).
	county bool
	// anywhere allows whoever holds the permission anywhere in the street:
	// reference data (categories, departments) and lists the handler
	// filters item by item (search, the visible top of the tree).
	anywhere bool
}

var public = need{}

func (n need) String() string { return n.Resource + ":" + n.Action }

const metaNeed = "permission"

// Principal is who is calling: an API key or a signed-in member of staff.
type Principal struct {
	Credential  string // "api_key" or "session"
	Subject     string // the Kratos identity id, or "apikey:<id>"
	Name        string
	CountyID    int64
	TenantID    int64 // an API key limited to one street
	Memberships []staff.Membership
}

type principalKey struct{}

func principalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// countyWide reports whether the principal reads across the county's
// streets: a county API key, or county administration or viewing.
func (p Principal) countyWide() bool {
	if p.Credential == "api_key" {
		return p.TenantID == 0
	}
	for _, m := range p.Memberships {
		if m.TenantID == 0 && (m.Role == staff.CountyAdmin || m.Role == staff.CountyViewer) {
			return true
		}
	}
	return false
}

// streetScope is the database scope for acting in street t, if the
// principal may act there at all. A street credential or member gets no
// county setting, so row-level security hides sibling streets from it.
func (p Principal) streetScope(t tenants.Tenant) (tenants.Scope, bool) {
	if t.CountyID != p.CountyID {
		return tenants.Scope{}, false
	}
	if p.countyWide() {
		return tenants.Scope{CountyID: t.CountyID, TenantID: t.ID, IdentityID: p.sessionID()}, true
	}
	if p.Credential == "api_key" {
		return tenants.Scope{TenantID: t.ID}, p.TenantID == t.ID
	}
	for _, m := range p.Memberships {
		if m.TenantID == t.ID {
			return tenants.Scope{TenantID: t.ID, IdentityID: p.Subject}, true
		}
	}
	return tenants.Scope{}, false
}

func (p Principal) sessionID() string {
	if p.Credential == "session" {
		return p.Subject
	}
	return ""
}

// keyRole is the role an API key acts with, and where it holds it.
func (p Principal) keyRole(t *tenants.Tenant) (authz.Role, string) {
	if p.TenantID == 0 {
		return authz.CountyAdmin, countyDomain(p.CountyID)
	}
	if t == nil || t.ID != p.TenantID {
		return authz.StreetAdmin, ""
	}
	return authz.StreetAdmin, nodeDomain(t.RootID)
}

func countyDomain(id int64) string { return "c" + strconv.FormatInt(id, 10) }
func nodeDomain(id int64) string   { return "n" + strconv.FormatInt(id, 10) }
func deptDomain(id int64) string   { return "d" + strconv.FormatInt(id, 10) }

// streetChain is the chain of domains of a street-level resource.
func streetChain(t tenants.Tenant) []string {
	return []string{nodeDomain(t.RootID), countyDomain(t.CountyID)}
}

// nodeChain is the chain of domains of a node, most specific first.
func nodeChain(t tenants.Tenant, n tenants.Node) []string {
	chain := make([]string, 0, 6)
	if n.ID != t.RootID {
		chain = append(chain, nodeDomain(n.ID))
		for _, id := range []int64{n.GridID, n.ZoneID, n.CommunityID} {
			if id != 0 && id != n.ID {
				chain = append(chain, nodeDomain(id))
			}
		}
	}
	return append(chain, streetChain(t)...)
}

// departmentChain is the chain of domains of a department's resources.
func departmentChain(t tenants.Tenant, departmentID int64) []string {
	return append([]string{deptDomain(departmentID)}, streetChain(t)...)
}

// can reports whether the principal may act on the target with this chain.
func (s *Server) can(p Principal, t *tenants.Tenant, chain []string, n need) bool {
	if p.Credential == "api_key" {
		role, domain := p.keyRole(t)
		return domain != "" && slices.Contains(chain, domain) && roleGrants(s.Authz, role, n)
	}
	return s.Authz.Allowed(p.Subject, chain, n.Resource, n.Action)
}

// require checks a permission and answers 403 naming it.
func (s *Server) require(ctx context.Context, t *tenants.Tenant, chain []string, n need) error {
	p, ok := principalFrom(ctx)
	if !ok {
		return fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "sign in first")
	}
	if !s.can(p, t, chain, n) {
		return fengqiao.Errorf(fengqiao.EFORBIDDEN, "your role does not allow %s here", n)
	}
	return nil
}

// roleGrants reports whether a role holds the permission anywhere it sits.
func roleGrants(a *authz.Authorizer, role authz.Role, n need) bool {
	return slices.Contains(a.Permissions(role), authz.Permission{Resource: n.Resource, Action: n.Action})
}

// requireSomewhere checks that the principal holds the permission at some
// place in street t (or above it).
func (s *Server) requireSomewhere(ctx context.Context, t *tenants.Tenant, n need) error {
	p, ok := principalFrom(ctx)
	if !ok {
		return fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "sign in first")
	}
	if s.can(p, t, streetChain(*t), n) {
		return nil
	}
	for _, m := range p.Memberships {
		if m.TenantID == t.ID && roleGrants(s.Authz, authz.Role(m.Role), n) {
			return nil
		}
	}
	return fengqiao.Errorf(fengqiao.EFORBIDDEN, "your role does not allow %s in this street", n)
}

// permissionsAt lists the "resource:action" pairs the principal holds at
// the target, so that the web app shows only what the role can do.
func (s *Server) permissionsAt(ctx context.Context, t *tenants.Tenant, chain []string) []string {
	p, _ := principalFrom(ctx)
	out := []string{}
	for _, perm := range s.Authz.Catalog() {
		n := need{Resource: perm.Resource, Action: perm.Action}
		if s.can(p, t, chain, n) {
			out = append(out, n.String())
		}
	}
	return out
}

// authenticate establishes the principal of every non-public operation:
// an API key (Authorization: Bearer fq_…) or a Kratos session (cookie or
// X-Session-Token). What the principal may do is checked per operation.
func (s *Server) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		if n, _ := ctx.Operation().Metadata[metaNeed].(need); n == public {
			next(ctx)
			return
		}
		p, err := s.principal(ctx)
		if err != nil {
			se, _ := problem(ctx.Context(), s.Log, err).(huma.StatusError)
			if se.GetStatus() == http.StatusUnauthorized {
				ctx.SetHeader("WWW-Authenticate", `Bearer realm="fengqiao"`)
			}
			_ = huma.WriteErr(api, ctx, se.GetStatus(), se.Error())
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}

func (s *Server) principal(ctx huma.Context) (Principal, error) {
	if auth := ctx.Header("Authorization"); auth != "" {
		token, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			return Principal{}, fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "send Authorization: Bearer <API key>")
		}
		key, err := s.Keys.Verify(ctx.Context(), strings.TrimSpace(token))
		if err != nil {
			return Principal{}, err
		}
		return Principal{Credential: "api_key", Subject: "apikey:" + strconv.FormatInt(key.ID, 10), Name: key.Name,
			CountyID: key.CountyID, TenantID: key.TenantID}, nil
	}
	token, cookie := ctx.Header("X-Session-Token"), sessionCookie(ctx.Header("Cookie"))
	if token == "" && cookie == "" {
		return Principal{}, fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "sign in, or send an API key as Authorization: Bearer <key>")
	}
	if s.Sessions == nil {
		return Principal{}, &fengqiao.Error{Code: fengqiao.EUNAVAILABLE, Message: "staff sign-in is not configured on this server"}
	}
	identity, err := s.Sessions.Identity(ctx.Context(), token, cookie)
	if err != nil {
		return Principal{}, err
	}
	me, err := s.Staff.Me(ctx.Context(), identity)
	if err != nil {
		return Principal{}, err
	}
	return Principal{Credential: "session", Subject: identity, Name: me.Name, CountyID: me.CountyID, Memberships: me.Memberships}, nil
}

// sessionCookie keeps only Kratos's session cookie of the Cookie header:
// nothing else the browser holds for this origin is sent to Kratos.
func sessionCookie(header string) string {
	if header == "" {
		return ""
	}
	req := http.Request{Header: http.Header{"Cookie": {header}}}
	c, err := req.Cookie(SessionCookieName)
	if err != nil {
		return ""
	}
	return c.String()
}

// tenantFor resolves the street named in a path for the caller. A street
// out of reach is "not found", so its existence does not leak; the same
// rule holds again in the database through row-level security.
func (s *Server) tenantFor(ctx context.Context, code string) (tenants.Tenant, tenants.Scope, error) {
	p, ok := principalFrom(ctx)
	if !ok {
		return tenants.Tenant{}, tenants.Scope{}, fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "sign in first")
	}
	notFound := fengqiao.Errorf(fengqiao.ENOTFOUND, "street %s not found", code)
	t, err := s.findTenant(ctx, p, code)
	if err != nil {
		return tenants.Tenant{}, tenants.Scope{}, err
	}
	scope, ok := p.streetScope(t)
	if !ok {
		return tenants.Tenant{}, tenants.Scope{}, notFound
	}
	return t, scope, nil
}

// findTenant looks a street up within what the principal may read. A
// member of staff without a county role looks only in the streets where
// they hold a role, one scope at a time.
func (s *Server) findTenant(ctx context.Context, p Principal, code string) (tenants.Tenant, error) {
	switch {
	case p.countyWide():
		return s.Tenants.TenantByCode(ctx, tenants.Scope{CountyID: p.CountyID}, code)
	case p.Credential == "api_key":
		return s.Tenants.TenantByCode(ctx, tenants.Scope{TenantID: p.TenantID}, code)
	}
	seen := map[int64]bool{}
	for _, m := range p.Memberships {
		if m.TenantID == 0 || seen[m.TenantID] {
			continue
		}
		seen[m.TenantID] = true
		t, err := s.Tenants.TenantByCode(ctx, tenants.Scope{TenantID: m.TenantID, IdentityID: p.Subject}, code)
		if fengqiao.ErrorCode(err) != fengqiao.ENOTFOUND {
			return t, err
		}
	}
	return tenants.Tenant{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "street %s not found", code)
}

// countyFor resolves the county named in a path for the caller.
func (s *Server) countyFor(ctx context.Context, code string) (tenants.County, error) {
	p, ok := principalFrom(ctx)
	if !ok {
		return tenants.County{}, fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "sign in first")
	}
	c, err := s.Tenants.CountyByCode(ctx, code)
	if err != nil {
		return tenants.County{}, err
	}
	if c.ID != p.CountyID {
		return tenants.County{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "county %s not found", code)
	}
	return c, nil
}
