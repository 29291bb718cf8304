package authz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/casbin/casbin/v2/util"
	"github.com/stretchr/testify/require"
)

// district is a synthetic street shaped like Longhua: one county, one street,
// communities → zones → grids → buildings, and memberships mostly of grid
// workers and community staff. scale divides the node and membership counts.
type district struct {
	memberships []Membership
	paths       []Membership // the same memberships with path-pattern domains (stock model)
	deepID      string       // community staff of deepChain's community
	deepChain   []string     // a building: [n<b>, n<g>, n<z>, n<c>, n1, c1]
	deepPath    string       // the same building as a path domain
}

// pathOf turns a chain (most specific first) into a path from the county down.
func pathOf(chain []string) string {
	p := slices.Clone(chain)
	slices.Reverse(p)
	return "/" + strings.Join(p, "/") + "/"
}

func newDistrict(scale int) *district {
	d := &district{}
	add := func(n int, role Role, chain []string) {
		for range n {
			id := fmt.Sprintf("u%06d", len(d.memberships)+1)
			d.memberships = append(d.memberships, Membership{Identity: id, Domain: chain[0], Role: role})
			d.paths = append(d.paths, Membership{Identity: id, Domain: pathOf(chain) + "*", Role: role})
		}
	}
	county := []string{"c1"}
	street := []string{"n1", "c1"}
	add(3, CountyAdmin, county)
	add(7, CountyViewer, county)
	add(10, Judge, county)
	add(20/scale, StreetAdmin, street)
	add(300/scale, Dispatcher, street)
	for dep := 1; dep <= 20/scale; dep++ {
		add(100, DepartmentStaff, []string{fmt.Sprintf("d%d", dep), "n1", "c1"})
	}
	communities, zones, grids, buildings := 70/scale, 430/scale, 3000/scale, 6500/scale
	next := 2 // n1 is the street root
	node := func(parent []string) []string {
		next++
		return append([]string{fmt.Sprintf("n%d", next-1)}, parent...)
	}
	// share spreads total children over n parents as evenly as possible.
	share := func(total, n, i int) int { return total/n + min(1, max(0, total%n-i)) }
	zi, gi := 0, 0
	for ci := range communities {
		community := node(street)
		if ci == communities/2 {
			d.deepID = fmt.Sprintf("u%06d", len(d.memberships)+1)
		}
		add(150, CommunityStaff, community)
		add(38, Mediator, community)
		for range share(zones, communities, ci) {
			zone := node(community)
			for range share(grids, zones, zi) {
				grid := node(zone)
				add(5, GridWorker, grid)
				for range share(buildings, grids, gi) {
					building := node(grid)
					add(3, GridWorker, building)
					if ci == communities/2 && d.deepChain == nil {
						d.deepChain = building
					}
				}
				gi++
			}
			zi++
		}
	}
	d.deepPath = pathOf(d.deepChain)
	// A database hands memberships over in no particular order.
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(d.memberships), func(i, j int) {
		d.memberships[i], d.memberships[j] = d.memberships[j], d.memberships[i]
		d.paths[i], d.paths[j] = d.paths[j], d.paths[i]
	})
	return d
}

// Data is built once per process so -benchtime=1x stays quick.
var (
	longhua = sync.OnceValue(func() *district { return newDistrict(1) })
	small   = sync.OnceValue(func() *district { return newDistrict(10) })
)

func loaded(b *testing.B, d *district) *Authorizer {
	a, err := New()
	require.NoError(b, err)
	require.NoError(b, a.Load(d.memberships))
	return a
}

// stockEnforcer is casbin's "RBAC with pattern domains": the same model, with
// memberships at path patterns such as /c1/n1/n3/* matched by KeyMatch, and
// requests at the target's full path.
func stockEnforcer(d *district) (*casbin.Enforcer, error) {
	m, err := model.NewModelFromString(modelConf)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		return nil, err
	}
	e.AddNamedDomainMatchingFunc("g", "KeyMatch", util.KeyMatch)
	e.SetAdapter(membershipAdapter{d.paths})
	return e, e.LoadPolicy()
}

// stockSmall is built once per process: it takes seconds.
var stockSmall = sync.OnceValues(func() (*casbin.Enforcer, error) {
	start := time.Now()
	e, err := stockEnforcer(small())
	fmt.Printf("stock pattern-domain enforcer built in %v (%d memberships)\n", time.Since(start), len(small().paths))
	return e, err
})

// timeDecisions runs decide b.N times, timing each call, and reports the median.
func timeDecisions(b *testing.B, want bool, decide func() bool) {
	b.Helper()
	require.Equal(b, want, decide())
	took := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		got := decide()
		took[i] = time.Since(start)
		if got != want {
			b.Fatalf("decision %v, want %v", got, want)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
}

// BenchmarkDecisionDeepNode: a community staff member asks about a building in
// its community (chain of 6). allow = case read (found at the 4th domain);
// deny = hierarchy import (all 6 domains looked at). Stock casbin is measured
// at 1/10 scale because building it at 50k memberships takes minutes; ours is
// measured at both scales.
func BenchmarkDecisionDeepNode(b *testing.B) {
	for _, sc := range []struct {
		name string
		d    func() *district
	}{{"50k", longhua}, {"5k", small}} {
		b.Run("ours/"+sc.name, func(b *testing.B) {
			d := sc.d()
			a := loaded(b, d)
			b.Run("allow", func(b *testing.B) {
				timeDecisions(b, true, func() bool { return a.Allowed(d.deepID, d.deepChain, "case", "read") })
			})
			b.Run("deny", func(b *testing.B) {
				timeDecisions(b, false, func() bool { return a.Allowed(d.deepID, d.deepChain, "hierarchy", "import") })
			})
			// Throughput with every core deciding at once (no per-call timing).
			b.Run("allow-parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if !a.Allowed(d.deepID, d.deepChain, "case", "read") {
							b.Error("denied")
						}
					}
				})
			})
		})
	}
	b.Run("stock-pattern-domains/5k", func(b *testing.B) {
		d := small()
		e, err := stockSmall()
		require.NoError(b, err)
		enforce := func(obj, act string) func() bool {
			return func() bool {
				ok, err := e.Enforce(d.deepID, d.deepPath, obj, act)
				return err == nil && ok
			}
		}
		b.Run("allow", func(b *testing.B) { timeDecisions(b, true, enforce("case", "read")) })
		b.Run("deny", func(b *testing.B) { timeDecisions(b, false, enforce("hierarchy", "import")) })
	})
}

// BenchmarkReload: Load every membership again after one role change
// (one-change), and, for the worst case such as start-up, into an empty
// Authorizer (from-empty: every shard built).
func BenchmarkReload(b *testing.B) {
	for _, sc := range []struct {
		name string
		d    func() *district
	}{{"50k", longhua}, {"5k", small}} {
		b.Run("ours/"+sc.name+"/one-change", func(b *testing.B) {
			d := sc.d()
			a := loaded(b, d)
			ms := slices.Clone(d.memberships)
			who := slices.IndexFunc(ms, func(m Membership) bool { return m.Role == GridWorker })
			b.ResetTimer()
			for i := range b.N {
				ms[who].Role = []Role{Mediator, GridWorker}[i%2]
				if err := a.Load(ms); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("ours/"+sc.name+"/from-empty", func(b *testing.B) {
			d := sc.d()
			for range b.N {
				b.StopTimer()
				a, err := New()
				require.NoError(b, err)
				b.StartTimer()
				if err := a.Load(d.memberships); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("stock-pattern-domains/5k/one-change", func(b *testing.B) {
		d := small()
		e, err := stockSmall()
		require.NoError(b, err)
		ms := slices.Clone(d.paths)
		who := slices.IndexFunc(ms, func(m Membership) bool { return m.Role == GridWorker })
		b.ResetTimer()
		for i := range b.N {
			ms[who].Role = []Role{Mediator, GridWorker}[i%2]
			e.SetAdapter(membershipAdapter{ms})
			if err := e.LoadPolicy(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// membershipAdapter serves policy.csv plus memberships as g rules: the stock
// way to load an enforcer.
type membershipAdapter struct{ memberships []Membership }

func (a membershipAdapter) LoadPolicy(m model.Model) error {
	if err := (adapter{}).LoadPolicy(m); err != nil {
		return err
	}
	for _, x := range a.memberships {
		if err := persist.LoadPolicyArray([]string{"g", x.Identity, string(x.Role), x.Domain}, m); err != nil {
			return err
		}
	}
	return nil
}

func (membershipAdapter) SavePolicy(model.Model) error                { return errReadOnly }
func (membershipAdapter) AddPolicy(string, string, []string) error    { return errReadOnly }
func (membershipAdapter) RemovePolicy(string, string, []string) error { return errReadOnly }
func (membershipAdapter) RemoveFilteredPolicy(string, string, int, ...string) error {
	return errReadOnly
}
