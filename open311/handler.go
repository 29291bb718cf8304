// Package open311 serves Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2)
// for the streets of the county: each street is a jurisdiction, named by
// its code; its case categories are the services; a service request is a
// case, named by its tracking code. XML and JSON are chosen by the suffix.
//
// Unlike the specification, reading requests needs the street's API key
// as well as creating them: cases are residents' disputes, and no public
// endpoint may reveal a case's data (PIPL). Discovery says so.
package open311

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/tenants"
)

// Prefix is where the API is mounted.
const Prefix = "/open311/v2/"

// Changeset is when the discovery document or the service definitions
// last changed in a way clients should notice.
const Changeset = "2026-12-01T00:00:00Z"

// Handler serves the API under Prefix.
type Handler struct {
	Tenants *tenants.Service
	Cases   *cases.Service
	Keys    *apikeys.Store
	URL     string // the endpoint's absolute URL, as discovery lists it
	Log     *slog.Logger
	// Limit spends one of the caller's allowance and says how long to wait
	// when there is none (429); nil: no limit.
	Limit func(*http.Request) time.Duration
}

// maxBody bounds a POST: 4000 characters of description and a few short
// fields, percent-encoded.
const maxBody = 1 << 20

var formats = map[string]format{"xml": formatXML, "json": formatJSON}

// ServeHTTP answers one call: the suffix picks the format, errors included.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, ext, ok := cutLast(strings.TrimPrefix(r.URL.Path, Prefix), ".")
	f, known := formats[ext]
	if !ok || !known {
		// XML is the format every client must read.
		h.writeFailure(w, r, formatXML, fail(http.StatusNotFound, "unknown format %q: end the path in .xml or .json", ext))
		return
	}
	if h.Limit != nil {
		if wait := h.Limit(r); wait > 0 {
			seconds := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(seconds))
			h.writeFailure(w, r, f, fail(http.StatusTooManyRequests, "too many requests from this address; try again in %d seconds", seconds))
			return
		}
	}
	a, err := h.serve(w, r, route)
	if err != nil {
		h.writeFailure(w, r, f, h.asFailure(r.Context(), err))
		return
	}
	h.write(w, r, f, a)
}

func cutLast(s, sep string) (before, after string, found bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// endpoint answers one resource.
type endpoint func(context.Context, *http.Request) (answer, error)

// serve finds the endpoint of a path without its suffix, checks the
// method and reads the arguments.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, route string) (answer, error) {
	methods, e := h.route(route)
	if e == nil {
		return answer{}, fail(http.StatusNotFound, "no resource %s in GeoReport v2", route)
	}
	if !slices.Contains(methods, r.Method) {
		w.Header().Set("Allow", strings.Join(methods, ", "))
		return answer{}, fail(http.StatusMethodNotAllowed, "%s does not take %s; use %s", route, r.Method, strings.Join(methods, " or "))
	}
	if r.Method == http.MethodPost {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
			return answer{}, fail(http.StatusBadRequest, "send the fields as application/x-www-form-urlencoded")
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	}
	if err := r.ParseForm(); err != nil {
		return answer{}, fail(http.StatusBadRequest, "unreadable arguments: %v", err)
	}
	return e(r.Context(), r)
}

// route names the methods and the endpoint of a path; nil if none.
func (h *Handler) route(route string) ([]string, endpoint) {
	get := []string{http.MethodGet}
	switch parts := strings.Split(route, "/"); {
	case route == "discovery":
		return get, func(context.Context, *http.Request) (answer, error) { return h.discovery(), nil }
	case route == "services":
		return get, h.services
	case route == "requests":
		return []string{http.MethodGet, http.MethodPost}, func(ctx context.Context, r *http.Request) (answer, error) {
			if r.Method == http.MethodPost {
				return h.create(ctx, r)
			}
			return h.requests(ctx, r)
		}
	case len(parts) != 2 || parts[1] == "":
		return nil, nil
	case parts[0] == "services":
		return get, func(ctx context.Context, r *http.Request) (answer, error) { return h.definition(ctx, r, parts[1]) }
	case parts[0] == "requests":
		return get, func(ctx context.Context, r *http.Request) (answer, error) { return h.request(ctx, r, parts[1]) }
	case parts[0] == "tokens":
		return get, func(ctx context.Context, r *http.Request) (answer, error) { return h.token(ctx, r, parts[1]) }
	}
	return nil, nil
}

func (h *Handler) discovery() answer {
	d := Discovery{
		Changeset: Changeset,
		Contact:   "The street's governance centre (综治中心); for API keys and access, the county's political-legal committee (政法委).",
		KeyService: "API keys are issued per street (jurisdiction) by the county's administrators: fengqiao apikey create -county COUNTY -tenant STREET -name NAME. " +
			"A key is needed to create requests and, because requests are residents' disputes and personal information (PIPL), also to read requests and tokens: " +
			"GET requests, requests/{id} and tokens/{token} answer 403 without the jurisdiction's own key. County-wide keys are not accepted.",
		Endpoints: []Endpoint{{
			Specification: "http://wiki.open311.org/GeoReport_v2",
			URL:           h.URL,
			Changeset:     Changeset,
			Type:          "production",
			Formats:       []string{"text/xml", "application/json"},
		}},
	}
	return answer{status: http.StatusOK, json: d, xml: d}
}

var streetCode = regexp.MustCompile(`^[0-9]{9}$`)

// jurisdiction resolves jurisdiction_id, a street's code. Only the
// street's own row is read: the county scope is used for this one lookup,
// everything else runs in the street's scope.
func (h *Handler) jurisdiction(ctx context.Context, r *http.Request) (tenants.Tenant, tenants.Scope, error) {
	code := strings.TrimSpace(r.Form.Get("jurisdiction_id"))
	if code == "" {
		return tenants.Tenant{}, tenants.Scope{}, fail(http.StatusBadRequest, "jurisdiction_id is required: the code of the street, such as 371326001")
	}
	unknown := fail(http.StatusNotFound, "jurisdiction_id %s: no such street", code)
	if !streetCode.MatchString(code) {
		return tenants.Tenant{}, tenants.Scope{}, unknown
	}
	county, err := h.Tenants.CountyByCode(ctx, code[:6])
	if fengqiao.ErrorCode(err) == fengqiao.ENOTFOUND {
		return tenants.Tenant{}, tenants.Scope{}, unknown
	}
	if err != nil {
		return tenants.Tenant{}, tenants.Scope{}, fmt.Errorf("resolve jurisdiction %s: %w", code, err)
	}
	t, err := h.Tenants.TenantByCode(ctx, tenants.Scope{CountyID: county.ID}, code)
	if fengqiao.ErrorCode(err) == fengqiao.ENOTFOUND {
		return tenants.Tenant{}, tenants.Scope{}, unknown
	}
	if err != nil {
		return tenants.Tenant{}, tenants.Scope{}, fmt.Errorf("resolve jurisdiction %s: %w", code, err)
	}
	return t, tenants.Scope{TenantID: t.ID}, nil
}

// authorize checks that api_key is a live key issued for street t itself:
// county-wide keys and other streets' keys are refused.
func (h *Handler) authorize(ctx context.Context, r *http.Request, t tenants.Tenant) (apikeys.Key, error) {
	token := strings.TrimSpace(r.Form.Get("api_key"))
	if token == "" {
		return apikeys.Key{}, fail(http.StatusForbidden, "api_key is required: a key issued for street %s", t.Code)
	}
	key, err := h.Keys.Verify(ctx, token)
	if fengqiao.ErrorCode(err) == fengqiao.EUNAUTHORIZED {
		return apikeys.Key{}, fail(http.StatusForbidden, "invalid or revoked api_key")
	}
	if err != nil {
		return apikeys.Key{}, fmt.Errorf("verify api_key: %w", err)
	}
	if key.TenantID != t.ID {
		return apikeys.Key{}, fail(http.StatusForbidden, "this api_key is not a key of street %s: use a key issued for that street", t.Code)
	}
	return key, nil
}

// groupNames label the category groups.
var groupNames = map[string]string{tenants.CategoryDomain: "矛盾纠纷", tenants.CategoryService: "便民服务"}

func (h *Handler) services(ctx context.Context, r *http.Request) (answer, error) {
	_, scope, err := h.jurisdiction(ctx, r)
	if err != nil {
		return answer{}, err
	}
	categories, err := h.Tenants.Categories(ctx, scope)
	if err != nil {
		return answer{}, err
	}
	out := []Service{}
	for _, c := range categories {
		if c.Archived {
			continue
		}
		out = append(out, Service{ServiceCode: c.Code, ServiceName: c.Name, Description: text(groupNames[c.Group] + "：" + c.Name),
			Metadata: true, Type: "realtime", Group: text(groupNames[c.Group])})
	}
	return answer{status: http.StatusOK, json: out, xml: servicesXML{Services: out}}, nil
}

// service finds a live category by its code.
func (h *Handler) service(ctx context.Context, scope tenants.Scope, code string) (tenants.Category, error) {
	categories, err := h.Tenants.Categories(ctx, scope)
	if err != nil {
		return tenants.Category{}, err
	}
	i := slices.IndexFunc(categories, func(c tenants.Category) bool { return c.Code == code && !c.Archived })
	if i < 0 {
		return tenants.Category{}, fail(http.StatusNotFound, "service_code %s: no such service in this jurisdiction", code)
	}
	return categories[i], nil
}

func (h *Handler) definition(ctx context.Context, r *http.Request, code string) (answer, error) {
	_, scope, err := h.jurisdiction(ctx, r)
	if err != nil {
		return answer{}, err
	}
	c, err := h.service(ctx, scope, code)
	if err != nil {
		return answer{}, err
	}
	d := ServiceDefinition{ServiceCode: c.Code, Attributes: attributes}
	return answer{status: http.StatusOK, json: d, xml: d}, nil
}

// Limits of POST requests' fields.
const (
	maxDescription = 4000 // the specification's
	maxAddress     = 200
	maxMediaURL    = 900 // with the description, within a case's 5000 characters
	maxTitle       = 120 // a case title's limit
)

// create files a case: POST requests.
func (h *Handler) create(ctx context.Context, r *http.Request) (answer, error) {
	t, scope, err := h.jurisdiction(ctx, r)
	if err != nil {
		return answer{}, err
	}
	key, err := h.authorize(ctx, r, t)
	if err != nil {
		return answer{}, err
	}
	code := strings.TrimSpace(r.Form.Get("service_code"))
	if code == "" {
		return answer{}, fail(http.StatusBadRequest, "service_code is required: one of GET services")
	}
	category, err := h.service(ctx, scope, code)
	if err != nil {
		return answer{}, err
	}
	form := r.Form
	attrs, problems := parseAttributes(form)
	in := cases.NewCase{Channel: "online", CategoryID: category.ID, Grade: attrs.grade(), NodeID: t.RootID,
		ReporterName: reporterName(form.Get("first_name"), form.Get("last_name")), ReporterPhone: strings.TrimSpace(form.Get("phone"))}

	located := false
	if v := strings.TrimSpace(form.Get("address_id")); v != "" {
		located = true
		node, err := h.place(ctx, scope, v)
		if err != nil {
			return answer{}, err
		}
		if node == 0 {
			problems = append(problems, fmt.Sprintf("address_id %s: no building or grid with this code in this jurisdiction", v))
		}
		in.NodeID = node
	}
	lat, long := strings.TrimSpace(form.Get("lat")), strings.TrimSpace(form.Get("long"))
	switch {
	case lat != "" && long != "":
		located = true
		in.Latitude, in.Longitude = coordinate("lat", lat, 90, &problems), coordinate("long", long, 180, &problems)
	case lat != "" || long != "":
		problems = append(problems, "lat and long go together: send both, or neither")
	}
	if v := strings.TrimSpace(form.Get("address_string")); v != "" {
		located = true
		if utf8.RuneCountInString(v) > maxAddress {
			problems = append(problems, fmt.Sprintf("address_string is longer than %d characters", maxAddress))
		}
		in.Address = v
	}
	if !located {
		problems = append(problems, "a location is required: lat and long, address_string, or address_id")
	}

	description := strings.TrimSpace(form.Get("description"))
	if n := utf8.RuneCountInString(description); n > maxDescription {
		problems = append(problems, fmt.Sprintf("description is %d characters long; at most %d are allowed", n, maxDescription))
	}
	media := strings.TrimSpace(form.Get("media_url"))
	if media != "" {
		if u, err := url.Parse(media); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(media) > maxMediaURL {
			problems = append(problems, fmt.Sprintf("media_url must be an http or https URL of at most %d characters", maxMediaURL))
		}
	}
	if len(problems) > 0 {
		return answer{}, badRequest(problems)
	}
	in.Title = caseTitle(category.Name, description)
	// The chosen parties and the photo's address go on lines of their own.
	// email, device_id and account_id are not kept: the street reaches a
	// reporter by phone, and what it does not need it must not store
	// (PIPL); account_id is only echoed back.
	in.Description = strings.Join(slices.DeleteFunc([]string{description, attrs.partiesLine(), mediaLine(media)},
		func(s string) bool { return s == "" }), "\n")

	// The same actor as the API's own operations record for a street key.
	c, err := h.Cases.Report(ctx, scope, cases.Actor{Name: "API key: " + key.Name, Role: string(authz.StreetAdmin)}, in)
	if err != nil {
		return answer{}, err
	}
	notice := "已登记，查询码 " + c.TrackingCode
	if c.CompleteDue != nil {
		notice += "，预计 " + c.CompleteDue.In(fengqiao.China).Format("2006-01-02 15:04") + " 前办结"
	}
	out := []Created{{ServiceRequestID: c.TrackingCode, Token: c.TrackingCode, ServiceNotice: text(notice),
		AccountID: text(strings.TrimSpace(form.Get("account_id")))}}
	return answer{status: http.StatusCreated, json: out, xml: serviceRequestsXML[Created]{Requests: out}}, nil
}

// place finds the live building or grid an address_id names; 0 if none.
func (h *Handler) place(ctx context.Context, scope tenants.Scope, code string) (int64, error) {
	if strings.Trim(code, "0123456789") != "" {
		return 0, nil
	}
	// Code-prefix hits come first and shortest first, so an exact match
	// is the first hit.
	hits, err := h.Tenants.Search(ctx, scope, code, 1)
	if err != nil {
		return 0, fmt.Errorf("look up address_id %s: %w", code, err)
	}
	if len(hits) == 0 || hits[0].Code != code || (hits[0].Kind != tenants.KindBuilding && hits[0].Kind != tenants.KindGrid) {
		return 0, nil
	}
	return hits[0].ID, nil
}

// coordinate parses lat or long, adding a problem when it is not a number
// within ±limit.
func coordinate(field, v string, limit float64, problems *[]string) *float64 {
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || x < -limit || x > limit {
		*problems = append(*problems, fmt.Sprintf("%s must be a number between -%g and %g (WGS84 degrees)", field, limit, limit))
		return nil
	}
	return &x
}

// reporterName joins first_name and last_name. Chinese names put the
// family name (last_name) first, with no space.
func reporterName(first, last string) string {
	first, last = strings.TrimSpace(first), strings.TrimSpace(last)
	if strings.ContainsFunc(first+last, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
		return last + first
	}
	return strings.TrimSpace(first + " " + last)
}

// caseTitle is the service's name and the start of the description.
func caseTitle(service, description string) string {
	title := service
	if excerpt := cases.Excerpt(description); excerpt != "" {
		title += "：" + excerpt
	}
	if t := []rune(title); len(t) > maxTitle {
		title = string(t[:maxTitle])
	}
	return title
}

func mediaLine(u string) string {
	if u == "" {
		return ""
	}
	return "附件：" + u
}

// The statuses behind the specification's two.
var (
	openStatuses   = []cases.Status{cases.Reported, cases.Dispatched, cases.Accepted, cases.Resolved, cases.Confirmed}
	closedStatuses = []cases.Status{cases.Closed, cases.Cancelled, cases.Merged}
)

// requests answers GET requests. Unlike the specification, it needs the
// street's key: no public endpoint reveals a case's data (PIPL).
func (h *Handler) requests(ctx context.Context, r *http.Request) (answer, error) {
	t, scope, err := h.jurisdiction(ctx, r)
	if err != nil {
		return answer{}, err
	}
	if _, err := h.authorize(ctx, r, t); err != nil {
		return answer{}, err
	}
	var q cases.RequestQuery
	if ids := commaList(r.Form.Get("service_request_id")); len(ids) > 0 {
		// The ids override every other filter.
		if len(ids) > cases.MaxRequests {
			return answer{}, fail(http.StatusBadRequest, "service_request_id lists %d ids; at most %d are allowed", len(ids), cases.MaxRequests)
		}
		for _, id := range ids {
			if code, err := cases.ParseTrackingCode(id); err == nil {
				q.TrackingCodes = append(q.TrackingCodes, code)
			}
		}
		if len(q.TrackingCodes) == 0 {
			return requestsAnswer(nil), nil
		}
		return h.answerRequests(ctx, scope, q)
	}
	var problems []string
	q.From, q.To, problems = dateRange(r.Form, time.Now())
	for _, st := range commaList(r.Form.Get("status")) {
		switch st {
		case "open":
			q.Statuses = append(q.Statuses, openStatuses...)
		case "closed":
			q.Statuses = append(q.Statuses, closedStatuses...)
		default:
			problems = append(problems, fmt.Sprintf("status %q is neither open nor closed", st))
		}
	}
	if len(problems) > 0 {
		return answer{}, badRequest(problems)
	}
	if codes := commaList(r.Form.Get("service_code")); len(codes) > 0 {
		categories, err := h.Tenants.Categories(ctx, scope)
		if err != nil {
			return answer{}, err
		}
		for _, c := range categories {
			if slices.Contains(codes, c.Code) {
				q.CategoryIDs = append(q.CategoryIDs, c.ID)
			}
		}
		// Unknown codes match nothing: a filter that names no service
		// selects no request.
		if len(q.CategoryIDs) == 0 {
			return requestsAnswer(nil), nil
		}
	}
	return h.answerRequests(ctx, scope, q)
}

func (h *Handler) answerRequests(ctx context.Context, scope tenants.Scope, q cases.RequestQuery) (answer, error) {
	found, err := h.Cases.Requests(ctx, scope, q)
	if err != nil {
		return answer{}, err
	}
	return requestsAnswer(found), nil
}

func requestsAnswer(found []cases.Request) answer {
	out := make([]Request, len(found))
	for i, c := range found {
		out[i] = requestOf(c)
	}
	return answer{status: http.StatusOK, json: out, xml: serviceRequestsXML[Request]{Requests: out}}
}

// request answers GET requests/{id}; it needs the street's key (PIPL).
func (h *Handler) request(ctx context.Context, r *http.Request, id string) (answer, error) {
	c, err := h.byCode(ctx, r, "service_request_id", id)
	if err != nil {
		return answer{}, err
	}
	return requestsAnswer([]cases.Request{c}), nil
}

// token answers GET tokens/{token}: a token is the request's tracking
// code. It needs the street's key (PIPL).
func (h *Handler) token(ctx context.Context, r *http.Request, token string) (answer, error) {
	c, err := h.byCode(ctx, r, "token", token)
	if err != nil {
		return answer{}, err
	}
	out := []TokenAnswer{{ServiceRequestID: c.TrackingCode, Token: c.TrackingCode}}
	return answer{status: http.StatusOK, json: out, xml: serviceRequestsXML[TokenAnswer]{Requests: out}}, nil
}

// byCode reads one case of the jurisdiction by its tracking code, for a
// caller holding the street's key.
func (h *Handler) byCode(ctx context.Context, r *http.Request, field, code string) (cases.Request, error) {
	t, scope, err := h.jurisdiction(ctx, r)
	if err != nil {
		return cases.Request{}, err
	}
	if _, err := h.authorize(ctx, r, t); err != nil {
		return cases.Request{}, err
	}
	notFound := fail(http.StatusNotFound, "%s %s: no such request in this jurisdiction", field, code)
	canonical, err := cases.ParseTrackingCode(code)
	if err != nil {
		return cases.Request{}, notFound
	}
	found, err := h.Cases.Requests(ctx, scope, cases.RequestQuery{TrackingCodes: []string{canonical}, Limit: 1})
	if err != nil {
		return cases.Request{}, err
	}
	if len(found) == 0 {
		return cases.Request{}, notFound
	}
	return found[0], nil
}

// requestOf shows a case as a service request, without the reporter's
// name or phone.
func requestOf(c cases.Request) Request {
	out := Request{
		ServiceRequestID:  c.TrackingCode,
		Status:            "open",
		ServiceName:       c.CategoryName,
		ServiceCode:       c.CategoryCode,
		Description:       text(c.Description),
		AgencyResponsible: text(c.DepartmentName),
		RequestedDatetime: datetime(c.ReportedAt),
		UpdatedDatetime:   datetime(c.UpdatedAt),
		Address:           text(c.Address),
		AddressID:         text(c.NodeCode),
		Lat:               c.Latitude,
		Long:              c.Longitude,
	}
	if slices.Contains(closedStatuses, c.Status) {
		out.Status = "closed"
	}
	switch c.Status {
	case cases.Closed:
		out.StatusNotes = text(c.Answer)
		if c.ClosedAt != nil {
			out.UpdatedDatetime = datetime(*c.ClosedAt)
		}
	case cases.Resolved, cases.Confirmed:
		out.StatusNotes = text(c.Result)
	}
	if out.Address == "" {
		out.Address = text(c.PlaceName)
	}
	if c.CompleteDue != nil {
		out.ExpectedDatetime = text(datetime(*c.CompleteDue))
	}
	return out
}

func datetime(t time.Time) string { return t.In(fengqiao.China).Format(time.RFC3339) }
