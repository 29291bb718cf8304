package cases

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
)

// trackingFormat is the shape people see: 4-4-3 groups, data symbols from
// the Crockford alphabet, and a check symbol that may also be *~$=U.
var trackingFormat = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}[0-9A-HJKMNP-TV-Z*~$=U]$`)

// Known values pinned by hand against Crockford's spec, so encoder and
// parser cannot agree with each other on a wrong scheme. They cover the
// extremes and each of the five check-only symbols.
var trackingVectors = []struct {
	n    uint64
	code string
}{
	{0, "0000-0000-000"},
	{1234, "0000-0001-6JD"}, // 1234 = 1·32² + 6·32 + 18 ("16J"); 1234 mod 37 = 13 (D)
	{32, "0000-0000-10*"},
	{33, "0000-0000-11~"},
	{34, "0000-0000-12$"},
	{35, "0000-0000-13="},
	{36, "0000-0000-14U"},
	{1<<50 - 1, "ZZZZ-ZZZZ-ZZX"}, // (2⁵⁰−1) mod 37 = 29 (X)
}

func TestTrackingCodeVectors(t *testing.T) {
	for _, v := range trackingVectors {
		require.Equal(t, v.code, encodeTrackingCode(v.n))
		got, err := ParseTrackingCode(v.code)
		require.NoError(t, err)
		require.Equal(t, v.code, got)
	}
}

func TestTrackingCodeRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		code, err := NewTrackingCode()
		require.NoError(t, err)
		require.Regexp(t, trackingFormat, code)
		require.NotContains(t, "*~$=U", code[len(code)-1:], "new codes avoid the check-only symbols")
		got, err := ParseTrackingCode(code)
		require.NoError(t, err)
		require.Equal(t, code, got)
		// 50 random bits make a collision among 2000 codes a ~2e-9 event;
		// a repeat means the randomness is broken.
		require.False(t, seen[code], "duplicate code %s", code)
		seen[code] = true
	}
}

func TestTrackingCodeNormalisation(t *testing.T) {
	// Targets come from trackingVectors; 0000-0000-14u checks that a
	// lowercase u is accepted as check symbol 36.
	for typed, want := range map[string]string{
		"0000-0001-6JD":         "0000-0001-6JD",
		"000000016JD":           "0000-0001-6JD",
		"0000 0001 6jd":         "0000-0001-6JD",
		"  oooo-OOOi-6jd ":      "0000-0001-6JD", // O→0, i→1
		"OoOo ooOl 6Jd":         "0000-0001-6JD", // l→1
		"0-0-0-0-0-0-0-1-6-J-D": "0000-0001-6JD",
		"zzzz\tzzzz\nzzx":       "ZZZZ-ZZZZ-ZZX",
		"0000-0000-14u":         "0000-0000-14U",
		"ＯＯＯＯ－０００１－６ｊｄ":           "0000-0001-6JD", // full-width, as Chinese IMEs type
		"0000\u30000001\u30006JD": "0000-0001-6JD", // ideographic spaces
	} {
		got, err := ParseTrackingCode(typed)
		require.NoError(t, err, "%q", typed)
		require.Equal(t, want, got, "%q", typed)
	}
}

// TestTrackingCodeCatchesTypos checks exhaustively, for a few codes, the
// guarantee that justifies the check symbol: every single-symbol
// substitution and every swap of neighbours is rejected.
func TestTrackingCodeCatchesTypos(t *testing.T) {
	codes := []string{}
	for _, v := range trackingVectors {
		codes = append(codes, v.code)
	}
	for range 20 {
		code, err := NewTrackingCode()
		require.NoError(t, err)
		codes = append(codes, code)
	}

	for _, code := range codes {
		syms := []byte(strings.ReplaceAll(code, "-", ""))
		require.Len(t, syms, trackingCodeLen)

		for i := range syms {
			for _, c := range []byte(crockfordSymbols) {
				if c == syms[i] {
					continue
				}
				typo := append([]byte(nil), syms...)
				typo[i] = c
				requireMistyped(t, string(typo))
			}
		}
		// Includes swapping the last data symbol with the check symbol.
		for i := 0; i+1 < len(syms); i++ {
			if syms[i] == syms[i+1] {
				continue
			}
			typo := append([]byte(nil), syms...)
			typo[i], typo[i+1] = typo[i+1], typo[i]
			requireMistyped(t, string(typo))
		}
	}
}

func TestTrackingCodeRejectsWrongLength(t *testing.T) {
	for _, typed := range []string{
		"",
		"   - - ",
		"0000-0001-6J",    // a symbol dropped
		"0000-0001-6JDD",  // a symbol doubled
		"00000-0001-6JD",  // a symbol doubled in the first group
		"0000-0001-6JD-0", // stray trailing input
		strings.Repeat("0", 1000),
	} {
		requireMistyped(t, typed)
	}
}

func TestTrackingCodeRejectsBadSymbols(t *testing.T) {
	for _, typed := range []string{
		"0000-0001-6J#",  // not in the alphabet
		"0000-000U-6JD",  // U is only a check symbol
		"0000-000*-6JD",  // so are *~$=
		"0000-0001-6JÐ",  // non-ASCII
		"0000-0001-6Jı",  // dotless i upper-cases to I; still not accepted
		"0000_0001_6JD",  // only spaces and hyphens are separators
		"0000-0001-6JD.", // trailing punctuation
	} {
		requireMistyped(t, typed)
	}
}

// requireMistyped asserts the error a resident sees: EINVALID on
// path.code, telling them the code looks mistyped.
func requireMistyped(t *testing.T, typed string) {
	t.Helper()
	got, err := ParseTrackingCode(typed)
	require.Error(t, err, "%q was accepted as %q", typed, got)
	require.Empty(t, got)
	var fe *fengqiao.Error
	require.ErrorAs(t, err, &fe)
	require.Equal(t, fengqiao.EINVALID, fe.Code)
	require.Len(t, fe.Fields, 1)
	require.Equal(t, "path.code", fe.Fields[0].Location)
	require.Contains(t, fe.Message, "mistyped")
}
