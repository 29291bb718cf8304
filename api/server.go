// Package api is the HTTP surface: huma operations over the domain
// packages, authentication, the one error table, the committed OpenAPI
// document and the embedded web app.
package api

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/appeals"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/competitions"
	"github.com/fengqiao/fengqiao/exports"
	"github.com/fengqiao/fengqiao/frontend"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/open311"
	"github.com/fengqiao/fengqiao/qrcodes"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/situation"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

// Version is the API version in the OpenAPI document.
const Version = "0.1.0"

// Server holds what the operations need.
type Server struct {
	Tenants       *tenants.Service
	Keys          *apikeys.Store
	Staff         *staff.Service
	Cases         *cases.Service
	Notifications *notifications.Service
	QRCodes       *qrcodes.Service
	Appeals       *appeals.Service
	Situation     *situation.Service
	Competitions  *competitions.Service
	Live          *situation.Hub // case changes for dashboards' event streams
	Rankings      *rankings.Service
	PublicLimits  PublicLimits // zero: DefaultPublicLimits
	PublicURL     string       // where residents reach this server: what QR codes hold
	Authz         *authz.Authorizer
	Sessions      *Sessions // nil: no staff sign-in (API keys only)
	Kratos        *url.URL  // Kratos's public API, proxied under /identity/
	Log           *slog.Logger
	Exports       *exports.Service
	River         *river.Client[pgx.Tx] // nil: no River UI at /admin/jobs
	// Lifetime ends when the server stops: River UI's background services
	// run until then. nil: the process's lifetime.
	Lifetime context.Context
}

// Handler builds the whole HTTP handler: API, identity proxy, docs, web app.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	limits := newPublicLimiters(s.PublicLimits)
	s.register(mux, limits)
	if s.Kratos != nil {
		mux.Handle(IdentityPathPrefix, identityProxy(s.Kratos))
	}
	mux.Handle(open311.Prefix, &open311.Handler{Tenants: s.Tenants, Cases: s.Cases, Keys: s.Keys, URL: strings.TrimSuffix(s.PublicURL, "/") + "/open311/v2", Log: s.Log,
		Limit: limits.open311Limit()})
	if s.River != nil {
		jobsUI, err := s.riverUI()
		if err != nil {
			panic(err) // River UI's embedded assets are missing: a broken build
		}
		mux.Handle(JobsPath+"/", jobsUI)
		mux.Handle(JobsPath, jobsUI)
	}
	mux.Handle("GET /docs", http.RedirectHandler("/docs/", http.StatusMovedPermanently))
	mux.Handle("/", webApp())
	return mux
}

// OpenAPI builds the API on a throwaway mux to print its document.
func OpenAPI() *huma.OpenAPI {
	return (&Server{}).register(http.NewServeMux(), publicLimiters{}).OpenAPI()
}

func (s *Server) register(mux *http.ServeMux, limits publicLimiters) huma.API {
	config := huma.DefaultConfig("Fengqiao 枫桥 API", Version)
	config.Info.Description = "Grassroots social governance: streets and their hierarchy, staff and roles, cases, residents' appeals and county oversight. " +
		"Errors are RFC 9457 problem details; `errors[].location` names the field (`body.name`, `file[12].parent_code`). " +
		"Every operation names the permission it needs (`x-permission`), checked against the node, department or street it touches."
	config.CreateHooks = nil // no $schema in bodies, no Link headers
	config.DocsPath = ""     // /docs is our own page with bundled assets
	config.OpenAPIPath = "/openapi"
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"apiKey":  {Type: "http", Scheme: "bearer", Description: "An API key from `fengqiao apikey create`, sent as `Authorization: Bearer fq_…`."},
		"session": {Type: "apiKey", In: "cookie", Name: SessionCookieName, Description: "A staff session from signing in through /identity/ (or `X-Session-Token`)."},
	}
	config.Security = []map[string][]string{{"apiKey": {}}, {"session": {}}}
	humaAPI := humago.New(mux, config)
	humaAPI.UseMiddleware(s.authenticate(humaAPI))
	s.registerHealth(humaAPI)
	s.registerTenants(humaAPI)
	s.registerNodes(humaAPI)
	s.registerCatalogues(humaAPI)
	s.registerStaff(humaAPI)
	s.registerCaseDesk(humaAPI)
	s.registerCasework(humaAPI)
	s.registerNotifications(humaAPI)
	s.registerRules(humaAPI)
	s.registerQRCodes(humaAPI)
	s.registerScans(humaAPI, limits)
	s.registerAppeals(humaAPI, limits)
	s.registerCases(humaAPI)
	s.registerExports(humaAPI)
	s.registerSituation(humaAPI)
	s.registerRankings(humaAPI)
	s.registerCompetitions(humaAPI)
	return humaAPI
}

// op registers an operation that declares the permission it needs. The
// handler's errors become problem responses here, in one place.
func op[I, O any](s *Server, api huma.API, o huma.Operation, n need, handler func(context.Context, *I) (*O, error)) {
	if o.Metadata == nil {
		o.Metadata = map[string]any{}
	}
	o.Metadata[metaNeed] = n
	if o.Extensions == nil {
		o.Extensions = map[string]any{}
	}
	if n == public {
		o.Security = []map[string][]string{}
		o.Extensions["x-permission"] = "public"
	} else {
		o.Extensions["x-permission"] = n.String()
	}
	huma.Register(api, o, func(ctx context.Context, in *I) (*O, error) {
		out, err := handler(ctx, in)
		if err != nil {
			return nil, problem(ctx, s.Log, err)
		}
		return out, nil
	})
}

// countyOp registers an operation on the county named in its path; the
// permission is checked at the county. I must embed CountyPath.
func countyOp[I, O any](s *Server, api huma.API, o huma.Operation, n need, handler func(context.Context, tenants.County, *I) (*O, error)) {
	if _, ok := any(new(I)).(interface{ countyCode() string }); !ok {
		panic(o.OperationID + ": input must embed CountyPath")
	}
	op(s, api, o, n, func(ctx context.Context, in *I) (*O, error) {
		c, err := s.countyFor(ctx, any(in).(interface{ countyCode() string }).countyCode())
		if err != nil {
			return nil, err
		}
		if err := s.require(ctx, nil, []string{countyDomain(c.ID)}, n); err != nil {
			return nil, err
		}
		return handler(ctx, c, in)
	})
}

// Inputs say what they touch by implementing one of these; otherwise the
// street itself is the target.
type (
	nodeTarget       interface{ targetNode() int64 }
	departmentTarget interface{ targetDepartment() int64 }
	caseTarget       interface{ targetCase() int64 }
)

// street is the tenant an operation acts on, the scope to act in, and the
// node it touches (if any).
type street struct {
	tenants.Tenant
	Scope tenants.Scope
	Node  tenants.Node
	Chain []string // the target's chain of domains, as checked
}

// tenantOp registers an operation on the street named in its path. The
// street is resolved for the caller (scope checked in code and by RLS),
// then the permission is checked against the node or department the input
// names, or against the street. I must embed TenantPath.
func tenantOp[I, O any](s *Server, api huma.API, o huma.Operation, n need, handler func(context.Context, street, *I) (*O, error)) {
	if _, ok := any(new(I)).(interface{ tenantCode() string }); !ok {
		panic(o.OperationID + ": input must embed TenantPath")
	}
	op(s, api, o, n, func(ctx context.Context, in *I) (*O, error) {
		t, scope, err := s.tenantFor(ctx, any(in).(interface{ tenantCode() string }).tenantCode())
		if err != nil {
			return nil, err
		}
		st := street{Tenant: t, Scope: scope}
		chain := streetChain(t)
		if n.county {
			chain = []string{countyDomain(t.CountyID)}
		} else if nt, ok := any(in).(nodeTarget); ok && nt.targetNode() != 0 {
			if st.Node, err = s.Tenants.Node(ctx, scope, nt.targetNode()); err != nil {
				return nil, err
			}
			chain = nodeChain(t, st.Node)
		} else if dt, ok := any(in).(departmentTarget); ok && dt.targetDepartment() != 0 {
			chain = departmentChain(t, dt.targetDepartment())
		} else if ct, ok := any(in).(caseTarget); ok && ct.targetCase() != 0 {
			loc, err := s.Cases.Locate(ctx, scope, ct.targetCase())
			if err != nil {
				return nil, err
			}
			if st.Node, err = s.Tenants.Node(ctx, scope, loc.NodeID); err != nil {
				return nil, err
			}
			chain = caseChain(st, loc.DepartmentID)
			// Summoned departments read the case; acting on it stays with
			// the department it is dispatched to.
			if n.Action == "read" {
				for _, d := range loc.Summoned {
					chain = append(chain, deptDomain(d))
				}
			}
		}
		st.Chain = chain
		if n.anywhere {
			err = s.requireSomewhere(ctx, &t, n)
		} else {
			err = s.require(ctx, &t, chain, n)
		}
		if err != nil {
			return nil, err
		}
		return handler(ctx, st, in)
	})
}

// webApp serves the built frontend, falling back to index.html for the
// client-side routes.
func webApp() http.Handler {
	dist, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	files := http.FileServerFS(dist)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/")
		if strings.HasPrefix(path, "api/") {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_ = json.NewEncoder(w).Encode(huma.ErrorModel{Status: http.StatusNotFound, Title: "Not Found", Detail: "no operation at " + r.Method + " " + r.URL.Path})
			return
		}
		if path != "" {
			if _, err := fs.Stat(dist, strings.TrimSuffix(path, "/")); err == nil {
				if strings.HasPrefix(path, "assets/") {
					w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				}
				files.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, dist, "index.html")
	})
}
