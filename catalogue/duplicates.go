package catalogue

import (
	"fmt"
	"unicode"

	"golang.org/x/text/unicode/norm"
	"strconv"
	"strings"
)

var kindNoun = map[Kind]string{KindVolunteer: "volunteer", KindNeighbourhoodHelp: "neighbourhood help", KindOffer: "offer"}

// nameKey is the name by which an import looks for duplicates, folded: German umlauts and their spellings one way, other
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

// twinKey is one way two entries of one kind can be alike: their folded
// name and one fact (a phone number, an e-mail address, a district), with
// why in English and German.
type twinKey struct{ key, en, de string }

// twinFacts are what the duplicate check compares of an entry: read
// from a stored document without decoding the rest of it, or taken from a
// row's input.
type twinFacts struct {
	Name    string `json:"name"`
	Contact struct {
		Phone string `json:"phone"`
		Email string `json:"email"`
	} `json:"contact"`
	BirthYear int `json:"birth_year"`
	Home      struct {
		District string `json:"district"`
	} `json:"home"`
	Districts  []string `json:"districts"`
	ProviderID string   `json:"provider_id"`
}

// factsOf takes the twin facts of an input.
func factsOf(input any) twinFacts {
	var f twinFacts
	switch in := input.(type) {
	case *VolunteerInput:
		f.Name, f.Contact.Phone, f.Contact.Email, f.BirthYear, f.Home.District, f.Districts = in.Name, in.Contact.Phone, in.Contact.Email, in.BirthYear, in.Home.District, in.Districts
	case *NeighbourhoodHelpInput:
		f.Name, f.Districts = in.Name, in.Districts
	case *OfferInput:
		f.Name, f.Districts, f.ProviderID = in.Name, in.Districts, in.ProviderID
	}
	return f
}

// twinKeys lists the ways an entry of kind k with facts f can be alike
// another. Two volunteers are likely one person when they share the name
// and a phone number, an e-mail address, the birth year or the district
// they live in; a row that gives nothing but the name (bare) is alike
// every entry of that name. Two neighbourhood helps are alike with the
// same name in one district; two offers when one provider gives both
// under one name.
func twinKeys(k Kind, f twinFacts) (keys []twinKey, bare bool) {
	name := nameKey(f.Name)
	add := func(fact, en, de string) { keys = append(keys, twinKey{name + "\x00" + fact, en, de}) }
	switch k {
	case KindVolunteer:
		if f.Contact.Phone != "" {
			add("phone:"+digits(f.Contact.Phone), "same name and phone", "gleicher Name und gleiche Telefonnummer")
		}
		if f.Contact.Email != "" {
			add("email:"+strings.ToLower(strings.TrimSpace(f.Contact.Email)), "same name and e-mail", "gleicher Name und gleiche E-Mail-Adresse")
		}
		if f.BirthYear != 0 {
			add("born:"+strconv.Itoa(f.BirthYear), "same name and birth year "+strconv.Itoa(f.BirthYear), "gleicher Name und Geburtsjahr "+strconv.Itoa(f.BirthYear))
		}
		if f.Home.District != "" {
			add("home:"+f.Home.District, "same name, living in "+f.Home.District, "gleicher Name, wohnt im Sozialraum "+f.Home.District)
		}
		bare = len(keys) == 0
	case KindNeighbourhoodHelp:
		for _, d := range f.Districts {
			add("district:"+d, "same name in the district "+d, "gleicher Name im Sozialraum "+d)
		}
	case KindOffer:
		if f.ProviderID == "" {
			add("provider:", "same name, no provider", "gleicher Name, ohne Träger")
		} else {
			add("provider:"+f.ProviderID, "same name at provider "+f.ProviderID, "gleicher Name beim Träger "+f.ProviderID)
		}
	}
	return keys, bare
}

// twinIndex finds, by twinKey, what holds a key: entries in the store (by
// id) or earlier rows of the file (by line). It keeps a few holders per
// key and counts the rest.
type twinIndex struct {
	holders map[string][]string
	more    map[string]int
}

func newTwinIndex() *twinIndex {
	return &twinIndex{holders: map[string][]string{}, more: map[string]int{}}
}

// add registers an entry of kind k with facts f, held by holder.
func (ix *twinIndex) add(k Kind, f twinFacts, holder string) {
	keys, _ := twinKeys(k, f)
	keys = append(keys, twinKey{key: nameKey(f.Name) + "\x00*"})
	for _, k := range keys {
		if len(ix.holders[k.key]) <= maxTwins {
			ix.holders[k.key] = append(ix.holders[k.key], holder)
		} else {
			ix.more[k.key]++
		}
	}
}

// duplicates checks the new rows of one import against the store's
// entries (known) and against the rows before them.
type duplicates struct {
	known, file *twinIndex
	// named are the stored entries a warning named (their reading is
	// audited).
	named map[string]bool
}

// check names what the new entry e on line likely duplicates, and then
// remembers it as a row of the file.
func (d duplicates) check(k Kind, e entry, line int) []FieldError {
	f := factsOf(e.inputShape())
	keys, bare := twinKeys(k, f)
	if bare {
		keys = []twinKey{{nameKey(f.Name) + "\x00*", "same name, and the row has nothing else to tell them apart", "gleicher Name, und die Zeile hat nichts, was sie unterscheidet"}}
	}
	var out []FieldError
	seen := map[string]bool{}
	more := 0
	for _, key := range keys {
		for _, ix := range []*twinIndex{d.known, d.file} {
			for _, h := range ix.holders[key.key] {
				if seen[h] {
					continue
				}
				seen[h] = true
				if strings.HasPrefix(h, "line ") {
					out = append(out, FieldError{Field: "name", Message: fmt.Sprintf("likely a duplicate of line %s (%s)", h[5:], key.en),
						German: fmt.Sprintf("wohl eine Dublette von Zeile %s (%s)", h[5:], key.de)})
				} else {
					d.named[h] = true
					out = append(out, FieldError{Field: "name", Message: fmt.Sprintf("likely a duplicate of %s %s (%s)", kindNoun[k], h, key.en),
						German: fmt.Sprintf("wohl eine Dublette von %s (%s)", h, key.de)})
				}
			}
			more += ix.more[key.key]
		}
	}
	d.file.add(k, f, "line "+strconv.Itoa(line))
	if len(out) > maxTwins {
		more += len(out) - maxTwins
		out = out[:maxTwins]
	}
	if more > 0 {
		out = append(out, FieldError{Field: "name", Message: fmt.Sprintf("and %d more alike", more), German: fmt.Sprintf("und %d weitere, die gleich aussehen", more)})
	}
	return out
}

// maxTwins bounds the duplicates named for one row.
const maxTwins = 3

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
