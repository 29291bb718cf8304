package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao/cases"
)

type summonInput struct {
	CasePath
	Body struct {
		DepartmentIDs []int64 `json:"department_ids" minItems:"1" maxItems:"20" doc:"the departments to summon"`
		WithinHours   int     `json:"within_hours" minimum:"1" maximum:"168" doc:"each must check in within this many hours"`
		Note          string  `json:"note,omitempty" maxLength:"2000" doc:"what they are summoned for"`
	}
}

type summonsListOutput struct {
	Body struct {
		Items []SummonsBody `json:"items"`
	}
}

type checkInInput struct {
	CasePath
	DepartmentID int64 `path:"departmentId" minimum:"1" doc:"the summoned department checking in"`
	Body         struct {
		Note string `json:"note,omitempty" maxLength:"2000"`
	}
}

// The department in the path is the target: its staff check in.
func (in *checkInInput) targetDepartment() int64 { return in.DepartmentID }

type summonsOutput struct{ Body SummonsBody }

type duplicatesOutput struct {
	Body struct {
		Items []CaseBody `json:"items" doc:"open cases of the same place and category reported within 14 days, nearest in time first"`
	}
}

type uploadInput struct {
	CasePath
	RawBody huma.MultipartFormFiles[struct {
		File huma.FormFile `form:"file" required:"true" doc:"one photo: JPEG, PNG or WebP, at most 10 MiB (the type is read from the bytes)"`
	}]
}

type attachmentOutput struct{ Body AttachmentBody }

type attachmentPath struct {
	CasePath
	AttachmentID int64 `path:"attachmentId" minimum:"1"`
}

// uploadLimit bounds a photo upload's whole body before it is parsed: the
// photo plus the multipart framing.
const uploadLimit = cases.MaxAttachmentBytes + 64<<10

func (s *Server) registerCasework(api huma.API) {
	tags := []string{"Cases"}
	tenantOp(s, api, huma.Operation{
		OperationID: "summon-departments", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/cases/{id}/summons", Tags: tags,
		Summary:       "Summon departments to a case (吹哨报到)",
		Description:   "The community or the centre blows the whistle: each department must check in within the hours given, or the case is escalated one level up the chain as for a missed deadline. Only open cases (reported, dispatched, accepted).",
		DefaultStatus: http.StatusCreated,
	}, need{Resource: "case", Action: "summon"}, func(ctx context.Context, st street, in *summonInput) (*summonsListOutput, error) {
		list, err := s.Cases.Summon(ctx, st.Scope, s.actor(ctx, &st.Tenant, st.Chain), in.ID, in.Body.DepartmentIDs, in.Body.WithinHours, in.Body.Note)
		if err != nil {
			return nil, err
		}
		out := &summonsListOutput{}
		now := time.Now()
		for _, sm := range list {
			out.Body.Items = append(out.Body.Items, summonsBody(sm, now))
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "check-in-summons", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/cases/{id}/summons/{departmentId}/check-in", Tags: tags,
		Summary:     "Check in to a summons (报到)",
		Description: "Staff of the summoned department report to the case. Needs case:handle in that department.",
	}, need{Resource: "case", Action: "handle"}, func(ctx context.Context, st street, in *checkInInput) (*summonsOutput, error) {
		sm, err := s.Cases.CheckIn(ctx, st.Scope, s.actor(ctx, &st.Tenant, st.Chain), in.ID, in.DepartmentID, in.Body.Note)
		if err != nil {
			return nil, err
		}
		return &summonsOutput{Body: summonsBody(sm, time.Now())}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "case-duplicates", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/cases/{id}/duplicates", Tags: tags,
		Summary:     "Suggest what a case duplicates",
		Description: "Open cases of the same building (or grid) and category reported within 14 days of it: candidates to merge it into.",
	}, need{Resource: "case", Action: "confirm"}, func(ctx context.Context, st street, in *CasePath) (*duplicatesOutput, error) {
		list, err := s.Cases.Duplicates(ctx, st.Scope, in.ID)
		if err != nil {
			return nil, err
		}
		out := &duplicatesOutput{}
		out.Body.Items = make([]CaseBody, len(list))
		for i, c := range list {
			out.Body.Items[i] = caseBody(c, false)
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "upload-case-attachment", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/cases/{id}/attachments", Tags: tags,
		Summary:       "Add a photo to a case",
		Description:   "multipart/form-data with one file in field `file`: JPEG, PNG or WebP (read from the bytes), at most 10 MiB, at most 9 per case. Stored in the database; the upload is on the timeline.",
		DefaultStatus: http.StatusCreated,
		Middlewares:   huma.Middlewares{bodyLimit(api, uploadLimit, "body.file", fmt.Sprintf("a photo may be at most %d MiB", cases.MaxAttachmentBytes>>20))},
	}, need{Resource: "case", Action: "write"}, func(ctx context.Context, st street, in *uploadInput) (*attachmentOutput, error) {
		f := in.RawBody.Data().File
		// One byte past the limit is enough for the service to refuse it.
		data, err := io.ReadAll(io.LimitReader(f, cases.MaxAttachmentBytes+1))
		if err != nil {
			return nil, fmt.Errorf("read upload: %w", err)
		}
		a, err := s.Cases.Attach(ctx, st.Scope, s.actor(ctx, &st.Tenant, st.Chain), in.ID, f.Filename, data)
		if err != nil {
			return nil, err
		}
		return &attachmentOutput{Body: attachmentBody(st.Code, in.ID, a)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "get-case-attachment", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/cases/{id}/attachments/{attachmentId}", Tags: tags,
		Summary: "Get a photo of a case",
		Responses: map[string]*huma.Response{"200": {Description: "the photo", Content: map[string]*huma.MediaType{
			"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
	}, need{Resource: "case", Action: "read"}, func(ctx context.Context, st street, in *attachmentPath) (*fileOutput, error) {
		a, data, err := s.Cases.AttachmentData(ctx, st.Scope, in.ID, in.AttachmentID)
		if err != nil {
			return nil, err
		}
		return &fileOutput{ContentType: a.ContentType, CacheControl: "private, max-age=86400",
			ContentDisposition: fmt.Sprintf("inline; filename*=UTF-8''%s", url.PathEscape(a.Filename)), Body: data}, nil
	})
}
