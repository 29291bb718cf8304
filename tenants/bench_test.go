package tenants_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/tenants"
)

// BenchmarkScopedTx and BenchmarkPlainTx price row-level security: the same
// primary-key read of a department, once through DB.Tx with a tenant scope
// (policies applied) and once in a plain transaction on an unpoliced copy of
// the table. Both run as the app role on the same kind of pool. Target:
// scoped ≤ 1.5× plain.

func BenchmarkScopedTx(b *testing.B) {
	ctx := context.Background()
	bundle := setup(b)
	departments, err := bundle.svc.Departments(ctx, bundle.scopeA)
	require.NoError(b, err)
	id := departments[0].ID
	db := bundle.svc.DB()

	for b.Loop() {
		var name string
		err := db.Tx(ctx, bundle.scopeA, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT name FROM departments WHERE tenant_id = $1 AND id = $2`, bundle.tenantA.ID, id).Scan(&name)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlainTx(b *testing.B) {
	ctx := context.Background()
	bundle := setup(b)
	departments, err := bundle.svc.Departments(ctx, bundle.scopeA)
	require.NoError(b, err)
	id := departments[0].ID

	// The owner is subject to the forced policies too, so it copies A's
	// rows with A's setting.
	tx, err := bundle.db.Owner.Begin(ctx)
	require.NoError(b, err)
	_, err = tx.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, fmt.Sprint(bundle.tenantA.ID))
	require.NoError(b, err)
	_, err = tx.Exec(ctx, `CREATE TABLE bench_plain AS SELECT * FROM departments;
		ALTER TABLE bench_plain ADD PRIMARY KEY (tenant_id, id);
		GRANT SELECT ON bench_plain TO `+pgtest.Roles.App)
	require.NoError(b, err)
	require.NoError(b, tx.Commit(ctx))
	pool := bundle.db.App

	for b.Loop() {
		tx, err := pool.BeginTx(ctx, pgx.TxOptions{})
		if err != nil {
			b.Fatal(err)
		}
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM bench_plain WHERE tenant_id = $1 AND id = $2`, bundle.tenantA.ID, id).Scan(&name); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// Longhua District's biggest street: about 70 communities, 430 zones, 3,000
// grids and 7,000 buildings.
func longhuaRows(street string) []tenants.ImportRow {
	return hierarchyRows(street, 70, 430, 3000, 7000)
}

func BenchmarkImportLonghua(b *testing.B) {
	ctx := context.Background()
	bundle := setup(b)
	next := 100 // street codes 440309100… are free
	var rows []tenants.ImportRow

	for b.Loop() {
		b.StopTimer()
		street, err := bundle.svc.CreateTenant(ctx, bundle.county, fmt.Sprintf("%s%03d", countyCode, next), fmt.Sprintf("街道%d", next))
		require.NoError(b, err)
		next++
		rows = longhuaRows(street.Code)
		for i := range rows {
			rows[i].Line = i + 2
		}
		b.StartTimer()

		result, err := bundle.svc.Import(ctx, tenants.Scope{TenantID: street.ID}, rows)
		if err != nil {
			b.Fatal(err)
		}
		if result.Total != len(rows) {
			b.Fatalf("imported %d of %d rows", result.Total, len(rows))
		}
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkParseLonghuaCSV(b *testing.B) {
	rows := longhuaRows(tenantCodeA)
	data := hierarchyCSV(b, rows)
	b.SetBytes(int64(len(data)))

	for b.Loop() {
		parsed, err := tenants.ParseImportFile("longhua.csv", bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if len(parsed) != len(rows) {
			b.Fatalf("parsed %d of %d rows", len(parsed), len(rows))
		}
	}
	b.ReportMetric(float64(len(rows)*b.N)/b.Elapsed().Seconds(), "rows/s")
}
