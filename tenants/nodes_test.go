package tenants_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// tree is a small hierarchy below street A:
//
//	root 440309001
//	├── c1 440309001001 清湖社区
//	│   └── z1 44030900100101 清湖一区
//	│       ├── g1 44030900100101001
//	│       │   └── b1 44030900100101001001 清湖花园1栋
//	│       └── g2 44030900100101002
//	│           └── b2 44030900100101002001 Vanke大厦
//	└── c2 440309001002 松和社区
//	    └── z2 44030900100201 松和一区
type tree struct {
	root, c1, c2, z1, z2, g1, g2, b1, b2 tenants.Node
}

func buildTree(t *testing.T, b *testBundle) tree {
	t.Helper()
	var tr tree
	var err error
	tr.root, err = b.svc.Root(t.Context(), b.scopeA)
	require.NoError(t, err)
	add := func(parent tenants.Node, kind tenants.Kind, suffix, name string) tenants.Node {
		t.Helper()
		n, err := b.svc.CreateNode(t.Context(), b.scopeA, tenants.NewNode{ParentID: parent.ID, Kind: kind, Code: parent.Code + suffix, Name: name})
		require.NoError(t, err)
		return n
	}
	// c2 first: listings must order by code, not by creation.
	tr.c2 = add(tr.root, tenants.KindCommunity, "002", "松和社区")
	tr.c1 = add(tr.root, tenants.KindCommunity, "001", "清湖社区")
	tr.z1 = add(tr.c1, tenants.KindZone, "01", "清湖一区")
	tr.z2 = add(tr.c2, tenants.KindZone, "01", "松和一区")
	tr.g1 = add(tr.z1, tenants.KindGrid, "001", "第一网格")
	tr.g2 = add(tr.z1, tenants.KindGrid, "002", "第二网格")
	tr.b1 = add(tr.g1, tenants.KindBuilding, "001", "清湖花园1栋")
	tr.b2 = add(tr.g2, tenants.KindBuilding, "001", "Vanke大厦")
	return tr
}

func nodeCodes(nodes []tenants.Node) []string {
	out := []string{}
	for _, n := range nodes {
		out = append(out, n.Code)
	}
	return out
}

func hitCodes(hits []tenants.NodeHit) []string {
	out := []string{}
	for _, h := range hits {
		out = append(out, h.Code)
	}
	return out
}

func pathIDs(path []tenants.NodeRef) []int64 {
	out := []int64{}
	for _, r := range path {
		out = append(out, r.ID)
	}
	return out
}

func TestCreateTenantOnboardsStreet(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)

	require.Equal(t, tenantCodeA, b.tenantA.Code)
	require.Equal(t, countyCode, b.tenantA.CountyCode)
	require.Equal(t, b.county.ID, b.tenantA.CountyID)
	require.Equal(t, tenants.StatusActive, b.tenantA.Status)
	require.Equal(t, map[tenants.Kind]int{tenants.KindCommunity: 0, tenants.KindZone: 0, tenants.KindGrid: 0, tenants.KindBuilding: 0}, b.tenantA.NodeCounts)

	root, err := b.svc.Root(ctx, b.scopeA)
	require.NoError(t, err)
	require.Equal(t, tenants.KindStreet, root.Kind)
	require.Equal(t, tenantCodeA, root.Code)
	require.Equal(t, "观湖街道", root.Name)
	require.Zero(t, root.ParentID)
	require.Zero(t, root.ChildCount)

	departments, err := b.svc.Departments(ctx, b.scopeA)
	require.NoError(t, err)
	require.Len(t, departments, 8)
	wantNames := []string{"综治中心", "派出所", "司法所", "人社所", "信访办", "法庭", "检察室", "城管"}
	for i, d := range departments {
		require.Equal(t, wantNames[i], d.Name)
		require.Equal(t, i+1, d.Sort)
		require.False(t, d.Archived)
	}
	require.Equal(t, "center", departments[0].Kind)

	categories, err := b.svc.Categories(ctx, b.scopeA)
	require.NoError(t, err)
	require.Len(t, categories, 16)
	groups := map[string]int{}
	for i, c := range categories {
		require.Equal(t, i+1, c.Sort)
		require.Equal(t, c.Group == tenants.CategoryService, c.ResidentFacing, c.Code)
		groups[c.Group]++
	}
	require.Equal(t, map[string]int{tenants.CategoryDomain: 10, tenants.CategoryService: 6}, groups)

	// B got its own copies, not A's.
	departmentsB, err := b.svc.Departments(ctx, b.scopeB)
	require.NoError(t, err)
	require.Len(t, departmentsB, 8)
	require.NotEqual(t, departments[0].ID, departmentsB[0].ID)
}

func TestCreateTenantValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, tt := range []struct {
		name, code, street string
		locations          []string
	}{
		{"code too short", "44030900", "x", []string{"body.code"}},
		{"code not digits", "44030900a", "x", []string{"body.code"}},
		{"code of another county", "440307001", "x", []string{"body.code"}},
		{"blank name", "440309003", "  ", []string{"body.name"}},
		{"code and name", "4403", "", []string{"body.code", "body.name"}},
		{"code taken", tenantCodeA, "x", []string{"body.code"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.svc.CreateTenant(t.Context(), b.county, tt.code, tt.street)
			requireInvalid(t, err, tt.locations...)
		})
	}
	list, err := b.svc.ListTenants(t.Context(), b.county.ID)
	require.NoError(t, err)
	require.Len(t, list, 2)
}

func TestUpdateTenant(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	name, status := "  观湖新街道 ", tenants.StatusSuspended
	updated, err := b.svc.UpdateTenant(ctx, b.tenantA, tenants.TenantChange{Name: &name, Status: &status})
	require.NoError(t, err)
	require.Equal(t, "观湖新街道", updated.Name)
	require.Equal(t, tenants.StatusSuspended, updated.Status)
	root, err := b.svc.Root(ctx, b.scopeA)
	require.NoError(t, err)
	require.Equal(t, "观湖新街道", root.Name, "the street node follows the tenant's name")

	blank, bogus := " ", "closed"
	_, err = b.svc.UpdateTenant(ctx, b.tenantA, tenants.TenantChange{Name: &blank})
	requireInvalid(t, err, "body.name")
	_, err = b.svc.UpdateTenant(ctx, b.tenantA, tenants.TenantChange{Status: &bogus})
	requireInvalid(t, err, "body.status")
}

func TestCreateNodeValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tr := buildTree(t, b)
	rootB, err := b.svc.Root(t.Context(), b.scopeB)
	require.NoError(t, err)

	for _, tt := range []struct {
		name      string
		in        tenants.NewNode
		locations []string
	}{
		{"community code too short", tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindCommunity, Code: tr.root.Code + "01", Name: "x"}, []string{"body.code"}},
		{"code not digits", tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindCommunity, Code: tr.root.Code + "00a", Name: "x"}, []string{"body.code"}},
		{"code of another street", tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindCommunity, Code: tenantCodeB + "001", Name: "x"}, []string{"body.code"}},
		{"grid code not below its zone", tenants.NewNode{ParentID: tr.z1.ID, Kind: tenants.KindGrid, Code: tr.z2.Code + "009", Name: "x"}, []string{"body.code"}},
		{"zone under the street", tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindZone, Code: tr.c1.Code + "09", Name: "x"}, []string{"body.kind"}},
		{"building under a zone", tenants.NewNode{ParentID: tr.z1.ID, Kind: tenants.KindBuilding, Code: tr.g1.Code + "009", Name: "x"}, []string{"body.kind"}},
		{"second street", tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindStreet, Code: "440309009", Name: "x"}, []string{"body.kind"}},
		{"unknown kind", tenants.NewNode{ParentID: tr.root.ID, Kind: "district", Code: tr.root.Code + "009", Name: "x"}, []string{"body.kind"}},
		{"blank name", tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindCommunity, Code: tr.root.Code + "009", Name: " "}, []string{"body.name"}},
		{"code and name", tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindCommunity, Code: "1", Name: ""}, []string{"body.code", "body.name"}},
		{"parent not found", tenants.NewNode{ParentID: tr.b2.ID + 1000, Kind: tenants.KindCommunity, Code: tr.root.Code + "009", Name: "x"}, []string{"body.parent_id"}},
		{"parent of another street", tenants.NewNode{ParentID: rootB.ID, Kind: tenants.KindCommunity, Code: tenantCodeB + "009", Name: "x"}, []string{"body.parent_id"}},
		{"duplicate code", tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindCommunity, Code: tr.c1.Code, Name: "x"}, []string{"body.code"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.svc.CreateNode(t.Context(), b.scopeA, tt.in)
			requireInvalid(t, err, tt.locations...)
		})
	}

	root, err := b.svc.Root(t.Context(), b.scopeA)
	require.NoError(t, err)
	require.Equal(t, 2, root.ChildCount, "a rejected node was created")
}

func TestCreateNodeSetsAncestors(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tr := buildTree(t, b)
	for _, tt := range []struct {
		node                          tenants.Node
		parent, community, zone, grid int64
	}{
		{tr.c1, tr.root.ID, tr.c1.ID, 0, 0},
		{tr.z1, tr.c1.ID, tr.c1.ID, tr.z1.ID, 0},
		{tr.g2, tr.z1.ID, tr.c1.ID, tr.z1.ID, tr.g2.ID},
		{tr.b2, tr.g2.ID, tr.c1.ID, tr.z1.ID, tr.g2.ID},
	} {
		n := tt.node
		require.Equal(t, []int64{tt.parent, tt.community, tt.zone, tt.grid}, []int64{n.ParentID, n.CommunityID, n.ZoneID, n.GridID}, n.Code)
	}
}

func TestChildren(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	tr := buildTree(t, b)

	children, err := b.svc.Children(ctx, b.scopeA, tr.root.ID)
	require.NoError(t, err)
	require.Equal(t, []string{tr.c1.Code, tr.c2.Code}, nodeCodes(children))
	require.Equal(t, []int{1, 1}, []int{children[0].ChildCount, children[1].ChildCount})

	children, err = b.svc.Children(ctx, b.scopeA, tr.z1.ID)
	require.NoError(t, err)
	require.Equal(t, []string{tr.g1.Code, tr.g2.Code}, nodeCodes(children))
	require.Equal(t, 1, children[0].ChildCount)

	children, err = b.svc.Children(ctx, b.scopeA, tr.b1.ID)
	require.NoError(t, err)
	require.Empty(t, children)

	root, err := b.svc.Root(ctx, b.scopeA)
	require.NoError(t, err)
	require.Equal(t, 2, root.ChildCount)

	_, err = b.svc.Children(ctx, b.scopeA, tr.b2.ID+1000)
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = b.svc.Children(ctx, b.scopeB, tr.c1.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
}

func TestSearch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	tr := buildTree(t, b)
	// A name that looks like a code prefix, and one with LIKE wildcards.
	c3, err := b.svc.CreateNode(ctx, b.scopeA, tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindCommunity, Code: tr.root.Code + "003", Name: "原4403090010010号地块"})
	require.NoError(t, err)
	c4, err := b.svc.CreateNode(ctx, b.scopeA, tenants.NewNode{ParentID: tr.root.ID, Kind: tenants.KindCommunity, Code: tr.root.Code + "004", Name: "100%达标社区"})
	require.NoError(t, err)

	for _, tt := range []struct {
		name, q string
		want    []string
	}{
		{"name substring, higher levels first", "清湖", []string{tr.c1.Code, tr.z1.Code, tr.b1.Code}},
		{"name case-insensitive", "vanke", []string{tr.b2.Code}},
		{"code prefix", tr.c2.Code, []string{tr.c2.Code, tr.z2.Code}},
		{"code hits before name hits", tr.z1.Code[:13], []string{tr.z1.Code, tr.g1.Code, tr.g2.Code, tr.b1.Code, tr.b2.Code, c3.Code}},
		{"percent is literal", "%", []string{c4.Code}},
		{"percent inside text is literal", "0%达", []string{c4.Code}},
		{"underscore is literal", "清_", []string{}},
		{"trimmed", "  松和一区 ", []string{tr.z2.Code}},
		{"no match", "不存在", []string{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := b.svc.Search(t.Context(), b.scopeA, tt.q, 0)
			require.NoError(t, err)
			require.Equal(t, tt.want, hitCodes(hits))
		})
	}

	hits, err := b.svc.Search(ctx, b.scopeA, tr.b1.Code, 0)
	require.NoError(t, err)
	require.Len(t, hits, 1)
	require.Equal(t, []int64{tr.root.ID, tr.c1.ID, tr.z1.ID, tr.g1.ID}, pathIDs(hits[0].Path))
	require.Equal(t, "第一网格", hits[0].Path[3].Name)

	hits, err = b.svc.Search(ctx, b.scopeA, tr.root.Code, 2)
	require.NoError(t, err)
	require.Equal(t, []string{tr.root.Code, tr.c1.Code}, hitCodes(hits), "limit")
	require.Empty(t, hits[0].Path, "the root has no ancestors")

	hits, err = b.svc.Search(ctx, b.scopeB, "清湖", 0)
	require.NoError(t, err)
	require.Empty(t, hits, "B finds A's nodes")

	_, err = b.svc.Search(ctx, b.scopeA, "  ", 0)
	requireInvalid(t, err, "query.q")
}

func TestNodeDetail(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	tr := buildTree(t, b)

	for _, tt := range []struct {
		name   string
		node   tenants.Node
		path   []int64
		counts map[tenants.Kind]int
	}{
		{"root", tr.root, []int64{}, map[tenants.Kind]int{tenants.KindCommunity: 2, tenants.KindZone: 2, tenants.KindGrid: 2, tenants.KindBuilding: 2}},
		{"community", tr.c1, []int64{tr.root.ID}, map[tenants.Kind]int{tenants.KindZone: 1, tenants.KindGrid: 2, tenants.KindBuilding: 2}},
		{"zone", tr.z2, []int64{tr.root.ID, tr.c2.ID}, map[tenants.Kind]int{tenants.KindGrid: 0, tenants.KindBuilding: 0}},
		{"grid", tr.g1, []int64{tr.root.ID, tr.c1.ID, tr.z1.ID}, map[tenants.Kind]int{tenants.KindBuilding: 1}},
		{"building", tr.b2, []int64{tr.root.ID, tr.c1.ID, tr.z1.ID, tr.g2.ID}, map[tenants.Kind]int{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d, err := b.svc.NodeDetail(t.Context(), b.scopeA, tt.node.ID)
			require.NoError(t, err)
			require.Equal(t, tt.node.Code, d.Code)
			require.Equal(t, tt.path, pathIDs(d.Path))
			require.Equal(t, tt.counts, d.DescendantCounts)
		})
	}
	d, err := b.svc.NodeDetail(ctx, b.scopeA, tr.b1.ID)
	require.NoError(t, err)
	require.Equal(t, []string{tr.root.Code, tr.c1.Code, tr.z1.Code, tr.g1.Code}, []string{d.Path[0].Code, d.Path[1].Code, d.Path[2].Code, d.Path[3].Code})

	_, err = b.svc.NodeDetail(ctx, b.scopeB, tr.c1.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
}

// requireAncestors checks a node's ancestor columns through NodeDetail and
// that its path agrees with them.
func requireAncestors(t *testing.T, b *testBundle, id, parent, community, zone, grid int64) {
	t.Helper()
	d, err := b.svc.NodeDetail(t.Context(), b.scopeA, id)
	require.NoError(t, err)
	require.Equal(t, []int64{parent, community, zone, grid}, []int64{d.ParentID, d.CommunityID, d.ZoneID, d.GridID}, d.Code)
	path := pathIDs(d.Path)
	require.Equal(t, parent, path[len(path)-1], d.Code)
	require.Equal(t, community, path[1], d.Code)
}

func TestMoveNode(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	tr := buildTree(t, b)

	// A zone moves to another community with all its grids and buildings.
	moved, err := b.svc.MoveNode(ctx, b.scopeA, tr.z1.ID, tr.c2.ID)
	require.NoError(t, err)
	require.Equal(t, tr.c2.ID, moved.ParentID)
	require.Equal(t, tr.c2.ID, moved.CommunityID)
	require.Equal(t, tr.z1.Code, moved.Code, "codes are identifiers and stay")
	requireAncestors(t, b, tr.g1.ID, tr.z1.ID, tr.c2.ID, tr.z1.ID, tr.g1.ID)
	requireAncestors(t, b, tr.g2.ID, tr.z1.ID, tr.c2.ID, tr.z1.ID, tr.g2.ID)
	requireAncestors(t, b, tr.b1.ID, tr.g1.ID, tr.c2.ID, tr.z1.ID, tr.g1.ID)
	requireAncestors(t, b, tr.b2.ID, tr.g2.ID, tr.c2.ID, tr.z1.ID, tr.g2.ID)
	require.EqualValues(t, 1, queryInt(t, b.svc.DB(), b.scopeA,
		`SELECT count(*) FROM org_nodes WHERE tenant_id = $1 AND community_id = $2`, b.tenantA.ID, tr.c1.ID),
		"only c1 itself still names c1 as its community")
	c1, err := b.svc.NodeDetail(ctx, b.scopeA, tr.c1.ID)
	require.NoError(t, err)
	require.Zero(t, c1.ChildCount)
	require.Equal(t, map[tenants.Kind]int{tenants.KindZone: 0, tenants.KindGrid: 0, tenants.KindBuilding: 0}, c1.DescendantCounts)
	children, err := b.svc.Children(ctx, b.scopeA, tr.c2.ID)
	require.NoError(t, err)
	require.Equal(t, []string{tr.z1.Code, tr.z2.Code}, nodeCodes(children))

	// A grid moves to another zone; its building follows.
	_, err = b.svc.MoveNode(ctx, b.scopeA, tr.g1.ID, tr.z2.ID)
	require.NoError(t, err)
	requireAncestors(t, b, tr.g1.ID, tr.z2.ID, tr.c2.ID, tr.z2.ID, tr.g1.ID)
	requireAncestors(t, b, tr.b1.ID, tr.g1.ID, tr.c2.ID, tr.z2.ID, tr.g1.ID)

	// A building moves to another grid.
	_, err = b.svc.MoveNode(ctx, b.scopeA, tr.b2.ID, tr.g1.ID)
	require.NoError(t, err)
	requireAncestors(t, b, tr.b2.ID, tr.g1.ID, tr.c2.ID, tr.z2.ID, tr.g1.ID)

	rootB, err := b.svc.Root(ctx, b.scopeB)
	require.NoError(t, err)
	for _, tt := range []struct {
		name       string
		id, parent int64
		location   string
	}{
		{"zone under the street", tr.z1.ID, tr.root.ID, "body.parent_id"},
		{"zone under a zone", tr.z1.ID, tr.z2.ID, "body.parent_id"},
		{"zone under a grid", tr.z1.ID, tr.g2.ID, "body.parent_id"},
		{"building under a zone", tr.b1.ID, tr.z2.ID, "body.parent_id"},
		{"parent not found", tr.z1.ID, tr.b2.ID + 1000, "body.parent_id"},
		{"parent of another street", tr.c1.ID, rootB.ID, "body.parent_id"},
		{"the street root", tr.root.ID, tr.c1.ID, "path.id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.svc.MoveNode(t.Context(), b.scopeA, tt.id, tt.parent)
			requireInvalid(t, err, tt.location)
		})
	}
	requireAncestors(t, b, tr.b1.ID, tr.g1.ID, tr.c2.ID, tr.z2.ID, tr.g1.ID)
	_, err = b.svc.MoveNode(ctx, b.scopeB, tr.z1.ID, tr.c1.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
}

func TestArchiveNode(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	tr := buildTree(t, b)

	archived, err := b.svc.ArchiveNode(ctx, b.scopeA, tr.z1.ID)
	require.NoError(t, err)
	require.True(t, archived.Archived)

	children, err := b.svc.Children(ctx, b.scopeA, tr.c1.ID)
	require.NoError(t, err)
	require.Empty(t, children)
	c1, err := b.svc.NodeDetail(ctx, b.scopeA, tr.c1.ID)
	require.NoError(t, err)
	require.Zero(t, c1.ChildCount)
	require.Equal(t, map[tenants.Kind]int{tenants.KindZone: 0, tenants.KindGrid: 0, tenants.KindBuilding: 0}, c1.DescendantCounts)
	root, err := b.svc.NodeDetail(ctx, b.scopeA, tr.root.ID)
	require.NoError(t, err)
	require.Equal(t, map[tenants.Kind]int{tenants.KindCommunity: 2, tenants.KindZone: 1, tenants.KindGrid: 0, tenants.KindBuilding: 0}, root.DescendantCounts)
	tenant, err := b.svc.TenantByID(ctx, b.scopeA, b.tenantA.ID)
	require.NoError(t, err)
	require.Equal(t, root.DescendantCounts, tenant.NodeCounts)

	hits, err := b.svc.Search(ctx, b.scopeA, "清湖", 0)
	require.NoError(t, err)
	require.Equal(t, []string{tr.c1.Code}, hitCodes(hits))
	hits, err = b.svc.Search(ctx, b.scopeA, tr.b1.Code, 0)
	require.NoError(t, err)
	require.Empty(t, hits)

	// The rows stay, archived, and keep their codes.
	b1, err := b.svc.NodeDetail(ctx, b.scopeA, tr.b1.ID)
	require.NoError(t, err)
	require.True(t, b1.Archived)
	_, err = b.svc.CreateNode(ctx, b.scopeA, tenants.NewNode{ParentID: tr.c1.ID, Kind: tenants.KindZone, Code: tr.z1.Code, Name: "x"})
	requireInvalid(t, err, "body.code")
	_, err = b.svc.CreateNode(ctx, b.scopeA, tenants.NewNode{ParentID: tr.z1.ID, Kind: tenants.KindGrid, Code: tr.z1.Code + "009", Name: "x"})
	requireInvalid(t, err, "body.parent_id")
	_, err = b.svc.MoveNode(ctx, b.scopeA, tr.g1.ID, tr.z2.ID)
	requireInvalid(t, err, "path.id")
	_, err = b.svc.MoveNode(ctx, b.scopeA, tr.z2.ID, tr.c1.ID)
	require.NoError(t, err, "a live parent with an archived subtree still takes children")
	_, err = b.svc.ArchiveNode(ctx, b.scopeA, tr.c2.ID)
	require.NoError(t, err)
	_, err = b.svc.MoveNode(ctx, b.scopeA, tr.z2.ID, tr.c2.ID)
	requireInvalid(t, err, "body.parent_id")

	_, err = b.svc.ArchiveNode(ctx, b.scopeA, tr.root.ID)
	requireInvalid(t, err, "path.id")
	_, err = b.svc.ArchiveNode(ctx, b.scopeB, tr.c1.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
}

func TestRenameNode(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	tr := buildTree(t, b)

	renamed, err := b.svc.RenameNode(ctx, b.scopeA, tr.c1.ID, "  清湖老村 ")
	require.NoError(t, err)
	require.Equal(t, "清湖老村", renamed.Name)
	require.Equal(t, tr.c1.Code, renamed.Code)
	d, err := b.svc.NodeDetail(ctx, b.scopeA, tr.b1.ID)
	require.NoError(t, err)
	require.Equal(t, "清湖老村", d.Path[1].Name)

	_, err = b.svc.RenameNode(ctx, b.scopeA, tr.c1.ID, " ")
	requireInvalid(t, err, "body.name")
	_, err = b.svc.RenameNode(ctx, b.scopeA, tr.root.ID, "新街道")
	requireInvalid(t, err, "path.id")
	_, err = b.svc.RenameNode(ctx, b.scopeB, tr.c1.ID, "侵入")
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = b.svc.RenameNode(ctx, b.scopeA, tr.b2.ID+1000, "x")
	requireCode(t, err, fengqiao.ENOTFOUND)
}
