package tenants_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

func departmentNames(t *testing.T, b *testBundle, scope tenants.Scope) []string {
	t.Helper()
	list, err := b.svc.Departments(t.Context(), scope)
	require.NoError(t, err)
	out := []string{}
	for _, d := range list {
		out = append(out, d.Name)
	}
	return out
}

func categoryCodes(t *testing.T, b *testBundle, scope tenants.Scope) []string {
	t.Helper()
	list, err := b.svc.Categories(t.Context(), scope)
	require.NoError(t, err)
	out := []string{}
	for _, c := range list {
		out = append(out, c.Code)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func TestCreateDepartment(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)

	d, err := b.svc.CreateDepartment(ctx, b.scopeA, "  住建办 ", "other")
	require.NoError(t, err)
	require.Equal(t, tenants.Department{ID: d.ID, Name: "住建办", Kind: "other", Sort: 9}, d)
	names := departmentNames(t, b, b.scopeA)
	require.Len(t, names, 9)
	require.Equal(t, "住建办", names[8], "a new department goes last")

	for _, tt := range []struct {
		name, department, kind string
		locations              []string
	}{
		{"duplicate name", "派出所", "police", []string{"body.name"}},
		{"blank name", " ", "other", []string{"body.name"}},
		{"unknown kind", "消防站", "fire", []string{"body.kind"}},
		{"name and kind", "", "", []string{"body.name", "body.kind"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.svc.CreateDepartment(t.Context(), b.scopeA, tt.department, tt.kind)
			requireInvalid(t, err, tt.locations...)
		})
	}

	// Names are unique per street only.
	_, err = b.svc.CreateDepartment(ctx, b.scopeB, "住建办", "other")
	require.NoError(t, err)
	require.Len(t, departmentNames(t, b, b.scopeA), 9)
}

func TestUpdateDepartment(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	list, err := b.svc.Departments(ctx, b.scopeA)
	require.NoError(t, err)
	center, police, justice := list[0], list[1], list[2]

	renamed, err := b.svc.UpdateDepartment(ctx, b.scopeA, police.ID, tenants.DepartmentChange{Name: ptr(" 观湖派出所 ")})
	require.NoError(t, err)
	require.Equal(t, tenants.Department{ID: police.ID, Name: "观湖派出所", Kind: "police", Sort: 2}, renamed)

	// Archived departments list last, whatever their sort.
	archived, err := b.svc.UpdateDepartment(ctx, b.scopeA, center.ID, tenants.DepartmentChange{Archived: ptr(true)})
	require.NoError(t, err)
	require.True(t, archived.Archived)
	require.Equal(t, "综治中心", archived.Name, "archiving keeps the name")
	names := departmentNames(t, b, b.scopeA)
	require.Equal(t, "观湖派出所", names[0])
	require.Equal(t, "综治中心", names[7])

	// Sort reorders among the live ones.
	_, err = b.svc.UpdateDepartment(ctx, b.scopeA, justice.ID, tenants.DepartmentChange{Sort: ptr(0)})
	require.NoError(t, err)
	require.Equal(t, []string{"司法所", "观湖派出所", "人社所"}, departmentNames(t, b, b.scopeA)[:3])

	restored, err := b.svc.UpdateDepartment(ctx, b.scopeA, center.ID, tenants.DepartmentChange{Archived: ptr(false)})
	require.NoError(t, err)
	require.False(t, restored.Archived)
	require.Equal(t, []string{"司法所", "综治中心", "观湖派出所"}, departmentNames(t, b, b.scopeA)[:3])

	_, err = b.svc.UpdateDepartment(ctx, b.scopeA, police.ID, tenants.DepartmentChange{Name: ptr("司法所")})
	requireInvalid(t, err, "body.name")
	_, err = b.svc.UpdateDepartment(ctx, b.scopeA, police.ID, tenants.DepartmentChange{Name: ptr("  ")})
	requireInvalid(t, err, "body.name")
	_, err = b.svc.UpdateDepartment(ctx, b.scopeA, list[7].ID+1000, tenants.DepartmentChange{Sort: ptr(1)})
	requireCode(t, err, fengqiao.ENOTFOUND)
}

func TestDepartmentsOfAnotherStreet(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	d, err := b.svc.CreateDepartment(ctx, b.scopeA, "住建办", "other")
	require.NoError(t, err)

	require.NotContains(t, departmentNames(t, b, b.scopeB), "住建办")
	_, err = b.svc.UpdateDepartment(ctx, b.scopeB, d.ID, tenants.DepartmentChange{Name: ptr("侵入")})
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = b.svc.UpdateDepartment(ctx, b.scopeB, d.ID, tenants.DepartmentChange{Archived: ptr(true)})
	requireCode(t, err, fengqiao.ENOTFOUND)
	names := departmentNames(t, b, b.scopeA)
	require.Equal(t, "住建办", names[len(names)-1], "B's attempts changed A's department")
}

func TestCreateCategory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)

	c, err := b.svc.CreateCategory(ctx, b.scopeA, tenants.Category{Code: "rental", Name: " 租赁纠纷 ", Group: tenants.CategoryDomain})
	require.NoError(t, err)
	require.Equal(t, tenants.Category{ID: c.ID, Code: "rental", Name: "租赁纠纷", Group: tenants.CategoryDomain, Sort: 17}, c)
	codes := categoryCodes(t, b, b.scopeA)
	require.Equal(t, "rental", codes[len(codes)-1])

	for _, tt := range []struct {
		name      string
		in        tenants.Category
		locations []string
	}{
		{"duplicate code", tenants.Category{Code: "labour", Name: "x", Group: tenants.CategoryDomain}, []string{"body.code"}},
		{"code with capitals", tenants.Category{Code: "Rental", Name: "x", Group: tenants.CategoryDomain}, []string{"body.code"}},
		{"code too short", tenants.Category{Code: "r", Name: "x", Group: tenants.CategoryDomain}, []string{"body.code"}},
		{"blank name", tenants.Category{Code: "noise", Name: " ", Group: tenants.CategoryDomain}, []string{"body.name"}},
		{"unknown group", tenants.Category{Code: "noise", Name: "x", Group: "other"}, []string{"body.group"}},
		{"everything", tenants.Category{}, []string{"body.code", "body.name", "body.group"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.svc.CreateCategory(t.Context(), b.scopeA, tt.in)
			requireInvalid(t, err, tt.locations...)
		})
	}

	_, err = b.svc.CreateCategory(ctx, b.scopeB, tenants.Category{Code: "rental", Name: "租赁纠纷", Group: tenants.CategoryService})
	require.NoError(t, err, "codes are unique per street only")
}

func TestUpdateCategory(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	list, err := b.svc.Categories(ctx, b.scopeA)
	require.NoError(t, err)
	marriage, neighbourhood := list[0], list[1]

	updated, err := b.svc.UpdateCategory(ctx, b.scopeA, neighbourhood.ID, tenants.CategoryChange{Name: ptr(" 邻里矛盾 "), ResidentFacing: ptr(true)})
	require.NoError(t, err)
	require.Equal(t, tenants.Category{ID: neighbourhood.ID, Code: "neighbourhood", Name: "邻里矛盾", Group: tenants.CategoryDomain, ResidentFacing: true, Sort: 2}, updated)

	archived, err := b.svc.UpdateCategory(ctx, b.scopeA, marriage.ID, tenants.CategoryChange{Archived: ptr(true)})
	require.NoError(t, err)
	require.True(t, archived.Archived)
	codes := categoryCodes(t, b, b.scopeA)
	require.Equal(t, "neighbourhood", codes[0])
	require.Equal(t, "marriage_family", codes[len(codes)-1], "archived categories list last")

	_, err = b.svc.UpdateCategory(ctx, b.scopeA, marriage.ID, tenants.CategoryChange{Archived: ptr(false), Sort: ptr(99)})
	require.NoError(t, err)
	codes = categoryCodes(t, b, b.scopeA)
	require.Equal(t, "neighbourhood", codes[0])
	require.Equal(t, "marriage_family", codes[len(codes)-1], "restored with the highest sort")

	_, err = b.svc.UpdateCategory(ctx, b.scopeA, marriage.ID, tenants.CategoryChange{Name: ptr("")})
	requireInvalid(t, err, "body.name")
	_, err = b.svc.UpdateCategory(ctx, b.scopeB, marriage.ID, tenants.CategoryChange{Name: ptr("侵入")})
	requireCode(t, err, fengqiao.ENOTFOUND)
	listB, err := b.svc.Categories(ctx, b.scopeB)
	require.NoError(t, err)
	require.Equal(t, "婚姻家庭", listB[0].Name, "A's edits reached B")
	require.Equal(t, "邻里纠纷", listB[1].Name, "A's edits reached B")
	require.False(t, listB[1].ResidentFacing, "A's edits reached B")
	list, err = b.svc.Categories(ctx, b.scopeA)
	require.NoError(t, err)
	require.Equal(t, "婚姻家庭", list[len(list)-1].Name, "B's attempt changed A's category")
}
