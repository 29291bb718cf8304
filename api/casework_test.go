package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/staff"
)

// reportCase reports a case as the grid worker and returns its path.
func (mx *matrix) reportCase(t *testing.T, grade string) string {
	t.Helper()
	a := "/api/v1/tenants/371326001"
	_, body := mx.call(t, staff.GridWorker, "GET", a+"/categories", "")
	var list struct{ Items []struct{ ID int64 } }
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	code, body := mx.call(t, staff.GridWorker, "POST", a+"/cases", fmt.Sprintf(
		`{"channel":"grid_report","category_id":%d,"grade":"%s","title":"邻里漏水纠纷","node_id":%d}`, list.Items[0].ID, grade, mx.nodes["37132600100101001001"]))
	require.Equal(t, http.StatusCreated, code, body)
	var created struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(body), &created))
	return fmt.Sprintf("%s/cases/%d", a, created.ID)
}

func (mx *matrix) upload(t *testing.T, role, path, filename string, content []byte) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", filename)
	require.NoError(t, err)
	_, err = part.Write(content)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	req := httptest.NewRequest("POST", path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("X-Session-Token", mx.tokens[role])
	rec := httptest.NewRecorder()
	mx.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestSummonsOverHTTP(t *testing.T) {
	mx := setupMatrix(t)
	c := mx.reportCase(t, "major")
	police := mx.depts["派出所"]
	summon := fmt.Sprintf(`{"department_ids":[%d],"within_hours":2,"note":"请到现场协调"}`, police)

	require.Equal(t, http.StatusForbidden, mx.status(t, staff.GridWorker, "POST", c+"/summons", summon), "a grid worker does not blow the whistle")
	code, body := mx.call(t, staff.CommunityStaff, "POST", c+"/summons", `{"department_ids":[],"within_hours":500}`)
	require.Equal(t, http.StatusUnprocessableEntity, code, body)
	require.Contains(t, body, "body.within_hours")
	_, body = mx.call(t, staff.CommunityStaff, "GET", c, "")
	require.Contains(t, body, `"my_actions":["self_resolve","summon"]`, "community staff settle on the spot or summon")
	require.Contains(t, body, `"place_name":"东关社区 网格甲 甲1号楼"`)
	code, body = mx.call(t, staff.CommunityStaff, "POST", c+"/summons", summon)
	require.Equal(t, http.StatusCreated, code, body)
	_, body = mx.call(t, staff.DepartmentStaff, "GET", c, "")
	require.Contains(t, body, `"my_actions":["check_in"]`, "the summoned department checks in; the case is not dispatched to it")
	_, body = mx.call(t, staff.Dispatcher, "GET", c, "")
	require.Contains(t, body, `"my_actions":["dispatch","self_resolve","merge","cancel","summon"]`)

	// The summoned department now reads the case and checks in; nobody
	// else checks in in its place.
	code, body = mx.call(t, staff.DepartmentStaff, "GET", c, "")
	require.Equal(t, http.StatusOK, code, body)
	checkIn := fmt.Sprintf("%s/summons/%d/check-in", c, police)
	require.Equal(t, http.StatusForbidden, mx.status(t, staff.CommunityStaff, "POST", checkIn, `{}`))
	require.Equal(t, http.StatusForbidden, mx.status(t, staff.DepartmentStaff, "POST", c+"/accept", `{}`), "summoned is not dispatched")
	code, body = mx.call(t, staff.DepartmentStaff, "POST", checkIn, `{"note":"民警已到场"}`)
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"late":false`)
	require.Equal(t, http.StatusNotFound, mx.status(t, staff.DepartmentStaff, "POST", checkIn, `{}`), "checked in already")

	_, body = mx.call(t, staff.GridWorker, "GET", c, "")
	require.Contains(t, body, `"action":"summon"`)
	require.Contains(t, body, `"action":"check_in"`)
	require.Contains(t, body, `"checked_in_by":"测试department_staff"`)
	require.Contains(t, body, `"department_name":"派出所"`, "the summons names its department for readers who cannot list departments")

	// The department was told; its read state is its own.
	code, body = mx.call(t, staff.DepartmentStaff, "GET", "/api/v1/tenants/371326001/notifications", "")
	require.Equal(t, http.StatusOK, code, body)
	var list struct {
		Items []struct {
			ID     int64
			Kind   string
			ReadAt *string `json:"read_at"`
		}
		Unread int
	}
	require.NoError(t, json.Unmarshal([]byte(body), &list))
	require.Len(t, list.Items, 1)
	require.Equal(t, "summons", list.Items[0].Kind)
	require.Equal(t, 1, list.Unread)
	_, body = mx.call(t, staff.Dispatcher, "GET", "/api/v1/tenants/371326001/notifications", "")
	require.Contains(t, body, `"items":[]`, "the centre is not in a department's audience")
	require.Equal(t, http.StatusNotFound, mx.status(t, staff.Dispatcher, "POST", fmt.Sprintf("/api/v1/tenants/371326001/notifications/%d/read", list.Items[0].ID), ""))

	code, body = mx.call(t, staff.DepartmentStaff, "POST", fmt.Sprintf("/api/v1/tenants/371326001/notifications/%d/read", list.Items[0].ID), "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"marked":1`)
	_, body = mx.call(t, staff.DepartmentStaff, "GET", "/api/v1/tenants/371326001/notifications?unread=true", "")
	require.Contains(t, body, `"items":[]`)
	require.Contains(t, body, `"unread":0`)
}

func TestUrgentDispatchNotifiesTheCentreAndReadAll(t *testing.T) {
	mx := setupMatrix(t)
	c := mx.reportCase(t, "urgent")
	code, body := mx.call(t, staff.Dispatcher, "POST", c+"/dispatch", fmt.Sprintf(
		`{"department_id":%d,"leader_name":"李所长","accept_due":"2099-01-01T00:00:00Z","complete_due":"2099-01-02T00:00:00Z"}`, mx.depts["派出所"]))
	require.Equal(t, http.StatusOK, code, body)
	_, body = mx.call(t, staff.StreetAdmin, "GET", "/api/v1/tenants/371326001/notifications", "")
	require.Contains(t, body, `"kind":"urgent"`)
	require.Contains(t, body, `"unread":1`)
	_, body = mx.call(t, staff.StreetAdmin, "POST", "/api/v1/tenants/371326001/notifications/read-all", "")
	require.Contains(t, body, `"marked":1`)
	_, body = mx.call(t, staff.Dispatcher, "GET", "/api/v1/tenants/371326001/notifications", "")
	require.Contains(t, body, `"unread":1`, "the street admin's reading is not the dispatcher's")
	_, body = mx.call(t, staff.DepartmentStaff, "GET", "/api/v1/tenants/371326001/notifications", "")
	require.Contains(t, body, `"kind":"assignment"`)
	require.NotContains(t, body, `"kind":"urgent"`)
}

func TestPhotoUploadOverHTTP(t *testing.T) {
	mx := setupMatrix(t)
	c := mx.reportCase(t, "general")
	var photo bytes.Buffer
	require.NoError(t, png.Encode(&photo, image.NewGray(image.Rect(0, 0, 3, 3))))

	code, body := mx.upload(t, staff.GridWorker, c+"/attachments", "现场.png", photo.Bytes())
	require.Equal(t, http.StatusCreated, code, body)
	var a struct {
		URL         string
		ContentType string `json:"content_type"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &a))
	require.Equal(t, "image/png", a.ContentType)

	req := httptest.NewRequest("GET", a.URL, nil)
	req.Header.Set("X-Session-Token", mx.tokens[staff.Mediator])
	rec := httptest.NewRecorder()
	mx.handler.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "image/png", rec.Header().Get("Content-Type"))
	require.Equal(t, photo.Bytes(), rec.Body.Bytes())

	code, body = mx.upload(t, staff.GridWorker, c+"/attachments", "notes.txt", []byte("not a photo at all"))
	require.Equal(t, http.StatusUnsupportedMediaType, code, body)
	require.Contains(t, body, "body.file")
	code, body = mx.upload(t, staff.GridWorker, c+"/attachments", "huge.png", append(photo.Bytes(), make([]byte, 11<<20)...))
	require.Equal(t, http.StatusRequestEntityTooLarge, code, body)
	code, _ = mx.upload(t, staff.Judge, c+"/attachments", "x.png", photo.Bytes())
	require.Contains(t, []int{403, 404}, code)

	_, body = mx.call(t, staff.Dispatcher, "GET", c, "")
	require.Contains(t, body, `"filename":"现场.png"`)
}

func TestDispatchRulesOverHTTP(t *testing.T) {
	mx := setupMatrix(t)
	a := "/api/v1/tenants/371326001"
	_, body := mx.call(t, staff.GridWorker, "GET", a+"/categories", "")
	var cats struct{ Items []struct{ ID int64 } }
	require.NoError(t, json.Unmarshal([]byte(body), &cats))
	category := cats.Items[0].ID

	rule := fmt.Sprintf(`{"category_id":%d,"department_id":%d,"leader_name":"李所长"}`, category, mx.depts["派出所"])
	require.Equal(t, http.StatusForbidden, mx.status(t, staff.Dispatcher, "POST", a+"/dispatch-rules", rule), "the street admin edits rules")
	code, body := mx.call(t, staff.StreetAdmin, "POST", a+"/dispatch-rules", fmt.Sprintf(`{"category_id":%d,"department_id":999999}`, category))
	require.Equal(t, http.StatusUnprocessableEntity, code, body)
	require.Contains(t, body, "body.department_id")
	code, body = mx.call(t, staff.StreetAdmin, "POST", a+"/dispatch-rules", rule)
	require.Equal(t, http.StatusCreated, code, body)

	code, body = mx.call(t, staff.StreetAdmin, "PUT", a+"/deadline-policies", `{"grade":"major","accept_hours":6,"complete_hours":48}`)
	require.Equal(t, http.StatusOK, code, body)
	code, body = mx.call(t, staff.Dispatcher, "GET", fmt.Sprintf("%s/deadlines?category_id=%d&grade=major", a, category), "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"accept_hours":6`)
	require.Contains(t, body, `"complete_hours":48`)

	// A report matching the rule is dispatched on intake.
	c := mx.reportCase(t, "major")
	_, body = mx.call(t, staff.DepartmentStaff, "GET", c, "")
	require.Contains(t, body, `"status":"dispatched"`)
	require.Contains(t, body, `"leader_name":"李所长"`)
	require.Contains(t, body, `"actor":"system"`)
	require.Contains(t, body, `"department_name":"派出所"`)
	code, body = mx.call(t, staff.Dispatcher, "GET", a+"/cases?tracking_code=nope", "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"items":[]`)
}

func TestQRCodesOverHTTP(t *testing.T) {
	mx := setupMatrix(t)
	a := "/api/v1/tenants/371326001"
	building := fmt.Sprintf("%s/nodes/%d", a, mx.nodes["37132600100101001001"])
	code, body := mx.call(t, staff.GridWorker, "GET", building+"/qr", "")
	require.Equal(t, http.StatusOK, code, body)
	var qr struct {
		Token  string
		URL    string
		PNGURL string `json:"png_url"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &qr))
	require.Equal(t, "http://fengqiao.test/q/"+qr.Token, qr.URL)

	code, body = mx.call(t, staff.GridWorker, "GET", qr.PNGURL, "")
	require.Equal(t, http.StatusOK, code)
	_, err := png.Decode(bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	code, body = mx.call(t, staff.GridWorker, "GET", building+"/qr.svg", "")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "<svg")

	require.Equal(t, http.StatusForbidden, mx.status(t, staff.GridWorker, "POST", building+"/qr/rotate", ""), "rotating is the street's call")
	// A resident's phone, with no credentials, sees the place and its services.
	scan := func(token string) (int, string) {
		rec := httptest.NewRecorder()
		mx.handler.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/public/scans/"+token, nil))
		return rec.Code, rec.Body.String()
	}
	code, body = scan(qr.Token)
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, `"place":"东关社区 网格甲 甲1号楼"`)
	require.Contains(t, body, `"name":"纠纷化解"`)
	require.NotContains(t, body, "测试", "no staff names on a public page")

	code, body = mx.call(t, staff.StreetAdmin, "POST", building+"/qr/rotate", "")
	require.Equal(t, http.StatusOK, code, body)
	require.NotContains(t, body, qr.Token)
	code, body = scan(qr.Token)
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, `{"status":"replaced"}`, strings.TrimSpace(body))
	code, body = scan("nosuchtoken0000000000A")
	require.Equal(t, http.StatusNotFound, code, body)
	require.NotContains(t, body, "pgx")

	code, body = mx.call(t, staff.CommunityStaff, "GET", fmt.Sprintf("%s/nodes/%d/qr-labels", a, mx.nodes["371326001001"]), "")
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, "甲1号楼")
	require.Contains(t, body, "网格乙")
	require.Equal(t, http.StatusForbidden, mx.status(t, staff.GridWorker, "GET", fmt.Sprintf("%s/nodes/%d/qr-labels", a, mx.nodes["371326001002"]), ""),
		"a grid worker prints labels for its own grid only")
	code, body = mx.call(t, staff.StreetAdmin, "GET", fmt.Sprintf("%s/nodes/%d/qr", a, mx.nodes["371326001001"]), "")
	require.Equal(t, http.StatusUnprocessableEntity, code, body)
}
