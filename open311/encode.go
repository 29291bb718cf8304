package open311

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/fengqiao/fengqiao"
)

// format is the representation a URL's suffix asks for.
type format string

const (
	formatXML  format = "xml"
	formatJSON format = "json"
)

// Content types the specification names.
const (
	ContentTypeXML  = "text/xml; charset=utf-8"
	ContentTypeJSON = "application/json; charset=utf-8"
)

// answer is a successful response: the JSON value and its XML form.
type answer struct {
	status int
	json   any
	xml    any
}

// failure is an error answer: an HTTP status and the errors the body lists.
type failure struct {
	status int
	errors []Error
}

func (f *failure) Error() string {
	descs := make([]string, len(f.errors))
	for i, e := range f.errors {
		descs[i] = e.Description
	}
	return fmt.Sprintf("open311 %d: %s", f.status, strings.Join(descs, "; "))
}

func fail(status int, format string, args ...any) *failure {
	return &failure{status: status, errors: []Error{{Code: status, Description: fmt.Sprintf(format, args...)}}}
}

// badRequest lists every problem of a request's input in one answer.
func badRequest(problems []string) *failure {
	f := &failure{status: http.StatusBadRequest}
	for _, p := range problems {
		f.errors = append(f.errors, Error{Code: http.StatusBadRequest, Description: p})
	}
	return f
}

// asFailure maps a domain error to the protocol's statuses; anything else
// is a 500 whose details are logged, never shown.
func (h *Handler) asFailure(ctx context.Context, err error) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	var fe *fengqiao.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fengqiao.EINVALID:
			if len(fe.Fields) == 0 {
				return badRequest([]string{fe.Message})
			}
			problems := make([]string, len(fe.Fields))
			for i, field := range fe.Fields {
				problems[i] = field.Message
			}
			return badRequest(problems)
		case fengqiao.ENOTFOUND:
			return fail(http.StatusNotFound, "%s", fe.Message)
		}
	}
	h.Log.ErrorContext(ctx, "open311: internal error", "err", err)
	return fail(http.StatusInternalServerError, "internal error; it has been logged")
}

func (h *Handler) writeFailure(w http.ResponseWriter, r *http.Request, f format, fl *failure) {
	h.write(w, r, f, answer{status: fl.status, json: fl.errors, xml: errorsXML{Errors: fl.errors}})
}

// write encodes the answer in full before sending anything, so that an
// encoding error still gets a clean 500.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, f format, a answer) {
	var buf bytes.Buffer
	var err error
	contentType := ContentTypeJSON
	if f == formatJSON {
		err = json.NewEncoder(&buf).Encode(a.json)
	} else {
		contentType = ContentTypeXML
		buf.WriteString(xml.Header)
		err = xml.NewEncoder(&buf).Encode(a.xml)
	}
	if err != nil {
		h.Log.ErrorContext(r.Context(), "open311: encode answer", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(a.status)
	_, _ = w.Write(buf.Bytes())
}
