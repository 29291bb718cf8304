// Package fengqiao holds the types every domain package shares: the error
// codes the API maps to HTTP statuses in one table.
package fengqiao

import (
	"errors"
	"fmt"
)

// Error codes. The API layer owns the mapping to HTTP statuses.
const (
	EINVALID      = "invalid"      // the request is malformed or fails validation
	ENOTFOUND     = "not_found"    // the thing does not exist, or the caller may not know it exists
	ECONFLICT     = "conflict"     // the request collides with existing state
	EGONE         = "gone"         // the thing existed and was replaced or withdrawn
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // credentials fine, action not allowed
	ETOOLARGE     = "too_large"    // the request body is over its limit
	EUNSUPPORTED  = "unsupported"  // a media type or format we do not read
	EINTERNAL     = "internal"     // a bug or an outage; details are logged, not shown
	EUNAVAILABLE  = "unavailable"  // a dependency is down
)

// FieldError names one bad field. Location follows huma's convention
// ("body.name", "query.q", "file[12].parent_code").
type FieldError struct {
	Location string
	Message  string
	Value    any
}

// Error is a domain error safe to show to the caller.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s (%d field errors, first: %s %s)", e.Code, e.Message, len(e.Fields), e.Fields[0].Location, e.Fields[0].Message)
}

// Errorf builds an Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports one bad field.
func Invalid(location, message string, value any) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: []FieldError{{Location: location, Message: message, Value: value}}}
}

// ErrorCode returns the code of err's Error, or EINTERNAL for anything else.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}
