package cases

import (
	"crypto/rand"
	"encoding/binary"
	"strings"
	"unicode"

	"github.com/fengqiao/fengqiao"
)

// Tracking codes are read aloud over the phone and typed on phone
// keyboards, so they use Crockford base32: no I, L, O or U to confuse
// with 1, 0 or V, and case does not matter. Ten data symbols carry 50
// random bits, enough that codes cannot be guessed or enumerated. The
// eleventh symbol is Crockford's check symbol, the value mod 37: because
// 37 is prime and larger than the alphabet, it catches every
// single-symbol mistake and every swap of two neighbouring symbols, the
// two errors people make most when copying a code.
const (
	trackingDataLen = 10
	trackingCodeLen = trackingDataLen + 1
	trackingBits    = 5 * trackingDataLen

	// crockfordSymbols is the 32-symbol data alphabet followed by the five
	// extra symbols only the check position may use (values 32–36).
	crockfordSymbols = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U"
)

// NewTrackingCode returns a random code: 10 data symbols (50 bits from
// crypto/rand) plus one check symbol, formatted in groups for reading aloud
// as "XXXX-XXXX-XXX" (hyphens are cosmetic).
//
// Codes whose check symbol would be one of *~$=U are drawn again: those
// are awkward to read aloud and to type. This costs 0.2 of the 50 bits and
// changes nothing in parsing or in what the check symbol catches.
func NewTrackingCode() (string, error) {
	for {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		if n := binary.BigEndian.Uint64(b[:]) & (1<<trackingBits - 1); n%37 < 32 {
			return encodeTrackingCode(n), nil
		}
	}
}

// ParseTrackingCode normalises what a person typed (case-insensitive;
// spaces and hyphens ignored; I/L → 1, O → 0 per Crockford) and verifies
// the check symbol. It returns the canonical formatted code, or an
// EINVALID error at "path.code" when the code looks mistyped.
func ParseTrackingCode(s string) (string, error) {
	syms := make([]byte, 0, trackingCodeLen)
	for _, r := range s {
		// Chinese input methods often type full-width forms ("ＡＢ－１");
		// fold them to ASCII so residents need not switch keyboards.
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000: // ideographic space
			r = ' '
		}
		if r == '-' || unicode.IsSpace(r) {
			continue
		}
		if len(syms) == trackingCodeLen {
			return "", mistypedTrackingCode(s)
		}
		v := crockfordValue(r)
		if v < 0 {
			return "", mistypedTrackingCode(s)
		}
		syms = append(syms, byte(v))
	}
	if len(syms) != trackingCodeLen {
		return "", mistypedTrackingCode(s)
	}

	var n uint64
	for _, v := range syms[:trackingDataLen] {
		if v >= 32 { // a check-only symbol in a data position
			return "", mistypedTrackingCode(s)
		}
		n = n<<5 | uint64(v)
	}
	if n%37 != uint64(syms[trackingDataLen]) {
		return "", mistypedTrackingCode(s)
	}
	return encodeTrackingCode(n), nil
}

// encodeTrackingCode renders the low 50 bits of n as data symbols (most
// significant first, zero-padded so every code has the same length) plus
// the check symbol, grouped 4-4-3.
func encodeTrackingCode(n uint64) string {
	var syms [trackingCodeLen]byte
	syms[trackingDataLen] = crockfordSymbols[n%37]
	for i := trackingDataLen - 1; i >= 0; i-- {
		syms[i] = crockfordSymbols[n&31]
		n >>= 5
	}
	return string(syms[:4]) + "-" + string(syms[4:8]) + "-" + string(syms[8:])
}

// crockfordValue decodes one typed symbol, or returns -1. I and L read as
// 1 and O as 0, per Crockford, because that is what the person meant.
func crockfordValue(r rune) int {
	if r > unicode.MaxASCII {
		// Checked before case folding: unicode.ToUpper maps some
		// non-ASCII letters (ı, ſ) onto ASCII ones.
		return -1
	}
	switch r = unicode.ToUpper(r); r {
	case 'I', 'L':
		r = '1'
	case 'O':
		r = '0'
	}
	return strings.IndexByte(crockfordSymbols, byte(r))
}

func mistypedTrackingCode(s string) error {
	return fengqiao.Invalid("path.code",
		"this tracking code looks mistyped: check each character and try again (it has 11 characters, like XXXX-XXXX-XXX)", s)
}
