package exports

import (
	"context"
	"io"
	"slices"

	"github.com/jackc/pgx/v5"
)

// SampleRows reads up to limit rows of job's kind as the export job reads
// them, each row its own copy.
func SampleRows(ctx context.Context, tx pgx.Tx, kindName string, job Job, limit int) ([][]any, error) {
	kind, err := mustKind(kindName)
	if err != nil {
		return nil, err
	}
	var rows [][]any
	err = kind.Rows(ctx, tx, job, func(row []any) error {
		if len(rows) < limit {
			owned := slices.Clone(row)
			for i, v := range owned {
				owned[i] = own(v)
			}
			rows = append(rows, owned)
		}
		return nil
	})
	return rows, err
}

// WriteSheet writes n rows, cycling through sample, into a sheet of kind's
// columns and the finished file to out: the XLSX writing alone, without
// the database.
func WriteSheet(kindName string, countyWide bool, sample [][]any, n int, out io.Writer) error {
	kind, err := mustKind(kindName)
	if err != nil {
		return err
	}
	sheet, err := newSheetWriter(kind.Title, kind.Columns(countyWide))
	if err != nil {
		return err
	}
	defer sheet.close()
	for i := range n {
		if err := sheet.write(sample[i%len(sample)]); err != nil {
			return err
		}
	}
	return sheet.finish(out)
}

// SetRowsPerSheet lowers the sheet length for one test.
func SetRowsPerSheet(t interface{ Cleanup(func()) }, n int) {
	was := rowsPerSheet
	rowsPerSheet = n
	t.Cleanup(func() { rowsPerSheet = was })
}
