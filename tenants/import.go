package tenants

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/fengqiao/fengqiao"
)

// Import limits: a Longhua-scale street has about 10,500 nodes.
const (
	MaxImportBytes   = 32 << 20
	maxImportRows    = 200_000
	maxReportedFault = 1000
)

// ImportRow is one data row of a hierarchy file. Line is its 1-based line
// (CSV) or row (XLSX) number, as the user sees it in their editor.
type ImportRow struct {
	Line       int
	Level      string
	Code       string
	Name       string
	ParentCode string
}

// ImportResult counts what an import created.
type ImportResult struct {
	Total   int
	Created map[Kind]int
}

var levelNames = map[string]Kind{
	"community": KindCommunity, "社区": KindCommunity, "村": KindCommunity, "社区/村": KindCommunity, "村居": KindCommunity,
	"zone": KindZone, "片区": KindZone,
	"grid": KindGrid, "网格": KindGrid,
	"building": KindBuilding, "楼栋": KindBuilding, "楼宇": KindBuilding,
	"street": KindStreet, "街道": KindStreet, "镇": KindStreet,
}

var columnNames = map[string]string{
	"level": "level", "层级": "level", "级别": "level",
	"code": "code", "编码": "code", "代码": "code",
	"name": "name", "名称": "name",
	"parent_code": "parent_code", "上级编码": "parent_code", "上级代码": "parent_code",
}

var requiredColumns = []string{"level", "code", "name", "parent_code"}

// ParseImportFile reads a CSV or XLSX hierarchy file. The first row names
// the columns level, code, name, parent_code (English or Chinese, any order).
func ParseImportFile(filename string, r io.Reader) ([]ImportRow, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read import file: %w", err)
	}
	if len(data) > MaxImportBytes {
		return nil, fengqiao.Errorf(fengqiao.ETOOLARGE, "the file is larger than %d MiB", MaxImportBytes>>20)
	}
	var records [][]string
	var lines []int
	switch ext := strings.ToLower(filepath.Ext(filename)); ext {
	case ".csv", ".txt":
		records, lines, err = readCSV(data)
	case ".xlsx":
		records, lines, err = readXLSX(data)
	default:
		return nil, fengqiao.Errorf(fengqiao.EUNSUPPORTED, "unsupported file type %q: upload a .csv or .xlsx file", ext)
	}
	if err != nil {
		return nil, err
	}
	return recordsToRows(records, lines)
}

func readCSV(data []byte) ([][]string, []int, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	// Excel on Chinese Windows saves CSV as GB18030.
	if !utf8.Valid(data) {
		decoded, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return nil, nil, fengqiao.Invalid("file", "the file is neither UTF-8 nor GB18030 text", nil)
		}
		data = decoded
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var records [][]string
	var lines []int
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, fengqiao.Invalid(fmt.Sprintf("file[%d]", pe.Line), "malformed CSV: "+pe.Err.Error(), nil)
			}
			return nil, nil, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		records = append(records, rec)
		lines = append(lines, line)
		if len(records) > maxImportRows+1 {
			return nil, nil, fengqiao.Errorf(fengqiao.ETOOLARGE, "the file has more than %d rows", maxImportRows)
		}
	}
	return records, lines, nil
}

func readXLSX(data []byte) ([][]string, []int, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fengqiao.Invalid("file", "the file is not a readable .xlsx workbook", nil)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, fengqiao.Invalid("file", "the workbook has no sheets", nil)
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, nil, fmt.Errorf("open sheet %s: %w", sheets[0], err)
	}
	defer rows.Close()
	var records [][]string
	var lines []int
	for line := 1; rows.Next(); line++ {
		rec, err := rows.Columns()
		if err != nil {
			return nil, nil, fengqiao.Invalid(fmt.Sprintf("file[%d]", line), "unreadable row", nil)
		}
		records = append(records, rec)
		lines = append(lines, line)
		if len(records) > maxImportRows+1 {
			return nil, nil, fengqiao.Errorf(fengqiao.ETOOLARGE, "the file has more than %d rows", maxImportRows)
		}
	}
	return records, lines, rows.Error()
}

func recordsToRows(records [][]string, lines []int) ([]ImportRow, error) {
	if len(records) == 0 {
		return nil, fengqiao.Invalid("file", "the file is empty", nil)
	}
	index := map[string]int{}
	for i, h := range records[0] {
		if col, ok := columnNames[strings.ToLower(strings.TrimSpace(h))]; ok {
			index[col] = i
		}
	}
	var missing []string
	for _, c := range requiredColumns {
		if _, ok := index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fengqiao.Invalid("file[1]", "the header row must name the columns level, code, name, parent_code; missing: "+strings.Join(missing, ", "), records[0])
	}
	cell := func(rec []string, col string) string {
		if i := index[col]; i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	rows := make([]ImportRow, 0, len(records)-1)
	for i, rec := range records[1:] {
		if strings.TrimSpace(strings.Join(rec, "")) == "" {
			continue
		}
		rows = append(rows, ImportRow{Line: lines[i+1], Level: cell(rec, "level"), Code: cell(rec, "code"),
			Name: cell(rec, "name"), ParentCode: cell(rec, "parent_code")})
	}
	if len(rows) == 0 {
		return nil, fengqiao.Invalid("file", "the file has a header but no data rows", nil)
	}
	return rows, nil
}

// importNode is a validated row on its way into org_nodes.
type importNode struct {
	Node
	line       int
	parentCode string
}

// Import validates every row and, only if all are valid, inserts them all in
// one transaction. Every problem is reported with its line number.
func (s *Service) Import(ctx context.Context, scope Scope, rows []ImportRow) (ImportResult, error) {
	result := ImportResult{Total: len(rows), Created: map[Kind]int{}}
	for _, k := range Levels[1:] {
		result.Created[k] = 0
	}
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		existing, err := existingNodes(ctx, tx, scope.TenantID)
		if err != nil {
			return err
		}
		nodes, problems := validateImport(rows, existing)
		if len(problems) > 0 {
			msg := fmt.Sprintf("%d problems in the file; nothing was imported", len(problems))
			if len(problems) > maxReportedFault {
				msg = fmt.Sprintf("%d problems in the file (the first %d are listed); nothing was imported", len(problems), maxReportedFault)
				problems = problems[:maxReportedFault]
			}
			return &fengqiao.Error{Code: fengqiao.EINVALID, Message: msg, Fields: problems}
		}
		ids, err := allocateNodeIDs(ctx, tx, len(nodes))
		if err != nil {
			return err
		}
		// Parents sort before children, so each row's parent is resolved
		// (existing or assigned just above) by the time it is reached.
		byCode := existing
		cols := struct {
			id, parent, community, zone, grid []int64
			kind, code, name                  []string
		}{}
		for i := range nodes {
			n := &nodes[i]
			parent := byCode[n.parentCode]
			n.ID, n.ParentID = ids[i], parent.ID
			n.CommunityID, n.ZoneID, n.GridID = parent.CommunityID, parent.ZoneID, parent.GridID
			n.setOwnLevel()
			byCode[n.Code] = n.Node
			cols.id = append(cols.id, n.ID)
			cols.parent = append(cols.parent, n.ParentID)
			cols.community = append(cols.community, n.CommunityID)
			cols.zone = append(cols.zone, n.ZoneID)
			cols.grid = append(cols.grid, n.GridID)
			cols.kind = append(cols.kind, string(n.Kind))
			cols.code = append(cols.code, n.Code)
			cols.name = append(cols.name, n.Name)
			result.Created[n.Kind]++
		}
		// COPY FROM is refused on tables with row-level security, so the
		// rows go in as one INSERT over arrays.
		_, err = tx.Exec(ctx, `INSERT INTO org_nodes (tenant_id, id, kind, parent_id, code, name, community_id, zone_id, grid_id)
			SELECT $1, id, kind, parent, code, name, nullif(community, 0), nullif(zone, 0), nullif(grid, 0)
			FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[])
				AS r(id, kind, parent, code, name, community, zone, grid)`,
			scope.TenantID, cols.id, cols.kind, cols.parent, cols.code, cols.name, cols.community, cols.zone, cols.grid)
		return err
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("import %d rows: %w", len(rows), err)
	}
	return result, nil
}

// existingNodes maps the codes of a tenant's nodes, archived ones included
// (their codes stay taken).
func existingNodes(ctx context.Context, tx pgx.Tx, tenantID int64) (map[string]Node, error) {
	rows, err := tx.Query(ctx, `SELECT id, kind, code, coalesce(community_id, 0), coalesce(zone_id, 0), coalesce(grid_id, 0),
		archived_at IS NOT NULL FROM org_nodes WHERE tenant_id = $1`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("load existing nodes: %w", err)
	}
	defer rows.Close()
	out := map[string]Node{}
	for rows.Next() {
		var n Node
		if err := rows.Scan(&n.ID, &n.Kind, &n.Code, &n.CommunityID, &n.ZoneID, &n.GridID, &n.Archived); err != nil {
			return nil, err
		}
		out[n.Code] = n
	}
	return out, rows.Err()
}

// validateImport checks every row against the file and the existing tree
// and returns the rows ordered parents first.
func validateImport(rows []ImportRow, existing map[string]Node) ([]importNode, []fengqiao.FieldError) {
	var problems []fengqiao.FieldError
	fault := func(line int, column, msg, value string) {
		problems = append(problems, fengqiao.FieldError{Location: fmt.Sprintf("file[%d].%s", line, column), Message: msg, Value: value})
	}
	inFile := make(map[string]int, len(rows)) // code → index in rows
	kinds := make([]Kind, len(rows))
	for i, r := range rows {
		kind, ok := levelNames[strings.ToLower(r.Level)]
		switch {
		case !ok:
			fault(r.Line, "level", "unknown level; expected community, zone, grid or building (社区, 片区, 网格, 楼栋)", r.Level)
		case kind == KindStreet:
			fault(r.Line, "level", "the street already exists; import the levels below it", r.Level)
		default:
			kinds[i] = kind
			if want := kind.CodeLength(); len(r.Code) != want || strings.Trim(r.Code, "0123456789") != "" {
				fault(r.Line, "code", fmt.Sprintf("a %s code has %d digits", kind, want), r.Code)
			}
		}
		if msg := checkName(r.Name); msg != "" {
			fault(r.Line, "name", msg, r.Name)
		}
		if first, dup := inFile[r.Code]; dup && r.Code != "" {
			fault(r.Line, "code", fmt.Sprintf("code also appears on line %d", rows[first].Line), r.Code)
		} else if _, taken := existing[r.Code]; taken && r.Code != "" {
			fault(r.Line, "code", "a node with this code already exists", r.Code)
		} else {
			inFile[r.Code] = i
		}
	}
	for i, r := range rows {
		if kinds[i] == "" {
			continue
		}
		wantParent := kinds[i].Parent()
		var parentKind Kind
		if j, ok := inFile[r.ParentCode]; ok && j != i {
			parentKind = kinds[j]
		} else if p, ok := existing[r.ParentCode]; ok {
			if p.Archived {
				fault(r.Line, "parent_code", "parent is archived", r.ParentCode)
				continue
			}
			parentKind = p.Kind
		} else {
			if r.ParentCode == "" {
				fault(r.Line, "parent_code", "parent_code is required", r.ParentCode)
			} else {
				fault(r.Line, "parent_code", "parent code "+r.ParentCode+" not found in the file or the street", r.ParentCode)
			}
			continue
		}
		if parentKind != "" && parentKind != wantParent {
			fault(r.Line, "parent_code", fmt.Sprintf("a %s must be under a %s, but %s is a %s", kinds[i], wantParent, r.ParentCode, parentKind), r.ParentCode)
		} else if !strings.HasPrefix(r.Code, r.ParentCode) {
			fault(r.Line, "code", "code must start with its parent's code "+r.ParentCode, r.Code)
		}
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(a, b int) bool { return lineOf(problems[a].Location) < lineOf(problems[b].Location) })
		return nil, problems
	}
	nodes := make([]importNode, len(rows))
	for i, r := range rows {
		nodes[i] = importNode{Node: Node{Kind: kinds[i], Code: r.Code, Name: r.Name}, line: r.Line, parentCode: r.ParentCode}
	}
	sort.SliceStable(nodes, func(a, b int) bool { return nodes[a].Kind.level() < nodes[b].Kind.level() })
	return nodes, nil
}

func lineOf(location string) int {
	var line int
	fmt.Sscanf(location, "file[%d]", &line)
	return line
}
