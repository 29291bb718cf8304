package authz

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// parents is a small district. County c1 has streets n1 and n2, county c2 has
// street n3. In n1: community n10 → zone n11 → grids n12 (A) and n13 (B) →
// buildings n14 (in A) and n15 (in B); departments d5 and d6.
var parents = map[string]string{
	"n1": "c1", "n2": "c1", "n3": "c2",
	"n10": "n1", "n11": "n10", "n12": "n11", "n13": "n11", "n14": "n12", "n15": "n13",
	"n20": "n2", "n21": "n20", "n22": "n21", "n23": "n22",
	"n30": "n3", "n31": "n30", "n32": "n31", "n33": "n32",
	"d5": "n1", "d6": "n1", "d7": "n3",
}

// chain is a target's chain of domains, most specific first.
func chain(d string) []string {
	c := []string{d}
	for p, ok := parents[d]; ok; p, ok = parents[p] {
		c = append(c, p)
	}
	return c
}

func newLoaded(t testing.TB, ms ...Membership) *Authorizer {
	a, err := New()
	require.NoError(t, err)
	require.NoError(t, a.Load(ms))
	return a
}

func perms(pairs ...string) []Permission {
	var out []Permission
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, Permission{Resource: pairs[i], Action: pairs[i+1]})
	}
	return out
}

func TestPolicySanity(t *testing.T) {
	a, err := New()
	require.NoError(t, err)
	catalog := a.Catalog()

	for _, r := range Roles {
		require.True(t, ValidRole(r))
		require.NotEmpty(t, a.Permissions(r), "role %s has no permission", r)
	}
	require.False(t, ValidRole("root"))
	require.False(t, ValidRole(""))

	require.Equal(t, catalog, a.Permissions(CountyAdmin))
	require.Contains(t, catalog, Permission{"jobs", "admin"})
	require.Contains(t, catalog, Permission{"tenant", "write"})

	var reads []Permission
	for _, p := range catalog {
		if p.Action == "read" {
			reads = append(reads, p)
		}
	}
	require.Equal(t, reads, a.Permissions(CountyViewer))

	require.Equal(t, slices.DeleteFunc(slices.Clone(catalog), func(p Permission) bool {
		return p == Permission{"jobs", "admin"} || p == Permission{"competition", "score"}
	}), a.Permissions(StreetAdmin))

	require.Equal(t, perms("competition", "read", "competition", "score"), a.Permissions(Judge))
	require.ElementsMatch(t, perms("tenant", "read", "case", "read", "case", "write", "case", "dispatch", "case", "confirm",
		"case", "summon", "node", "read", "department", "read", "category", "read", "staff", "read"), a.Permissions(Dispatcher))
	require.ElementsMatch(t, perms("tenant", "read", "case", "read", "case", "write", "case", "handle", "node", "read", "department", "read",
		"category", "read"), a.Permissions(DepartmentStaff))
	require.ElementsMatch(t, perms("tenant", "read", "case", "read", "case", "write", "case", "summon", "node", "read", "staff", "read",
		"department", "read", "category", "read"), a.Permissions(CommunityStaff))
	require.ElementsMatch(t, perms("tenant", "read", "case", "read", "case", "write", "node", "read", "category", "read"),
		a.Permissions(GridWorker))
	require.ElementsMatch(t, perms("tenant", "read", "case", "read", "node", "read", "category", "read"), a.Permissions(Mediator))
	require.Empty(t, a.Permissions("root"))
}

func TestGridWorker(t *testing.T) {
	a := newLoaded(t, Membership{"w", "n12", GridWorker})
	for _, target := range []string{"n12", "n14"} { // grid A and its building
		require.True(t, a.Allowed("w", chain(target), "node", "read"), target)
		require.True(t, a.Allowed("w", chain(target), "case", "read"), target)
		require.True(t, a.Allowed("w", chain(target), "case", "write"), target)
		require.False(t, a.Allowed("w", chain(target), "node", "write"), target)
		require.False(t, a.Allowed("w", chain(target), "staff", "read"), target)
	}
	for _, target := range []string{"n13", "n15", "n11", "n10", "n1", "n22", "n23", "d5", "c1"} {
		require.False(t, a.Allowed("w", chain(target), "node", "read"), target)
		require.False(t, a.Allowed("w", chain(target), "case", "read"), target)
	}
	require.False(t, a.Allowed("someone-else", chain("n14"), "case", "read"))
}

func TestStreetAdmin(t *testing.T) {
	a := newLoaded(t, Membership{"s", "n1", StreetAdmin})
	for _, target := range []string{"n1", "n10", "n11", "n12", "n15", "d5"} {
		for _, p := range a.Catalog() {
			want := p != Permission{"jobs", "admin"} && p != Permission{"competition", "score"}
			require.Equal(t, want, a.Allowed("s", chain(target), p.Resource, p.Action), "%s %v", target, p)
		}
	}
	for _, target := range []string{"n2", "n23", "n33", "c1", "c2"} {
		for _, p := range a.Catalog() {
			require.False(t, a.Allowed("s", chain(target), p.Resource, p.Action), "%s %v", target, p)
		}
	}
	require.False(t, a.Allowed("s", []string{"c1"}, "tenant", "write"), "a street admin cannot create streets")
}

func TestCountyRoles(t *testing.T) {
	a := newLoaded(t, Membership{"v", "c1", CountyViewer}, Membership{"adm", "c1", CountyAdmin})
	for _, target := range []string{"c1", "n1", "n2", "n14", "n23", "d6"} {
		for _, p := range a.Catalog() {
			require.Equal(t, p.Action == "read", a.Allowed("v", chain(target), p.Resource, p.Action), "%s %v", target, p)
			require.True(t, a.Allowed("adm", chain(target), p.Resource, p.Action), "%s %v", target, p)
		}
	}
	for _, target := range []string{"c2", "n3", "n33", "d7"} {
		for _, p := range a.Catalog() {
			require.False(t, a.Allowed("v", chain(target), p.Resource, p.Action), "%s %v", target, p)
			require.False(t, a.Allowed("adm", chain(target), p.Resource, p.Action), "%s %v", target, p)
		}
	}
	require.True(t, a.Allowed("adm", []string{"c1"}, "tenant", "write"), "a county admin creates streets")
	require.True(t, a.Allowed("adm", []string{"c1"}, "jobs", "admin"))
}

func TestDepartmentStaff(t *testing.T) {
	a := newLoaded(t, Membership{"p", "d5", DepartmentStaff})
	require.True(t, a.Allowed("p", chain("d5"), "case", "read"))
	require.True(t, a.Allowed("p", chain("d5"), "case", "write"))
	require.Equal(t, []string{"d5", "n1", "c1"}, chain("d5"))
	require.False(t, a.Allowed("p", chain("d6"), "case", "read"))
	require.False(t, a.Allowed("p", chain("d6"), "case", "write"))
	require.False(t, a.Allowed("p", chain("n14"), "case", "read"), "department roles do not reach the street's nodes")
	require.False(t, a.Allowed("p", chain("d5"), "staff", "read"))
}

func TestJudge(t *testing.T) {
	a := newLoaded(t, Membership{"j", "c1", Judge})
	require.True(t, a.Allowed("j", []string{"c1"}, "competition", "score"))
	require.True(t, a.Allowed("j", chain("n1"), "competition", "read"))
	require.False(t, a.Allowed("j", []string{"c2"}, "competition", "score"))
	for _, target := range []string{"c1", "n1", "n14", "d5", "n33"} {
		for _, res := range []string{"case", "node"} {
			require.False(t, a.Allowed("j", chain(target), res, "read"), "%s %s", target, res)
		}
	}
}

func TestRolesAt(t *testing.T) {
	a := newLoaded(t,
		Membership{"x", "n12", GridWorker},
		Membership{"x", "n10", Mediator},
		Membership{"x", "n10", CommunityStaff},
		Membership{"x", "d5", DepartmentStaff},
	)
	require.Equal(t, []Role{CommunityStaff, GridWorker, Mediator}, a.RolesAt("x", chain("n14")))
	require.Equal(t, []Role{CommunityStaff, Mediator}, a.RolesAt("x", chain("n15")))
	require.Equal(t, []Role{DepartmentStaff}, a.RolesAt("x", chain("d5")))
	require.Empty(t, a.RolesAt("x", chain("n23")))
	require.Empty(t, a.RolesAt("nobody", chain("n14")))
}

func TestLoadReplaces(t *testing.T) {
	a := newLoaded(t, Membership{"w", "n12", GridWorker}, Membership{"s", "n1", StreetAdmin})
	require.True(t, a.Allowed("w", chain("n14"), "case", "write"))

	require.NoError(t, a.Load([]Membership{{"s", "n1", StreetAdmin}}))
	require.False(t, a.Allowed("w", chain("n14"), "case", "write"), "a revoked role stops granting")
	require.Empty(t, a.RolesAt("w", chain("n14")))
	require.True(t, a.Allowed("s", chain("n14"), "case", "write"))

	require.NoError(t, a.Load(nil))
	require.False(t, a.Allowed("s", chain("n14"), "case", "write"))
}

func TestLoadRejects(t *testing.T) {
	a := newLoaded(t, Membership{"w", "n12", GridWorker})
	for _, m := range []Membership{
		{"u", "n12", "root"},
		{"", "n12", GridWorker},
		{"judge", "n12", GridWorker}, // an identity named like a role
		{"u", "x12", GridWorker},
		{"u", "n", GridWorker},
		{"u", "n012", GridWorker},
		{"u", "n0", GridWorker},
		{"u", "n-3", GridWorker},
		{"u", "n1/*", GridWorker},
		{"u", "n1", CountyAdmin},
		{"u", "d5", CountyViewer},
		{"u", "c1", StreetAdmin},
		{"u", "c1", GridWorker},
		{"u", "n1", DepartmentStaff},
	} {
		err := a.Load([]Membership{{"s", "n1", StreetAdmin}, m})
		require.Error(t, err, "%+v", m)
	}
	require.True(t, a.Allowed("w", chain("n14"), "case", "write"), "a failed Load keeps the previous memberships")
	require.False(t, a.Allowed("s", chain("n14"), "case", "write"))
}

func TestLoadKeepsUnchangedShards(t *testing.T) {
	d := small()
	a := newLoaded(t, d.memberships...)
	before := a.state.Load()

	reordered := slices.Clone(d.memberships)
	slices.Reverse(reordered)
	reordered = append(reordered, reordered[:10]...) // duplicates change nothing
	require.NoError(t, a.Load(reordered))
	require.Empty(t, rebuilt(before, a.state.Load()), "same memberships in another order")

	changed := slices.Clone(d.memberships)
	i := slices.IndexFunc(changed, func(m Membership) bool { return m.Role == GridWorker })
	changed[i].Role = Mediator
	require.NoError(t, a.Load(changed))
	require.Equal(t, []int{shardOf(changed[i].Domain)}, rebuilt(before, a.state.Load()))
	require.Equal(t, []Role{Mediator}, a.RolesAt(changed[i].Identity, []string{changed[i].Domain}))
}

// rebuilt lists the shards of next that are not those of prev.
func rebuilt(prev, next *state) []int {
	var out []int
	for i := range next.shards {
		if next.shards[i] != prev.shards[i] {
			out = append(out, i)
		}
	}
	return out
}

// Readers racing Load must see either the old or the new memberships, never a
// mix: u moves from grid A to grid B, and a chain holding both domains shows
// exactly one of its roles. Run with -race.
func TestConcurrentLoad(t *testing.T) {
	atA := []Membership{{"u", "n12", GridWorker}, {"s", "n1", StreetAdmin}}
	atB := []Membership{{"u", "n13", Mediator}, {"s", "n1", StreetAdmin}}
	a := newLoaded(t, atA...)
	both := []string{"n12", "n13"}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				roles := a.RolesAt("u", both)
				if len(roles) != 1 {
					errs <- fmt.Sprintf("torn state: %v", roles)
					return
				}
				if !a.Allowed("s", chain("n14"), "case", "write") {
					errs <- "street admin lost its role during Load"
					return
				}
				a.Allowed("u", chain("n14"), "case", "write")
			}
		})
	}
	for i := range 2000 {
		require.NoError(t, a.Load([][]Membership{atB, atA}[i%2]))
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	require.Equal(t, []Role{GridWorker}, a.RolesAt("u", both))
}
