package catalogue

import "strings"

// iso6391 is the set of ISO 639-1 two-letter language codes.
var iso6391 = func() map[string]bool {
	const codes = "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy " +
		"da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz " +
		"ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo " +
		"lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps " +
		"pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn " +
		"to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
	m := map[string]bool{}
	for i := 0; i+2 <= len(codes); i += 3 {
		m[codes[i:i+2]] = true
	}
	return m
}()

// LanguageNames are the German names of the languages spoken in the city
// most often: what the screens and explanations say instead of a code.
var LanguageNames = map[string]string{
	"de": "Deutsch", "tr": "Türkisch", "ar": "Arabisch", "ru": "Russisch", "uk": "Ukrainisch", "en": "Englisch", "it": "Italienisch",
	"fa": "Persisch", "ro": "Rumänisch", "pl": "Polnisch", "hr": "Kroatisch", "sr": "Serbisch", "sq": "Albanisch", "ku": "Kurdisch",
	"el": "Griechisch", "fr": "Französisch", "es": "Spanisch", "bs": "Bosnisch", "bg": "Bulgarisch", "ti": "Tigrinya", "so": "Somali",
}

// LanguageOfName returns the code of the language a word names
// ("Türkisch", "tuerkisch", "türkischsprachig"), for search: a language
// typed as a word is a need for help in it.
func LanguageOfName(word string) (string, bool) {
	w := foldGerman(word)
	for _, suffix := range []string{"", "sprachigen", "sprachige", "sprachig", "en", "e"} {
		if !strings.HasSuffix(w, suffix) {
			continue
		}
		if code, ok := languageByName[strings.TrimSuffix(w, suffix)]; ok {
			return code, true
		}
	}
	return "", false
}

// languageByName is LanguageNames the other way round, folded.
var languageByName = func() map[string]string {
	m := make(map[string]string, len(LanguageNames))
	for code, name := range LanguageNames {
		m[foldGerman(name)] = code
	}
	return m
}()

// foldGerman lower-cases a word and writes umlauts and ß, and their
// spellings ae, oe, ue, ss, one way.
func foldGerman(s string) string {
	return germanFolds.Replace(strings.ToLower(strings.TrimSpace(s)))
}

// germanFolds is made once: a Replacer builds its tables when made, and
// folding runs for every name an import compares.
var germanFolds = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss", "ae", "a", "oe", "o", "ue", "u")
