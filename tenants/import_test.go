package tenants_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// hierarchyRows builds a valid hierarchy below street, parents first. The
// nodes of each level are spread round-robin over the level above, and each
// code extends its parent's.
func hierarchyRows(street string, communities, zones, grids, buildings int) []tenants.ImportRow {
	var rows []tenants.ImportRow
	level := func(kind tenants.Kind, parents []string, n int) []string {
		digits := kind.CodeLength() - kind.Parent().CodeLength()
		next := map[string]int{}
		codes := make([]string, n)
		for i := range codes {
			parent := parents[i%len(parents)]
			next[parent]++
			codes[i] = fmt.Sprintf("%s%0*d", parent, digits, next[parent])
			rows = append(rows, tenants.ImportRow{Level: string(kind), Code: codes[i], Name: fmt.Sprintf("%s %d", kind, i+1), ParentCode: parent})
		}
		return codes
	}
	c := level(tenants.KindCommunity, []string{street}, communities)
	z := level(tenants.KindZone, c, zones)
	g := level(tenants.KindGrid, z, grids)
	level(tenants.KindBuilding, g, buildings)
	return rows
}

// hierarchyCSV writes rows as an import file with English headers.
func hierarchyCSV(t testing.TB, rows []tenants.ImportRow) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	require.NoError(t, w.Write([]string{"level", "code", "name", "parent_code"}))
	for _, r := range rows {
		require.NoError(t, w.Write([]string{r.Level, r.Code, r.Name, r.ParentCode}))
	}
	w.Flush()
	require.NoError(t, w.Error())
	return buf.Bytes()
}

func parseCSV(t testing.TB, text string) []tenants.ImportRow {
	t.Helper()
	rows, err := tenants.ParseImportFile("hierarchy.csv", strings.NewReader(text))
	require.NoError(t, err)
	return rows
}

func xlsxFile(t testing.TB, cells [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sheet := f.GetSheetName(0)
	for i, row := range cells {
		if row == nil {
			continue // leave the row empty
		}
		require.NoError(t, f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+1), &row))
	}
	buf, err := f.WriteToBuffer()
	require.NoError(t, err)
	return buf.Bytes()
}

func TestParseImportFile(t *testing.T) {
	t.Parallel()
	// Line 3 is blank in every file, so line numbers are not just index+2.
	want := func(community, zone string) []tenants.ImportRow {
		return []tenants.ImportRow{
			{Line: 2, Level: community, Code: "440309001001", Name: "清湖社区", ParentCode: "440309001"},
			{Line: 4, Level: zone, Code: "44030900100101", Name: "清湖一区", ParentCode: "440309001001"},
		}
	}
	const english = "level,code,name,parent_code\ncommunity,440309001001,清湖社区,440309001\n\nzone,44030900100101,清湖一区,440309001001\n"
	const chinese = "备注, 名称 ,编码,上级编码,层级\r\n,清湖社区, 440309001001 ,440309001,社区\r\n\r\n新建,清湖一区,44030900100101,440309001001,片区\r\n"
	gb18030, err := simplifiedchinese.GB18030.NewEncoder().String(chinese)
	require.NoError(t, err)
	require.NotEqual(t, chinese, gb18030)
	xlsx := xlsxFile(t, [][]any{
		{"层级", "编码", "名称", "上级编码"},
		{"社区", "440309001001", "清湖社区", "440309001"},
		nil,
		{"片区", "44030900100101", "清湖一区", "440309001001"},
	})

	for _, tt := range []struct {
		name, filename string
		data           string
		want           []tenants.ImportRow
	}{
		{"english headers", "hierarchy.csv", english, want("community", "zone")},
		{"chinese headers in any order", "层级.csv", chinese, want("社区", "片区")},
		{"utf-8 byte order mark", "hierarchy.csv", "\xef\xbb\xbf" + english, want("community", "zone")},
		{"gb18030 from Excel", "hierarchy.csv", gb18030, want("社区", "片区")},
		{"upper-case extension", "HIERARCHY.CSV", english, want("community", "zone")},
		{"txt", "hierarchy.txt", english, want("community", "zone")},
		{"xlsx", "hierarchy.xlsx", string(xlsx), want("社区", "片区")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rows, err := tenants.ParseImportFile(tt.filename, strings.NewReader(tt.data))
			require.NoError(t, err)
			require.Equal(t, tt.want, rows)
		})
	}
}

func TestParseImportFileShortRecord(t *testing.T) {
	t.Parallel()
	rows := parseCSV(t, "level,code,name,parent_code\ncommunity,440309001001\n")
	require.Equal(t, []tenants.ImportRow{{Line: 2, Level: "community", Code: "440309001001"}}, rows)
}

func TestParseImportFileErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, filename, data string
		code, location       string
	}{
		{"xls", "hierarchy.xls", "level,code,name,parent_code\n", fengqiao.EUNSUPPORTED, ""},
		{"no extension", "hierarchy", "level,code,name,parent_code\n", fengqiao.EUNSUPPORTED, ""},
		{"missing column", "hierarchy.csv", "level,code,name\ncommunity,440309001001,清湖社区\n", fengqiao.EINVALID, "file[1]"},
		{"unknown headers", "hierarchy.csv", "a,b,c,d\n1,2,3,4\n", fengqiao.EINVALID, "file[1]"},
		{"empty file", "hierarchy.csv", "", fengqiao.EINVALID, "file"},
		{"byte order mark only", "hierarchy.csv", "\xef\xbb\xbf", fengqiao.EINVALID, "file"},
		{"header only", "hierarchy.csv", "level,code,name,parent_code\n", fengqiao.EINVALID, "file"},
		{"blank data rows", "hierarchy.csv", "level,code,name,parent_code\n,,,\n\n , ,,\n", fengqiao.EINVALID, "file"},
		{"bare quote", "hierarchy.csv", "level,code,name,parent_code\ncommunity,440309001001,清湖社区,440309001\nzone,44\"03,x,y\n", fengqiao.EINVALID, "file[3]"},
		{"not a workbook", "hierarchy.xlsx", "level,code,name,parent_code\n", fengqiao.EINVALID, "file"},
		{"too large", "hierarchy.csv", strings.Repeat(" ", tenants.MaxImportBytes+1), fengqiao.ETOOLARGE, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tenants.ParseImportFile(tt.filename, strings.NewReader(tt.data))
			requireCode(t, err, tt.code)
			if tt.location != "" {
				requireInvalid(t, err, tt.location)
			}
		})
	}

	_, err := tenants.ParseImportFile("hierarchy.csv", strings.NewReader("level,code,name\n"))
	fe := requireInvalid(t, err, "file[1]")
	require.Contains(t, fe.Fields[0].Message, "missing: parent_code")
}

// requireAncestorsFollowCodes checks every node below the street of scope:
// its parent and its community, zone and grid ancestors are the nodes whose
// codes are the prefixes of its own. It returns the number of nodes checked.
func requireAncestorsFollowCodes(t testing.TB, b *testBundle, scope tenants.Scope) int {
	t.Helper()
	ctx := t.Context()
	type ancestry struct {
		Kind                             tenants.Kind
		Code, Parent, Community, Zone, G string
	}
	var nodes []ancestry
	require.NoError(t, b.svc.DB().Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT n.kind, n.code, p.code, coalesce(c.code, ''), coalesce(z.code, ''), coalesce(g.code, '')
			FROM org_nodes n
			JOIN org_nodes p ON p.tenant_id = n.tenant_id AND p.id = n.parent_id
			LEFT JOIN org_nodes c ON c.tenant_id = n.tenant_id AND c.id = n.community_id
			LEFT JOIN org_nodes z ON z.tenant_id = n.tenant_id AND z.id = n.zone_id
			LEFT JOIN org_nodes g ON g.tenant_id = n.tenant_id AND g.id = n.grid_id
			WHERE n.tenant_id = $1 AND n.kind <> 'street'`, scope.TenantID)
		if err != nil {
			return err
		}
		nodes, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ancestry])
		return err
	}))
	prefix := func(code string, k tenants.Kind) string {
		if n := k.CodeLength(); len(code) >= n {
			return code[:n]
		}
		return ""
	}
	for _, n := range nodes {
		require.Equal(t, ancestry{
			Kind:      n.Kind,
			Code:      n.Code,
			Parent:    prefix(n.Code, n.Kind.Parent()),
			Community: prefix(n.Code, tenants.KindCommunity),
			Zone:      prefix(n.Code, tenants.KindZone),
			G:         prefix(n.Code, tenants.KindGrid),
		}, n)
	}
	return len(nodes)
}

func TestImportChildrenBeforeParents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	rows := hierarchyRows(tenantCodeA, 3, 7, 15, 31)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	parsed, err := tenants.ParseImportFile("hierarchy.csv", bytes.NewReader(hierarchyCSV(t, rows)))
	require.NoError(t, err)

	result, err := b.svc.Import(ctx, b.scopeA, parsed)
	require.NoError(t, err)
	created := map[tenants.Kind]int{tenants.KindCommunity: 3, tenants.KindZone: 7, tenants.KindGrid: 15, tenants.KindBuilding: 31}
	require.Equal(t, tenants.ImportResult{Total: 56, Created: created}, result)
	require.Equal(t, 56, requireAncestorsFollowCodes(t, b, b.scopeA))
	tenant, err := b.svc.TenantByID(ctx, b.scopeA, b.tenantA.ID)
	require.NoError(t, err)
	require.Equal(t, created, tenant.NodeCounts)
	tenantB, err := b.svc.TenantByID(ctx, b.scopeB, b.tenantB.ID)
	require.NoError(t, err)
	require.Zero(t, tenantB.NodeCounts[tenants.KindBuilding])
}

func TestImportChineseLevels(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rows := parseCSV(t, "层级,编码,名称,上级编码\n"+
		"楼栋,44030900100101001001,1栋,44030900100101001\n"+
		"网格,44030900100101001,第一网格,44030900100101\n"+
		"片区,44030900100101,清湖一区,440309001001\n"+
		"村,440309001002,樟坑径村,440309001\n"+
		"社区,440309001001,清湖社区,440309001\n")
	result, err := b.svc.Import(t.Context(), b.scopeA, rows)
	require.NoError(t, err)
	require.Equal(t, map[tenants.Kind]int{tenants.KindCommunity: 2, tenants.KindZone: 1, tenants.KindGrid: 1, tenants.KindBuilding: 1}, result.Created)
	require.Equal(t, 5, requireAncestorsFollowCodes(t, b, b.scopeA))
}

func TestImportReportsEveryBadRow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	rows := parseCSV(t, "level,code,name,parent_code\n"+
		"community,440309001001,清湖社区,440309001\n"+ // 2: valid
		"\n"+
		"district,440309001002,错层级,440309001\n"+ // 4: unknown level
		"community,44030900100,短编码,440309001\n"+ // 5: code too short
		"zone,44030900100101,一区,440309001099\n"+ // 6: parent nowhere
		"grid,44030900100101001,网格,440309001001\n"+ // 7: grid under a community
		"community,440309001001,重复,440309001\n"+ // 8: same code as line 2
		"zone,44030900100102,,440309001001\n"+ // 9: no name
		"zone,44030900100103,无上级,\n"+ // 10: no parent code
		"zone,44030900200101,错前缀,440309001001\n"+ // 11: code not below its parent
		"street,440309001,街道,\n"+ // 12: the street itself, code taken
		"community,440309001005,"+strings.Repeat("长", 101)+",440309001\n") // 13: name too long

	_, err := b.svc.Import(ctx, b.scopeA, rows)
	fe := requireInvalid(t, err,
		"file[4].level",
		"file[5].code",
		"file[6].parent_code",
		"file[7].parent_code",
		"file[8].code",
		"file[9].name",
		"file[10].parent_code",
		"file[11].code",
		"file[12].level",
		"file[12].code",
		"file[13].name",
	)
	require.Contains(t, fe.Message, "nothing was imported")
	require.Contains(t, fe.Fields[4].Message, "line 2", "a duplicate names the first line with the code")
	require.Contains(t, fe.Fields[9].Message, "already exists")

	// All or nothing: the valid line 2 was not imported either.
	root, err := b.svc.Root(ctx, b.scopeA)
	require.NoError(t, err)
	require.Zero(t, root.ChildCount)
	hits, err := b.svc.Search(ctx, b.scopeA, "清湖", 0)
	require.NoError(t, err)
	require.Empty(t, hits)
}

func TestImportTwiceReportsExistingCodes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	rows := parseCSV(t, string(hierarchyCSV(t, hierarchyRows(tenantCodeA, 2, 3, 4, 5))))
	_, err := b.svc.Import(ctx, b.scopeA, rows)
	require.NoError(t, err)

	_, err = b.svc.Import(ctx, b.scopeA, rows)
	var fe *fengqiao.Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, fengqiao.EINVALID, fe.Code)
	require.Len(t, fe.Fields, len(rows))
	for i, f := range fe.Fields {
		require.Equal(t, fmt.Sprintf("file[%d].code", rows[i].Line), f.Location)
		require.Contains(t, f.Message, "already exists")
	}
	require.Equal(t, 14, requireAncestorsFollowCodes(t, b, b.scopeA), "the second import added nodes")

	// Street B has its own code space, but A's street is nowhere in it.
	_, err = b.svc.Import(ctx, b.scopeB, rows)
	fe = requireInvalid(t, err, "file[2].parent_code", "file[3].parent_code")
	require.Contains(t, fe.Fields[0].Message, "not found")
}

func TestImportBelowExistingNodes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	b := setup(t)
	root, err := b.svc.Root(ctx, b.scopeA)
	require.NoError(t, err)
	c1, err := b.svc.CreateNode(ctx, b.scopeA, tenants.NewNode{ParentID: root.ID, Kind: tenants.KindCommunity, Code: "440309001001", Name: "清湖社区"})
	require.NoError(t, err)
	c2, err := b.svc.CreateNode(ctx, b.scopeA, tenants.NewNode{ParentID: root.ID, Kind: tenants.KindCommunity, Code: "440309001002", Name: "松和社区"})
	require.NoError(t, err)
	_, err = b.svc.ArchiveNode(ctx, b.scopeA, c2.ID)
	require.NoError(t, err)

	_, err = b.svc.Import(ctx, b.scopeA, parseCSV(t, "level,code,name,parent_code\n"+
		"zone,44030900100201,松和一区,440309001002\n"))
	requireInvalid(t, err, "file[2].parent_code")

	_, err = b.svc.Import(ctx, b.scopeA, parseCSV(t, "level,code,name,parent_code\n"+
		"grid,44030900100101001,第一网格,44030900100101\n"+
		"zone,44030900100101,清湖一区,440309001001\n"))
	require.NoError(t, err)
	children, err := b.svc.Children(ctx, b.scopeA, c1.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"44030900100101"}, nodeCodes(children))
	require.Equal(t, c1.ID, children[0].CommunityID)
	require.Equal(t, 1, children[0].ChildCount)
	require.Equal(t, 4, requireAncestorsFollowCodes(t, b, b.scopeA))
}
