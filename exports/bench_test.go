package exports_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/exports"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

// benchRows is how many cases the ledger benchmark exports:
// FENGQIAO_BENCH_ROWS (1000000 for the 1M-row figure), else 100,000.
func benchRows(b *testing.B) int {
	if s := os.Getenv("FENGQIAO_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		return n
	}
	return 100_000
}

// seedCases inserts n cases into the street in bulk, as the owner would
// restore them: one statement, the change trigger off.
func seedCases(b *testing.B, st *casetest.Street, n int) {
	ctx := context.Background()
	conn, err := st.DB.Owner.Acquire(ctx)
	require.NoError(b, err)
	defer conn.Release()
	tenant := strconv.FormatInt(st.Tenant.ID, 10)
	_, err = conn.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, tenant)
	require.NoError(b, err)
	_, err = conn.Exec(ctx, `ALTER TABLE cases DISABLE TRIGGER USER`)
	require.NoError(b, err)
	defer func() { _, _ = conn.Exec(ctx, `ALTER TABLE cases ENABLE TRIGGER USER`) }()
	_, err = conn.Exec(ctx, `INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description, status, node_id,
			community_id, zone_id, grid_id, address, department_id, leader_name, reported_at, dispatched_at, accept_due, complete_due, escalation_level)
		SELECT n.tenant_id, upper(substr(lpad(to_hex(i), 8, '0'), 1, 4) || '-' || substr(lpad(to_hex(i), 8, '0'), 5, 4) || '-BEN'),
			(ARRAY['qr', 'grid_report', 'hotline_12345', 'visit'])[1 + i % 4], $2, (ARRAY['general', 'major', 'serious', 'urgent'])[1 + i % 4],
			'楼道堆放杂物第' || i || '号', '', CASE WHEN i % 2 = 0 THEN 'dispatched' ELSE 'closed' END, n.id,
			n.community_id, n.zone_id, n.grid_id, '3单元' || (i % 30) || '号', $3, '李所长',
			now() - make_interval(mins => i), now() - make_interval(mins => i - 5), now() + interval '1 day', now() + interval '3 days', i % 3
		FROM generate_series(1, $4::int) AS i, org_nodes n WHERE n.tenant_id = $1 AND n.id = $5`,
		st.Tenant.ID, st.Category, st.Police, n, st.Building)
	require.NoError(b, err)
	_, err = conn.Exec(ctx, `ANALYZE cases`)
	require.NoError(b, err)
}

// peakRSS resets the process's peak resident set (VmHWM) or reads it, in MB.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSS(b *testing.B) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchmarkLedgerExport exports a street's whole case ledger to XLSX the way
// the River job does (count, stream rows from one query into excelize's
// stream writer, progress updates, the file stored in the export's row) and,
// as the baseline, COPYs the same query's rows to CSV (discarded), both as
// the app role in the street's scope. It reports the ratio and the peak RSS
// of each.
func BenchmarkLedgerExport(b *testing.B) {
	ctx := context.Background()
	st := casetest.New(b)
	n := benchRows(b)
	seedCases(b, st, n)
	job := exports.Job{Scope: st.Scope, Filters: json.RawMessage(`{}`), Visibility: json.RawMessage(`{"Street":true}`)}
	svc := exports.NewService(st.TDB)
	var copyNs float64

	b.Run("copy_csv", func(b *testing.B) {
		runtimeGC()
		resetPeakRSS()
		start := time.Now()
		for b.Loop() {
			var rows int64
			err := st.TDB.Tx(ctx, st.Scope, func(tx pgx.Tx) error {
				query, args, err := exports.LedgerSQL(ctx, tx, job)
				if err != nil {
					return err
				}
				// COPY takes no parameters: the only one is the street's id.
				query = strings.ReplaceAll(query, "$1", strconv.FormatInt(args[0].(int64), 10))
				tag, err := tx.Conn().PgConn().CopyTo(ctx, io.Discard, `COPY (`+query+`) TO STDOUT WITH CSV`)
				rows = tag.RowsAffected()
				return err
			})
			if err != nil || rows != int64(n) {
				b.Fatalf("copy: %d rows, %v", rows, err)
			}
		}
		copyNs = float64(time.Since(start).Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(n), "rows")
		b.ReportMetric(peakRSS(b), "peak-RSS-MB")
	})

	b.Run("xlsx", func(b *testing.B) {
		runtimeGC()
		resetPeakRSS()
		start := time.Now()
		var size int64
		for i := 0; b.Loop(); i++ {
			e, err := svc.Create(ctx, st.Scope, exports.Owner{TenantID: st.Tenant.ID}, exports.Request{Kind: exports.KindCaseLedger,
				Visibility: job.Visibility, RequestedBy: "bench-" + strconv.Itoa(i)})
			if err != nil {
				b.Fatal(err)
			}
			w := &jobs.ExportWorker{DB: st.TDB}
			if err := w.Work(ctx, &river.Job[jobs.ExportArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 1},
				Args: jobs.ExportArgs{TenantID: st.Tenant.ID, ExportID: e.ID}}); err != nil {
				b.Fatal(err)
			}
			if e, err = svc.Get(ctx, st.Scope, e.Owner, e.ID, e.RequestedBy); err != nil || e.RowCount != int64(n) || e.Status != exports.Done {
				b.Fatalf("export: %+v, %v", e, err)
			}
			size = e.FileSize
			// Drop the file so the database does not grow across iterations.
			if err := blankFile(st.TDB, st.Scope, e.ID); err != nil {
				b.Fatal(err)
			}
		}
		ns := float64(time.Since(start).Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(n), "rows")
		b.ReportMetric(float64(size)/(1<<20), "file-MB")
		b.ReportMetric(peakRSS(b), "peak-RSS-MB")
		if copyNs > 0 {
			b.ReportMetric(ns/copyNs, "x-copy")
		}
	})

	// The floor: the same number of rows written by the sheet writer alone
	// (excelize's stream writer and the zip), from rows already in memory.
	b.Run("xlsx_writer_only", func(b *testing.B) {
		var sample [][]any
		require.NoError(b, st.TDB.Tx(ctx, st.Scope, func(tx pgx.Tx) error {
			var err error
			sample, err = exports.SampleRows(ctx, tx, exports.KindCaseLedger, job, 16384)
			return err
		}))
		runtimeGC()
		resetPeakRSS()
		start := time.Now()
		for b.Loop() {
			require.NoError(b, exports.WriteSheet(exports.KindCaseLedger, false, sample, n, io.Discard))
		}
		ns := float64(time.Since(start).Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(n), "rows")
		b.ReportMetric(peakRSS(b), "peak-RSS-MB")
		if copyNs > 0 {
			b.ReportMetric(ns/copyNs, "x-copy")
		}
	})
}

func blankFile(db *tenants.DB, scope tenants.Scope, id int64) error {
	return db.Tx(context.Background(), scope, func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE exports SET file = NULL, status = 'expired' WHERE id = $1`, id)
		return err
	})
}

func runtimeGC() { runtime.GC(); debug.FreeOSMemory() }
