package catalogue

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// RequestWords are words of a request that say nothing about the client
// or the help ("Sie möchte gern Hilfe beim …"): matching does not credit
// a helper's text for holding them, and search leaves them out of a text
// that has other words.
const RequestWords = `möchte möchten möchtest mag mögen will wollen wünscht wünschen wünsche brauche braucht brauchen bräuchte
	gerne gern bitte hilfe hilfen helfen hilft unterstützung unterstützen jemand jemanden jemandem person suche sucht suchen
	klientin klient klienten frau herr mann leider sehr etwas immer wieder schon mehr viel viele oft manchmal
	kann können könnte sollte soll muss müssen geht gehen gibt haben hat hatte sein ist war wäre wurde werden`

var requestWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(RequestWords) {
		m[w] = true
	}
	return m
}()

// nounsToo are request words that, written with a capital, are nouns
// that say what is needed: "sucht" is a verb, "Sucht" an addiction.
var nounsToo = map[string]bool{"sucht": true}

// ContentWords returns text without its request words, or text itself
// when nothing else would stay (a search for "Hilfe" looks for help).
func ContentWords(text string) string {
	var kept []string
	dropped := false
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == ';' }) {
		word := strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		lower := strings.ToLower(word)
		first, _ := utf8.DecodeRuneInString(word)
		if requestWords[lower] && !(nounsToo[lower] && unicode.IsUpper(first)) {
			dropped = true
			continue
		}
		kept = append(kept, w)
	}
	if !dropped || len(kept) == 0 {
		return text
	}
	return strings.Join(kept, " ")
}
