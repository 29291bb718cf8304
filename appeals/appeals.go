// Package appeals takes residents' appeals from a scanned QR code (码上办):
// no sign-in, no app. The code names the street and the place; the appeal
// becomes a case of channel qr in the closed loop, and the resident keeps
// its tracking code.
package appeals

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/qrcodes"
	"github.com/fengqiao/fengqiao/tenants"
)

// Limits of a public appeal: a phone's photos and a few paragraphs.
const (
	MaxDescription = 2000
	MaxName        = 40
	MaxPhotos      = 3
	MaxPhotoBytes  = 5 << 20
)

// Appeal is what a resident submits.
type Appeal struct {
	CategoryID  int64 // one of the street's resident-facing services
	Description string
	Name        string // optional
	Phone       string // optional; only with Consent
	// Consent is the resident's agreement to the processing of their
	// personal information (PIPL): without it no phone number is kept.
	Consent        bool
	Photos         []cases.Photo
	IdempotencyKey string
}

// Receipt is what the resident takes away.
type Receipt struct {
	TrackingCode string
	Replayed     bool // the same submission came before; this is its case
}

// Service takes appeals.
type Service struct {
	codes *qrcodes.Service
	cases *cases.Service
}

// NewService returns a Service.
func NewService(codes *qrcodes.Service, cs *cases.Service) *Service {
	return &Service{codes: codes, cases: cs}
}

// Mainland mobile numbers, or a landline with its area code.
var phonePattern = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}-?[0-9]{7,8})$`)

func (a *Appeal) validate() []fengqiao.FieldError {
	a.Description, a.Name = strings.TrimSpace(a.Description), strings.TrimSpace(a.Name)
	a.Phone = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(a.Phone))
	var problems []fengqiao.FieldError
	add := func(loc, msg string, v any) {
		problems = append(problems, fengqiao.FieldError{Location: loc, Message: msg, Value: v})
	}
	if a.CategoryID == 0 {
		add("body.category_id", "choose a service", nil)
	}
	if n := utf8.RuneCountInString(a.Description); n == 0 || n > MaxDescription {
		add("body.description", fmt.Sprintf("describe the problem in 1 to %d characters", MaxDescription), n)
	}
	if utf8.RuneCountInString(a.Name) > MaxName {
		add("body.name", fmt.Sprintf("at most %d characters", MaxName), nil)
	}
	if a.Phone != "" {
		if !phonePattern.MatchString(a.Phone) {
			add("body.phone", "a mobile number (11 digits) or a landline with its area code", nil)
		}
		if !a.Consent {
			add("body.consent", "agree to the processing of your personal information to leave a phone number", false)
		}
	}
	if len(a.Photos) > MaxPhotos {
		add("body.photos", fmt.Sprintf("at most %d photos", MaxPhotos), len(a.Photos))
	}
	for _, p := range a.Photos {
		if len(p.Data) > MaxPhotoBytes {
			add("body.photos", fmt.Sprintf("each photo at most %d MiB", MaxPhotoBytes>>20), p.Filename)
			break
		}
	}
	return problems
}

// Submit files an appeal at the place of a scanned code. A replaced code
// is gone: the resident is asked to scan the new one.
func (s *Service) Submit(ctx context.Context, token string, a Appeal) (Receipt, error) {
	if problems := a.validate(); len(problems) > 0 {
		return Receipt{}, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "please check the appeal", Fields: problems}
	}
	scan, err := s.codes.Resolve(ctx, token)
	if err != nil {
		return Receipt{}, err
	}
	if scan.Replaced {
		return Receipt{}, fengqiao.Errorf(fengqiao.EGONE, "this code was replaced; scan the new code on the door")
	}
	c, replayed, err := s.cases.ReportOnce(ctx, tenants.Scope{TenantID: scan.TenantID}, cases.Resident, cases.NewCase{
		Channel: "qr", CategoryID: a.CategoryID, Grade: "general", Title: cases.Excerpt(a.Description), Description: a.Description,
		NodeID: scan.NodeID, ReporterName: a.Name, ReporterPhone: a.Phone,
		Photos: a.Photos, IdempotencyKey: a.IdempotencyKey, ResidentFacing: true,
	})
	if err != nil {
		return Receipt{}, fmt.Errorf("submit appeal: %w", err)
	}
	return Receipt{TrackingCode: c.TrackingCode, Replayed: replayed}, nil
}
