package authz

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/stretchr/testify/require"
)

// stock is a plain casbin enforcer: model.conf and policy.csv read from disk
// by casbin's file adapter, memberships added as g rules. Nothing of the fast
// path (adapter, role-manager shards, rule lookup) is involved.
func stock(t testing.TB, ms []Membership) *casbin.Enforcer {
	e, err := casbin.NewEnforcer("model.conf", "policy.csv")
	require.NoError(t, err)
	rules := make([][]string, 0, len(ms))
	for _, m := range ms {
		rules = append(rules, []string{m.Identity, string(m.Role), m.Domain})
	}
	if len(rules) > 0 {
		_, err = e.AddGroupingPolicies(rules)
		require.NoError(t, err)
	}
	return e
}

// enforceChain is what Allowed promises: Enforce at any domain of the chain.
func enforceChain(t testing.TB, e *casbin.Enforcer, identity string, chain []string, obj, act string) bool {
	for _, d := range chain {
		ok, err := e.Enforce(identity, d, obj, act)
		require.NoError(t, err)
		if ok {
			return true
		}
	}
	return false
}

// Resources and actions beyond the catalogue exercise the wildcard semantics.
func vocabulary(a *Authorizer) (resources, actions []string) {
	for _, p := range a.Catalog() {
		if !slices.Contains(resources, p.Resource) {
			resources = append(resources, p.Resource)
		}
		if !slices.Contains(actions, p.Action) {
			actions = append(actions, p.Action)
		}
	}
	extra := []string{"unknown", "*", "", "case*", "read*"}
	return append(resources, extra...), append(actions, extra...)
}

// Every role × resource × action, with the role's domain on the chain (at
// each position) and off it, answers as casbin's Enforce does.
func TestEquivalentToCasbinEnforce(t *testing.T) {
	home := map[Role]string{
		CountyAdmin: "c1", CountyViewer: "c1", Judge: "n10",
		StreetAdmin: "n1", Dispatcher: "n1", DepartmentStaff: "d5",
		CommunityStaff: "n10", GridWorker: "n12", Mediator: "d5",
	}
	var ms []Membership
	for _, r := range Roles {
		ms = append(ms, Membership{"u-" + string(r), home[r], r})
		// Someone else holds every role on the same chains and elsewhere.
		for _, d := range []string{"n11", "n13", "n2", "n33", "d6", "c2", "c1"} {
			if checkMembership(Membership{"other", d, r}) == nil {
				ms = append(ms, Membership{"other", d, r})
			}
		}
	}
	a := newLoaded(t, ms...)
	e := stock(t, ms)
	resources, actions := vocabulary(a)

	targets := []string{"c1", "n1", "n10", "n11", "n12", "n14", "n15", "d5", "d6", "n23", "c2", "n33", "d7"}
	decisions, allowed := 0, 0
	for _, r := range Roles {
		id := "u-" + string(r)
		on, off := 0, 0
		for _, target := range targets {
			c := chain(target)
			if slices.Contains(c, home[r]) {
				on++
			} else {
				off++
			}
			for _, res := range resources {
				for _, act := range actions {
					want := enforceChain(t, e, id, c, res, act)
					require.Equal(t, want, a.Allowed(id, c, res, act), "%s on %v: %s %s", id, c, res, act)
					decisions++
					if want {
						allowed++
					}
				}
			}
		}
		require.Positive(t, on, r)
		require.Positive(t, off, r)
	}
	t.Logf("%d decisions identical to casbin Enforce (%d allowed)", decisions, allowed)
	require.Positive(t, allowed)
	require.Less(t, allowed, decisions)
}

// Random memberships (several per identity), random targets and requests, and
// a series of Loads that change a few memberships each time (so some shards
// are kept and some rebuilt), against a fresh stock enforcer each round.
func TestEquivalentRandomized(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	domains := []string{"c1", "c2"}
	for d := range parents {
		domains = append(domains, d)
	}
	slices.Sort(domains)
	randomMembership := func() Membership {
		for {
			m := Membership{
				Identity: fmt.Sprintf("id%d", rng.IntN(40)),
				Domain:   domains[rng.IntN(len(domains))],
				Role:     Roles[rng.IntN(len(Roles))],
			}
			if checkMembership(m) == nil {
				return m
			}
		}
	}
	var ms []Membership
	for range 150 {
		ms = append(ms, randomMembership())
	}
	a, err := New()
	require.NoError(t, err)
	resources, actions := vocabulary(a)

	for round := range 8 {
		require.NoError(t, a.Load(ms))
		e := stock(t, ms)
		for range 400 {
			id := fmt.Sprintf("id%d", rng.IntN(42)) // a few identities hold nothing
			c := chain(domains[rng.IntN(len(domains))])
			res, act := resources[rng.IntN(len(resources))], actions[rng.IntN(len(actions))]
			require.Equal(t, enforceChain(t, e, id, c, res, act), a.Allowed(id, c, res, act),
				"round %d: %s on %v: %s %s", round, id, c, res, act)

			var want []Role
			for _, d := range c {
				for _, r := range e.GetRolesForUserInDomain(id, d) {
					want = append(want, Role(r))
				}
			}
			require.ElementsMatch(t, slices.Compact(slices.Sorted(slices.Values(want))), a.RolesAt(id, c))
		}
		// Revoke a few, grant a few.
		for range 3 {
			i := rng.IntN(len(ms))
			ms = slices.Delete(ms, i, i+1)
			ms = append(ms, randomMembership())
		}
	}
}
