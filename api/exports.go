package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/exports"
	"github.com/fengqiao/fengqiao/tenants"
)

// xlsxType is the media type of an XLSX file.
const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// ExportFiltersBody are the filters of an export: for the case ledger, the
// case list's; for a ranking, its id; for the indicator table, the period
// (from, to).
type ExportFiltersBody struct {
	RankingID    int64      `json:"ranking_id,omitempty" minimum:"1" doc:"ranking: the (done) ranking to export; the county's export only"`
	Status       string     `json:"status,omitempty" enum:"reported,dispatched,accepted,resolved,confirmed,closed,cancelled,merged"`
	Channel      string     `json:"channel,omitempty" enum:"qr,grid_report,hotline_12345,visit,petition,online,superior_assigned,screening"`
	TrackingCode string     `json:"tracking_code,omitempty" maxLength:"13"`
	CategoryID   int64      `json:"category_id,omitempty" minimum:"1" doc:"a street's export only"`
	Grade        string     `json:"grade,omitempty" enum:"general,major,serious,urgent"`
	NodeID       int64      `json:"node_id,omitempty" minimum:"1" doc:"cases at or below this node; a street's export only"`
	DepartmentID int64      `json:"department_id,omitempty" minimum:"1" doc:"a street's export only"`
	Overdue      bool       `json:"overdue,omitempty" doc:"past the acceptance or completion deadline"`
	From         *time.Time `json:"from,omitempty" doc:"case_ledger: reported at or after; indicators: the period's start"`
	To           *time.Time `json:"to,omitempty" doc:"case_ledger: reported before; indicators: the period's end (exclusive)"`
	Sort         string     `json:"sort,omitempty" enum:"newest,oldest,due_soon" doc:"the list's order; newest when absent"`
}

type createExportBody struct {
	Kind    string            `json:"kind" enum:"case_ledger,ranking,indicators" doc:"what to export: case_ledger, the cases the caller may list; ranking, a done ranking of the county's assessment; indicators, every indicator of a period (the county's streets, or one street)"`
	Filters ExportFiltersBody `json:"filters,omitempty" doc:"exactly what the caller chose in the list"`
}

type createStreetExportInput struct {
	TenantPath
	Body createExportBody
}

type createCountyExportInput struct {
	CountyPath
	Body createExportBody
}

// ExportBody is an export as its requester sees it.
type ExportBody struct {
	ID          int64          `json:"id"`
	Kind        string         `json:"kind" example:"case_ledger"`
	Title       string         `json:"title" example:"案件台账"`
	Scope       string         `json:"scope" enum:"street,county" doc:"a street's export, or the whole county's"`
	Code        string         `json:"code" doc:"the street's or the county's code" example:"371326001"`
	Name        string         `json:"name" doc:"the street's or the county's name" example:"平邑街道"`
	Filters     map[string]any `json:"filters" doc:"the filters as chosen"`
	Status      string         `json:"status" enum:"queued,running,done,failed,expired"`
	Percent     int            `json:"percent" minimum:"0" maximum:"100"`
	TotalRows   *int64         `json:"total_rows,omitempty" doc:"known once the job has counted them"`
	RowCount    int64          `json:"row_count" doc:"rows written so far; all of them when done"`
	FileSize    int64          `json:"file_size,omitempty" doc:"bytes, when done"`
	Filename    string         `json:"filename" example:"案件台账-平邑街道-20261201-0930.xlsx"`
	Error       string         `json:"error,omitempty" doc:"why it failed"`
	CreatedAt   time.Time      `json:"created_at"`
	StartedAt   *time.Time     `json:"started_at,omitempty"`
	FinishedAt  *time.Time     `json:"finished_at,omitempty"`
	ExpiresAt   *time.Time     `json:"expires_at,omitempty" doc:"the download is gone (410) after this"`
	URL         string         `json:"url" doc:"where to GET this export again"`
	DownloadURL string         `json:"download_url,omitempty" doc:"where to GET the XLSX file, once done"`
}

func exportBody(e exports.Export) ExportBody {
	scope, base := "street", "/api/v1/tenants/"+e.OwnerCode+"/exports/"
	if e.Owner.TenantID == 0 {
		scope, base = "county", "/api/v1/counties/"+e.OwnerCode+"/exports/"
	}
	b := ExportBody{ID: e.ID, Kind: e.Kind, Title: e.Title, Scope: scope, Code: e.OwnerCode, Name: e.OwnerName, Filters: map[string]any{},
		Status: string(e.Status), Percent: e.Percent, TotalRows: e.TotalRows, RowCount: e.RowCount, FileSize: e.FileSize, Filename: e.Filename(),
		Error: e.Error, CreatedAt: e.CreatedAt, StartedAt: e.StartedAt, FinishedAt: e.FinishedAt, ExpiresAt: e.ExpiresAt,
		URL: base + strconv.FormatInt(e.ID, 10)}
	_ = json.Unmarshal(e.Filters, &b.Filters)
	if e.Status == exports.Done {
		b.DownloadURL = b.URL + "/download"
	}
	return b
}

type exportOutput struct{ Body ExportBody }

type exportListOutput struct {
	Body struct {
		Items []ExportBody `json:"items" doc:"newest first"`
	}
}

type streetExportPath struct {
	TenantPath
	ID int64 `path:"id" minimum:"1"`
}

type countyExportPath struct {
	CountyPath
	ID int64 `path:"id" minimum:"1"`
}

// downloadResponses documents an XLSX download.
var downloadResponses = map[string]*huma.Response{
	"200": {Description: "The XLSX file, named in Content-Disposition", Content: map[string]*huma.MediaType{
		xlsxType: {Schema: &huma.Schema{Type: "string", Format: "binary"}}}},
}

func (s *Server) registerExports(api huma.API) {
	tags := []string{"Exports"}
	read := need{Resource: "case", Action: "read", anywhere: true}
	tenantOp(s, api, huma.Operation{
		OperationID: "create-street-export", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/exports", Tags: tags,
		Summary: "Export to XLSX", DefaultStatus: http.StatusAccepted,
		Description: "Starts a background export of what the caller may list, with the filters chosen (the case ledger: a grid worker's export holds their grids only). " +
			"Follow it at `url` (status, percent) and download it from `download_url` when done, until `expires_at`.",
	}, read, func(ctx context.Context, st street, in *createStreetExportInput) (*exportOutput, error) {
		if id := in.Body.Filters.NodeID; id != 0 {
			if _, err := s.Tenants.Node(ctx, st.Scope, id); fengqiao.ErrorCode(err) == fengqiao.ENOTFOUND {
				return nil, fengqiao.Invalid("body.filters.node_id", "no such node in this street", id)
			} else if err != nil {
				return nil, err
			}
		}
		v, err := s.caseVisibility(ctx, st)
		if err != nil {
			return nil, err
		}
		visibility, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return s.createExport(ctx, st.Scope, exports.Owner{TenantID: st.ID}, in.Body, visibility)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "create-county-export", Method: http.MethodPost, Path: "/api/v1/counties/{countyCode}/exports", Tags: tags,
		Summary: "Export the whole county to XLSX", DefaultStatus: http.StatusAccepted,
		Description: "As a street's export, across every street of the county (county staff). Filters that belong to one street (category, node, department) are refused.",
	}, need{Resource: "case", Action: "read"}, func(ctx context.Context, c tenants.County, in *createCountyExportInput) (*exportOutput, error) {
		p, _ := principalFrom(ctx)
		return s.createExport(ctx, tenants.Scope{CountyID: c.ID, IdentityID: p.sessionID()}, exports.Owner{CountyID: c.ID}, in.Body,
			json.RawMessage(`{"Street":true}`))
	})
	op(s, api, huma.Operation{
		OperationID: "list-my-exports", Method: http.MethodGet, Path: "/api/v1/exports", Tags: tags,
		Summary: "My exports", Description: "The caller's exports in every street they reach (and the county's, for county staff), newest first.",
	}, need{Resource: "self", Action: "read"}, func(ctx context.Context, _ *struct{}) (*exportListOutput, error) {
		p, ok := principalFrom(ctx)
		if !ok {
			return nil, fengqiao.Errorf(fengqiao.EUNAUTHORIZED, "sign in first")
		}
		var scopes []tenants.Scope
		switch {
		case p.countyWide():
			scopes = []tenants.Scope{{CountyID: p.CountyID, IdentityID: p.sessionID()}}
		case p.Credential == "api_key":
			scopes = []tenants.Scope{{TenantID: p.TenantID}}
		default:
			seen := map[int64]bool{}
			for _, m := range p.Memberships {
				if m.TenantID != 0 && !seen[m.TenantID] {
					seen[m.TenantID] = true
					scopes = append(scopes, tenants.Scope{TenantID: m.TenantID, IdentityID: p.Subject})
				}
			}
		}
		out := &exportListOutput{}
		out.Body.Items = []ExportBody{}
		for _, scope := range scopes {
			mine, err := s.Exports.Mine(ctx, scope, p.Subject, 50)
			if err != nil {
				return nil, err
			}
			for _, e := range mine {
				out.Body.Items = append(out.Body.Items, exportBody(e))
			}
		}
		slices.SortStableFunc(out.Body.Items, func(a, b ExportBody) int { return b.CreatedAt.Compare(a.CreatedAt) })
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "get-street-export", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/exports/{id}", Tags: tags,
		Summary: "An export's progress", Description: "Status, percent and rows so far; `download_url` once done. Only the requester sees an export; anyone else gets 404.",
	}, read, func(ctx context.Context, st street, in *streetExportPath) (*exportOutput, error) {
		p, _ := principalFrom(ctx)
		e, err := s.Exports.Get(ctx, st.Scope, exports.Owner{TenantID: st.ID}, in.ID, p.Subject)
		if err != nil {
			return nil, err
		}
		return &exportOutput{Body: exportBody(e)}, nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "get-county-export", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/exports/{id}", Tags: tags,
		Summary: "A county export's progress", Description: "As a street's export.",
	}, need{Resource: "case", Action: "read"}, func(ctx context.Context, c tenants.County, in *countyExportPath) (*exportOutput, error) {
		p, _ := principalFrom(ctx)
		e, err := s.Exports.Get(ctx, tenants.Scope{CountyID: c.ID, IdentityID: p.sessionID()}, exports.Owner{CountyID: c.ID}, in.ID, p.Subject)
		if err != nil {
			return nil, err
		}
		return &exportOutput{Body: exportBody(e)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "download-street-export", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/exports/{id}/download", Tags: tags,
		Summary: "Download an export", Responses: downloadResponses,
		Description: "The XLSX file, once done (409 before). After `expires_at` the file is gone: 410.",
	}, read, func(ctx context.Context, st street, in *streetExportPath) (*huma.StreamResponse, error) {
		p, _ := principalFrom(ctx)
		return s.downloadExport(ctx, st.Scope, exports.Owner{TenantID: st.ID}, in.ID, p.Subject)
	})
	countyOp(s, api, huma.Operation{
		OperationID: "download-county-export", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/exports/{id}/download", Tags: tags,
		Summary: "Download a county export", Responses: downloadResponses, Description: "As a street's export.",
	}, need{Resource: "case", Action: "read"}, func(ctx context.Context, c tenants.County, in *countyExportPath) (*huma.StreamResponse, error) {
		p, _ := principalFrom(ctx)
		return s.downloadExport(ctx, tenants.Scope{CountyID: c.ID, IdentityID: p.sessionID()}, exports.Owner{CountyID: c.ID}, in.ID, p.Subject)
	})
}

func (s *Server) createExport(ctx context.Context, scope tenants.Scope, owner exports.Owner, body createExportBody, visibility json.RawMessage) (*exportOutput, error) {
	p, _ := principalFrom(ctx)
	filters, err := json.Marshal(body.Filters)
	if err != nil {
		return nil, err
	}
	name := p.Name
	if p.Credential == "api_key" {
		name = "API key: " + p.Name
	}
	e, err := s.Exports.Create(ctx, scope, owner, exports.Request{Kind: body.Kind, Filters: filters, Visibility: visibility,
		RequestedBy: p.Subject, RequesterName: name})
	if err != nil {
		return nil, err
	}
	return &exportOutput{Body: exportBody(e)}, nil
}

// downloadExport checks the export (404 for others', 409 before done, 410
// once expired), then streams its file.
func (s *Server) downloadExport(ctx context.Context, scope tenants.Scope, owner exports.Owner, id int64, requestedBy string) (*huma.StreamResponse, error) {
	e, err := s.Exports.Get(ctx, scope, owner, id, requestedBy)
	if err != nil {
		return nil, err
	}
	switch e.Status {
	case exports.Done:
	case exports.Expired:
		return nil, fengqiao.Errorf(fengqiao.EGONE, "export %d expired at %s; export again", id, e.ExpiresAt.Format(time.RFC3339))
	default:
		return nil, fengqiao.Errorf(fengqiao.ECONFLICT, "export %d is %s, not done yet", id, e.Status)
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		hc.SetHeader("Content-Type", xlsxType)
		hc.SetHeader("Content-Disposition", contentDisposition(e.Filename(), fmt.Sprintf("export-%d.xlsx", id)))
		hc.SetHeader("Content-Length", strconv.FormatInt(e.FileSize, 10))
		hc.SetHeader("Cache-Control", "private, no-store")
		hc.SetStatus(http.StatusOK)
		if err := s.Exports.WriteFile(hc.Context(), scope, owner, id, requestedBy, hc.BodyWriter()); err != nil {
			s.Log.Warn("export download cut short", "export", id, "error", err)
		}
	}}, nil
}

// contentDisposition names a download in UTF-8 (RFC 6266 / 5987) with an
// ASCII fallback for old clients.
func contentDisposition(name, ascii string) string {
	return fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, ascii, strings.ReplaceAll(url.PathEscape(name), "+", "%2B"))
}
