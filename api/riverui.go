package api

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"riverqueue.com/riverui"

	"github.com/fengqiao/fengqiao"
)

// JobsPath is where River UI is mounted: the background jobs' dashboard.
const JobsPath = "/admin/jobs"

// riverUIOperation stands for River UI's requests when the principal is
// read through huma's context.
var riverUIOperation = &huma.Operation{OperationID: "river-ui", Method: http.MethodGet, Path: JobsPath}

// riverUI serves River UI (its assets are embedded: it works offline) to
// county administrators only: a county API key, or a signed-in member of
// staff holding jobs:admin at the county (county_admin). Anyone else gets
// 403, and no credentials 401.
func (s *Server) riverUI() (http.Handler, error) {
	handler, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(s.River, nil),
		Logger:    s.Log,
		Prefix:    JobsPath,
	})
	if err != nil {
		return nil, err
	}
	// Its background services (queue counts) start with the first request
	// and stop with the server.
	lifetime := s.Lifetime
	if lifetime == nil {
		lifetime = context.Background()
	}
	var start sync.Once
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.requireJobsAdmin(w, r); err != nil {
			return
		}
		start.Do(func() {
			if err := handler.Start(lifetime); err != nil {
				s.Log.Error("start River UI", "error", err)
			}
		})
		handler.ServeHTTP(w, r)
	}), nil
}

// requireJobsAdmin writes a problem and returns an error unless the caller
// may administer background jobs.
func (s *Server) requireJobsAdmin(w http.ResponseWriter, r *http.Request) error {
	p, err := s.principal(humago.NewContext(riverUIOperation, r, w))
	if err == nil && !s.can(p, nil, []string{countyDomain(p.CountyID)}, need{Resource: "jobs", Action: "admin"}) {
		err = fengqiao.Errorf(fengqiao.EFORBIDDEN, "only county administrators see background jobs")
	}
	if err == nil {
		return nil
	}
	se, _ := problem(r.Context(), s.Log, err).(huma.StatusError)
	status := se.GetStatus()
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="fengqiao"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(se)
	return err
}
