package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"golang.org/x/time/rate"
)

// RateLimit allows Burst requests at once, then one every Every.
type RateLimit struct {
	Every time.Duration
	Burst int
}

// PublicLimits are the rate limits of the pages residents reach without
// signing in. Addresses are the TCP peer's; behind a reverse proxy set
// TrustForwardedFor so the proxy's X-Forwarded-For names the resident.
type PublicLimits struct {
	Off               bool      // no limits at all (load tests)
	SubmitPerIP       RateLimit // appeals, ratings and reopens from one address
	SubmitPerCode     RateLimit // appeals through one QR code
	ReadPerIP         RateLimit // scans and status pages from one address: slows guessing codes
	TrustForwardedFor bool
}

// DefaultPublicLimits suit a building's residents sharing one carrier
// address: a family's appeals pass, a script's flood does not.
var DefaultPublicLimits = PublicLimits{
	SubmitPerIP:   RateLimit{Every: 30 * time.Second, Burst: 10},
	SubmitPerCode: RateLimit{Every: 20 * time.Second, Burst: 30},
	ReadPerIP:     RateLimit{Every: time.Second, Burst: 60},
}

// keyedLimiter is one token bucket per key (an address, a code).
type keyedLimiter struct {
	limit     RateLimit
	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	limiter *rate.Limiter
	seen    time.Time
}

func newKeyedLimiter(l RateLimit) *keyedLimiter {
	return &keyedLimiter{limit: l, buckets: map[string]*bucket{}}
}

// take spends one token of key's bucket; when there is none it spends
// nothing and says how long until there is.
func (k *keyedLimiter) take(key string, now time.Time) (wait time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	// A bucket idle long enough to be full again is the same as none: drop
	// it, so the map holds only recent callers.
	if full := k.limit.Every * time.Duration(k.limit.Burst); now.Sub(k.lastSweep) > time.Minute {
		for key, b := range k.buckets {
			if now.Sub(b.seen) > full {
				delete(k.buckets, key)
			}
		}
		k.lastSweep = now
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{limiter: rate.NewLimiter(rate.Every(k.limit.Every), k.limit.Burst)}
		k.buckets[key] = b
	}
	b.seen = now
	r := b.limiter.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// limitCheck is one limit applied to a request.
type limitCheck struct {
	limiter *keyedLimiter
	key     func(huma.Context) string
	message string
}

// limited is middleware that answers 429, with Retry-After, when any check
// runs out. Checks are taken in order; a refused request spends no token of
// the later ones.
func limited(api huma.API, checks ...limitCheck) huma.Middlewares {
	return huma.Middlewares{func(ctx huma.Context, next func(huma.Context)) {
		now := time.Now()
		for _, c := range checks {
			if c.limiter == nil {
				continue
			}
			if wait := c.limiter.take(c.key(ctx), now); wait > 0 {
				seconds := int(math.Ceil(wait.Seconds()))
				ctx.SetHeader("Retry-After", strconv.Itoa(seconds))
				_ = huma.WriteErr(api, ctx, http.StatusTooManyRequests,
					fmt.Sprintf("%s; try again in %d seconds", c.message, seconds))
				return
			}
		}
		next(ctx)
	}}
}

// lookups limits residents' reads (a scan, a tracking page) per address.
func (pl publicLimiters) lookups() limitCheck {
	return limitCheck{limiter: pl.readPerIP, key: pl.clientIP, message: "too many look-ups from this network"}
}

// submissions limits residents' writes (an appeal, a rating, a reopen) per address.
func (pl publicLimiters) submissions() limitCheck {
	return limitCheck{limiter: pl.submitPerIP, key: pl.clientIP, message: "too many submissions from this network"}
}

// bodyLimit is middleware that answers 413, naming location, for a request
// body over limit, and cuts off one that claims less but sends more.
func bodyLimit(api huma.API, limit int64, location, message string) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		r, w := humago.Unwrap(ctx)
		if r.ContentLength > limit {
			_ = huma.WriteErr(api, ctx, http.StatusRequestEntityTooLarge, message,
				&huma.ErrorDetail{Location: location, Message: "too large", Value: r.ContentLength})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next(ctx)
	}
}

// open311Limit limits Open311's anonymous calls (discovery, services) per
// address, as look-ups. Calls with a street's API key — every POST, and
// reads of requests — are that street's integration and pass.
func (pl publicLimiters) open311Limit() func(*http.Request) time.Duration {
	if pl.readPerIP == nil {
		return nil
	}
	return func(r *http.Request) time.Duration {
		if r.Method == http.MethodPost || r.URL.Query().Get("api_key") != "" {
			return 0
		}
		return pl.readPerIP.take(pl.addressOf(r), time.Now())
	}
}

// publicLimiters are the server's buckets, made once per handler.
type publicLimiters struct {
	submitPerIP, submitPerCode, readPerIP *keyedLimiter
	trustForwardedFor                     bool
}

func newPublicLimiters(l PublicLimits) publicLimiters {
	if l.Off {
		return publicLimiters{}
	}
	if l == (PublicLimits{}) {
		l = DefaultPublicLimits
	}
	return publicLimiters{submitPerIP: newKeyedLimiter(l.SubmitPerIP), submitPerCode: newKeyedLimiter(l.SubmitPerCode),
		readPerIP: newKeyedLimiter(l.ReadPerIP), trustForwardedFor: l.TrustForwardedFor}
}

// clientIP is the caller's address: the TCP peer, or the last address the
// trusted proxy appended to X-Forwarded-For.
func (pl publicLimiters) clientIP(ctx huma.Context) string {
	r, _ := humago.Unwrap(ctx)
	return pl.addressOf(r)
}

// addressOf is clientIP for a plain request.
func (pl publicLimiters) addressOf(r *http.Request) string {
	if pl.trustForwardedFor {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			last := xff[len(xff)-1]
			last = last[strings.LastIndexByte(last, ',')+1:]
			if ip := net.ParseIP(strings.TrimSpace(last)); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
