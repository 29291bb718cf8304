package cases_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/tenants"
)

// place is street A's tree around the bundle's building, plus a sibling
// grid in the same zone and the departments rules point at.
type place struct {
	community, zone, grid, otherGrid, otherBuilding int64
	depts                                           map[string]int64 // by kind
}

func (b *bundle) place(t *testing.T) place {
	t.Helper()
	ctx := context.Background()
	ts := tenants.NewService(tenants.NewDB(b.db.App))
	byCode := func(code string) int64 {
		hits, err := ts.Search(ctx, b.scopeA, code, 1)
		require.NoError(t, err)
		require.Equal(t, code, hits[0].Code)
		return hits[0].ID
	}
	p := place{community: byCode("371326001001"), zone: byCode("37132600100101"), grid: byCode("37132600100101001"), depts: map[string]int64{}}
	g, err := ts.CreateNode(ctx, b.scopeA, tenants.NewNode{ParentID: p.zone, Kind: tenants.KindGrid, Code: "37132600100101002", Name: "第2网格"})
	require.NoError(t, err)
	p.otherGrid = g.ID
	bld, err := ts.CreateNode(ctx, b.scopeA, tenants.NewNode{ParentID: g.ID, Kind: tenants.KindBuilding, Code: "37132600100101002001", Name: "2号楼"})
	require.NoError(t, err)
	p.otherBuilding = bld.ID
	deps, err := ts.Departments(ctx, b.scopeA)
	require.NoError(t, err)
	for _, d := range deps {
		p.depts[d.Kind] = d.ID
	}
	return p
}

func (b *bundle) reportAt(t *testing.T, node int64) cases.Case {
	t.Helper()
	c, err := b.svc.Report(context.Background(), b.scopeA, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{
		Channel: "grid_report", CategoryID: b.category, Grade: "general", Title: "噪音扰民", NodeID: node})
	require.NoError(t, err)
	return c
}

func (b *bundle) rule(t *testing.T, r cases.Rule) cases.Rule {
	t.Helper()
	if r.CategoryID == 0 {
		r.CategoryID = b.category
	}
	created, err := b.svc.CreateRule(context.Background(), b.scopeA, r)
	require.NoError(t, err)
	return created
}

// suggested returns the department suggested for a case, 0 for none.
func (b *bundle) suggested(t *testing.T, scope tenants.Scope, caseID int64) int64 {
	t.Helper()
	r, ok, err := b.svc.SuggestDepartment(context.Background(), scope, caseID)
	require.NoError(t, err)
	if !ok {
		return 0
	}
	return r.DepartmentID
}

func TestMostSpecificRuleWins(t *testing.T) {
	b := setup(t)
	p := b.place(t)
	ctx := context.Background()
	here := b.reportAt(t, b.building)          // in grid 1
	nextDoor := b.reportAt(t, p.otherBuilding) // in grid 2, same zone

	require.Zero(t, b.suggested(t, b.scopeA, here.ID), "no rule: the centre dispatches by hand")

	// Broader rules get the smallest priority numbers: priority must not
	// outrank specificity.
	b.rule(t, cases.Rule{DepartmentID: p.depts["justice"], Priority: 1})
	require.Equal(t, p.depts["justice"], b.suggested(t, b.scopeA, here.ID))
	b.rule(t, cases.Rule{NodeID: p.community, DepartmentID: p.depts["labor"], Priority: 2})
	require.Equal(t, p.depts["labor"], b.suggested(t, b.scopeA, here.ID))
	b.rule(t, cases.Rule{NodeID: p.zone, DepartmentID: p.depts["petition"], Priority: 3})
	require.Equal(t, p.depts["petition"], b.suggested(t, b.scopeA, here.ID))
	gridRule := b.rule(t, cases.Rule{NodeID: p.grid, DepartmentID: p.depts["urban"]})
	require.Equal(t, cases.DefaultPriority, gridRule.Priority)

	got, ok, err := b.svc.SuggestDepartment(ctx, b.scopeA, here.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, gridRule, got, "the grid rule itself is returned, for the dispatch dialog to show")
	require.Equal(t, p.depts["petition"], b.suggested(t, b.scopeA, nextDoor.ID), "a grid rule stays in its grid")

	// Archived rules are ignored, and the place is free for a new rule.
	require.NoError(t, b.svc.ArchiveRule(ctx, b.scopeA, gridRule.ID))
	require.NoError(t, b.svc.ArchiveRule(ctx, b.scopeA, gridRule.ID), "archiving twice is harmless")
	require.Equal(t, p.depts["petition"], b.suggested(t, b.scopeA, here.ID))
	b.rule(t, cases.Rule{NodeID: p.grid, DepartmentID: p.depts["police"]})
	require.Equal(t, p.depts["police"], b.suggested(t, b.scopeA, here.ID))

	rules, err := b.svc.Rules(ctx, b.scopeA)
	require.NoError(t, err)
	require.Len(t, rules, 4, "archived rules are not listed")
	require.Zero(t, rules[0].NodeID, "street-wide rules come first")

	// Another category has no rules at all.
	categories, err := tenants.NewService(tenants.NewDB(b.db.App)).Categories(ctx, b.scopeA)
	require.NoError(t, err)
	other, err := b.svc.Report(ctx, b.scopeA, b.center, cases.NewCase{Channel: "visit", CategoryID: categories[1].ID, Grade: "general", Title: "欠薪", NodeID: b.building})
	require.NoError(t, err)
	require.Zero(t, b.suggested(t, b.scopeA, other.ID))

	_, _, err = b.svc.SuggestDepartment(ctx, b.scopeA, 987654)
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))
}

func TestArchivedDepartmentFallsBackToABroaderRule(t *testing.T) {
	b := setup(t)
	p := b.place(t)
	c := b.reportAt(t, b.building)
	b.rule(t, cases.Rule{DepartmentID: p.depts["justice"]})
	b.rule(t, cases.Rule{NodeID: p.grid, DepartmentID: p.depts["urban"]})
	archived := true
	_, err := tenants.NewService(tenants.NewDB(b.db.App)).UpdateDepartment(context.Background(), b.scopeA, p.depts["urban"], tenants.DepartmentChange{Archived: &archived})
	require.NoError(t, err)
	require.Equal(t, p.depts["justice"], b.suggested(t, b.scopeA, c.ID))
}

// The live-rule unique index leaves at most one candidate per level, so a
// priority tie cannot arise from CreateRule. The order is still total so the
// choice never depends on the plan; this test's own database drops the
// index to show the tie-break (lowest priority, then lowest id).
func TestPriorityThenIDBreakTies(t *testing.T) {
	b := setup(t)
	p := b.place(t)
	ctx := context.Background()
	_, err := b.db.Owner.Exec(ctx, `DROP INDEX dispatch_rules_live`)
	require.NoError(t, err)
	c := b.reportAt(t, b.building)

	b.rule(t, cases.Rule{NodeID: p.zone, DepartmentID: p.depts["justice"], Priority: 50})
	first := b.rule(t, cases.Rule{NodeID: p.zone, DepartmentID: p.depts["labor"], Priority: 20})
	b.rule(t, cases.Rule{NodeID: p.zone, DepartmentID: p.depts["urban"], Priority: 20})
	got, ok, err := b.svc.SuggestDepartment(ctx, b.scopeA, c.ID)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, first.ID, got.ID, "lowest priority number, then the older rule")
	require.Equal(t, p.depts["labor"], got.DepartmentID)
}

func TestDuplicateRuleIsAFieldError(t *testing.T) {
	b := setup(t)
	p := b.place(t)
	for _, node := range []int64{0, p.zone} {
		b.rule(t, cases.Rule{NodeID: node, DepartmentID: p.depts["justice"]})
		_, err := b.svc.CreateRule(context.Background(), b.scopeA, cases.Rule{CategoryID: b.category, NodeID: node, DepartmentID: p.depts["labor"]})
		require.Equal(t, []string{"body.node_id"}, fieldLocations(err), "node %d", node)
	}
}

func TestRuleValidationNamesEveryField(t *testing.T) {
	b := setup(t)
	p := b.place(t)
	ctx := context.Background()
	_, err := b.svc.CreateRule(ctx, b.scopeA, cases.Rule{CategoryID: 999999, NodeID: 999999, DepartmentID: 999999, Priority: -1})
	require.ElementsMatch(t, []string{"body.category_id", "body.node_id", "body.department_id", "body.priority"}, fieldLocations(err))

	// A building is too fine, and the street root is said with node 0.
	root, err := tenants.NewService(tenants.NewDB(b.db.App)).Root(ctx, b.scopeA)
	require.NoError(t, err)
	for _, node := range []int64{b.building, root.ID} {
		_, err = b.svc.CreateRule(ctx, b.scopeA, cases.Rule{CategoryID: b.category, NodeID: node, DepartmentID: p.depts["police"]})
		require.Equal(t, []string{"body.node_id"}, fieldLocations(err))
	}

	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(b.svc.ArchiveRule(ctx, b.scopeA, 999999)))
}

func TestAnotherStreetsRulesNeverApply(t *testing.T) {
	b := setup(t)
	p := b.place(t)
	ctx := context.Background()
	c := b.reportAt(t, b.building)
	ruleA := b.rule(t, cases.Rule{NodeID: p.grid, DepartmentID: p.depts["police"]})

	// B's own street-wide rule for every one of its categories.
	tsB := tenants.NewService(tenants.NewDB(b.db.App))
	catsB, err := tsB.Categories(ctx, b.scopeB)
	require.NoError(t, err)
	depsB, err := tsB.Departments(ctx, b.scopeB)
	require.NoError(t, err)
	for _, cat := range catsB {
		_, err := b.svc.CreateRule(ctx, b.scopeB, cases.Rule{CategoryID: cat.ID, DepartmentID: depsB[0].ID})
		require.NoError(t, err)
	}
	require.NoError(t, b.svc.ArchiveRule(ctx, b.scopeA, ruleA.ID))
	require.Zero(t, b.suggested(t, b.scopeA, c.ID), "B's rules do not reach A's cases")

	// B can neither use A's rows in a rule, nor see, suggest for or archive A's.
	_, err = b.svc.CreateRule(ctx, b.scopeB, cases.Rule{CategoryID: b.category, NodeID: p.grid, DepartmentID: p.depts["police"]})
	require.ElementsMatch(t, []string{"body.category_id", "body.node_id", "body.department_id"}, fieldLocations(err))
	_, _, err = b.svc.SuggestDepartment(ctx, b.scopeB, c.ID)
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(b.svc.ArchiveRule(ctx, b.scopeB, ruleA.ID)))
	rulesB, err := b.svc.Rules(ctx, b.scopeB)
	require.NoError(t, err)
	require.Len(t, rulesB, len(catsB))

	// Not just the service's tenant filter: the policy hides A's rows.
	countAs := func(scope tenants.Scope) (n int) {
		require.NoError(t, tenants.NewDB(b.db.App).Tx(ctx, scope, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM dispatch_rules WHERE tenant_id = $1`, b.scopeA.TenantID).Scan(&n)
		}))
		return n
	}
	require.Equal(t, 1, countAs(b.scopeA))
	require.Zero(t, countAs(b.scopeB))
}

func TestDeadlinesResolveExactThenAnyCategoryThenDefault(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	categories, err := tenants.NewService(tenants.NewDB(b.db.App)).Categories(ctx, b.scopeA)
	require.NoError(t, err)
	other := categories[1].ID

	want := map[string][2]int{"general": {24, 168}, "major": {12, 72}, "serious": {4, 48}, "urgent": {1, 24}}
	for grade, hours := range want {
		d, err := b.svc.DeadlinesFor(ctx, b.scopeA, b.category, grade)
		require.NoError(t, err)
		require.Equal(t, cases.Deadlines{AcceptHours: hours[0], CompleteHours: hours[1], RemindAtPercent: []int{50, 80}}, d, grade)
	}

	anyCat, err := b.svc.SetPolicy(ctx, b.scopeA, cases.DeadlinePolicy{Grade: "general", AcceptHours: 8, CompleteHours: 96})
	require.NoError(t, err)
	require.Equal(t, []int{50, 80}, anyCat.RemindAtPercent, "reminders default to 50% and 80%")
	exact, err := b.svc.SetPolicy(ctx, b.scopeA, cases.DeadlinePolicy{CategoryID: b.category, Grade: "general", AcceptHours: 2, CompleteHours: 24, RemindAtPercent: []int{90, 25}})
	require.NoError(t, err)
	require.Equal(t, []int{25, 90}, exact.RemindAtPercent, "stored in order")

	d, err := b.svc.DeadlinesFor(ctx, b.scopeA, b.category, "general")
	require.NoError(t, err)
	require.Equal(t, cases.Deadlines{AcceptHours: 2, CompleteHours: 24, RemindAtPercent: []int{25, 90}, PolicyID: exact.ID}, d)
	d, err = b.svc.DeadlinesFor(ctx, b.scopeA, other, "general")
	require.NoError(t, err)
	require.Equal(t, cases.Deadlines{AcceptHours: 8, CompleteHours: 96, RemindAtPercent: []int{50, 80}, PolicyID: anyCat.ID}, d)
	d, err = b.svc.DeadlinesFor(ctx, b.scopeA, b.category, "urgent")
	require.NoError(t, err)
	require.Zero(t, d.PolicyID, "another grade keeps the default")
	require.Equal(t, 1, d.AcceptHours)

	// Setting (category, grade) again replaces the policy in place; an
	// empty reminder list turns reminders off.
	again, err := b.svc.SetPolicy(ctx, b.scopeA, cases.DeadlinePolicy{CategoryID: b.category, Grade: "general", AcceptHours: 3, CompleteHours: 30, RemindAtPercent: []int{}})
	require.NoError(t, err)
	require.Equal(t, exact.ID, again.ID)
	require.Empty(t, again.RemindAtPercent)
	require.NotNil(t, again.RemindAtPercent)
	policies, err := b.svc.Policies(ctx, b.scopeA)
	require.NoError(t, err)
	require.Equal(t, []cases.DeadlinePolicy{anyCat, again}, policies, "any-category policies first")

	// Street B sees none of it.
	policiesB, err := b.svc.Policies(ctx, b.scopeB)
	require.NoError(t, err)
	require.Empty(t, policiesB)
	d, err = b.svc.DeadlinesFor(ctx, b.scopeB, b.category, "general")
	require.NoError(t, err)
	require.Zero(t, d.PolicyID)
	require.Equal(t, 24, d.AcceptHours)
}

func TestDeadlinePolicyValidation(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	for _, tt := range []struct {
		in   cases.DeadlinePolicy
		want []string
	}{
		{cases.DeadlinePolicy{Grade: "huge", AcceptHours: 0, CompleteHours: 0, CategoryID: 999999},
			[]string{"body.grade", "body.accept_hours", "body.complete_hours", "body.category_id"}},
		{cases.DeadlinePolicy{Grade: "major", AcceptHours: 12, CompleteHours: 12}, []string{"body.complete_hours"}},
		{cases.DeadlinePolicy{Grade: "major", AcceptHours: 12, CompleteHours: 72, RemindAtPercent: []int{0, 50}}, []string{"body.remind_at_percent"}},
		{cases.DeadlinePolicy{Grade: "major", AcceptHours: 12, CompleteHours: 72, RemindAtPercent: []int{50, 100}}, []string{"body.remind_at_percent"}},
		{cases.DeadlinePolicy{Grade: "major", AcceptHours: 12, CompleteHours: 72, RemindAtPercent: []int{50, 50}}, []string{"body.remind_at_percent"}},
	} {
		_, err := b.svc.SetPolicy(ctx, b.scopeA, tt.in)
		require.ElementsMatch(t, tt.want, fieldLocations(err), "%+v", tt.in)
	}
	_, err := b.svc.SetPolicy(ctx, b.scopeA, cases.DeadlinePolicy{Grade: "major", AcceptHours: 12, CompleteHours: 72, RemindAtPercent: []int{1, 99}})
	require.NoError(t, err, "1 and 99 are the bounds")
	_, err = b.svc.DeadlinesFor(ctx, b.scopeA, b.category, "huge")
	require.Equal(t, fengqiao.EINVALID, fengqiao.ErrorCode(err))
}
