package detect

import (
	"math"
	"net/netip"
	"strings"
)

// Each matchX(s, i) returns the end of a finding that starts at s[i], or -1.

// matchEmail is called at the '@' of s[at]; it returns the whole address.
func matchEmail(s string, at int) (start, end int) {
	st := at
	for st > 0 && isLocalByte(s[st-1]) {
		st--
	}
	for st < at && s[st] == '.' {
		st++
	}
	if st == at || s[at-1] == '.' || strings.Contains(s[st:at], "..") {
		return 0, -1
	}
	// Domain: labels of letters, digits and '-', the last all letters.
	p, labelStart, dots := at+1, at+1, 0
	lastLabel := -1
	for p < len(s) {
		c := s[p]
		if isAlnum(c) || c == '-' {
			p++
			continue
		}
		if c == '.' && p > labelStart && p+1 < len(s) && isAlnum(s[p+1]) {
			if s[p-1] == '-' {
				return 0, -1
			}
			dots++
			p++
			lastLabel = p
			labelStart = p
			continue
		}
		break
	}
	if dots == 0 || lastLabel < 0 || s[at+1] == '-' || s[p-1] == '-' {
		return 0, -1
	}
	tld := s[lastLabel:p]
	if len(tld) < 2 {
		return 0, -1
	}
	for i := 0; i < len(tld); i++ {
		if !isLetter(tld[i]) {
			return 0, -1
		}
	}
	return st, p
}

func isLocalByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

// matchIPv4 finds four dotted decimal octets without leading zeros, not part
// of a longer dotted number.
func matchIPv4(s string, i int) int {
	p := i
	for oct := 0; oct < 4; oct++ {
		if oct > 0 {
			if p >= len(s) || s[p] != '.' {
				return -1
			}
			p++
		}
		st, v := p, 0
		for p < len(s) && isDigit(s[p]) && p-st < 3 {
			v = v*10 + int(s[p]-'0')
			p++
		}
		if p == st || v > 255 || p-st > 1 && s[st] == '0' || p < len(s) && isDigit(s[p]) {
			return -1
		}
	}
	if !endsWord(s, p) || p+1 < len(s) && s[p] == '.' && isDigit(s[p+1]) {
		return -1
	}
	return p
}

// matchIPv6 takes the longest run of hex digits, colons and dots with at
// least two colons and lets net/netip judge it.
func matchIPv6(s string, i int) int {
	p, colons, hexDigits := i, 0, 0
	for p < len(s) {
		c := s[p]
		if c == ':' {
			colons++
		} else if isHex(c) {
			hexDigits++
		} else if c != '.' {
			break
		}
		p++
	}
	if colons < 2 || hexDigits == 0 {
		return -1
	}
	// Sentence punctuation after an address is not part of it.
	for p > i && (s[p-1] == '.' || s[p-1] == ':' && (p-2 < i || s[p-2] != ':')) {
		p--
	}
	if !endsWord(s, p) {
		return -1
	}
	a, err := netip.ParseAddr(s[i:p])
	if err != nil || !a.Is6() {
		return -1
	}
	return p
}

// matchCard finds 13 to 19 digits, plain or in groups split by one kind of
// separator (4-4-4-4, 4-6-5, ...), with a known issuer prefix and a valid
// Luhn check digit.
func matchCard(s string, i int) int {
	var digits [19]byte
	var ends [8]int // end (in s) of each group
	var sizes [8]int
	nd, ng, p, cur := 0, 0, i, 0
	var sep byte
	for p < len(s) {
		c := s[p]
		if isDigit(c) {
			if nd == len(digits) {
				return -1
			}
			digits[nd] = c
			nd++
			cur++
			p++
			continue
		}
		if (c == ' ' || c == '-') && cur > 0 && p+1 < len(s) && isDigit(s[p+1]) && (sep == 0 || sep == c) && ng < len(ends)-1 {
			sep = c
			ends[ng], sizes[ng] = p, cur
			ng++
			cur = 0
			p++
			continue
		}
		break
	}
	ends[ng], sizes[ng] = p, cur
	ng++
	// Try the longest run of groups first: a card may be followed by another
	// number in the same sentence.
	for g := ng; g >= 1; g-- {
		n := 0
		for k := 0; k < g; k++ {
			n += sizes[k]
		}
		e := ends[g-1]
		if n < 13 || n > 19 || !endsWord(s, e) {
			continue
		}
		if g > 1 && !cardGroups(sizes[:g]) {
			continue
		}
		if cardPrefix(digits[:n]) && luhn(digits[:n]) {
			return e
		}
	}
	return -1
}

// cardGroups accepts the ways cards are printed: groups of four (the last may
// be shorter), and 4-6-5 / 4-6-4 (American Express, Diners).
func cardGroups(sz []int) bool {
	if len(sz) == 3 && sz[0] == 4 && sz[1] == 6 && (sz[2] == 5 || sz[2] == 4) {
		return true
	}
	for k, v := range sz {
		if v != 4 && !(k == len(sz)-1 && v >= 1 && v < 4) {
			return false
		}
	}
	return true
}

// cardPrefix reports whether the number starts with a known issuer prefix
// and has a length that issuer uses.
func cardPrefix(d []byte) bool {
	n := len(d)
	p2 := int(d[0]-'0')*10 + int(d[1]-'0')
	p4 := p2*100 + int(d[2]-'0')*10 + int(d[3]-'0')
	switch {
	case d[0] == '4': // Visa
		return n == 13 || n == 16 || n == 19
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720: // Mastercard
		return n == 16
	case p2 == 34 || p2 == 37: // American Express
		return n == 15
	case p4 == 6011, p2 == 65, p4/10 >= 644 && p4/10 <= 649: // Discover
		return n >= 16
	case p4 >= 3528 && p4 <= 3589: // JCB
		return n >= 16
	case p4/10 >= 300 && p4/10 <= 305, p2 == 36, p2 == 38, p2 == 39: // Diners Club
		return n >= 14
	case p2 == 62: // UnionPay
		return n >= 16
	case p2 == 50, p2 >= 56 && p2 <= 58, p2 == 67: // Maestro
		return n >= 12
	}
	return false
}

func luhn(d []byte) bool {
	sum := 0
	double := false
	for k := len(d) - 1; k >= 0; k-- {
		v := int(d[k] - '0')
		if double {
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
		double = !double
	}
	return sum%10 == 0
}

// matchSSN finds AAA-GG-SSSS (or with spaces) with the numbers the Social
// Security Administration never issues left out: area 000, 666 and 900-999,
// group 00, serial 0000.
func matchSSN(s string, i int) int {
	if i+11 > len(s) {
		return -1
	}
	sep := s[i+3]
	if sep != '-' && sep != ' ' || s[i+6] != sep {
		return -1
	}
	for _, k := range [...]int{0, 1, 2, 4, 5, 7, 8, 9, 10} {
		if !isDigit(s[i+k]) {
			return -1
		}
	}
	area, group, serial := s[i:i+3], s[i+4:i+6], s[i+7:i+11]
	if area == "000" || area == "666" || area[0] == '9' || group == "00" || serial == "0000" {
		return -1
	}
	e := i + 11
	if !endsWord(s, e) || e+1 < len(s) && (s[e] == '-' || s[e] == '.') && isDigit(s[e+1]) {
		return -1
	}
	return e
}

// matchPhone finds phone numbers written the ways people write them:
// international (+CC ..., 00CC ...), North American ((415) 555-2671,
// 415-555-2671, 1-800-555-0199) and national numbers with a trunk 0
// (020 7946 0958, 06 12 34 56 78). Digit runs without that shape (dates,
// amounts, order numbers) are not phones.
func matchPhone(s string, i int) int {
	p, intl := i, false
	if s[p] == '+' {
		intl = true
		p++
		if p >= len(s) || !isDigit(s[p]) {
			return -1
		}
	}
	var groups [12]int
	ng, nd, end := 0, 0, -1
	paren, sepSeen := false, byte(0)
	mixed := false
	for p < len(s) && ng < len(groups) {
		open := p < len(s) && s[p] == '('
		q := p
		if open {
			q++
		}
		st := q
		for q < len(s) && isDigit(s[q]) {
			q++
		}
		gl := q - st
		if gl == 0 || gl > 6 && !(intl || ng == 0) {
			break
		}
		if open {
			if q >= len(s) || s[q] != ')' || gl > 4 {
				break
			}
			q++
			paren = true
		}
		groups[ng] = gl
		ng++
		nd += gl
		p, end = q, q
		if p >= len(s) {
			break
		}
		c := s[p]
		if open && (isDigit(c) || c == ' ' && p+1 < len(s) && isDigit(s[p+1])) {
			if c == ' ' {
				p++
			}
			continue
		}
		if (c == ' ' || c == '-' || c == '.') && p+1 < len(s) && (isDigit(s[p+1]) || s[p+1] == '(') {
			if sepSeen != 0 && sepSeen != c {
				mixed = true
			}
			sepSeen = c
			p++
			continue
		}
		break
	}
	if end < 0 || !endsWord(s, end) || nd < 7 || nd > 15 {
		return -1
	}
	if end < len(s) && (s[end] == '.' || s[end] == '-') && end+1 < len(s) && isDigit(s[end+1]) {
		return -1
	}
	if sepSeen == '.' && mixed {
		return -1
	}
	fours, from := 0, 0
	if intl || s[i] == '0' && i+1 < len(s) && s[i+1] == '0' {
		from = 1 // the country code group
	}
	for k := from; k < ng; k++ {
		if groups[k] == 4 {
			fours++
		}
	}
	if fours >= 3 {
		return -1 // printed like a card or an account number
	}
	first := s[i]
	if first == '(' {
		first = s[i+1]
	}
	switch {
	case intl:
		return ifElse(nd >= 8 && (ng >= 2 || nd >= 10), end)
	case strings.HasPrefix(s[i:], "00"):
		return ifElse(nd >= 10 && ng >= 3 && s[i+2] != '0', end)
	case ng == 3 && groups[0] == 3 && groups[1] == 3 && groups[2] == 4 && first != '0' && first != '1':
		return end // North American
	case ng == 4 && groups[0] == 1 && s[i] == '1' && groups[1] == 3 && groups[2] == 3 && groups[3] == 4:
		return end // 1-800-555-0199
	case first == '0' && ng >= 2 && nd >= 10 && nd <= 11 && (paren || sepSeen != '.' || ng >= 4):
		for k := 0; k < ng; k++ {
			if groups[k] > 6 || groups[k] < 2 {
				return -1
			}
		}
		return end
	}
	return -1
}

func ifElse(ok bool, end int) int {
	if ok {
		return end
	}
	return -1
}

// ibanLen is the IBAN length of each country that issues them.
var ibanLen = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
	"BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
	"ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
	"HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
	"LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
	"MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
	"RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// matchIBAN finds an IBAN of a known country, plain or in groups of four,
// with the right length and a mod-97 check of 1.
func matchIBAN(s string, i int) int {
	if i+4 > len(s) || !isUpper(s[i]) || !isUpper(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return -1
	}
	want, ok := ibanLen[s[i:i+2]]
	if !ok {
		return -1
	}
	var buf [34]byte
	n, p := 0, i
	for p < len(s) && n < want {
		c := s[p]
		switch {
		case isDigit(c) || isUpper(c):
			buf[n] = c
			n++
			p++
		case c == ' ' && n%4 == 0 && n > 0 && p+1 < len(s) && isAlnum(s[p+1]):
			p++
		default:
			return -1
		}
	}
	if n != want || !endsWord(s, p) {
		return -1
	}
	// Move the first four characters to the end, read letters as 10..35 and
	// take the remainder by 97 as we go.
	rem := 0
	for k := 0; k < n; k++ {
		c := buf[(k+4)%n]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A'+10)) % 97
		}
	}
	if rem != 1 {
		return -1
	}
	return p
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// matchJWT finds header.payload.signature where header and payload are
// base64url JSON objects (they start with "eyJ", base64 of `{"`).
func matchJWT(s string, i int) int {
	if !strings.HasPrefix(s[i:], "eyJ") {
		return -1
	}
	p := i
	for seg := 0; seg < 3; seg++ {
		if seg > 0 {
			if p >= len(s) || s[p] != '.' {
				return -1
			}
			p++
			if seg == 1 && !strings.HasPrefix(s[p:], "eyJ") {
				return -1
			}
		}
		st := p
		for p < len(s) && isB64URL(s[p]) {
			p++
		}
		if p-st < 10 {
			return -1
		}
	}
	if !endsWord(s, p) {
		return -1
	}
	return p
}

func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// keyPrefixes are the prefixes of well-known API keys and tokens, with the
// fewest characters that follow them.
var keyPrefixes = []struct {
	prefix string
	min    int
	exact  int // length of the part after the prefix when fixed
	upper  bool
}{
	{prefix: "sk-ant-", min: 20},
	{prefix: "sk-proj-", min: 20},
	{prefix: "sk-or-v1-", min: 20},
	{prefix: "sk-", min: 20},
	{prefix: "sk_live_", min: 16},
	{prefix: "sk_test_", min: 16},
	{prefix: "rk_live_", min: 16},
	{prefix: "rk_test_", min: 16},
	{prefix: "ghp_", exact: 36},
	{prefix: "gho_", exact: 36},
	{prefix: "ghu_", exact: 36},
	{prefix: "ghs_", exact: 36},
	{prefix: "ghr_", exact: 36},
	{prefix: "github_pat_", min: 22},
	{prefix: "glpat-", min: 20},
	{prefix: "gsk_", min: 40},
	{prefix: "xai-", min: 40},
	{prefix: "hf_", min: 30},
	{prefix: "npm_", exact: 36},
	{prefix: "pypi-", min: 50},
	{prefix: "dop_v1_", exact: 64},
	{prefix: "shpat_", exact: 32},
	{prefix: "xoxb-", min: 10},
	{prefix: "xoxp-", min: 10},
	{prefix: "xoxa-", min: 10},
	{prefix: "xoxr-", min: 10},
	{prefix: "xoxs-", min: 10},
	{prefix: "xoxe-", min: 10},
	{prefix: "AKIA", exact: 16, upper: true},
	{prefix: "ASIA", exact: 16, upper: true},
	{prefix: "AGPA", exact: 16, upper: true},
	{prefix: "AIDA", exact: 16, upper: true},
	{prefix: "AROA", exact: 16, upper: true},
	{prefix: "AIza", exact: 35},
}

// minKeyLen is the shortest key of keyPrefixes, prefix included, and
// minEntropyLen the shortest token matchEntropy takes.
var minKeyLen = func() int {
	n := 1 << 30
	for _, kp := range keyPrefixes {
		n = min(n, len(kp.prefix)+max(kp.min, kp.exact))
	}
	return n
}()

const minEntropyLen = 24

// keyByFirst indexes keyPrefixes by their first byte.
var keyByFirst = func() (t [256][]uint8) {
	for k, kp := range keyPrefixes {
		t[kp.prefix[0]] = append(t[kp.prefix[0]], uint8(k))
	}
	return t
}()

// matchKeyPrefix finds a token with a known key prefix.
func matchKeyPrefix(s string, i int) int {
	for _, k := range keyByFirst[s[i]] {
		kp := &keyPrefixes[k]
		if !strings.HasPrefix(s[i:], kp.prefix) {
			continue
		}
		st := i + len(kp.prefix)
		p := st
		for p < len(s) && (isB64URL(s[p]) || s[p] == '.' && p+1 < len(s) && isB64URL(s[p+1]) && kp.prefix == "pypi-") {
			if kp.upper && !(isUpper(s[p]) || isDigit(s[p])) {
				break
			}
			p++
		}
		n := p - st
		if kp.exact > 0 && n != kp.exact || n < kp.min || !endsWord(s, p) {
			return -1
		}
		return p
	}
	return -1
}

// matchEntropy finds a long token that looks random: upper and lower case
// letters and digits, and a character entropy close to the most its length
// allows. Hex-only strings (hashes, ids) are not secrets on their own.
func matchEntropy(s string, i int) int {
	p := i
	for p < len(s) && isB64URL(s[p]) {
		p++
	}
	n := p - i
	if n < minEntropyLen || n > 256 || !endsWord(s, p) {
		return -1
	}
	tok := s[i:p]
	var upper, lower, digit, other, switches int
	var counts [128]uint16
	prev := byte(0)
	for k := 0; k < n; k++ {
		c := tok[k]
		counts[c]++
		var class byte
		switch {
		case isUpper(c):
			upper, class = upper+1, 1
		case c >= 'a' && c <= 'z':
			lower, class = lower+1, 2
		case isDigit(c):
			digit, class = digit+1, 3
		default:
			other, class = other+1, 4
		}
		if k > 0 && class != prev {
			switches++
		}
		prev = class
	}
	// Random base62 changes between upper, lower and digit at about 60% of
	// its characters; words and CamelCase identifiers at word edges only.
	if upper < 2 || lower < 2 || digit < 2 || other*4 > n || switches*20 < n*7 {
		return -1
	}
	h := 0.0
	for _, c := range counts {
		if c > 0 {
			f := float64(c) / float64(n)
			h -= f * math.Log2(f)
		}
	}
	// The empirical entropy of random base62 of length n stays above about
	// log2(n) - 0.92 - (n-24)/125 bits per character (99.9% of tokens).
	if h < math.Log2(float64(min(n, 64)))-0.92-float64(min(n, 64)-24)/125 {
		return -1
	}
	return p
}
