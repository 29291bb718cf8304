package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
)

// statusByCode is the one table from domain error codes to HTTP statuses.
var statusByCode = map[string]int{
	fengqiao.EINVALID:      http.StatusUnprocessableEntity,
	fengqiao.ENOTFOUND:     http.StatusNotFound,
	fengqiao.ECONFLICT:     http.StatusConflict,
	fengqiao.EGONE:         http.StatusGone,
	fengqiao.EUNAUTHORIZED: http.StatusUnauthorized,
	fengqiao.EFORBIDDEN:    http.StatusForbidden,
	fengqiao.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	fengqiao.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	fengqiao.EUNAVAILABLE:  http.StatusServiceUnavailable,
	fengqiao.EINTERNAL:     http.StatusInternalServerError,
}

// problem turns any error a handler returns into an RFC 9457 response.
// Domain errors keep their message and fields; anything else is logged and
// answered with a bare 500, so internals never reach the caller.
func problem(ctx context.Context, log *slog.Logger, err error) error {
	var se huma.StatusError
	if errors.As(err, &se) {
		return se
	}
	var fe *fengqiao.Error
	if !errors.As(err, &fe) {
		if errors.Is(err, context.Canceled) {
			return huma.NewError(499, "request cancelled")
		}
		log.ErrorContext(ctx, "internal error", "err", err)
		return huma.Error500InternalServerError("internal error; it has been logged")
	}
	status, ok := statusByCode[fe.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	details := make([]error, len(fe.Fields))
	for i, f := range fe.Fields {
		details[i] = &huma.ErrorDetail{Location: f.Location, Message: f.Message, Value: f.Value}
	}
	return huma.NewError(status, fe.Message, details...)
}
