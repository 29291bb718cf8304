package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/staff"
)

// BenchmarkIntake prices taking a case in. full_stack is an HTTP report
// through the whole server: API key, JSON validation, authorization at the
// building, the tenant-scoped transaction, the dispatch rule (the case is
// dispatched on intake), the timeline rows, the department's notification
// and the deadline and delivery jobs in River's table. plain_insert is one
// transaction inserting a row of the same size into an unpoliced copy of
// the cases table, on the same database and pool. Target: full_stack at
// least 50% of plain_insert's rate (ns/op at most 2×). service and
// service_without_jobs break full_stack down: without HTTP and
// authorization, then without River.
func BenchmarkIntake(b *testing.B) {
	ctx := context.Background()
	st := casetest.New(b)
	db, tdb, ts, county, street, scope, building := st.DB, st.TDB, st.Tenants, st.County, st.Tenant, st.Scope, st.Building
	categories, err := ts.Categories(ctx, scope)
	require.NoError(b, err)
	departments, err := ts.Departments(ctx, scope)
	require.NoError(b, err)
	riverClient, err := river.NewClient(riverpgxv5.New(db.App), &river.Config{}) // insert only
	require.NoError(b, err)
	cs := cases.NewService(tdb).WithJobs(riverClient)
	_, err = cs.CreateRule(ctx, scope, cases.Rule{CategoryID: categories[0].ID, DepartmentID: departments[1].ID, LeaderName: "李所长"})
	require.NoError(b, err)
	keys := apikeys.NewStore(db.App)
	_, key, err := keys.Create(ctx, "bench", county.ID, street.ID)
	require.NoError(b, err)
	authorizer, err := authz.New()
	require.NoError(b, err)
	handler := (&api.Server{Tenants: ts, Keys: keys, Authz: authorizer, Staff: staff.NewService(tdb, nil), Cases: cs,
		Notifications: notifications.NewService(tdb), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler()

	const title, description = "楼道堆放杂物", "3单元楼道堆满纸箱，有消防隐患，请尽快处理。"
	body := []byte(fmt.Sprintf(`{"channel":"grid_report","category_id":%d,"grade":"general","title":%q,"description":%q,
		"node_id":%d,"reporter_name":"王阿姨","reporter_phone":"13800138000"}`, categories[0].ID, title, description, building))

	// A street in use: some history, and statistics on it, as autovacuum
	// keeps them. On empty tables without statistics the planner picks
	// poor indexes and every lookup slows as the run adds rows.
	for range 500 {
		if _, err := cs.Report(ctx, scope, cases.Actor{Name: "history"}, cases.NewCase{Channel: "visit", CategoryID: categories[1].ID,
			Grade: "general", Title: title, NodeID: building}); err != nil {
			b.Fatal(err)
		}
	}
	_, err = db.Owner.Exec(ctx, `ANALYZE`)
	require.NoError(b, err)

	b.Run("full_stack", func(b *testing.B) {
		for b.Loop() {
			req := httptest.NewRequest("POST", "/api/v1/tenants/371326001/cases", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+key)
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusCreated || !bytes.Contains(rec.Body.Bytes(), []byte(`"status":"dispatched"`)) {
				b.Fatalf("%d %s", rec.Code, rec.Body.String())
			}
		}
	})

	// The same intake without HTTP and authorization: the service's share.
	b.Run("service", func(b *testing.B) {
		for b.Loop() {
			c, err := cs.Report(ctx, scope, cases.Actor{Name: "bench"}, cases.NewCase{Channel: "grid_report", CategoryID: categories[0].ID,
				Grade: "general", Title: title, Description: description, NodeID: building, ReporterName: "王阿姨", ReporterPhone: "13800138000"})
			if err != nil || c.Status != cases.Dispatched {
				b.Fatal(c.Status, err)
			}
		}
	})

	// The same without River: the jobs' share.
	noJobs := cases.NewService(tdb)
	b.Run("service_without_jobs", func(b *testing.B) {
		for b.Loop() {
			c, err := noJobs.Report(ctx, scope, cases.Actor{Name: "bench"}, cases.NewCase{Channel: "grid_report", CategoryID: categories[0].ID,
				Grade: "general", Title: title, Description: description, NodeID: building, ReporterName: "王阿姨", ReporterPhone: "13800138000"})
			if err != nil || c.Status != cases.Dispatched {
				b.Fatal(c.Status, err)
			}
		}
	})

	// The owner copies the table's shape; the copy has no policies.
	_, err = db.Owner.Exec(ctx, `CREATE TABLE bench_plain_cases (LIKE cases INCLUDING DEFAULTS INCLUDING IDENTITY);
		ALTER TABLE bench_plain_cases ADD PRIMARY KEY (tenant_id, id);
		GRANT SELECT, INSERT ON bench_plain_cases TO `+pgtest.Roles.App)
	require.NoError(b, err)
	b.Run("plain_insert", func(b *testing.B) {
		for b.Loop() {
			err := pgx.BeginFunc(ctx, db.App, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO bench_plain_cases (tenant_id, tracking_code, channel, category_id, grade, title, description,
						node_id, community_id, zone_id, grid_id, reporter_name, reporter_phone)
					VALUES ($1, '7K3M-9QXD-2HB', 'grid_report', $2, 'general', $3, $4, $5, $5, $5, $5, '王阿姨', '13800138000')`,
					street.ID, categories[0].ID, title, description, building)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
