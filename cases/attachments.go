package cases

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Photo limits: phone photos fit; a case is not an album.
const (
	MaxAttachmentBytes    = 10 << 20
	MaxAttachmentsPerCase = 9
)

// AttachmentTypes are the image types a case takes, as sniffed from the
// bytes: what a browser says a file is counts for nothing.
var AttachmentTypes = []string{"image/jpeg", "image/png", "image/webp"}

// Attachment is a photo of a case, without its bytes.
type Attachment struct {
	ID          int64
	Filename    string
	ContentType string
	Size        int
	UploadedBy  string
	CreatedAt   time.Time
}

// Photo is a photo as uploaded, before it is stored.
type Photo struct {
	Filename string
	Data     []byte
}

// checkPhoto cleans a photo's name and checks its size and sniffed type;
// field names where the problem is reported (body.file, body.photos).
func checkPhoto(p *Photo, field string) (contentType string, err error) {
	p.Filename = cleanFilename(p.Filename)
	if len(p.Data) == 0 {
		return "", fengqiao.Invalid(field, "the file is empty", p.Filename)
	}
	if len(p.Data) > MaxAttachmentBytes {
		return "", &fengqiao.Error{Code: fengqiao.ETOOLARGE, Message: fmt.Sprintf("a photo may be at most %d MiB", MaxAttachmentBytes>>20),
			Fields: []fengqiao.FieldError{{Location: field, Message: "too large", Value: len(p.Data)}}}
	}
	contentType = http.DetectContentType(p.Data)
	if !isAttachmentType(contentType) {
		return "", &fengqiao.Error{Code: fengqiao.EUNSUPPORTED, Message: "a photo must be JPEG, PNG or WebP",
			Fields: []fengqiao.FieldError{{Location: field, Message: "this file is " + contentType, Value: p.Filename}}}
	}
	return contentType, nil
}

// Attach stores a photo of a case, in the database, and puts it on the
// timeline. The type is sniffed from the bytes; the size and the number
// per case are limited.
func (s *Service) Attach(ctx context.Context, scope tenants.Scope, by Actor, caseID int64, filename string, data []byte) (Attachment, error) {
	p := Photo{Filename: filename, Data: data}
	contentType, err := checkPhoto(&p, "body.file")
	if err != nil {
		return Attachment{}, err
	}
	var a Attachment
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		c, err := getForUpdate(ctx, tx, scope.TenantID, caseID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM case_attachments WHERE tenant_id = $1 AND case_id = $2`,
			scope.TenantID, caseID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxAttachmentsPerCase {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "case %d already has %d photos, the most it may have", caseID, n)
		}
		a, err = storePhoto(ctx, tx, scope.TenantID, c, by, p, contentType)
		return err
	})
	if err != nil {
		return Attachment{}, fmt.Errorf("attach to case %d: %w", caseID, err)
	}
	return a, nil
}

// storePhoto inserts a checked photo and records it on the timeline.
func storePhoto(ctx context.Context, tx pgx.Tx, tenantID int64, c Case, by Actor, p Photo, contentType string) (Attachment, error) {
	sum := sha256.Sum256(p.Data)
	var a Attachment
	err := tx.QueryRow(ctx, `INSERT INTO case_attachments (tenant_id, case_id, filename, content_type, size, sha256, data, uploaded_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+attachmentColumns,
		tenantID, c.ID, p.Filename, contentType, len(p.Data), sum[:], p.Data, by.Name).
		Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &a.UploadedBy, &a.CreatedAt)
	if err != nil {
		return Attachment{}, fmt.Errorf("insert attachment: %w", err)
	}
	return a, record(ctx, tx, tenantID, c.ID, by, "attach", c.Status, c.Status, "上传照片 "+p.Filename)
}

// AttachmentData returns one photo with its bytes.
func (s *Service) AttachmentData(ctx context.Context, scope tenants.Scope, caseID, id int64) (Attachment, []byte, error) {
	var a Attachment
	var data []byte
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT `+attachmentColumns+`, data FROM case_attachments WHERE tenant_id = $1 AND case_id = $2 AND id = $3`,
			scope.TenantID, caseID, id).Scan(&a.ID, &a.Filename, &a.ContentType, &a.Size, &a.UploadedBy, &a.CreatedAt, &data)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Attachment{}, nil, fengqiao.Errorf(fengqiao.ENOTFOUND, "case %d has no photo %d", caseID, id)
	}
	if err != nil {
		return Attachment{}, nil, fmt.Errorf("read photo %d of case %d: %w", id, caseID, err)
	}
	return a, data, nil
}

const attachmentColumns = `id, filename, content_type, size, uploaded_by, created_at`

func attachmentsOf(ctx context.Context, tx pgx.Tx, tenantID, caseID int64) ([]Attachment, error) {
	rows, err := tx.Query(ctx, `SELECT `+attachmentColumns+` FROM case_attachments WHERE tenant_id = $1 AND case_id = $2 ORDER BY id`,
		tenantID, caseID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[Attachment])
}

func isAttachmentType(t string) bool { return slices.Contains(AttachmentTypes, t) }

// cleanFilename keeps the base name, printable and at most 200 characters.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		name = "photo"
	}
	for utf8.RuneCountInString(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}
