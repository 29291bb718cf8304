package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

type healthOutput struct {
	Body struct {
		Status string `json:"status" example:"ok" doc:"ok when the database answers"`
	}
}

func (s *Server) registerHealth(api huma.API) {
	op(s, api, huma.Operation{
		OperationID: "health", Method: http.MethodGet, Path: "/healthz", Tags: []string{"System"},
		Summary: "Health check", Description: "Answers 200 when the server and its database are up, 503 otherwise.",
	}, public, func(ctx context.Context, _ *struct{}) (*healthOutput, error) {
		if err := s.Tenants.Ping(ctx); err != nil {
			return nil, &fengqiao.Error{Code: fengqiao.EUNAVAILABLE, Message: "database unavailable"}
		}
		out := &healthOutput{}
		out.Body.Status = "ok"
		return out, nil
	})
}

// County is a district or county.
type County struct {
	ID   int64  `json:"id" example:"1"`
	Code string `json:"code" example:"371326" doc:"GB/T 2260 code, 6 digits"`
	Name string `json:"name" example:"平邑县"`
}

func countyBody(c tenants.County) County { return County{ID: c.ID, Code: c.Code, Name: c.Name} }

// LevelCounts counts nodes per level below the street.
type LevelCounts struct {
	Community int `json:"community" example:"12"`
	Zone      int `json:"zone" example:"30"`
	Grid      int `json:"grid" example:"150"`
	Building  int `json:"building" example:"600"`
}

func levelCounts(m map[tenants.Kind]int) LevelCounts {
	return LevelCounts{Community: m[tenants.KindCommunity], Zone: m[tenants.KindZone], Grid: m[tenants.KindGrid], Building: m[tenants.KindBuilding]}
}

// Tenant is a street or town.
type Tenant struct {
	ID               int64       `json:"id" example:"3"`
	Code             string      `json:"code" example:"371326001" doc:"county code + 3 digits"`
	Name             string      `json:"name" example:"平邑街道"`
	CountyCode       string      `json:"county_code" example:"371326"`
	Status           string      `json:"status" enum:"active,suspended" example:"active"`
	CreatedAt        time.Time   `json:"created_at"`
	NodeCounts       LevelCounts `json:"node_counts" doc:"live nodes per level"`
	RootID           int64       `json:"root_id" doc:"the street node at the top of the tree"`
	ReopenWindowDays int         `json:"reopen_window_days" example:"7" doc:"days after the answer during which a resident may reopen the case"`
	Permissions      []string    `json:"permissions,omitempty" doc:"what the caller may do street-wide, as resource:action"`
}

func tenantBody(t tenants.Tenant) Tenant {
	return Tenant{ID: t.ID, Code: t.Code, Name: t.Name, CountyCode: t.CountyCode, Status: t.Status,
		CreatedAt: t.CreatedAt, NodeCounts: levelCounts(t.NodeCounts), RootID: t.RootID, ReopenWindowDays: t.ReopenWindowDays}
}

// MembershipBody is one role the signed-in person holds.
type MembershipBody struct {
	ID           int64  `json:"id"`
	Role         string `json:"role" enum:"county_admin,county_viewer,judge,street_admin,dispatcher,department_staff,community_staff,grid_worker,mediator"`
	TenantCode   string `json:"tenant_code,omitempty" doc:"the street; absent for county roles"`
	NodeID       int64  `json:"node_id,omitempty" doc:"where in the street's tree the role is held"`
	DepartmentID int64  `json:"department_id,omitempty"`
}

type meOutput struct {
	Body struct {
		Credential  string           `json:"credential" enum:"api_key,session" doc:"how the caller authenticated"`
		Name        string           `json:"name" example:"张敏" doc:"the person's name, or the API key's"`
		County      County           `json:"county"`
		Tenant      *Tenant          `json:"tenant,omitempty" doc:"the street an API key is limited to; absent otherwise"`
		CountyWide  bool             `json:"county_wide" doc:"reads every street of the county"`
		Memberships []MembershipBody `json:"memberships" doc:"the roles a signed-in person holds"`
		Streets     []string         `json:"streets" doc:"codes of the streets the caller can open"`
		Permissions []string         `json:"county_permissions,omitempty" doc:"what the caller may do at the county level, as resource:action"`
	}
}

type tenantList struct {
	Body struct {
		Items []Tenant `json:"items"`
	}
}

type tenantOutput struct {
	Body Tenant
}

// CountyPath names a county in the path.
type CountyPath struct {
	CountyCode string `path:"countyCode" pattern:"^[0-9]{6}$" example:"371326" doc:"county code"`
}

// TenantPath names a street in the path.
type TenantPath struct {
	TenantCode string `path:"tenantCode" pattern:"^[0-9]{9}$" example:"371326001" doc:"street code"`
}

func (p TenantPath) tenantCode() string { return p.TenantCode }

func (p CountyPath) countyCode() string { return p.CountyCode }

type createTenantInput struct {
	CountyPath
	Body struct {
		Code string `json:"code" pattern:"^[0-9]{9}$" example:"371326004" doc:"the county code followed by 3 digits"`
		Name string `json:"name" minLength:"1" maxLength:"100" example:"新城街道"`
	}
}

type updateTenantInput struct {
	TenantPath
	Body struct {
		Name             *string `json:"name,omitempty" minLength:"1" maxLength:"100" example:"平邑街道"`
		Status           *string `json:"status,omitempty" enum:"active,suspended"`
		ReopenWindowDays *int    `json:"reopen_window_days,omitempty" minimum:"1" maximum:"90" doc:"days after the answer during which a resident's \"not satisfied\" reopens the case"`
	}
}

func (s *Server) registerTenants(api huma.API) {
	tags := []string{"Streets"}
	op(s, api, huma.Operation{
		OperationID: "get-me", Method: http.MethodGet, Path: "/api/v1/me", Tags: []string{"System"},
		Summary: "Who am I", Description: "The caller's credential, county, roles and the streets it can open.",
	}, need{Resource: "self", Action: "read"}, func(ctx context.Context, _ *struct{}) (*meOutput, error) {
		return s.me(ctx)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "list-tenants", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/tenants", Tags: tags,
		Summary: "List a county's streets", Description: "Every street or town of the county, by code, with node counts per level.",
	}, need{Resource: "tenant", Action: "read"}, func(ctx context.Context, c tenants.County, in *CountyPath) (*tenantList, error) {
		list, err := s.Tenants.ListTenants(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		out := &tenantList{}
		out.Body.Items = make([]Tenant, len(list))
		for i, t := range list {
			out.Body.Items[i] = tenantBody(t)
		}
		return out, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "create-tenant", Method: http.MethodPost, Path: "/api/v1/counties/{countyCode}/tenants", Tags: tags,
		Summary: "Onboard a street", DefaultStatus: http.StatusCreated,
		Description: "Creates the street as a tenant with the root of its hierarchy, the default departments " +
			"(综治中心, 派出所, 司法所, 人社所, 信访办, 法庭, 检察室, 城管) and the default case categories.",
	}, need{Resource: "tenant", Action: "write"}, func(ctx context.Context, c tenants.County, in *createTenantInput) (*tenantOutput, error) {
		t, err := s.Tenants.CreateTenant(ctx, c, in.Body.Code, in.Body.Name)
		if err != nil {
			return nil, err
		}
		return &tenantOutput{Body: tenantBody(t)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "get-tenant", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}", Tags: tags,
		Summary: "Get a street",
	}, need{Resource: "tenant", Action: "read", anywhere: true}, func(ctx context.Context, st street, in *TenantPath) (*tenantOutput, error) {
		body := tenantBody(st.Tenant)
		body.Permissions = s.permissionsAt(ctx, &st.Tenant, streetChain(st.Tenant))
		return &tenantOutput{Body: body}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "update-tenant", Method: http.MethodPatch, Path: "/api/v1/tenants/{tenantCode}", Tags: tags,
		Summary: "Rename or suspend a street, or set its residents' reopen window", Description: "Checked at the county: a street does not rename itself.",
	}, need{Resource: "tenant", Action: "write", county: true}, func(ctx context.Context, st street, in *updateTenantInput) (*tenantOutput, error) {
		t, err := s.Tenants.UpdateTenant(ctx, st.Tenant, tenants.TenantChange{Name: in.Body.Name, Status: in.Body.Status, ReopenWindowDays: in.Body.ReopenWindowDays})
		if err != nil {
			return nil, err
		}
		return &tenantOutput{Body: tenantBody(t)}, nil
	})
}

// me describes the caller and the streets it can open.
func (s *Server) me(ctx context.Context) (*meOutput, error) {
	p, _ := principalFrom(ctx)
	c, err := s.Tenants.CountyByID(ctx, p.CountyID)
	if err != nil {
		return nil, err
	}
	out := &meOutput{}
	b := &out.Body
	b.Credential, b.Name, b.County, b.CountyWide = p.Credential, p.Name, countyBody(c), p.countyWide()
	b.Memberships, b.Streets = []MembershipBody{}, []string{}
	b.Permissions = s.permissionsAt(ctx, nil, []string{countyDomain(p.CountyID)})
	var visible []tenants.Tenant
	switch {
	case p.countyWide():
		if visible, err = s.Tenants.ListTenants(ctx, p.CountyID); err != nil {
			return nil, err
		}
	case p.Credential == "api_key":
		t, err := s.Tenants.TenantByID(ctx, tenants.Scope{TenantID: p.TenantID}, p.TenantID)
		if err != nil {
			return nil, err
		}
		tb := tenantBody(t)
		b.Tenant = &tb
		visible = []tenants.Tenant{t}
	default:
		seen := map[int64]bool{}
		for _, m := range p.Memberships {
			if m.TenantID == 0 || seen[m.TenantID] {
				continue
			}
			seen[m.TenantID] = true
			t, err := s.Tenants.TenantByID(ctx, tenants.Scope{TenantID: m.TenantID, IdentityID: p.Subject}, m.TenantID)
			if err != nil {
				return nil, err
			}
			visible = append(visible, t)
		}
	}
	codes := map[int64]string{}
	for _, t := range visible {
		codes[t.ID] = t.Code
		b.Streets = append(b.Streets, t.Code)
	}
	for _, m := range p.Memberships {
		b.Memberships = append(b.Memberships, MembershipBody{ID: m.ID, Role: m.Role, TenantCode: codes[m.TenantID], NodeID: m.NodeID, DepartmentID: m.DepartmentID})
	}
	return out, nil
}
