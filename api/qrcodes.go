package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao/qrcodes"
)

// QRCodeBody is a place's QR code and where to get it.
type QRCodeBody struct {
	NodeID    int64     `json:"node_id"`
	Token     string    `json:"token" doc:"random and unguessable; rotating the code replaces it"`
	URL       string    `json:"url" doc:"what the code holds: the appeal page for this place"`
	PNGURL    string    `json:"png_url"`
	SVGURL    string    `json:"svg_url"`
	CreatedAt time.Time `json:"created_at"`
}

type qrCodeOutput struct{ Body QRCodeBody }

type qrImageInput struct {
	NodePath
	Scale int `query:"scale" minimum:"2" maximum:"40" default:"10" doc:"pixels per module (PNG only)"`
}

type fileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

// appealURL is where a code sends a resident.
func (s *Server) appealURL(token string) string {
	return strings.TrimSuffix(s.PublicURL, "/") + "/q/" + token
}

func (s *Server) qrCodeBody(tenantCode string, c qrcodes.Code) QRCodeBody {
	base := fmt.Sprintf("/api/v1/tenants/%s/nodes/%d/qr", tenantCode, c.NodeID)
	return QRCodeBody{NodeID: c.NodeID, Token: c.Token, URL: s.appealURL(c.Token), PNGURL: base + ".png", SVGURL: base + ".svg", CreatedAt: c.CreatedAt}
}

func (s *Server) registerQRCodes(api huma.API) {
	tags := []string{"QR codes"}
	read, write := need{Resource: "node", Action: "read"}, need{Resource: "node", Action: "write"}
	tenantOp(s, api, huma.Operation{
		OperationID: "get-qr-code", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/nodes/{id}/qr", Tags: tags,
		Summary:     "A building's or grid's QR code",
		Description: "The code residents scan (码上办). Made the first time it is asked for; the same until rotated.",
	}, read, func(ctx context.Context, st street, in *NodePath) (*qrCodeOutput, error) {
		c, err := s.QRCodes.For(ctx, st.Scope, in.ID)
		if err != nil {
			return nil, err
		}
		return &qrCodeOutput{Body: s.qrCodeBody(st.Code, c)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "rotate-qr-code", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/nodes/{id}/qr/rotate", Tags: tags,
		Summary:     "Replace a QR code",
		Description: "For a code torn off or misused: the new code works at once; the old one then only says it was replaced.",
	}, write, func(ctx context.Context, st street, in *NodePath) (*qrCodeOutput, error) {
		c, err := s.QRCodes.Rotate(ctx, st.Scope, in.ID)
		if err != nil {
			return nil, err
		}
		return &qrCodeOutput{Body: s.qrCodeBody(st.Code, c)}, nil
	})
	image := func(ext, contentType string, render func(url string, scale int) ([]byte, error)) {
		tenantOp(s, api, huma.Operation{
			OperationID: "get-qr-code-" + ext, Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/nodes/{id}/qr." + ext, Tags: tags,
			Summary:   "A QR code as " + strings.ToUpper(ext),
			Responses: map[string]*huma.Response{"200": {Description: "the code", Content: map[string]*huma.MediaType{contentType: {}}}},
		}, read, func(ctx context.Context, st street, in *qrImageInput) (*fileOutput, error) {
			c, err := s.QRCodes.For(ctx, st.Scope, in.ID)
			if err != nil {
				return nil, err
			}
			data, err := render(s.appealURL(c.Token), in.Scale)
			if err != nil {
				return nil, err
			}
			return &fileOutput{ContentType: contentType, CacheControl: "private, no-cache",
				ContentDisposition: fmt.Sprintf(`inline; filename="qr-%s-%d.%s"`, st.Code, in.ID, ext), Body: data}, nil
		})
	}
	image("png", "image/png", qrcodes.PNG)
	image("svg", "image/svg+xml", func(url string, _ int) ([]byte, error) {
		svg, err := qrcodes.SVG(url)
		return []byte(svg), err
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "get-qr-labels", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/nodes/{id}/qr-labels", Tags: tags,
		Summary:     "A printable A4 sheet of QR labels",
		Description: "Every grid and building at or below a community, zone or grid, one label each with its name and code. Codes missing so far are made.",
		Responses:   map[string]*huma.Response{"200": {Description: "an HTML page to print", Content: map[string]*huma.MediaType{"text/html": {}}}},
	}, read, func(ctx context.Context, st street, in *NodePath) (*fileOutput, error) {
		codes, err := s.QRCodes.Codes(ctx, st.Scope, st.Node)
		if err != nil {
			return nil, err
		}
		sheet := qrcodes.Sheet{Street: st.Name, Title: st.Node.Name}
		for _, c := range codes {
			sheet.Labels = append(sheet.Labels, qrcodes.Label{Place: c.Name, Code: c.Code, URL: s.appealURL(c.Token)})
		}
		html, err := sheet.HTML()
		if err != nil {
			return nil, err
		}
		return &fileOutput{ContentType: "text/html; charset=utf-8", CacheControl: "private, no-cache", Body: html}, nil
	})
}

type scanInput struct {
	Token string `path:"token" maxLength:"64" doc:"from the code on the door"`
}

// ServiceBody is a service a resident can ask for.
type ServiceBody struct {
	CategoryID int64  `json:"category_id"`
	Name       string `json:"name" example:"纠纷化解"`
}

type scanOutput struct {
	Body struct {
		Status   string        `json:"status" enum:"live,replaced" doc:"replaced: the code was swapped for a new one; ask for the new label"`
		Street   string        `json:"street,omitempty"`
		Place    string        `json:"place,omitempty" example:"东关社区 第1网格 1号楼"`
		Services []ServiceBody `json:"services,omitempty" doc:"what residents can ask for here"`
	}
}

func (s *Server) registerScans(api huma.API, lim publicLimiters) {
	op(s, api, huma.Operation{
		OperationID: "get-scan", Method: http.MethodGet, Path: "/api/v1/public/scans/{token}", Tags: []string{"Residents"},
		Summary:     "What a scanned QR code shows",
		Description: "No sign-in: the street, the place and the services a resident can ask for there. An unknown token is 404; a replaced code says only that it was replaced.",
		Middlewares: limited(api, lim.lookups()),
	}, public, func(ctx context.Context, in *scanInput) (*scanOutput, error) {
		p, err := s.QRCodes.PlaceOf(ctx, in.Token)
		if err != nil {
			return nil, err
		}
		out := &scanOutput{}
		if p.Replaced {
			out.Body.Status = "replaced"
			return out, nil
		}
		out.Body.Status, out.Body.Street, out.Body.Place = "live", p.Street, p.Place
		for _, sv := range p.Services {
			out.Body.Services = append(out.Body.Services, ServiceBody{CategoryID: sv.CategoryID, Name: sv.Name})
		}
		return out, nil
	})
}
