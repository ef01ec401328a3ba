package catalogue

import (
	"fmt"
	"slices"
	"strings"
)

// An unknown code is told with what the caller likely meant: the nearest
// valid code within two edits ("meinten Sie"), or, when none is near and
// the list is short, every valid code. Long lists (kinds of help) name
// where to look instead of flooding the answer.

// maxChoicesListed is the longest list of valid codes an answer spells out.
const maxChoicesListed = 12

// UnknownDistrict says that id is not one of the districts.
func UnknownDistrict(id string, districts map[string]District) string {
	codes := make([]string, 0, len(districts))
	for c := range districts {
		codes = append(codes, c)
	}
	switch near, list := nearest(id, codes); {
	case near != "":
		return fmt.Sprintf("%q is not a known district; did you mean %q?", id, near)
	case list != "":
		return fmt.Sprintf("%q is not a known district; the districts are: %s", id, list)
	}
	return fmt.Sprintf("%q is not a known district", id)
}

// UnknownTerm says that code is not in vocabulary v, whose terms are
// terms.
func UnknownTerm(v Vocabulary, code string, terms map[string]Term) string {
	codes := make([]string, 0, len(terms))
	for c := range terms {
		codes = append(codes, c)
	}
	switch near, list := nearest(code, codes); {
	case near != "":
		return fmt.Sprintf("%q is not in the taxonomy's %s; did you mean %q?", code, v, near)
	case list != "":
		return fmt.Sprintf("%q is not in the taxonomy's %s; the codes are: %s", code, v, list)
	}
	return fmt.Sprintf("%q is not in the taxonomy's %s; see GET /v1/taxonomy", code, v)
}

// nearest returns the valid code nearest to s (within two edits, by its
// folded spelling, so that "Eselsberg" and "eselsberg" meet), or else the
// sorted list of codes when it is short.
func nearest(s string, codes []string) (near, list string) {
	best, bestD := "", 3
	key := SynonymKey(s)
	for _, c := range codes {
		if d := editDistance(key, SynonymKey(c), 2); d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best, ""
	}
	if len(codes) > maxChoicesListed || len(codes) == 0 {
		return "", ""
	}
	sorted := slices.Clone(codes)
	slices.Sort(sorted)
	return "", strings.Join(sorted, ", ")
}
