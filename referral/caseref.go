package referral

import (
	"regexp"
	"strings"
	"unicode"
)

// caseRefShape is what a pseudonymous case reference looks like: a file
// number such as "FM-2026-0815" or "JH/17/2026". No spaces (so no "Maria
// Schmidt"), no "@" (no e-mail), and at least one digit: a reference is a
// number the case file carries, not a word that could be a name.
var caseRefShape = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{1,63}$`)

// checkCaseRef says why ref cannot be a pseudonymous case reference, or "".
// It cannot know every name; it refuses what plainly is personal data.
func checkCaseRef(ref string) string {
	const want = "use the pseudonymous file reference of the case (e.g. FM-2026-0815): letters, digits and - _ . /, at least one digit"
	switch {
	case strings.ContainsRune(ref, '@'):
		return "looks like an e-mail address; " + want
	case strings.ContainsFunc(ref, unicode.IsSpace):
		return "contains spaces, as a name would; " + want
	case phoneLike(ref):
		return "looks like a phone number; " + want
	case !caseRefShape.MatchString(ref):
		return want
	case !strings.ContainsFunc(ref, unicode.IsDigit):
		return "has no digit and could be a name; " + want
	}
	return ""
}

// phoneLike: mostly digits, seven or more of them, beginning with 0 or +
// as German phone numbers are written ("0731-161-5123", "+49731...").
func phoneLike(ref string) bool {
	digits, other := 0, 0
	for _, r := range ref {
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune("+-/ ().", r):
		default:
			other++
		}
	}
	return other == 0 && digits >= 7 && (strings.HasPrefix(ref, "0") || strings.HasPrefix(ref, "+"))
}
