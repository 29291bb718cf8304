package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Access levels an operation declares in its metadata. Every operation must
// declare one; TestEveryOperationDeclaresAccess walks the spec.
const (
	accessPublic = "public" // no credential (health, public pages)
	accessCounty = "county" // a county-wide credential
	accessTenant = "tenant" // a credential that reaches the tenant in the path
)

const metaAccess = "access"

// Principal is who is calling.
type Principal struct {
	Credential string // "api_key"
	Name       string
	CountyID   int64
	TenantID   int64 // 0: the whole county
}

type principalKey struct{}

func principalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// authenticate checks the Bearer credential of every non-public operation.
func (s *Server) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		access, _ := ctx.Operation().Metadata[metaAccess].(string)
		if access == accessPublic {
			next(ctx)
			return
		}
		token, ok := strings.CutPrefix(ctx.Header("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="fengqiao"`)
			_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, "an API key is required: send Authorization: Bearer <key>")
			return
		}
		key, err := s.Keys.Verify(ctx.Context(), strings.TrimSpace(token))
		if err != nil {
			werr := problem(ctx.Context(), s.Log, err)
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="fengqiao", error="invalid_token"`)
			se := werr.(huma.StatusError)
			_ = huma.WriteErr(api, ctx, se.GetStatus(), se.Error())
			return
		}
		p := Principal{Credential: "api_key", Name: key.Name, CountyID: key.CountyID, TenantID: key.TenantID}
		if access == accessCounty && p.TenantID != 0 {
			_ = huma.WriteErr(api, ctx, http.StatusForbidden, "this operation needs a county-wide credential; the key is scoped to one street")
			return
		}
		next(huma.WithValue(ctx, principalKey{}, p))
	}
}

// tenantFor resolves the tenant named in a path for the caller. The check is
// made twice: here against the credential's scope, and by row-level
// security on the read itself. A tenant out of reach is "not found".
func (s *Server) tenantFor(ctx context.Context, code string) (tenants.Tenant, tenants.Scope, error) {
	p, ok := principalFrom(ctx)
	if !ok {
		return tenants.Tenant{}, tenants.Scope{}, fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "not signed in")
	}
	t, err := s.Tenants.TenantByCode(ctx, p.scope(), code)
	if err != nil {
		return tenants.Tenant{}, tenants.Scope{}, err
	}
	if t.CountyID != p.CountyID || (p.TenantID != 0 && t.ID != p.TenantID) {
		return tenants.Tenant{}, tenants.Scope{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "street %s not found", code)
	}
	scope := p.scope()
	scope.TenantID = t.ID
	return t, scope, nil
}

// scope is what the principal may read: a street credential gets no county
// setting at all, so row-level security hides sibling streets from it.
func (p Principal) scope() tenants.Scope {
	if p.TenantID != 0 {
		return tenants.Scope{TenantID: p.TenantID}
	}
	return tenants.Scope{CountyID: p.CountyID}
}

// countyFor resolves the county named in a path for a county credential.
func (s *Server) countyFor(ctx context.Context, code string) (tenants.County, error) {
	p, ok := principalFrom(ctx)
	if !ok {
		return tenants.County{}, fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "not signed in")
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
