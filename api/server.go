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
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/frontend"
	"github.com/fengqiao/fengqiao/tenants"
)

// Version is the API version in the OpenAPI document.
const Version = "0.1.0"

// Server holds what the operations need.
type Server struct {
	Tenants *tenants.Service
	Keys    *apikeys.Store
	Log     *slog.Logger
}

// Handler builds the whole HTTP handler: API, docs, web app.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.register(mux)
	mux.Handle("GET /docs", http.RedirectHandler("/docs/", http.StatusMovedPermanently))
	mux.Handle("/", webApp())
	return mux
}

// OpenAPI builds the API on a throwaway mux to print its document.
func OpenAPI() *huma.OpenAPI {
	return (&Server{}).register(http.NewServeMux()).OpenAPI()
}

func (s *Server) register(mux *http.ServeMux) huma.API {
	config := huma.DefaultConfig("Fengqiao 枫桥 API", Version)
	config.Info.Description = "Grassroots social governance: streets and their hierarchy, cases, residents' appeals and county oversight. " +
		"Errors are RFC 9457 problem details; `errors[].location` names the field (`body.name`, `file[12].parent_code`)."
	config.CreateHooks = nil // no $schema in bodies, no Link headers
	config.DocsPath = ""     // /docs is our own page with bundled assets
	config.OpenAPIPath = "/openapi"
	config.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"apiKey": {Type: "http", Scheme: "bearer", Description: "An API key from `fengqiao apikey create`, sent as `Authorization: Bearer fq_…`."},
	}
	config.Security = []map[string][]string{{"apiKey": {}}}
	humaAPI := humago.New(mux, config)
	humaAPI.UseMiddleware(s.authenticate(humaAPI))
	s.registerHealth(humaAPI)
	s.registerTenants(humaAPI)
	s.registerNodes(humaAPI)
	s.registerCatalogues(humaAPI)
	return humaAPI
}

// op fills in what every operation shares and wraps the handler so that
// domain errors become problem responses in one place.
func op[I, O any](s *Server, api huma.API, o huma.Operation, access string, handler func(context.Context, *I) (*O, error)) {
	if o.Metadata == nil {
		o.Metadata = map[string]any{}
	}
	o.Metadata[metaAccess] = access
	if access == accessPublic {
		o.Security = []map[string][]string{}
	}
	huma.Register(api, o, func(ctx context.Context, in *I) (*O, error) {
		out, err := handler(ctx, in)
		if err != nil {
			return nil, problem(ctx, s.Log, err)
		}
		return out, nil
	})
}

// tenantOp registers an operation on the street named in its path: the
// street is resolved for the caller (scope checked in code and by RLS)
// before the handler runs. I must embed TenantPath.
func tenantOp[I, O any](s *Server, api huma.API, o huma.Operation, access string, handler func(context.Context, street, *I) (*O, error)) {
	if _, ok := any(new(I)).(interface{ tenantCode() string }); !ok {
		panic(o.OperationID + ": input must embed TenantPath")
	}
	op(s, api, o, access, func(ctx context.Context, in *I) (*O, error) {
		t, scope, err := s.tenantFor(ctx, any(in).(interface{ tenantCode() string }).tenantCode())
		if err != nil {
			return nil, err
		}
		return handler(ctx, street{Tenant: t, Scope: scope}, in)
	})
}

// street is the tenant an operation acts on and the scope to act in.
type street struct {
	tenants.Tenant
	Scope tenants.Scope
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
