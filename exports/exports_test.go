package exports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/exports"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type bundle struct {
	st     *casetest.Street
	cases  *cases.Service
	svc    *exports.Service
	grid1  int64
	grid2  int64
	bldg2  int64
	inGrid map[int64][]int64 // case ids per grid
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := context.Background()
	st := casetest.New(t)
	_, err := st.Tenants.Import(ctx, st.Scope, []tenants.ImportRow{
		{Line: 2, Level: "grid", Code: "37132600100101002", Name: "第2网格", ParentCode: "37132600100101"},
		{Line: 3, Level: "building", Code: "37132600100101002001", Name: "2号楼", ParentCode: "37132600100101002"},
	})
	require.NoError(t, err)
	client, err := river.NewClient(riverpgxv5.New(st.DB.App), &river.Config{}) // insert only
	require.NoError(t, err)
	b := &bundle{st: st, cases: cases.NewService(st.TDB), svc: exports.NewService(st.TDB).WithJobs(client), inGrid: map[int64][]int64{}}
	hits, err := st.Tenants.Search(ctx, st.Scope, "37132600100101002001", 1)
	require.NoError(t, err)
	b.bldg2 = hits[0].ID
	for _, at := range []struct {
		node  int64
		count int
	}{{st.Building, 3}, {b.bldg2, 2}} {
		for i := range at.count {
			c, err := b.cases.Report(ctx, st.Scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{Channel: "visit",
				CategoryID: st.Category, Grade: "general", Title: "邻里纠纷" + strconv.Itoa(i), NodeID: at.node, ReporterPhone: "13800138000"})
			require.NoError(t, err)
			n, err := st.Tenants.Node(ctx, st.Scope, at.node)
			require.NoError(t, err)
			b.inGrid[n.GridID] = append(b.inGrid[n.GridID], c.ID)
			if at.node == st.Building {
				b.grid1 = n.GridID
			} else {
				b.grid2 = n.GridID
			}
		}
	}
	return b
}

// run works the export's job as River would.
func run(t *testing.T, db *tenants.DB, e exports.Export) {
	t.Helper()
	args := jobs.ExportArgs{TenantID: e.Owner.TenantID, ExportID: e.ID}
	if e.Owner.TenantID == 0 {
		args.CountyID = e.Owner.CountyID
	}
	job := &river.Job[jobs.ExportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: jobs.ExportAttempts}, Args: args}
	require.NoError(t, (&jobs.ExportWorker{DB: db}).Work(context.Background(), job))
}

// sheet downloads a done export and reads its rows.
func (b *bundle) sheet(t *testing.T, scope tenants.Scope, e exports.Export, by string) [][]string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, b.svc.WriteFile(context.Background(), scope, e.Owner, e.ID, by, &buf))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("案件台账")
	require.NoError(t, err)
	return rows
}

func visibility(t *testing.T, v cases.Visibility) json.RawMessage {
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return raw
}

func TestGridWorkerExportHoldsOnlyTheirGrid(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	owner := exports.Owner{TenantID: b.st.Tenant.ID}
	v := cases.Visibility{GridIDs: []int64{b.grid1}}
	e, err := b.svc.Create(ctx, b.st.Scope, owner, exports.Request{Kind: exports.KindCaseLedger, Filters: json.RawMessage(`{"sort":"oldest"}`),
		Visibility: visibility(t, v), RequestedBy: "worker-1", RequesterName: "周强"})
	require.NoError(t, err)
	require.Equal(t, exports.Queued, e.Status)
	require.Equal(t, "平邑街道", e.OwnerName)
	require.JSONEq(t, `{"sort":"oldest"}`, string(e.Filters))

	// Create scheduled the job in its transaction.
	var queued int
	require.NoError(t, b.st.DB.Owner.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'export' AND (args->>'export_id')::bigint = $1`, e.ID).Scan(&queued))
	require.Equal(t, 1, queued)

	run(t, b.st.TDB, e)
	e, err = b.svc.Get(ctx, b.st.Scope, owner, e.ID, "worker-1")
	require.NoError(t, err)
	require.Equal(t, exports.Done, e.Status)
	require.Equal(t, 100, e.Percent)
	require.EqualValues(t, 3, e.RowCount)
	require.Positive(t, e.FileSize)
	require.NotNil(t, e.ExpiresAt)
	require.WithinDuration(t, time.Now().Add(exports.DefaultTTL), *e.ExpiresAt, time.Minute)

	rows := b.sheet(t, b.st.Scope, e, "worker-1")
	require.Len(t, rows, 1+3)
	require.Equal(t, []string{"编号", "跟踪码", "标题", "类别", "等级", "状态", "来源渠道", "地点", "地址", "承办部门", "责任领导",
		"上报时间", "分拨时间", "受理期限", "办结期限", "化解时间", "办结时间", "督办级别", "是否超期"}, rows[0])
	var ids []int64
	for _, r := range rows[1:] {
		id, err := strconv.ParseInt(r[0], 10, 64)
		require.NoError(t, err)
		ids = append(ids, id)
		require.Equal(t, "一般", r[4])
		require.Equal(t, "已上报", r[5])
		require.Equal(t, "来访", r[6])
		require.Contains(t, r[7], "1号楼")
		require.Regexp(t, `^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$`, r[11], "a date cell with its date format")
	}
	require.Equal(t, b.inGrid[b.grid1], ids, "only grid 1's cases, oldest first")

	// The same rows the list shows that person.
	page, err := b.cases.List(ctx, b.st.Scope, v, cases.Filter{Sort: cases.Oldest})
	require.NoError(t, err)
	var listed []int64
	for _, c := range page.Cases {
		listed = append(listed, c.ID)
	}
	require.Equal(t, listed, ids)

	// Nobody else reads it: another person, another street.
	_, err = b.svc.Get(ctx, b.st.Scope, owner, e.ID, "someone-else")
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))
	other, err := b.st.Tenants.CreateTenant(ctx, b.st.County, "371326101", "仲村镇")
	require.NoError(t, err)
	_, err = b.svc.Get(ctx, tenants.Scope{TenantID: other.ID}, owner, e.ID, "worker-1")
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))
	err = b.svc.WriteFile(ctx, tenants.Scope{TenantID: other.ID}, owner, e.ID, "worker-1", &bytes.Buffer{})
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))

	mine, err := b.svc.Mine(ctx, b.st.Scope, "worker-1", 10)
	require.NoError(t, err)
	require.Len(t, mine, 1)
	require.Equal(t, e.ID, mine[0].ID)
	require.Equal(t, b.st.Tenant.Code, mine[0].OwnerCode)
}

func TestLedgerMatchesTheListForEachFilter(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	owner := exports.Owner{TenantID: b.st.Tenant.ID}
	from := time.Now().Add(-time.Hour)
	for i, tt := range []struct {
		filters string
		f       cases.Filter
		v       cases.Visibility
	}{
		{`{}`, cases.Filter{}, cases.Visibility{Street: true}},
		{`{"node_id":` + strconv.FormatInt(b.grid2, 10) + `}`, cases.Filter{SubtreeKind: tenants.KindGrid, SubtreeID: b.grid2}, cases.Visibility{Street: true}},
		{`{"status":"closed"}`, cases.Filter{Status: cases.Closed}, cases.Visibility{Street: true}},
		{`{"grade":"general","channel":"visit","from":"` + from.Format(time.RFC3339) + `"}`, cases.Filter{Grade: "general", Channel: "visit", From: from}, cases.Visibility{GridIDs: []int64{b.grid2}}},
		{`{}`, cases.Filter{}, cases.Visibility{DepartmentIDs: []int64{b.st.Police}}},
	} {
		by := "p" + strconv.Itoa(i)
		e, err := b.svc.Create(ctx, b.st.Scope, owner, exports.Request{Kind: exports.KindCaseLedger, Filters: json.RawMessage(tt.filters),
			Visibility: visibility(t, tt.v), RequestedBy: by})
		require.NoError(t, err)
		run(t, b.st.TDB, e)
		rows := b.sheet(t, b.st.Scope, e, by)
		var got []int64
		for _, r := range rows[1:] {
			id, _ := strconv.ParseInt(r[0], 10, 64)
			got = append(got, id)
		}
		page, err := b.cases.List(ctx, b.st.Scope, tt.v, tt.f)
		require.NoError(t, err)
		var want []int64
		for _, c := range page.Cases {
			want = append(want, c.ID)
		}
		require.Equal(t, want, got, tt.filters)
	}
}

func TestALedgerLongerThanASheetGoesOnInTheNext(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	exports.SetRowsPerSheet(t, 3) // a header and two cases, standing in for Excel's 1,048,576 rows
	owner := exports.Owner{TenantID: b.st.Tenant.ID}
	e, err := b.svc.Create(ctx, b.st.Scope, owner, exports.Request{Kind: exports.KindCaseLedger,
		Visibility: visibility(t, cases.Visibility{Street: true}), RequestedBy: "long"})
	require.NoError(t, err)
	run(t, b.st.TDB, e)

	var buf bytes.Buffer
	require.NoError(t, b.svc.WriteFile(ctx, b.st.Scope, owner, e.ID, "long", &buf))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{"案件台账", "案件台账 (2)", "案件台账 (3)"}, f.GetSheetList(), "5 cases: 2 + 2 + 1")
	var got []int64
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		require.NoError(t, err)
		require.Equal(t, "编号", rows[0][0], "%s starts with the header", name)
		require.LessOrEqual(t, len(rows), 3, name)
		for _, r := range rows[1:] {
			id, err := strconv.ParseInt(r[0], 10, 64)
			require.NoError(t, err)
			got = append(got, id)
		}
	}
	page, err := b.cases.List(ctx, b.st.Scope, cases.Visibility{Street: true}, cases.Filter{})
	require.NoError(t, err)
	var want []int64
	for _, c := range page.Cases {
		want = append(want, c.ID)
	}
	require.Equal(t, want, got, "every case once, in the list's order")
}

func TestEveryKindIsComplete(t *testing.T) {
	require.Equal(t, []string{exports.KindCaseLedger, exports.KindIndicators, exports.KindRanking}, exports.Kinds())
	for _, name := range exports.Kinds() {
		k, ok := exports.Lookup(name)
		require.True(t, ok, name)
		require.Equal(t, name, k.Name, "listed under its own name")
		require.NotEmpty(t, k.Title, name)
		require.True(t, k.Columns != nil && k.Count != nil && k.Rows != nil, "%s has columns, a count and rows", name)
	}
}

func TestFiltersAreChecked(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	create := func(owner exports.Owner, scope tenants.Scope, filters string) error {
		_, err := b.svc.Create(ctx, scope, owner, exports.Request{Kind: exports.KindCaseLedger, Filters: json.RawMessage(filters), RequestedBy: "x"})
		return err
	}
	fields := func(err error) []string {
		var fe *fengqiao.Error
		require.True(t, errors.As(err, &fe), "%v", err)
		var out []string
		for _, f := range fe.Fields {
			out = append(out, f.Location)
		}
		return out
	}
	street := exports.Owner{TenantID: b.st.Tenant.ID}
	err := create(street, b.st.Scope, `{"status":"lost","grade":"huge","from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}`)
	require.Equal(t, []string{"body.filters.grade", "body.filters.status", "body.filters.to"}, fields(err))
	require.Equal(t, []string{"body.filters"}, fields(create(street, b.st.Scope, `{"colour":"red"}`)))
	require.Equal(t, []string{"body.filters.category_id"}, fields(create(street, b.st.Scope, `{"category_id":"x"}`)))
	county := exports.Owner{CountyID: b.st.County.ID}
	require.Equal(t, []string{"body.filters.node_id"}, fields(create(county, tenants.Scope{CountyID: b.st.County.ID}, `{"node_id":3}`)))
	_, err = b.svc.Create(ctx, b.st.Scope, street, exports.Request{Kind: "rankings", RequestedBy: "x"})
	require.Equal(t, []string{"body.kind"}, fields(err))
}

func TestCountyWideExportAndExpiry(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	other, err := b.st.Tenants.CreateTenant(ctx, b.st.County, "371326101", "仲村镇")
	require.NoError(t, err)
	_ = other
	scope := tenants.Scope{CountyID: b.st.County.ID}
	owner := exports.Owner{CountyID: b.st.County.ID}
	e, err := b.svc.Create(ctx, scope, owner, exports.Request{Kind: exports.KindCaseLedger, Filters: json.RawMessage(`{"status":"reported"}`),
		Visibility: json.RawMessage(`{"Street":true}`), RequestedBy: "county-admin"})
	require.NoError(t, err)
	run(t, b.st.TDB, e)
	rows := b.sheet(t, scope, e, "county-admin")
	require.Len(t, rows, 1+5)
	require.Equal(t, "街道（乡镇）", rows[0][1])
	require.Equal(t, "平邑街道", rows[1][1])

	// A street does not see the county's exports.
	_, err = b.svc.Get(ctx, b.st.Scope, owner, e.ID, "county-admin")
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))

	// Past its time the export is expired: the file is blanked, the row stays.
	require.NoError(t, exec(b.st.TDB, scope, `UPDATE county_exports SET expires_at = now() - interval '1 second' WHERE id = $1`, e.ID))
	e, err = b.svc.Get(ctx, scope, owner, e.ID, "county-admin")
	require.NoError(t, err)
	require.Equal(t, exports.Expired, e.Status)
	var blank bool
	require.NoError(t, b.st.TDB.Tx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT file IS NULL AND status = 'expired' FROM county_exports WHERE id = $1`, e.ID).Scan(&blank)
	}))
	require.True(t, blank)
	err = b.svc.WriteFile(ctx, scope, owner, e.ID, "county-admin", &bytes.Buffer{})
	require.Equal(t, fengqiao.EGONE, fengqiao.ErrorCode(err))
}

func TestAFailedBuildIsMarkedFailedOnTheLastAttempt(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	owner := exports.Owner{TenantID: b.st.Tenant.ID}
	e, err := b.svc.Create(ctx, b.st.Scope, owner, exports.Request{Kind: exports.KindCaseLedger, RequestedBy: "x",
		Visibility: json.RawMessage(`{"Street":true}`)})
	require.NoError(t, err)
	// Break the stored visibility: the job cannot read it.
	require.NoError(t, exec(b.st.TDB, b.st.Scope, `UPDATE exports SET visibility = '"nonsense"' WHERE id = $1`, e.ID))
	args := jobs.ExportArgs{TenantID: owner.TenantID, ExportID: e.ID}
	w := &jobs.ExportWorker{DB: b.st.TDB}
	err = w.Work(ctx, &river.Job[jobs.ExportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 3}, Args: args})
	require.Error(t, err)
	e, err = b.svc.Get(ctx, b.st.Scope, owner, e.ID, "x")
	require.NoError(t, err)
	require.Equal(t, exports.Queued, e.Status, "retried later")
	err = w.Work(ctx, &river.Job[jobs.ExportArgs]{JobRow: &rivertype.JobRow{Attempt: 3, MaxAttempts: 3}, Args: args})
	var cancel *river.JobCancelError
	require.ErrorAs(t, err, &cancel)
	e, err = b.svc.Get(ctx, b.st.Scope, owner, e.ID, "x")
	require.NoError(t, err)
	require.Equal(t, exports.Failed, e.Status)
	require.Contains(t, e.Error, "visibility")
	require.NotNil(t, e.FinishedAt)
}

// exec runs one statement in scope (the tables' row-level security is
// forced, on their owner too).
func exec(db *tenants.DB, scope tenants.Scope, sql string, args ...any) error {
	return db.Tx(context.Background(), scope, func(tx pgx.Tx) error {
		tag, err := tx.Exec(context.Background(), sql, args...)
		if err == nil && tag.RowsAffected() != 1 {
			err = errors.New("expected one row, got " + strconv.FormatInt(tag.RowsAffected(), 10))
		}
		return err
	})
}

// County exports are county rows: another county, and any street, read
// none of them, and a street cannot write one.
func TestCountyExportsStayInTheirCounty(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	other, err := b.st.Tenants.CreateCounty(ctx, "440307", "龙岗区")
	require.NoError(t, err)
	owner := exports.Owner{CountyID: b.st.County.ID}
	e, err := b.svc.Create(ctx, tenants.Scope{CountyID: b.st.County.ID}, owner, exports.Request{Kind: exports.KindCaseLedger, RequestedBy: "a"})
	require.NoError(t, err)
	count := func(scope tenants.Scope) (n int) {
		require.NoError(t, b.st.TDB.Tx(ctx, scope, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM county_exports`).Scan(&n)
		}))
		return n
	}
	require.Equal(t, 1, count(tenants.Scope{CountyID: b.st.County.ID}))
	require.Zero(t, count(tenants.Scope{CountyID: other.ID}))
	require.Zero(t, count(b.st.Scope))
	require.Zero(t, count(tenants.Scope{}))
	_, err = b.svc.Get(ctx, tenants.Scope{CountyID: other.ID}, exports.Owner{CountyID: b.st.County.ID}, e.ID, "a")
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err))
	_, err = b.svc.Create(ctx, b.st.Scope, owner, exports.Request{Kind: exports.KindCaseLedger, RequestedBy: "a"})
	require.Error(t, err, "a street's scope cannot write a county row")
	require.Error(t, exec(b.st.TDB, tenants.Scope{CountyID: other.ID}, `UPDATE county_exports SET status = 'failed' WHERE id = $1`, e.ID))
}
