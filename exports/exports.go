// Package exports builds XLSX files of what a person may see (the case
// ledger, a ranking and the indicator table, each a Kind in kinds) in
// a River job, with its progress in percent, a download when done and an
// expiry afterwards.
//
// An export belongs to a street (table exports, a tenant table) or, when
// county staff export the whole county, to the county (county_exports, a
// county table). It records the requester, the filters they chose and the
// visibility they had when they asked; the job applies both, so an export
// never holds more than its requester could list.
package exports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

// Status is where an export is in its life.
type Status string

// The statuses: queued → running → done (→ expired) or failed.
const (
	Queued  Status = "queued"
	Running Status = "running"
	Done    Status = "done"
	Failed  Status = "failed"
	Expired Status = "expired"
)

// DefaultTTL is how long a finished export can be downloaded.
const DefaultTTL = 24 * time.Hour

// Owner is where an export belongs: a street (TenantID) or, with CountyID
// alone, the county as a whole.
type Owner struct {
	TenantID int64
	CountyID int64
}

// county reports whether the owner is a county, and picks the table.
func (o Owner) county() bool { return o.TenantID == 0 }

func (o Owner) table() string {
	if o.county() {
		return "county_exports"
	}
	return "exports"
}

func (o Owner) key() (string, int64) {
	if o.county() {
		return "county_id", o.CountyID
	}
	return "tenant_id", o.TenantID
}

// scope is the scope the job works in.
func (o Owner) scope() tenants.Scope {
	if o.county() {
		return tenants.Scope{CountyID: o.CountyID}
	}
	return tenants.Scope{TenantID: o.TenantID}
}

// Export is one export as its requester sees it.
type Export struct {
	ID            int64
	Owner         Owner
	OwnerCode     string // the street's or the county's code
	OwnerName     string
	Kind          string
	Title         string // the kind's title: the file's name
	RequestedBy   string
	RequesterName string
	Filters       json.RawMessage
	Status        Status
	Percent       int
	TotalRows     *int64
	RowCount      int64
	FileSize      int64
	Error         string
	CreatedAt     time.Time
	StartedAt     *time.Time
	FinishedAt    *time.Time
	ExpiresAt     *time.Time
}

// Filename is the download's name: the kind's title, the owner and the time.
func (e Export) Filename() string {
	at := e.CreatedAt
	if e.FinishedAt != nil {
		at = *e.FinishedAt
	}
	return fmt.Sprintf("%s-%s-%s.xlsx", e.Title, e.OwnerName, at.In(fengqiao.China).Format("20060102-1504"))
}

// Request asks for an export.
type Request struct {
	Kind          string
	Filters       json.RawMessage // what the requester chose; the kind checks it
	Visibility    json.RawMessage // what the requester may list, as the kind reads it
	RequestedBy   string          // the principal's subject: a Kratos identity or apikey:<id>
	RequesterName string
}

// Service creates, lists and serves exports.
type Service struct {
	db   *tenants.DB
	jobs jobs.Inserter
}

// NewService serves exports from db; without WithJobs, nothing builds them.
func NewService(db *tenants.DB) *Service { return &Service{db: db} }

// WithJobs makes Create schedule the export job in its transaction.
func (s *Service) WithJobs(j jobs.Inserter) *Service {
	s.jobs = j
	return s
}

const exportColumns = `x.id, x.kind, x.requested_by, x.requester_name, x.filters, x.status, x.percent, x.total_rows, x.row_count,
	coalesce(x.file_size, 0), x.error, x.created_at, x.started_at, x.finished_at, x.expires_at`

// scanExport reads exportColumns, then the extra columns into extra.
func scanExport(row pgx.Row, e *Export, extra ...any) error {
	var status string
	dest := append([]any{&e.ID, &e.Kind, &e.RequestedBy, &e.RequesterName, &e.Filters, &status, &e.Percent, &e.TotalRows, &e.RowCount,
		&e.FileSize, &e.Error, &e.CreatedAt, &e.StartedAt, &e.FinishedAt, &e.ExpiresAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	e.Status = Status(status)
	if e.Status == Done && e.ExpiresAt != nil && !time.Now().Before(*e.ExpiresAt) {
		e.Status = Expired // on read: the sweep may not have run yet
	}
	if k, ok := Lookup(e.Kind); ok {
		e.Title = k.Title
	}
	return nil
}

// Create records an export request and schedules its job in the same
// transaction. scope must reach the owner (the street's scope, or the
// county's).
func (s *Service) Create(ctx context.Context, scope tenants.Scope, owner Owner, r Request) (Export, error) {
	k, ok := Lookup(r.Kind)
	if !ok {
		return Export{}, fengqiao.Invalid("body.kind", "unknown export kind; one of "+strings.Join(Kinds(), ", "), r.Kind)
	}
	filters := r.Filters
	if len(filters) == 0 || string(filters) == "null" {
		filters = json.RawMessage(`{}`)
	}
	if k.Check != nil {
		var err error
		if filters, err = k.Check(filters, owner.county()); err != nil {
			return Export{}, err
		}
	}
	visibility := r.Visibility
	if len(visibility) == 0 {
		visibility = json.RawMessage(`{}`)
	}
	if r.RequestedBy == "" {
		return Export{}, errors.New("export without a requester")
	}
	col, id := owner.key()
	e := Export{Owner: owner}
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if err := expire(ctx, tx, owner); err != nil {
			return err
		}
		err := scanExport(tx.QueryRow(ctx, `INSERT INTO `+owner.table()+` AS x (`+col+`, kind, requested_by, requester_name, filters, visibility)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+exportColumns, id, k.Name, r.RequestedBy, r.RequesterName, filters, visibility), &e)
		if err != nil {
			return fmt.Errorf("insert export: %w", err)
		}
		var batch jobs.Batch
		batch.Add(jobs.ExportArgs{TenantID: owner.TenantID, CountyID: ifCounty(owner), ExportID: e.ID}, nil)
		return batch.Insert(ctx, tx, s.jobs)
	})
	if err != nil {
		return Export{}, err
	}
	return s.Get(ctx, scope, owner, e.ID, r.RequestedBy)
}

func ifCounty(o Owner) int64 {
	if o.county() {
		return o.CountyID
	}
	return 0
}

// expire marks the owner's done exports past their time expired and blanks
// their files (no DELETE: the row stays, so the list says it expired).
func expire(ctx context.Context, tx pgx.Tx, owner Owner) error {
	col, id := owner.key()
	_, err := tx.Exec(ctx, `UPDATE `+owner.table()+` SET status = 'expired', file = NULL
		WHERE `+col+` = $1 AND status = 'done' AND expires_at <= now()`, id)
	if err != nil {
		return fmt.Errorf("expire exports: %w", err)
	}
	return nil
}

// ownerNames adds the owner's code and name to a select of one table.
func ownerJoin(owner Owner) string {
	if owner.county() {
		return ` JOIN counties o ON o.id = x.county_id`
	}
	return ` JOIN tenants o ON o.id = x.tenant_id`
}

// Get returns an export of requestedBy; anyone else's is not found.
func (s *Service) Get(ctx context.Context, scope tenants.Scope, owner Owner, id int64, requestedBy string) (Export, error) {
	col, key := owner.key()
	e := Export{Owner: owner}
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if err := expire(ctx, tx, owner); err != nil {
			return err
		}
		row := tx.QueryRow(ctx, `SELECT `+exportColumns+`, o.code, o.name FROM `+owner.table()+` x`+ownerJoin(owner)+`
			WHERE x.`+col+` = $1 AND x.id = $2 AND x.requested_by = $3`, key, id, requestedBy)
		return scanExport(row, &e, &e.OwnerCode, &e.OwnerName)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Export{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "export %d not found", id)
	}
	if err != nil {
		return Export{}, fmt.Errorf("get export %d: %w", id, err)
	}
	return e, nil
}

// Mine lists the exports of requestedBy that scope reaches, newest first:
// a street's, or for county staff the county's and every street's of the
// county (the county reads street rows through its SELECT-only policy).
func (s *Service) Mine(ctx context.Context, scope tenants.Scope, requestedBy string, limit int) ([]Export, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Export
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		if scope.TenantID != 0 {
			if err := expire(ctx, tx, Owner{TenantID: scope.TenantID}); err != nil {
				return err
			}
		}
		if scope.CountyID != 0 {
			if err := expire(ctx, tx, Owner{CountyID: scope.CountyID}); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, `SELECT * FROM (
				SELECT `+exportColumns+`, o.code, o.name, x.tenant_id, 0::bigint FROM exports x JOIN tenants o ON o.id = x.tenant_id WHERE x.requested_by = $1
				UNION ALL
				SELECT `+exportColumns+`, o.code, o.name, 0::bigint, x.county_id FROM county_exports x JOIN counties o ON o.id = x.county_id WHERE x.requested_by = $1
			) AS mine ORDER BY created_at DESC, id DESC LIMIT $2`, requestedBy, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Export
			if err := scanExport(rows, &e, &e.OwnerCode, &e.OwnerName, &e.Owner.TenantID, &e.Owner.CountyID); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("list exports: %w", err)
	}
	return out, nil
}

// downloadChunk is how much of a file one read takes: the file is stored
// uncompressed out of line, so substring() reads just that slice.
const downloadChunk = 1 << 20

// WriteFile writes the file of a done export of requestedBy to w, one slice
// at a time. An expired export is gone (410); one not done yet conflicts.
func (s *Service) WriteFile(ctx context.Context, scope tenants.Scope, owner Owner, id int64, requestedBy string, w io.Writer) error {
	col, key := owner.key()
	return s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		var status string
		var size int64
		var expired bool
		err := tx.QueryRow(ctx, `SELECT status, coalesce(file_size, 0), coalesce(expires_at <= now(), false) FROM `+owner.table()+`
			WHERE `+col+` = $1 AND id = $2 AND requested_by = $3`, key, id, requestedBy).Scan(&status, &size, &expired)
		if errors.Is(err, pgx.ErrNoRows) {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "export %d not found", id)
		}
		if err != nil {
			return fmt.Errorf("read export %d: %w", id, err)
		}
		if status == string(Expired) || (status == string(Done) && expired) {
			return fengqiao.Errorf(fengqiao.EGONE, "export %d has expired; export again", id)
		}
		if status != string(Done) {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "export %d is %s, not done", id, status)
		}
		for off := int64(0); off < size; off += downloadChunk {
			var chunk []byte
			if err := tx.QueryRow(ctx, `SELECT substring(file FROM $3 FOR $4) FROM `+owner.table()+` WHERE `+col+` = $1 AND id = $2`,
				key, id, off+1, downloadChunk).Scan(&chunk); err != nil {
				return fmt.Errorf("read export %d: %w", id, err)
			}
			if _, err := w.Write(chunk); err != nil {
				return err
			}
		}
		return nil
	})
}
