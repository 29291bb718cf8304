package api_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/appeals"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/qrcodes"
	"github.com/fengqiao/fengqiao/tenants"
)

// appealEnv is a street with a building, its QR code, a resident-facing
// service, and a server whose public limits the test chooses.
type appealEnv struct {
	*bundle
	cases    *cases.Service
	codes    *qrcodes.Service
	scope    tenants.Scope
	building int64
	token    string
	service  int64 // resident-facing
	internal int64 // not resident-facing
	police   int64
}

func setupAppeals(t *testing.T, limits api.PublicLimits) *appealEnv {
	t.Helper()
	ctx := context.Background()
	e := &appealEnv{bundle: setup(t)}
	e.scope = tenants.Scope{TenantID: e.streetA.ID}
	_, err := e.svc.Import(ctx, e.scope, []tenants.ImportRow{
		{Line: 2, Level: "community", Code: "371326001001", Name: "东关社区", ParentCode: "371326001"},
		{Line: 3, Level: "zone", Code: "37132600100101", Name: "东关一片区", ParentCode: "371326001001"},
		{Line: 4, Level: "grid", Code: "37132600100101001", Name: "网格甲", ParentCode: "37132600100101"},
		{Line: 5, Level: "building", Code: "37132600100101001001", Name: "甲1号楼", ParentCode: "37132600100101001"},
	})
	require.NoError(t, err)
	hits, err := e.svc.Search(ctx, e.scope, "37132600100101001001", 1)
	require.NoError(t, err)
	e.building = hits[0].ID
	categories, err := e.svc.Categories(ctx, e.scope)
	require.NoError(t, err)
	for _, c := range categories {
		if c.ResidentFacing && e.service == 0 {
			e.service = c.ID
		}
		if !c.ResidentFacing && e.internal == 0 {
			e.internal = c.ID
		}
	}
	require.NotZero(t, e.service)
	require.NotZero(t, e.internal)
	departments, err := e.svc.Departments(ctx, e.scope)
	require.NoError(t, err)
	e.police = departments[0].ID
	db := e.svc.DB()
	e.cases, e.codes = cases.NewService(db), qrcodes.NewService(db)
	code, err := e.codes.For(ctx, e.scope, e.building)
	require.NoError(t, err)
	e.token = code.Token
	srv := &api.Server{Tenants: e.svc, Keys: e.keys, Authz: mustAuthz(t), Cases: e.cases, QRCodes: e.codes,
		Appeals: appeals.NewService(e.codes, e.cases), PublicLimits: limits, PublicURL: "http://fengqiao.test",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e.handler = srv.Handler()
	return e
}

// appealForm is what the appeal page posts.
type appealForm struct {
	fields map[string]string
	photos map[string][]byte // filename → bytes
	key    string            // Idempotency-Key
	ip     string            // the phone's address
}

func (e *appealEnv) submit(t *testing.T, token string, f appealForm) response {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range f.fields {
		require.NoError(t, w.WriteField(k, v))
	}
	for name, data := range f.photos {
		part, err := w.CreateFormFile("photos", name)
		require.NoError(t, err)
		_, err = part.Write(data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	req := httptest.NewRequest(http.MethodPost, "/api/v1/public/scans/"+token+"/appeals", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if f.key != "" {
		req.Header.Set("Idempotency-Key", f.key)
	}
	if f.ip != "" {
		req.RemoteAddr = f.ip + ":40000"
	}
	return e.send(t, req, "")
}

func (e *appealEnv) form() appealForm {
	return appealForm{fields: map[string]string{"category_id": fmt.Sprint(e.service), "description": "楼道里堆满杂物，晚上看不见路，老人差点摔倒。"}}
}

func (e *appealEnv) public(t *testing.T, method, path string, body any) response {
	t.Helper()
	return e.do(t, method, "/api/v1/public/"+path, "", body)
}

func pngPhoto(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))))
	return buf.Bytes()
}

func TestAppealBecomesAQRCaseWithItsPhotosOnce(t *testing.T) {
	e := setupAppeals(t, api.PublicLimits{Off: true})
	f := e.form()
	f.fields["name"], f.fields["phone"], f.fields["consent"] = "王阿姨", "138 0013 8000", "true"
	f.photos = map[string][]byte{"楼道.png": pngPhoto(t), "杂物.png": pngPhoto(t)}
	f.key = "double-tap-0123456789"
	res := e.submit(t, e.token, f)
	require.Equal(t, http.StatusCreated, res.status, res.raw)
	code := res.body["tracking_code"].(string)
	require.Regexp(t, `^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}$`, code)
	require.Equal(t, "/t/"+code, res.body["status_url"])

	again := e.submit(t, e.token, f)
	require.Equal(t, http.StatusOK, again.status, "the same key is the same submission: %s", again.raw)
	require.Equal(t, code, again.body["tracking_code"])

	list := e.do(t, http.MethodGet, "/api/v1/tenants/371326001/cases?tracking_code="+code, e.streetKey, nil)
	require.Equal(t, http.StatusOK, list.status, list.raw)
	items := list.body["items"].([]any)
	require.Len(t, items, 1, "a double tap makes one case")
	c := items[0].(map[string]any)
	require.Equal(t, "qr", c["channel"])
	require.Equal(t, "reported", c["status"])
	require.Equal(t, "王阿姨", c["reporter_name"])
	require.Equal(t, float64(e.building), c["node_id"])
	detail := e.do(t, http.MethodGet, fmt.Sprintf("/api/v1/tenants/371326001/cases/%v", c["id"]), e.streetKey, nil)
	require.Equal(t, http.StatusOK, detail.status, detail.raw)
	require.Len(t, detail.body["attachments"], 2, "the photos came with the case")
	require.Equal(t, "13800138000", detail.body["reporter_phone"], "the centre sees the phone the resident agreed to give")

	status := e.public(t, http.MethodGet, "tracking/"+strings.ToLower(strings.ReplaceAll(code, "-", "")), nil)
	require.Equal(t, http.StatusOK, status.status, status.raw)
	require.Equal(t, code, status.body["tracking_code"])
	require.Equal(t, "reported", status.body["status"])
	require.Equal(t, "东关社区 网格甲 甲1号楼", status.body["place"])
	require.Nil(t, status.body["expected_completion"])
	require.Equal(t, false, status.body["can_rate"])
	actions := []string{}
	for _, ev := range status.body["timeline"].([]any) {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	require.Equal(t, []string{"report", "attach", "attach"}, actions)
	require.NotContains(t, status.raw, "王阿姨", "the status page does not repeat personal information")
	require.NotContains(t, status.raw, "13800138000")
}

func TestAppealRefusesBadInputByField(t *testing.T) {
	e := setupAppeals(t, api.PublicLimits{Off: true})
	cases := []struct {
		name     string
		change   func(f *appealForm)
		status   int
		location string
	}{
		{"phone without consent", func(f *appealForm) { f.fields["phone"] = "13800138000" }, 422, "body.consent"},
		{"not a phone number", func(f *appealForm) { f.fields["phone"], f.fields["consent"] = "12345", "true" }, 422, "body.phone"},
		{"no description", func(f *appealForm) { f.fields["description"] = "   " }, 422, "body.description"},
		{"description too long", func(f *appealForm) { f.fields["description"] = strings.Repeat("字", 2001) }, 422, "body.description"},
		{"no service", func(f *appealForm) { delete(f.fields, "category_id") }, 422, "body.category_id"},
		{"an internal category", func(f *appealForm) { f.fields["category_id"] = fmt.Sprint(e.internal) }, 422, "body.category_id"},
		{"four photos", func(f *appealForm) {
			f.photos = map[string][]byte{"1.png": pngPhoto(t), "2.png": pngPhoto(t), "3.png": pngPhoto(t), "4.png": pngPhoto(t)}
		}, 422, "body.photos"},
		{"a photo that is not one", func(f *appealForm) { f.photos = map[string][]byte{"x.png": []byte("#!/bin/sh\necho hi\n")} }, 415, "body.photos"},
		{"a photo over 5 MiB", func(f *appealForm) {
			f.photos = map[string][]byte{"big.png": append(pngPhoto(t), make([]byte, appeals.MaxPhotoBytes)...)}
		}, 422, "body.photos"},
		{"a bad idempotency key", func(f *appealForm) { f.key = "short" }, 422, "header.Idempotency-Key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := e.form()
			tc.change(&f)
			res := e.submit(t, e.token, f)
			require.Equal(t, tc.status, res.status, res.raw)
			require.Equal(t, "application/problem+json", res.header.Get("Content-Type"))
			require.Contains(t, res.raw, `"location":"`+tc.location+`"`)
		})
	}
	// Nothing of those made a case.
	list := e.do(t, http.MethodGet, "/api/v1/tenants/371326001/cases", e.streetKey, nil)
	require.Empty(t, list.body["items"])

	require.Equal(t, http.StatusNotFound, e.submit(t, "AAAAAAAAAAAAAAAAAAAAAA", e.form()).status)
	_, err := e.codes.Rotate(context.Background(), e.scope, e.building)
	require.NoError(t, err)
	gone := e.submit(t, e.token, e.form())
	require.Equal(t, http.StatusGone, gone.status, gone.raw)
	require.Contains(t, gone.body["detail"], "replaced")

	// A body over the limit is refused before it is read.
	req := httptest.NewRequest(http.MethodPost, "/api/v1/public/scans/"+e.token+"/appeals", bytes.NewReader(make([]byte, 16<<20)))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	require.Equal(t, http.StatusRequestEntityTooLarge, e.send(t, req, "").status)
}

func TestAppealsAreRateLimitedPerAddressAndPerCode(t *testing.T) {
	e := setupAppeals(t, api.PublicLimits{
		SubmitPerIP:   api.RateLimit{Every: time.Hour, Burst: 2},
		SubmitPerCode: api.RateLimit{Every: time.Hour, Burst: 3},
		ReadPerIP:     api.RateLimit{Every: time.Hour, Burst: 2},
	})
	submitFrom := func(ip string) response {
		f := e.form()
		f.ip = ip
		return e.submit(t, e.token, f)
	}
	require.Equal(t, http.StatusCreated, submitFrom("203.0.113.1").status)
	require.Equal(t, http.StatusCreated, submitFrom("203.0.113.1").status)
	limited := submitFrom("203.0.113.1")
	require.Equal(t, http.StatusTooManyRequests, limited.status, limited.raw)
	require.Equal(t, "application/problem+json", limited.header.Get("Content-Type"))
	require.Contains(t, limited.body["detail"], "from this network")
	require.NotEmpty(t, limited.header.Get("Retry-After"))
	require.Greater(t, len(limited.header.Get("Retry-After")), 2, "about an hour, in seconds")

	require.Equal(t, http.StatusCreated, submitFrom("203.0.113.2").status, "another address has its own allowance")
	byCode := submitFrom("203.0.113.3")
	require.Equal(t, http.StatusTooManyRequests, byCode.status, "the code's allowance is spent: %s", byCode.raw)
	require.Contains(t, byCode.body["detail"], "through this code")

	list := e.do(t, http.MethodGet, "/api/v1/tenants/371326001/cases", e.streetKey, nil)
	require.Len(t, list.body["items"], 3, "refused submissions made no case")

	scan := func() int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/public/scans/"+e.token, nil)
		req.RemoteAddr = "198.51.100.7:5000"
		return e.send(t, req, "").status
	}
	require.Equal(t, http.StatusOK, scan())
	require.Equal(t, http.StatusOK, scan())
	require.Equal(t, http.StatusTooManyRequests, scan(), "look-ups are limited too: codes are not to be guessed")
}

func TestResidentFollowsRatesAndReopensTheirCase(t *testing.T) {
	e := setupAppeals(t, api.PublicLimits{Off: true})
	ctx := context.Background()
	res := e.submit(t, e.token, e.form())
	require.Equal(t, http.StatusCreated, res.status, res.raw)
	code := res.body["tracking_code"].(string)
	page, err := e.cases.List(ctx, e.scope, cases.Visibility{Street: true}, cases.Filter{TrackingCode: code})
	require.NoError(t, err)
	id := page.Cases[0].ID

	// Too early: no answer to rate or contest.
	require.Equal(t, http.StatusConflict, e.public(t, "POST", "tracking/"+code+"/rating", map[string]any{"score": 5}).status)
	require.Equal(t, http.StatusConflict, e.public(t, "POST", "tracking/"+code+"/reopen", map[string]any{"reason": "没人来"}).status)

	officer := cases.Actor{Name: "李警官", Role: "department_staff"}
	now := time.Now()
	_, err = e.cases.Take(ctx, e.scope, cases.Actor{Name: "赵主任", Role: "dispatcher"}, id, cases.Step{Action: cases.Dispatch,
		DepartmentID: e.police, LeaderName: "张所长", AcceptDue: now.Add(2 * time.Hour), CompleteDue: now.Add(72 * time.Hour), Note: "内部备注：请派出所处理"})
	require.NoError(t, err)
	dispatched := e.public(t, "GET", "tracking/"+code, nil)
	require.Equal(t, "dispatched", dispatched.body["status"])
	require.NotNil(t, dispatched.body["expected_completion"], "the completion deadline is the expected completion")
	require.NotNil(t, dispatched.body["department"])
	_, err = e.cases.Take(ctx, e.scope, officer, id, cases.Step{Action: cases.Accept})
	require.NoError(t, err)
	_, err = e.cases.Take(ctx, e.scope, officer, id, cases.Step{Action: cases.Resolve, Note: "已清理楼道杂物"})
	require.NoError(t, err)

	status := e.public(t, "GET", "tracking/"+code, nil)
	require.Equal(t, http.StatusOK, status.status, status.raw)
	require.Equal(t, "resolved", status.body["status"])
	require.Equal(t, "已清理楼道杂物", status.body["result"])
	require.Equal(t, true, status.body["can_rate"])
	require.Equal(t, true, status.body["can_reopen"])
	for _, secret := range []string{"李警官", "赵主任", "张所长", "内部备注", "department_staff"} {
		require.NotContains(t, status.raw, secret, "no staff names or internal notes on the status page")
	}

	rated := e.public(t, "POST", "tracking/"+code+"/rating", map[string]any{"score": 2, "comment": "清理不彻底"})
	require.Equal(t, http.StatusOK, rated.status, rated.raw)
	require.Equal(t, float64(2), rated.body["rating"].(map[string]any)["score"])
	require.Equal(t, false, rated.body["can_rate"])
	twice := e.public(t, "POST", "tracking/"+code+"/rating", map[string]any{"score": 5})
	require.Equal(t, http.StatusConflict, twice.status, "one rating per answer")
	require.Equal(t, http.StatusUnprocessableEntity, e.public(t, "POST", "tracking/"+code+"/rating", map[string]any{"score": 6}).status)

	reopened := e.public(t, "POST", "tracking/"+code+"/reopen", map[string]any{"reason": "杂物又堆回来了"})
	require.Equal(t, http.StatusOK, reopened.status, reopened.raw)
	require.Equal(t, "reported", reopened.body["status"])
	require.Equal(t, false, reopened.body["can_reopen"])
	last := reopened.body["timeline"].([]any)
	require.Equal(t, map[string]any{"action": "reopen", "status": "reported", "note": "杂物又堆回来了"},
		without(last[len(last)-1].(map[string]any), "at"))

	var kind, title string
	require.NoError(t, e.svc.DB().Tx(ctx, e.scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT kind, title FROM notifications WHERE tenant_id = $1 AND case_id = $2 AND audience = 'center'`,
			e.streetA.ID, id).Scan(&kind, &title)
	}))
	require.Equal(t, "reopened", kind, "the centre is told")
	require.Contains(t, title, code)

	// Answered again, but the resident waits past the street's window.
	patched := e.do(t, "PATCH", "/api/v1/tenants/371326001", e.countyKey, map[string]any{"reopen_window_days": 1})
	require.Equal(t, http.StatusOK, patched.status, patched.raw)
	require.Equal(t, float64(1), patched.body["reopen_window_days"])
	_, err = e.cases.Take(ctx, e.scope, officer, id, cases.Step{Action: cases.Dispatch, DepartmentID: e.police, LeaderName: "张所长",
		AcceptDue: now.Add(time.Hour), CompleteDue: now.Add(24 * time.Hour)})
	require.NoError(t, err)
	_, err = e.cases.Take(ctx, e.scope, officer, id, cases.Step{Action: cases.Accept})
	require.NoError(t, err)
	_, err = e.cases.Take(ctx, e.scope, officer, id, cases.Step{Action: cases.Resolve, Note: "再次清理"})
	require.NoError(t, err)
	second := e.public(t, "GET", "tracking/"+code, nil)
	require.Equal(t, true, second.body["can_rate"], "a new answer is rated anew")
	require.NoError(t, e.svc.DB().Tx(ctx, e.scope, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE cases SET resolved_at = now() - interval '2 days' WHERE tenant_id = $1 AND id = $2`, e.streetA.ID, id)
		return err
	}))
	late := e.public(t, "POST", "tracking/"+code+"/reopen", map[string]any{"reason": "还是不行"})
	require.Equal(t, http.StatusConflict, late.status, late.raw)
	require.Equal(t, false, e.public(t, "GET", "tracking/"+code, nil).body["can_reopen"])
}

func TestTrackingCodesNameOneCaseOnly(t *testing.T) {
	e := setupAppeals(t, api.PublicLimits{Off: true})
	require.Equal(t, http.StatusCreated, e.submit(t, e.token, e.form()).status)
	res := e.submit(t, e.token, e.form())
	code := res.body["tracking_code"].(string)

	mistyped := []byte(code)
	mistyped[0] = map[bool]byte{true: '2', false: '3'}[mistyped[0] == '3']
	bad := e.public(t, "GET", "tracking/"+string(mistyped), nil)
	require.Contains(t, []int{http.StatusNotFound, http.StatusUnprocessableEntity}, bad.status, "the check symbol catches most typos: %s", bad.raw)
	require.Equal(t, http.StatusUnprocessableEntity, e.public(t, "GET", "tracking/not-a-code", nil).status)
	unknown, err := cases.NewTrackingCode()
	require.NoError(t, err)
	require.Equal(t, http.StatusNotFound, e.public(t, "GET", "tracking/"+unknown, nil).status)

	// The status page's scope sees its one case and nothing else of any street.
	ctx := context.Background()
	var visible, others int
	require.NoError(t, e.svc.DB().Tx(ctx, tenants.Scope{TrackingCode: code}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&visible); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM case_events) + (SELECT count(*) FROM case_attachments) + (SELECT count(*) FROM org_nodes)`).Scan(&others)
	}))
	require.Equal(t, 1, visible)
	require.Zero(t, others)
}

func without(m map[string]any, key string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func TestOpen311IsRateLimitedPerAddress(t *testing.T) {
	e := setupAppeals(t, api.PublicLimits{
		SubmitPerIP: api.RateLimit{Every: time.Hour, Burst: 10}, SubmitPerCode: api.RateLimit{Every: time.Hour, Burst: 10},
		ReadPerIP: api.RateLimit{Every: time.Hour, Burst: 2},
	})
	get := func(path, ip string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.RemoteAddr = ip + ":1234"
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		return rec
	}
	require.Equal(t, http.StatusOK, get("/open311/v2/discovery.json", "203.0.113.9").Code)
	require.Equal(t, http.StatusOK, get("/open311/v2/discovery.xml", "203.0.113.9").Code)
	limited := get("/open311/v2/discovery.json", "203.0.113.9")
	require.Equal(t, http.StatusTooManyRequests, limited.Code)
	require.NotEmpty(t, limited.Header().Get("Retry-After"))
	require.Contains(t, limited.Body.String(), `"code":429`, "the spec's error list")
	xml := get("/open311/v2/discovery.xml", "203.0.113.9")
	require.Equal(t, http.StatusTooManyRequests, xml.Code)
	require.Contains(t, xml.Body.String(), "<code>429</code>")
	require.Equal(t, http.StatusOK, get("/open311/v2/discovery.json", "203.0.113.10").Code, "another address has its own allowance")
	keyed := get("/open311/v2/requests.json?jurisdiction_id=371326001&api_key="+e.streetKey, "203.0.113.9")
	require.Equal(t, http.StatusOK, keyed.Code, "a street's integration, with its key, is not limited: %s", keyed.Body.String())
}
