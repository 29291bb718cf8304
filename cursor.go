package fengqiao

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Cursor marks a place in a list ordered newest first by time, then id:
// the next page starts after it. It is opaque to clients.
type Cursor struct {
	At time.Time
	ID int64
}

// String encodes the cursor for a response.
func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.At.UTC().Format(time.RFC3339Nano) + "|" + strconv.FormatInt(c.ID, 10)))
}

// ParseCursor decodes a cursor a client sent back; anything this server
// did not give out is invalid input at query.cursor.
func ParseCursor(s string) (Cursor, error) {
	bad := Invalid("query.cursor", "not a cursor this server gave out", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	atText, idText, ok := strings.Cut(string(raw), "|")
	if !ok {
		return Cursor{}, bad
	}
	at, err := time.Parse(time.RFC3339Nano, atText)
	if err != nil {
		return Cursor{}, bad
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil {
		return Cursor{}, bad
	}
	return Cursor{At: at, ID: id}, nil
}
