package fengqiao

import "strings"

// MaskPhone keeps a phone number's first 3 and last 4 digits, 138****8000:
// enough to recognise a number, not to call it.
func MaskPhone(p string) string {
	if len(p) < 8 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-7) + p[len(p)-4:]
}
