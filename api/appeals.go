package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao/appeals"
	"github.com/fengqiao/fengqiao/cases"
)

// appealBodyLimit bounds a whole appeal before it is parsed: the photos
// plus the form's text and framing.
const appealBodyLimit = appeals.MaxPhotos*appeals.MaxPhotoBytes + 64<<10

type appealInput struct {
	Token          string `path:"token" maxLength:"64" doc:"from the code on the door"`
	IdempotencyKey string `header:"Idempotency-Key" doc:"one random key per filled form, sent again on a retry: a double tap makes one case (16 to 64 letters, digits, - or _)"`
	// Nothing is required at the form level: the service checks every
	// field and names it as body.<field>, like the JSON operations.
	RawBody huma.MultipartFormFiles[struct {
		CategoryID  int64           `form:"category_id" required:"false" doc:"one of the services the scan listed"`
		Description string          `form:"description" required:"false" doc:"the problem, 1 to 2000 characters"`
		Name        string          `form:"name" required:"false" doc:"optional, at most 40 characters"`
		Phone       string          `form:"phone" required:"false" doc:"optional; kept only with consent"`
		Consent     bool            `form:"consent" required:"false" doc:"agreement to the processing of personal information (PIPL); required with a phone number"`
		Photos      []huma.FormFile `form:"photos" required:"false" doc:"up to 3 photos, JPEG, PNG or WebP (read from the bytes), at most 5 MiB each"`
	}]
}

// ReceiptBody is what a resident keeps after submitting.
type ReceiptBody struct {
	TrackingCode string `json:"tracking_code" example:"7KQ2-M9XD-3PJ" doc:"to read aloud or type on the status page; case-insensitive, dashes optional"`
	StatusURL    string `json:"status_url" example:"/t/7KQ2-M9XD-3PJ" doc:"the case's public status page"`
}

type receiptOutput struct {
	Status int
	Body   ReceiptBody
}

type TrackingPath struct {
	Code string `path:"code" maxLength:"40" doc:"a tracking code, as the resident typed it"`
}

// PublicEventBody is a line of the public timeline.
type PublicEventBody struct {
	At     time.Time `json:"at"`
	Action string    `json:"action" enum:"report,dispatch,accept,return,resolve,self_resolve,confirm,close,reopen,merge,cancel,attach,rate"`
	Status string    `json:"status" doc:"the case's status after this step"`
	Note   *string   `json:"note" nullable:"true" doc:"the result, the answer, or the resident's own reason; null otherwise"`
}

// RatingBody is a resident's rating of an answer.
type RatingBody struct {
	Score   int       `json:"score" minimum:"1" maximum:"5"`
	Comment string    `json:"comment"`
	RatedAt time.Time `json:"rated_at"`
}

// TrackingBody is a case as its resident sees it: progress and answer, no
// staff names, no internal notes.
type TrackingBody struct {
	TrackingCode       string            `json:"tracking_code"`
	Status             string            `json:"status" enum:"reported,dispatched,accepted,resolved,confirmed,closed,cancelled,merged"`
	Service            string            `json:"service" example:"纠纷化解"`
	Place              string            `json:"place"`
	Description        string            `json:"description"`
	ReportedAt         time.Time         `json:"reported_at"`
	ExpectedCompletion *time.Time        `json:"expected_completion" nullable:"true" doc:"the completion deadline while the case is being handled; null otherwise"`
	Department         *string           `json:"department" nullable:"true" doc:"the unit handling it"`
	Result             *string           `json:"result" nullable:"true"`
	Answer             *string           `json:"answer" nullable:"true" doc:"the reply to the resident"`
	Timeline           []PublicEventBody `json:"timeline"`
	Rating             *RatingBody       `json:"rating" doc:"null until the resident rates an answer"`
	CanRate            bool              `json:"can_rate" doc:"the current answer may be rated (once)"`
	CanReopen          bool              `json:"can_reopen" doc:"the resident may still say \"not satisfied\" and have it handled again"`
	ReopenUntil        *time.Time        `json:"reopen_until" nullable:"true"`
}

type trackingOutput struct{ Body TrackingBody }

type ratingInput struct {
	TrackingPath
	Body struct {
		Score   int    `json:"score" minimum:"1" maximum:"5"`
		Comment string `json:"comment,omitempty" maxLength:"500"`
	}
}

type reopenInput struct {
	TrackingPath
	Body struct {
		Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"what is still wrong"`
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func trackingBody(t cases.Tracking) TrackingBody {
	b := TrackingBody{TrackingCode: t.TrackingCode, Status: string(t.Status), Service: t.Service, Place: t.Place, Description: t.Description,
		ReportedAt: t.ReportedAt, ExpectedCompletion: t.ExpectedCompletion, Department: optional(t.Department),
		Result: optional(t.Result), Answer: optional(t.Answer), Timeline: make([]PublicEventBody, len(t.Timeline)),
		CanRate: t.CanRate, CanReopen: t.ReopenUntil != nil, ReopenUntil: t.ReopenUntil}
	for i, e := range t.Timeline {
		b.Timeline[i] = PublicEventBody{At: e.At, Action: e.Action, Status: string(e.Status), Note: optional(e.Note)}
	}
	if t.Rating != nil {
		b.Rating = &RatingBody{Score: t.Rating.Score, Comment: t.Rating.Comment, RatedAt: t.Rating.RatedAt}
	}
	return b
}

func (s *Server) registerAppeals(api huma.API, lim publicLimiters) {
	tags := []string{"Residents"}
	op(s, api, huma.Operation{
		OperationID: "submit-appeal", Method: http.MethodPost, Path: "/api/v1/public/scans/{token}/appeals", Tags: tags,
		Summary: "Submit an appeal at a scanned place",
		Description: "No sign-in (码上办). multipart/form-data. The appeal becomes a case of channel qr at the code's place, with its photos, " +
			"and the answer is its tracking code: 201 for a new case, 200 when the Idempotency-Key was seen before (the same case). " +
			"A replaced code is 410. Limited per address and per code: 429 with Retry-After.",
		DefaultStatus: http.StatusCreated,
		Middlewares: append(limited(api, lim.submissions(),
			limitCheck{limiter: lim.submitPerCode, key: func(ctx huma.Context) string { return ctx.Param("token") }, message: "too many submissions through this code"}),
			bodyLimit(api, appealBodyLimit, "body.photos", fmt.Sprintf("an appeal may carry at most %d photos of %d MiB", appeals.MaxPhotos, appeals.MaxPhotoBytes>>20))),
	}, public, func(ctx context.Context, in *appealInput) (*receiptOutput, error) {
		form := in.RawBody.Data()
		a := appeals.Appeal{CategoryID: form.CategoryID, Description: form.Description, Name: form.Name, Phone: form.Phone,
			Consent: form.Consent, IdempotencyKey: in.IdempotencyKey}
		for _, f := range form.Photos {
			// One byte past the limit is enough for the service to refuse it.
			data, err := io.ReadAll(io.LimitReader(f, appeals.MaxPhotoBytes+1))
			if err != nil {
				return nil, fmt.Errorf("read photo: %w", err)
			}
			a.Photos = append(a.Photos, cases.Photo{Filename: f.Filename, Data: data})
		}
		rc, err := s.Appeals.Submit(ctx, in.Token, a)
		if err != nil {
			return nil, err
		}
		out := &receiptOutput{Status: http.StatusCreated, Body: ReceiptBody{TrackingCode: rc.TrackingCode, StatusURL: "/t/" + rc.TrackingCode}}
		if rc.Replayed {
			out.Status = http.StatusOK
		}
		return out, nil
	})
	op(s, api, huma.Operation{
		OperationID: "get-tracking", Method: http.MethodGet, Path: "/api/v1/public/tracking/{code}", Tags: tags,
		Summary:     "A case as its resident sees it",
		Description: "No sign-in: the tracking code is the key. Progress, the unit handling it, the expected completion, the answer and the rating; no staff names, no internal notes.",
		Middlewares: limited(api, lim.lookups()),
	}, public, func(ctx context.Context, in *TrackingPath) (*trackingOutput, error) {
		t, err := s.Cases.Track(ctx, in.Code)
		if err != nil {
			return nil, err
		}
		return &trackingOutput{Body: trackingBody(t)}, nil
	})
	op(s, api, huma.Operation{
		OperationID: "rate-case", Method: http.MethodPost, Path: "/api/v1/public/tracking/{code}/rating", Tags: tags,
		Summary:     "Rate the answer to a case",
		Description: "Once per answer, after the case is resolved: a score from 1 to 5 and an optional comment. 409 when there is no answer yet or it was rated.",
		Middlewares: limited(api, lim.submissions()),
	}, public, func(ctx context.Context, in *ratingInput) (*trackingOutput, error) {
		t, err := s.Cases.Rate(ctx, in.Code, in.Body.Score, in.Body.Comment)
		if err != nil {
			return nil, err
		}
		return &trackingOutput{Body: trackingBody(t)}, nil
	})
	op(s, api, huma.Operation{
		OperationID: "reopen-case-as-resident", Method: http.MethodPost, Path: "/api/v1/public/tracking/{code}/reopen", Tags: tags,
		Summary:     "Not satisfied: have the case handled again",
		Description: "Within the street's window after the answer (reopen_window_days): the case goes back to the centre, which is notified. 409 outside the window.",
		Middlewares: limited(api, lim.submissions()),
	}, public, func(ctx context.Context, in *reopenInput) (*trackingOutput, error) {
		t, err := s.Cases.ResidentReopen(ctx, in.Code, in.Body.Reason)
		if err != nil {
			return nil, err
		}
		return &trackingOutput{Body: trackingBody(t)}, nil
	})
}
