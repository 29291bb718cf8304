package exports

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

func init() {
	jobs.HandleExports(Run)
}

// progressEvery is the least number of rows between two progress updates;
// at most about a hundred updates are made per export.
const progressEvery = 1000

// Run builds one export: it claims the row (queued → running), streams the
// kind's rows from one scoped transaction into the sheet, reports the
// percentage in separate short transactions so that the API sees it, and
// stores the file (done). A failure on the last attempt marks it failed
// with the message; an export no longer queued or running is left alone.
func Run(ctx context.Context, db *tenants.DB, a jobs.ExportArgs, final bool) error {
	owner := Owner{TenantID: a.TenantID, CountyID: a.CountyID} // one of them: the worker cancels other args
	scope := owner.scope()
	col, key := owner.key()
	var kindName string
	var job Job
	job.Scope, job.CountyWide = scope, owner.county()
	err := db.Tx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `UPDATE `+owner.table()+` SET status = 'running', started_at = now(), percent = 0, row_count = 0
			WHERE `+col+` = $1 AND id = $2 AND status IN ('queued', 'running') RETURNING kind, filters, visibility`, key, a.ExportID).
			Scan(&kindName, &job.Filters, &job.Visibility)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // done, failed or expired already, or gone
	}
	if err != nil {
		return fmt.Errorf("claim export: %w", err)
	}
	if err := build(ctx, db, owner, a.ExportID, kindName, job); err != nil {
		status, msg := "queued", "retrying: "+err.Error()
		if final {
			status, msg = "failed", err.Error()
		}
		if markErr := db.Tx(context.WithoutCancel(ctx), scope, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE `+owner.table()+` SET status = $3, error = $4, finished_at = CASE WHEN $3 = 'failed' THEN now() END
				WHERE `+col+` = $1 AND id = $2 AND status = 'running'`, key, a.ExportID, status, truncate(msg, 500))
			return err
		}); markErr != nil {
			return errors.Join(err, markErr)
		}
		return err
	}
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func build(ctx context.Context, db *tenants.DB, owner Owner, id int64, kindName string, job Job) error {
	kind, err := mustKind(kindName)
	if err != nil {
		return err
	}
	col, key := owner.key()
	sheet, err := newSheetWriter(kind.Title, kind.Columns(job.CountyWide))
	if err != nil {
		return err
	}
	defer sheet.close()

	var total, n int64
	progress := func(ctx context.Context) error {
		percent := int64(99)
		if total > 0 {
			percent = min(99, n*100/total)
		}
		return db.Tx(ctx, job.Scope, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE `+owner.table()+` SET percent = $3, row_count = $4, total_rows = $5
				WHERE `+col+` = $1 AND id = $2 AND status = 'running'`, key, id, percent, n, total)
			return err
		})
	}
	// The rows are read in this goroutine and written into the sheet in
	// another, in batches, so that decoding rows and encoding XML overlap.
	width := len(sheet.columns)
	batches := make(chan []any, 4)
	written := make(chan error, 1)
	go func() {
		var err error
		for batch := range batches {
			for i := 0; err == nil && i+width <= len(batch); i += width {
				err = sheet.write(batch[i : i+width])
			}
		}
		written <- err
	}()
	const batchRows = 512
	batch := make([]any, 0, batchRows*width)
	send := func() {
		if len(batch) > 0 {
			batches <- batch
			batch = make([]any, 0, batchRows*width)
		}
	}
	// The count and the rows are read in one transaction; rows committed
	// in between may be listed too, so the percentage stops at 99 until done.
	err = db.Tx(ctx, job.Scope, func(tx pgx.Tx) error {
		if total, err = kind.Count(ctx, tx, job); err != nil {
			return fmt.Errorf("count rows: %w", err)
		}
		if err := progress(ctx); err != nil {
			return fmt.Errorf("report progress: %w", err)
		}
		step := max(progressEvery, total/100)
		return kind.Rows(ctx, tx, job, func(row []any) error {
			if len(row) != width {
				return fmt.Errorf("row of %d values for %d columns", len(row), width)
			}
			for _, v := range row {
				batch = append(batch, own(v))
			}
			if len(batch) == cap(batch) {
				select {
				case batches <- batch:
					batch = make([]any, 0, batchRows*width)
				case err := <-written: // the writer stopped early
					written <- err
					return fmt.Errorf("write sheet: %w", err)
				}
			}
			n++
			if n%step == 0 {
				if err := progress(ctx); err != nil {
					return fmt.Errorf("report progress: %w", err)
				}
			}
			return nil
		})
	})
	if err == nil {
		send()
	}
	close(batches)
	if werr := <-written; err == nil && werr != nil {
		err = fmt.Errorf("write sheet: %w", werr)
	}
	if err != nil {
		return err
	}
	return store(ctx, db, owner, id, sheet, n)
}

// own copies what a pointer value points at: a row source may reuse its
// scan targets for the next row.
func own(v any) any {
	switch x := v.(type) {
	case *time.Time:
		if x == nil {
			return nil
		}
		return *x
	case *int64:
		if x == nil {
			return nil
		}
		return *x
	case *float64:
		if x == nil {
			return nil
		}
		return *x
	case *string:
		if x == nil {
			return nil
		}
		return *x
	}
	return v
}

// countingWriter counts what passes through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// store writes the file into a temporary large object (the zip is streamed
// there, never held whole in memory), copies it into the export's row and
// unlinks the large object, all in one transaction, and marks the export
// done with its expiry.
func store(ctx context.Context, db *tenants.DB, owner Owner, id int64, sheet *sheetWriter, rows int64) error {
	col, key := owner.key()
	return db.Tx(ctx, owner.scope(), func(tx pgx.Tx) error {
		los := tx.LargeObjects()
		oid, err := los.Create(ctx, 0)
		if err != nil {
			return fmt.Errorf("create large object: %w", err)
		}
		lo, err := los.Open(ctx, oid, pgx.LargeObjectModeWrite)
		if err != nil {
			return fmt.Errorf("open large object: %w", err)
		}
		counter := &countingWriter{w: lo}
		buf := bufio.NewWriterSize(counter, 1<<20)
		if err := sheet.finish(buf); err != nil {
			return err
		}
		if err := buf.Flush(); err != nil {
			return fmt.Errorf("write large object: %w", err)
		}
		if err := lo.Close(); err != nil {
			return fmt.Errorf("close large object: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE `+owner.table()+` SET file = lo_get($3), file_size = $4, status = 'done', percent = 100,
				row_count = $5, total_rows = $5, error = '', finished_at = now(), expires_at = now() + make_interval(secs => $6)
			WHERE `+col+` = $1 AND id = $2 AND status = 'running'`, key, id, oid, counter.n, rows, DefaultTTL.Seconds()); err != nil {
			return fmt.Errorf("store file: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT lo_unlink($1)`, oid); err != nil {
			return fmt.Errorf("unlink large object: %w", err)
		}
		return nil
	})
}

// decodeStrict decodes JSON refusing unknown fields, naming the bad field.
func decodeStrict(raw json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return fengqiao.Invalid("body.filters."+typeErr.Field, "expected "+typeErr.Type.String(), nil)
		}
		return fengqiao.Invalid("body.filters", err.Error(), nil)
	}
	return nil
}
