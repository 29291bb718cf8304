package open311_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/cases/casetest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/open311"
	"github.com/fengqiao/fengqiao/tenants"
)

// These tests are written from the GeoReport v2 specification: they read
// the answers with their own types, not the package's.

func TestMain(m *testing.M) { pgtest.Main(m) }

const (
	streetA  = "371326001"
	building = "37132600100101001001"
	grid     = "37132600100101001"
	zone     = "37132600100101"
)

type fixture struct {
	*casetest.Street
	handler   http.Handler
	cases     *cases.Service
	keys      *apikeys.Store
	keyA      string // street A's key
	keyB      string // street B's key
	countyKey string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st := casetest.New(t)
	f := &fixture{Street: st, cases: cases.NewService(st.TDB), keys: apikeys.NewStore(st.DB.App)}
	streetB, err := st.Tenants.CreateTenant(ctx, st.County, "371326101", "仲村镇")
	require.NoError(t, err)
	_, f.keyA, err = f.keys.Create(ctx, "平邑街道 integration", st.County.ID, st.Tenant.ID)
	require.NoError(t, err)
	_, f.keyB, err = f.keys.Create(ctx, "仲村镇 integration", st.County.ID, streetB.ID)
	require.NoError(t, err)
	_, f.countyKey, err = f.keys.Create(ctx, "county office", st.County.ID, 0)
	require.NoError(t, err)
	f.handler = &open311.Handler{Tenants: st.Tenants, Cases: f.cases, Keys: f.keys, URL: "http://fengqiao.test/open311/v2",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return f
}

type reply struct {
	status      int
	contentType string
	body        string
}

func (f *fixture) do(t *testing.T, req *http.Request) reply {
	t.Helper()
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return reply{status: rec.Code, contentType: rec.Header().Get("Content-Type"), body: rec.Body.String()}
}

func (f *fixture) get(t *testing.T, path string, args url.Values) reply {
	t.Helper()
	return f.do(t, httptest.NewRequest(http.MethodGet, "/open311/v2/"+path+"?"+args.Encode(), nil))
}

func (f *fixture) post(t *testing.T, path string, form url.Values) reply {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/open311/v2/"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return f.do(t, req)
}

var contentTypes = map[string]string{"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}

// decode checks the status and content type, then reads the body: JSON
// into jsonOut, XML into xmlOut.
func decode(t *testing.T, r reply, format string, status int, jsonOut, xmlOut any) {
	t.Helper()
	require.Equal(t, status, r.status, r.body)
	require.Equal(t, contentTypes[format], r.contentType)
	if format == "json" {
		require.NoError(t, json.Unmarshal([]byte(r.body), jsonOut), r.body)
		return
	}
	require.True(t, strings.HasPrefix(r.body, `<?xml version="1.0" encoding="UTF-8"?>`), r.body)
	require.NoError(t, xml.Unmarshal([]byte(r.body), xmlOut), r.body)
}

type specError struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

// requireError checks an error answer: the status, and a list of
// {code, description} of which one mentions want.
func requireError(t *testing.T, r reply, format string, status int, want string) {
	t.Helper()
	var list []specError
	var doc struct {
		XMLName xml.Name    `xml:"errors"`
		Errors  []specError `xml:"error"`
	}
	decode(t, r, format, status, &list, &doc)
	if format == "xml" {
		list = doc.Errors
	}
	require.NotEmpty(t, list, r.body)
	var descriptions []string
	for _, e := range list {
		require.Equal(t, status, e.Code, r.body)
		descriptions = append(descriptions, e.Description)
	}
	require.Contains(t, strings.Join(descriptions, "\n"), want)
}

var formats = []string{"xml", "json"}

func TestOpen311DiscoveryInBothFormats(t *testing.T) {
	f := setup(t)
	type endpoint struct {
		Specification string   `json:"specification" xml:"specification"`
		URL           string   `json:"url" xml:"url"`
		Changeset     string   `json:"changeset" xml:"changeset"`
		Type          string   `json:"type" xml:"type"`
		Formats       []string `json:"formats" xml:"formats>format"`
	}
	type discovery struct {
		XMLName    xml.Name   `json:"-" xml:"discovery"`
		Changeset  string     `json:"changeset" xml:"changeset"`
		Contact    string     `json:"contact" xml:"contact"`
		KeyService string     `json:"key_service" xml:"key_service"`
		Endpoints  []endpoint `json:"endpoints" xml:"endpoints>endpoint"`
	}
	for _, format := range formats {
		var d discovery
		decode(t, f.get(t, "discovery."+format, nil), format, http.StatusOK, &d, &d)
		_, err := time.Parse(time.RFC3339, d.Changeset)
		require.NoError(t, err, format)
		require.NotEmpty(t, d.Contact, format)
		require.Contains(t, d.KeyService, "PIPL", format)
		require.Contains(t, d.KeyService, "GET requests", format)
		require.Len(t, d.Endpoints, 1, format)
		e := d.Endpoints[0]
		require.Equal(t, "http://fengqiao.test/open311/v2", e.URL)
		require.Equal(t, "production", e.Type)
		require.Contains(t, e.Specification, "GeoReport_v2")
		require.ElementsMatch(t, []string{"text/xml", "application/json"}, e.Formats, format)
	}
}

type service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Group       string `json:"group" xml:"group"`
}

func TestOpen311ServicesAreTheStreetsCategories(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	categories, err := f.Tenants.Categories(ctx, f.Scope)
	require.NoError(t, err)
	archived := true
	_, err = f.Tenants.UpdateCategory(ctx, f.Scope, categories[len(categories)-1].ID, tenants.CategoryChange{Archived: &archived})
	require.NoError(t, err)

	for _, format := range formats {
		var list []service
		var doc struct {
			XMLName  xml.Name  `xml:"services"`
			Services []service `xml:"service"`
		}
		decode(t, f.get(t, "services."+format, url.Values{"jurisdiction_id": {streetA}}), format, http.StatusOK, &list, &doc)
		if format == "xml" {
			list = doc.Services
		}
		require.Len(t, list, len(categories)-1, "archived categories are not offered")
		require.Equal(t, service{ServiceCode: "marriage_family", ServiceName: "婚姻家庭", Description: "矛盾纠纷：婚姻家庭",
			Metadata: true, Type: "realtime", Group: "矛盾纠纷"}, list[0], format)
		for _, s := range list {
			require.NotEqual(t, categories[len(categories)-1].Code, s.ServiceCode)
		}
	}
}

func TestOpen311ServiceDefinitionListsTheAttributes(t *testing.T) {
	f := setup(t)
	type value struct {
		Key  string `json:"key" xml:"key"`
		Name string `json:"name" xml:"name"`
	}
	type attribute struct {
		Variable    bool    `json:"variable" xml:"variable"`
		Code        string  `json:"code" xml:"code"`
		Datatype    string  `json:"datatype" xml:"datatype"`
		Required    bool    `json:"required" xml:"required"`
		Order       int     `json:"order" xml:"order"`
		Description string  `json:"description" xml:"description"`
		Values      []value `json:"values" xml:"values>value"`
	}
	type definition struct {
		XMLName     xml.Name    `json:"-" xml:"service_definition"`
		ServiceCode string      `json:"service_code" xml:"service_code"`
		Attributes  []attribute `json:"attributes" xml:"attributes>attribute"`
	}
	for _, format := range formats {
		var d definition
		decode(t, f.get(t, "services/neighbourhood."+format, url.Values{"jurisdiction_id": {streetA}}), format, http.StatusOK, &d, &d)
		require.Equal(t, "neighbourhood", d.ServiceCode)
		require.Len(t, d.Attributes, 2, format)
		grade, parties := d.Attributes[0], d.Attributes[1]
		require.Equal(t, "grade", grade.Code)
		require.Equal(t, "singlevaluelist", grade.Datatype)
		require.True(t, grade.Variable)
		require.False(t, grade.Required)
		require.Equal(t, []value{{"general", "一般"}, {"major", "较大"}, {"serious", "重大"}, {"urgent", "紧急"}}, grade.Values)
		require.Equal(t, "parties", parties.Code)
		require.Equal(t, "multivaluelist", parties.Datatype)
		require.False(t, parties.Required)
		require.Equal(t, 2, parties.Order)
		require.Equal(t, []value{{"neighbours", "邻里"}, {"property", "物业"}, {"family", "家庭"}, {"labour", "劳资"}, {"land", "土地"}, {"other", "其他"}}, parties.Values)
	}
}

type created struct {
	ServiceRequestID string  `json:"service_request_id" xml:"service_request_id"`
	Token            string  `json:"token" xml:"token"`
	ServiceNotice    string  `json:"service_notice" xml:"service_notice"`
	AccountID        *string `json:"account_id" xml:"account_id"`
}

// create posts a request and returns its id.
func (f *fixture) create(t *testing.T, format string, form url.Values) created {
	t.Helper()
	var list []created
	var doc struct {
		XMLName  xml.Name  `xml:"service_requests"`
		Requests []created `xml:"request"`
	}
	decode(t, f.post(t, "requests."+format, form), format, http.StatusCreated, &list, &doc)
	if format == "xml" {
		list = doc.Requests
	}
	require.Len(t, list, 1)
	return list[0]
}

func (f *fixture) stored(t *testing.T, code string) cases.Request {
	t.Helper()
	found, err := f.cases.Requests(context.Background(), f.Scope, cases.RequestQuery{TrackingCodes: []string{code}})
	require.NoError(t, err)
	require.Len(t, found, 1)
	return found[0]
}

func TestOpen311PostRequestFilesACase(t *testing.T) {
	f := setup(t)
	for _, format := range formats {
		form := url.Values{"jurisdiction_id": {streetA}, "api_key": {f.keyA}, "service_code": {"neighbourhood"},
			"attribute[grade]": {"urgent"}, "attribute[parties][]": {"neighbours", "property", ""},
			"address_id": {building}, "description": {"楼上每天深夜装修，噪音很大，多次沟通无果，物业也不管，希望尽快协调处理。"},
			"first_name": {"芳"}, "last_name": {"王"}, "phone": {"13800138000"}, "email": {"wang@example.com"},
			"device_id": {"dev-1"}, "account_id": {"acct-7"}, "media_url": {"https://img.example.com/noise.jpg"}}
		c := f.create(t, format, form)
		require.Equal(t, c.ServiceRequestID, c.Token, "the token is the tracking code")
		require.Regexp(t, `^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}$`, c.ServiceRequestID)
		require.Contains(t, c.ServiceNotice, c.ServiceRequestID)
		require.NotNil(t, c.AccountID)
		require.Equal(t, "acct-7", *c.AccountID)

		got := f.stored(t, c.ServiceRequestID)
		require.Equal(t, "online", got.Channel)
		require.Equal(t, "urgent", got.Grade)
		require.Equal(t, "neighbourhood", got.CategoryCode)
		require.Equal(t, building, got.NodeCode)
		require.Equal(t, "邻里纠纷：楼上每天深夜装修，噪音很大，多次沟通无果，物业也不管，希望尽…", got.Title)
		require.Equal(t, "楼上每天深夜装修，噪音很大，多次沟通无果，物业也不管，希望尽快协调处理。\n涉及方面：邻里、物业\n附件：https://img.example.com/noise.jpg", got.Description)
		require.Equal(t, "王芳", got.ReporterName)
		require.Equal(t, "13800138000", got.ReporterPhone)
		require.NotContains(t, got.Description, "wang@example.com", "email is not kept")
		detail, err := f.cases.Get(context.Background(), f.Scope, got.ID)
		require.NoError(t, err)
		require.Equal(t, "API key: 平邑街道 integration", detail.Timeline[0].Actor)
		require.Equal(t, "street_admin", detail.Timeline[0].ActorRole)
	}

	// Coordinates and an address put the case on the street itself; empty
	// optional arguments count as absent.
	c := f.create(t, "json", url.Values{"jurisdiction_id": {streetA}, "api_key": {f.keyA}, "service_code": {"hazard_report"},
		"lat": {"35.5"}, "long": {"117.63"}, "address_string": {"平邑县城东关路12号"}, "attribute[grade]": {""}, "address_id": {""}, "description": {""}})
	require.Nil(t, c.AccountID)
	got := f.stored(t, c.ServiceRequestID)
	require.Equal(t, streetA, got.NodeCode)
	require.Equal(t, "general", got.Grade)
	require.Equal(t, "隐患上报", got.Title)
	require.Equal(t, "平邑县城东关路12号", got.Address)
	require.InDelta(t, 35.5, *got.Latitude, 1e-9)
	require.InDelta(t, 117.63, *got.Longitude, 1e-9)

	// A grid is a place too; a list attribute may repeat attribute[code]=v.
	c = f.create(t, "xml", url.Values{"jurisdiction_id": {streetA}, "api_key": {f.keyA}, "service_code": {"labour"},
		"address_id": {grid}, "attribute[parties]": {"labour", "other"}})
	got = f.stored(t, c.ServiceRequestID)
	require.Equal(t, grid, got.NodeCode)
	require.Equal(t, "涉及方面：劳资、其他", got.Description)
}

// request is a service request as the specification lists its fields.
type request struct {
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       *string  `json:"status_notes" xml:"status_notes"`
	ServiceName       string   `json:"service_name" xml:"service_name"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       string   `json:"description" xml:"description"`
	AgencyResponsible *string  `json:"agency_responsible" xml:"agency_responsible"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   string   `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime  *string  `json:"expected_datetime" xml:"expected_datetime"`
	Address           string   `json:"address" xml:"address"`
	AddressID         string   `json:"address_id" xml:"address_id"`
	Lat               *float64 `json:"lat" xml:"lat"`
	Long              *float64 `json:"long" xml:"long"`
}

func (f *fixture) requests(t *testing.T, format, path string, args url.Values) []request {
	t.Helper()
	var list []request
	var doc struct {
		XMLName  xml.Name  `xml:"service_requests"`
		Requests []request `xml:"request"`
	}
	decode(t, f.get(t, path+"."+format, args), format, http.StatusOK, &list, &doc)
	if format == "xml" {
		return doc.Requests
	}
	return list
}

func ids(list []request) []string {
	out := []string{}
	for _, r := range list {
		out = append(out, r.ServiceRequestID)
	}
	return out
}

// backdate moves a case's report time, which only the database sets.
func (f *fixture) backdate(t *testing.T, code string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.SuperuserURL(f.DB.Name))
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `UPDATE cases SET reported_at = $2 WHERE tracking_code = $1`, code, at)
	require.NoError(t, err)
}

// history is four requests of street A: one reported 100 days ago, one
// cancelled, one closed with an answer, one open with coordinates.
type history struct {
	old, cancelled, closed, open string
	closedCase                   cases.Case
}

func (f *fixture) history(t *testing.T) history {
	t.Helper()
	ctx := context.Background()
	post := func(code string, extra url.Values) string {
		form := url.Values{"jurisdiction_id": {streetA}, "api_key": {f.keyA}, "service_code": {code}, "address_id": {building},
			"description": {"描述"}, "first_name": {"芳"}, "last_name": {"王"}, "phone": {"13800138000"}}
		for k, v := range extra {
			form[k] = v
		}
		return f.create(t, "json", form).ServiceRequestID
	}
	var h history
	h.old = post("neighbourhood", nil)
	f.backdate(t, h.old, time.Now().Add(-100*24*time.Hour))
	h.cancelled = post("labour", nil)
	h.closed = post("neighbourhood", nil)
	h.open = post("consumer", url.Values{"lat": {"35.5"}, "long": {"117.63"}})

	center := cases.Actor{Name: "陈静", Role: "dispatcher"}
	_, err := f.cases.Take(ctx, f.Scope, center, f.stored(t, h.cancelled).ID, cases.Step{Action: cases.Cancel, Note: "重复上报"})
	require.NoError(t, err)
	id := f.stored(t, h.closed).ID
	now := time.Now()
	for _, step := range []cases.Step{
		{Action: cases.Dispatch, DepartmentID: f.Police, LeaderName: "李所长", AcceptDue: now.Add(2 * time.Hour), CompleteDue: now.Add(72 * time.Hour)},
		{Action: cases.Accept}, {Action: cases.Resolve, Note: "已调解"}, {Action: cases.Confirm}, {Action: cases.Close, Note: "双方已和解，已电话回访"},
	} {
		h.closedCase, err = f.cases.Take(ctx, f.Scope, center, id, step)
		require.NoError(t, err)
	}
	return h
}

func TestOpen311GetRequestsFilters(t *testing.T) {
	f := setup(t)
	h := f.history(t)
	day := 24 * time.Hour
	at := func(d time.Duration) string { return time.Now().Add(d).Format(time.RFC3339) }
	for _, tc := range []struct {
		name string
		args url.Values
		want []string
	}{
		{"default: the last 90 days, newest first", nil, []string{h.open, h.closed, h.cancelled}},
		{"empty arguments are absent", url.Values{"status": {""}, "start_date": {""}, "end_date": {""}, "service_code": {""}, "service_request_id": {""}},
			[]string{h.open, h.closed, h.cancelled}},
		{"ids override the other filters", url.Values{"service_request_id": {h.old + ", " + strings.ToLower(h.open) + ",nonsense"},
			"status": {"closed"}, "service_code": {"labour"}, "end_date": {at(-200 * day)}}, []string{h.open, h.old}},
		{"service codes", url.Values{"service_code": {"neighbourhood,labour"}}, []string{h.closed, h.cancelled}},
		{"unknown service codes match nothing", url.Values{"service_code": {"nope"}}, []string{}},
		{"open", url.Values{"status": {"open"}}, []string{h.open}},
		{"closed: closed, cancelled", url.Values{"status": {"closed"}}, []string{h.closed, h.cancelled}},
		{"open and closed", url.Values{"status": {"open,closed"}}, []string{h.open, h.closed, h.cancelled}},
		{"start and end", url.Values{"start_date": {at(-110 * day)}, "end_date": {at(-95 * day)}}, []string{h.old}},
		{"a lone start opens 90 days", url.Values{"start_date": {at(-101 * day)}}, []string{h.old}},
		{"a lone end closes 90 days", url.Values{"end_date": {at(-1 * day)}}, []string{}},
		{"exactly 90 days", url.Values{"start_date": {at(-90*day + time.Minute)}, "end_date": {at(time.Minute)}}, []string{h.open, h.closed, h.cancelled}},
	} {
		for _, format := range formats {
			args := url.Values{"jurisdiction_id": {streetA}, "api_key": {f.keyA}}
			for k, v := range tc.args {
				args[k] = v
			}
			require.Equal(t, tc.want, ids(f.requests(t, format, "requests", args)), "%s (%s)", tc.name, format)
		}
	}

	// A "+" left unencoded in the query reads as the offset's sign.
	start := time.Now().Add(-110*day).UTC().Format("2006-01-02T15:04:05") + "+00:00"
	end := time.Now().Add(-95*day).UTC().Format("2006-01-02T15:04:05") + "+00:00"
	r := f.do(t, httptest.NewRequest(http.MethodGet, "/open311/v2/requests.json?jurisdiction_id="+streetA+"&api_key="+f.keyA+
		"&start_date="+start+"&end_date="+end, nil))
	var list []request
	decode(t, r, "json", http.StatusOK, &list, nil)
	require.Equal(t, []string{h.old}, ids(list))
}

func TestOpen311RequestAndTokenShowTheCase(t *testing.T) {
	f := setup(t)
	h := f.history(t)
	args := url.Values{"jurisdiction_id": {streetA}, "api_key": {f.keyA}}
	for _, format := range formats {
		list := f.requests(t, format, "requests/"+h.closed, args)
		require.Len(t, list, 1)
		got := list[0]
		require.Equal(t, h.closed, got.ServiceRequestID)
		require.Equal(t, "closed", got.Status)
		require.Equal(t, "双方已和解，已电话回访", *got.StatusNotes)
		require.Equal(t, "邻里纠纷", got.ServiceName)
		require.Equal(t, "neighbourhood", got.ServiceCode)
		require.Equal(t, "描述", got.Description)
		require.Equal(t, "派出所", *got.AgencyResponsible)
		require.Equal(t, "东关社区 第1网格 1号楼", got.Address)
		require.Equal(t, building, got.AddressID)
		for field, v := range map[string]string{"requested": got.RequestedDatetime, "updated": got.UpdatedDatetime, "expected": *got.ExpectedDatetime} {
			require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$`, v, "%s carries a time zone", field)
		}
		updated, err := time.Parse(time.RFC3339, got.UpdatedDatetime)
		require.NoError(t, err)
		require.WithinDuration(t, *h.closedCase.ClosedAt, updated, time.Second, "updated is the close time")
		expected, err := time.Parse(time.RFC3339, *got.ExpectedDatetime)
		require.NoError(t, err)
		require.WithinDuration(t, *h.closedCase.CompleteDue, expected, time.Second, "expected is the completion deadline")

		raw := f.get(t, "requests/"+h.closed+"."+format, args).body
		require.NotContains(t, raw, "王芳", "no reporter name")
		require.NotContains(t, raw, "13800138000", "no reporter phone")

		open := f.requests(t, format, "requests/"+h.open, args)[0]
		require.Equal(t, "open", open.Status)
		require.InDelta(t, 35.5, *open.Lat, 1e-9)
		require.InDelta(t, 117.63, *open.Long, 1e-9)
		cancelled := f.requests(t, format, "requests/"+h.cancelled, args)[0]
		require.Equal(t, "closed", cancelled.Status)

		type token struct {
			ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
			Token            string `json:"token" xml:"token"`
		}
		var tokens []token
		var doc struct {
			XMLName  xml.Name `xml:"service_requests"`
			Requests []token  `xml:"request"`
		}
		decode(t, f.get(t, "tokens/"+h.open+"."+format, args), format, http.StatusOK, &tokens, &doc)
		if format == "xml" {
			tokens = doc.Requests
		}
		require.Equal(t, []token{{h.open, h.open}}, tokens)
	}
	if got := f.requests(t, "json", "requests/"+h.cancelled, args)[0]; got.StatusNotes != nil || got.Lat != nil {
		t.Fatalf("a cancelled case without answer or coordinates has null status_notes and lat, got %+v", got)
	}
}

func TestOpen311EveryErrorCase(t *testing.T) {
	f := setup(t)
	h := f.history(t)
	a := func(kv ...string) url.Values {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v
	}
	valid := func(kv ...string) url.Values {
		v := a("jurisdiction_id", streetA, "api_key", f.keyA, "service_code", "neighbourhood", "address_id", building)
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	long := strings.Repeat("吵", 4001)
	for _, tc := range []struct {
		name   string
		method string
		path   string // without the suffix
		args   url.Values
		status int
		want   string
	}{
		{"unknown resource", "GET", "nothing", a("jurisdiction_id", streetA), 404, "no resource"},
		{"unknown method", "DELETE", "requests", a("jurisdiction_id", streetA), 405, "does not take DELETE"},

		{"services without jurisdiction", "GET", "services", nil, 400, "jurisdiction_id is required"},
		{"definition without jurisdiction", "GET", "services/neighbourhood", nil, 400, "jurisdiction_id is required"},
		{"POST without jurisdiction", "POST", "requests", a("api_key", f.keyA, "service_code", "neighbourhood", "address_id", building), 400, "jurisdiction_id is required"},
		{"requests without jurisdiction", "GET", "requests", a("api_key", f.keyA), 400, "jurisdiction_id is required"},
		{"request without jurisdiction", "GET", "requests/" + h.open, a("api_key", f.keyA), 400, "jurisdiction_id is required"},
		{"token without jurisdiction", "GET", "tokens/" + h.open, a("api_key", f.keyA), 400, "jurisdiction_id is required"},
		{"empty jurisdiction", "GET", "services", a("jurisdiction_id", ""), 400, "jurisdiction_id is required"},

		{"unknown jurisdiction", "GET", "services", a("jurisdiction_id", "371326999"), 404, "371326999: no such street"},
		{"unknown county", "GET", "services", a("jurisdiction_id", "110101001"), 404, "no such street"},
		{"malformed jurisdiction", "GET", "services", a("jurisdiction_id", "pingyi.gov.cn"), 404, "no such street"},
		{"POST to unknown jurisdiction", "POST", "requests", valid("jurisdiction_id", "371326999"), 404, "no such street"},

		{"unknown service", "GET", "services/nope", a("jurisdiction_id", streetA), 404, "service_code nope"},
		{"POST to unknown service", "POST", "requests", valid("service_code", "nope"), 404, "service_code nope"},

		{"POST without key", "POST", "requests", valid("api_key", ""), 403, "api_key is required"},
		{"POST with invalid key", "POST", "requests", valid("api_key", "fq_abc_def"), 403, "invalid or revoked api_key"},
		{"POST with a county key", "POST", "requests", valid("api_key", f.countyKey), 403, "not a key of street 371326001"},
		{"POST with another street's key", "POST", "requests", valid("api_key", f.keyB), 403, "not a key of street 371326001"},
		{"requests without key", "GET", "requests", a("jurisdiction_id", streetA), 403, "api_key is required"},
		{"requests with a county key", "GET", "requests", a("jurisdiction_id", streetA, "api_key", f.countyKey), 403, "not a key of street"},
		{"request without key", "GET", "requests/" + h.open, a("jurisdiction_id", streetA), 403, "api_key is required"},
		{"token without key", "GET", "tokens/" + h.open, a("jurisdiction_id", streetA), 403, "api_key is required"},

		{"unknown request", "GET", "requests/0000-0000-000", a("jurisdiction_id", streetA, "api_key", f.keyA), 404, "no such request"},
		{"malformed request id", "GET", "requests/nonsense", a("jurisdiction_id", streetA, "api_key", f.keyA), 404, "no such request"},
		{"unknown token", "GET", "tokens/0000-0000-000", a("jurisdiction_id", streetA, "api_key", f.keyA), 404, "no such request"},

		{"date without time zone", "GET", "requests", a("jurisdiction_id", streetA, "api_key", f.keyA, "start_date", "2026-11-05T08:15:30"), 400, "start_date must be a W3C date"},
		{"date only", "GET", "requests", a("jurisdiction_id", streetA, "api_key", f.keyA, "end_date", "2026-11-05"), 400, "end_date must be a W3C date"},
		{"more than 90 days", "GET", "requests", a("jurisdiction_id", streetA, "api_key", f.keyA,
			"start_date", "2026-01-01T00:00:00+08:00", "end_date", "2026-04-01T00:00:01+08:00"), 400, "more than 90 days apart"},
		{"end before start", "GET", "requests", a("jurisdiction_id", streetA, "api_key", f.keyA,
			"start_date", "2026-04-01T00:00:00Z", "end_date", "2026-03-01T00:00:00Z"), 400, "end_date is before start_date"},
		{"more than 1000 ids", "GET", "requests", a("jurisdiction_id", streetA, "api_key", f.keyA, "service_request_id", strings.Repeat(h.open+",", 1001)),
			400, "at most 1000"},
		{"unknown status", "GET", "requests", a("jurisdiction_id", streetA, "api_key", f.keyA, "status", "open,pending"), 400, `status "pending"`},

		{"POST without service", "POST", "requests", valid("service_code", ""), 400, "service_code is required"},
		{"bad grade", "POST", "requests", valid("attribute[grade]", "huge"), 400, `attribute[grade]: "huge" is not one of general, major, serious, urgent`},
		{"two grades", "POST", "requests", func() url.Values { v := valid(); v["attribute[grade]"] = []string{"major", "urgent"}; return v }(), 400, "attribute[grade] takes one value"},
		{"grade as a list", "POST", "requests", valid("attribute[grade][]", "major"), 400, "attribute[grade] takes one value"},
		{"bad party", "POST", "requests", valid("attribute[parties][]", "aliens"), 400, `attribute[parties]: "aliens" is not one of`},
		{"unknown attribute", "POST", "requests", valid("attribute[colour]", "red"), 400, "no attribute \"colour\""},
		{"malformed attribute", "POST", "requests", valid("attribute[grade", "major"), 400, "is not an attribute field"},
		{"no location", "POST", "requests", a("jurisdiction_id", streetA, "api_key", f.keyA, "service_code", "neighbourhood"), 400, "a location is required"},
		{"unknown address_id", "POST", "requests", valid("address_id", "37132600100101001999"), 400, "address_id 37132600100101001999"},
		{"address_id of a zone", "POST", "requests", valid("address_id", zone), 400, "address_id " + zone},
		{"address_id of another street", "POST", "requests", valid("address_id", "371326101"), 400, "address_id 371326101"},
		{"lat without long", "POST", "requests", valid("lat", "35.5"), 400, "lat and long go together"},
		{"lat out of range", "POST", "requests", valid("lat", "95", "long", "117"), 400, "lat must be a number between -90 and 90"},
		{"long not a number", "POST", "requests", valid("lat", "35", "long", "NaN"), 400, "long must be a number"},
		{"description too long", "POST", "requests", valid("description", long), 400, "description is 4001 characters long"},
		{"bad media_url", "POST", "requests", valid("media_url", "javascript:alert(1)"), 400, "media_url must be an http or https URL"},
	} {
		for _, format := range formats {
			var r reply
			if tc.method == "POST" {
				r = f.post(t, tc.path+"."+format, tc.args)
			} else {
				r = f.do(t, httptest.NewRequest(tc.method, "/open311/v2/"+tc.path+"."+format+"?"+tc.args.Encode(), nil))
			}
			t.Run(tc.name+"."+format, func(t *testing.T) { requireError(t, r, format, tc.status, tc.want) })
		}
	}

	// Several problems come back together.
	r := f.post(t, "requests.json", a("jurisdiction_id", streetA, "api_key", f.keyA, "service_code", "neighbourhood",
		"attribute[grade]", "huge", "description", long))
	requireError(t, r, "json", 400, "a location is required")
	requireError(t, r, "json", 400, "attribute[grade]")
	requireError(t, r, "json", 400, "description is 4001")

	// A POST body must be a form.
	req := httptest.NewRequest(http.MethodPost, "/open311/v2/requests.xml", strings.NewReader(`{"jurisdiction_id":"371326001"}`))
	req.Header.Set("Content-Type", "application/json")
	requireError(t, f.do(t, req), "xml", 400, "application/x-www-form-urlencoded")

	// An unknown or missing format is a 404, answered in XML.
	for _, path := range []string{"services.csv", "services", "requests/" + h.open + ".html", "discovery.JSON"} {
		requireError(t, f.get(t, path, a("jurisdiction_id", streetA)), "xml", 404, "unknown format")
	}
	require.Len(t, f.requests(t, "json", "requests", a("jurisdiction_id", streetA, "api_key", f.keyA)), 3, "no failed POST filed a case")
}

func TestOpen311AnotherStreetsKeyReadsNothingOfStreetA(t *testing.T) {
	f := setup(t)
	h := f.history(t)
	for _, format := range formats {
		for _, path := range []string{"requests", "requests/" + h.open, "tokens/" + h.open} {
			for _, key := range []string{f.keyB, f.countyKey} {
				r := f.get(t, path+"."+format, url.Values{"jurisdiction_id": {streetA}, "api_key": {key}})
				requireError(t, r, format, http.StatusForbidden, "not a key of street 371326001")
				require.NotContains(t, r.body, "描述")
			}
		}
		// In its own jurisdiction, street B's key does not find A's request.
		r := f.get(t, "requests/"+h.open+"."+format, url.Values{"jurisdiction_id": {"371326101"}, "api_key": {f.keyB}})
		requireError(t, r, format, http.StatusNotFound, "no such request")
		require.Empty(t, f.requests(t, format, "requests", url.Values{"jurisdiction_id": {"371326101"}, "api_key": {f.keyB},
			"service_request_id": {h.open}}))
		require.Empty(t, f.requests(t, format, "requests", url.Values{"jurisdiction_id": {"371326101"}, "api_key": {f.keyB}}))
	}
}

func TestOpen311IsMountedInTheAPI(t *testing.T) {
	f := setup(t)
	authorizer, err := authz.New()
	require.NoError(t, err)
	srv := &api.Server{Tenants: f.Tenants, Keys: f.keys, Cases: f.cases, Authz: authorizer, PublicURL: "http://fengqiao.test/",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	f.handler = srv.Handler()
	var d struct {
		Endpoints []struct {
			URL string `json:"url"`
		} `json:"endpoints"`
	}
	decode(t, f.get(t, "discovery.json", nil), "json", http.StatusOK, &d, nil)
	require.Equal(t, "http://fengqiao.test/open311/v2", d.Endpoints[0].URL)
	var services []service
	decode(t, f.get(t, "services.json", url.Values{"jurisdiction_id": {streetA}}), "json", http.StatusOK, &services, nil)
	require.NotEmpty(t, services)
}
