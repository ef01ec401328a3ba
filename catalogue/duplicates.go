package catalogue

import (
	"fmt"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"slices"
	"strconv"
	"strings"
)

var kindNoun = map[Kind]string{KindVolunteer: "volunteer", KindNeighbourhoodHelp: "neighbourhood help", KindOffer: "offer"}

// twinName is the name by which an import looks for duplicates: folded,
// so that "Ayse Yilmaz", "AYŞE  YILMAZ" and "Ayşe Yılmaz" compare as
// spelled alike.
func twinName(input any) string {
	switch in := input.(type) {
	case *VolunteerInput:
		return nameKey(in.Name)
	case *NeighbourhoodHelpInput:
		return nameKey(in.Name)
	case *OfferInput:
		return nameKey(in.Name)
	}
	return ""
}

// nameKey folds a name: German umlauts and their spellings one way, other
// letters without their accents (ş, é, ı), case and spacing ignored.
func nameKey(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.Map(func(r rune) rune {
		switch r {
		case 'ı':
			return 'i'
		case 'ł', 'Ł':
			return 'l'
		case 'ø', 'Ø':
			return 'o'
		}
		return r
	}, name)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	// Decomposition turned ä into a and a mark; SynonymKey folds the
	// spellings ae, oe, ue the same way.
	return SynonymKey(b.String())
}

// duplicates remembers the new rows of one import, to find twins among
// them as well as in the store.
type duplicates map[string][]twin

type twin struct {
	line int
	e    entry
}

// check names what a new entry e (on line) likely duplicates: an entry in
// the store or an earlier row of the file. Two volunteers are likely one
// person when they share the name and a phone number, an e-mail address,
// the birth year or the district they live in, or when the new row gives
// nothing but the name; two neighbourhood helps when they share the name and
// a district; two offers when one provider gives both under one name.
// Remembering e, it returns what it found (nothing: no warning).
func (d duplicates) check(k Kind, e entry, known importKnown, line int) []FieldError {
	name := twinName(e.inputShape())
	var out []FieldError
	for _, other := range known.byName[name] {
		if en, de := alike(e, other); en != "" {
			out = append(out, FieldError{Field: "name", Message: fmt.Sprintf("likely a duplicate of %s %s (%s)", kindNoun[k], other.head().ID, en),
				German: fmt.Sprintf("wohl eine Dublette von %s (%s)", other.head().ID, de)})
		}
	}
	for _, other := range d[name] {
		if en, de := alike(e, other.e); en != "" {
			out = append(out, FieldError{Field: "name", Message: fmt.Sprintf("likely a duplicate of line %d (%s)", other.line, en),
				German: fmt.Sprintf("wohl eine Dublette von Zeile %d (%s)", other.line, de)})
		}
	}
	d[name] = append(d[name], twin{line: line, e: e})
	if len(out) > maxTwins {
		more := len(out) - maxTwins
		out = append(out[:maxTwins], FieldError{Field: "name", Message: fmt.Sprintf("and %d more alike", more), German: fmt.Sprintf("und %d weitere, die gleich aussehen", more)})
	}
	return out
}

// maxTwins bounds the duplicates named for one row.
const maxTwins = 3

// alike says in English and German why two entries of one kind and name
// are likely one, or nothing.
func alike(a, b entry) (en, de string) {
	switch x := a.inputShape().(type) {
	case *VolunteerInput:
		y := b.inputShape().(*VolunteerInput)
		switch {
		case x.Contact.Phone != "" && digits(x.Contact.Phone) == digits(y.Contact.Phone):
			return "same name and phone", "gleicher Name und gleiche Telefonnummer"
		case x.Contact.Email != "" && strings.EqualFold(strings.TrimSpace(x.Contact.Email), strings.TrimSpace(y.Contact.Email)):
			return "same name and e-mail", "gleicher Name und gleiche E-Mail-Adresse"
		case x.BirthYear != 0 && x.BirthYear == y.BirthYear:
			return "same name and birth year " + strconv.Itoa(x.BirthYear), "gleicher Name und Geburtsjahr " + strconv.Itoa(x.BirthYear)
		case x.Home.District != "" && x.Home.District == y.Home.District:
			return "same name, living in " + x.Home.District, "gleicher Name, wohnt im Sozialraum " + x.Home.District
		case x.Contact.Phone+x.Contact.Email+x.Home.District == "" && x.BirthYear == 0:
			return "same name, and the row has nothing else to tell them apart", "gleicher Name, und die Zeile hat nichts, was sie unterscheidet"
		}
	case *NeighbourhoodHelpInput:
		y := b.inputShape().(*NeighbourhoodHelpInput)
		for _, d := range x.Districts {
			if slices.Contains(y.Districts, d) {
				return "same name in the district " + d, "gleicher Name im Sozialraum " + d
			}
		}
	case *OfferInput:
		y := b.inputShape().(*OfferInput)
		if x.ProviderID == y.ProviderID {
			if x.ProviderID == "" {
				return "same name, no provider", "gleicher Name, ohne Träger"
			}
			return "same name at provider " + x.ProviderID, "gleicher Name beim Träger " + x.ProviderID
		}
	}
	return "", ""
}

// digits keeps the digits of a phone number, a leading +49 read as 0.
func digits(phone string) string {
	var b strings.Builder
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	s := b.String()
	if strings.HasPrefix(strings.TrimSpace(phone), "+49") {
		s = "0" + strings.TrimPrefix(s, "49")
	} else if strings.HasPrefix(s, "0049") {
		s = "0" + strings.TrimPrefix(s, "0049")
	}
	return s
}
