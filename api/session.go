package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	kratos "github.com/ory/kratos-client-go"

	"github.com/fengqiao/fengqiao"
)

// SessionCookieName is Kratos's session cookie (infra/kratos/kratos.yml).
const SessionCookieName = "fengqiao_session"

// IdentityPathPrefix is where the server proxies Kratos's public API, so
// the browser talks to one origin and the session cookie needs no CORS.
const IdentityPathPrefix = "/identity/"

// sessionTTL bounds how long a validated session is trusted without asking
// Kratos again (ToSession costs ~7 ms here); a revoked session stays usable
// for at most this long.
const sessionTTL = 30 * time.Second

// Sessions validates Kratos sessions and caches the answers briefly.
type Sessions struct {
	public *kratos.APIClient
	now    func() time.Time

	mu    sync.Mutex
	cache map[[32]byte]cachedSession
}

type cachedSession struct {
	identity string
	until    time.Time
}

// NewSessions validates sessions against Kratos's public API at publicURL.
func NewSessions(publicURL string) *Sessions {
	cfg := kratos.NewConfiguration()
	cfg.Servers = kratos.ServerConfigurations{{URL: strings.TrimSuffix(publicURL, "/")}}
	cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	return &Sessions{public: kratos.NewAPIClient(cfg), now: time.Now, cache: map[[32]byte]cachedSession{}}
}

// Identity returns the identity id of an active session given by token
// (X-Session-Token) or cookie (the Cookie header's session cookie).
func (s *Sessions) Identity(ctx context.Context, token, cookie string) (string, error) {
	key := sha256.Sum256([]byte(token + "\x00" + cookie))
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[key]
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.identity, nil
	}
	req := s.public.FrontendAPI.ToSession(ctx)
	if token != "" {
		req = req.XSessionToken(token)
	} else {
		req = req.Cookie(cookie)
	}
	session, res, err := req.Execute()
	if err != nil {
		if res != nil && (res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden) {
			return "", fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "your session has ended; sign in again")
		}
		if errors.Is(err, context.Canceled) {
			return "", err
		}
		return "", &fengqiao.Error{Code: fengqiao.EUNAVAILABLE, Message: "sign-in is unavailable: the identity service does not answer"}
	}
	if session.Active == nil || !*session.Active || session.Identity == nil {
		return "", fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "your session has ended; sign in again")
	}
	until := now.Add(sessionTTL)
	if session.ExpiresAt != nil && session.ExpiresAt.Before(until) {
		until = *session.ExpiresAt
	}
	s.mu.Lock()
	if len(s.cache) > 10_000 { // bound memory: drop everything rather than track ages
		clear(s.cache)
	}
	s.cache[key] = cachedSession{identity: session.Identity.Id, until: until}
	s.mu.Unlock()
	return session.Identity.Id, nil
}

// Forget drops cached sessions, e.g. after memberships change.
func (s *Sessions) Forget() {
	s.mu.Lock()
	clear(s.cache)
	s.mu.Unlock()
}

// proxiedIdentityPaths are the parts of Kratos's public API the browser
// needs. Anything else (its public port redirects /admin/… to the admin
// listener) stays unreachable from outside.
var proxiedIdentityPaths = []string{"self-service/", "sessions/", "schemas/", ".well-known/"}

// identityProxy forwards /identity/… to Kratos's public API.
func identityProxy(target *url.URL) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.URL.Path = "/" + strings.TrimPrefix(r.In.URL.Path, IdentityPathPrefix)
			r.Out.URL.RawPath = ""
			r.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"title":"Service Unavailable","status":503,"detail":"sign-in is unavailable: the identity service does not answer"}`))
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, IdentityPathPrefix)
		for _, prefix := range proxiedIdentityPaths {
			if strings.HasPrefix(rest, prefix) {
				proxy.ServeHTTP(w, r)
				return
			}
		}
		http.NotFound(w, r)
	})
}
