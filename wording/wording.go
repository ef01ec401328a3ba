// Package wording owns the German of what the service tells a user: the
// problem answers and field messages the domain writes in English. Each
// message format the code can produce has one German line here, matched
// against the finished message; what the format filled in (a code, a
// number, a fragment such as the action a role may not take) is carried
// over, translated itself where it is a message of its own. A test walks
// the source and fails for a format without German.
package wording

import (
	"regexp"
	"sort"
	"strings"
	"sync"
)

// line is one message format and its German: {1}, {2}, … stand for what
// the format's verbs (%q, %s, %v, %d) filled in, in their order.
type line struct{ en, de string }

type compiled struct {
	re *regexp.Regexp
	de string
	n  int
}

var (
	once  sync.Once
	lines []compiled
	exact map[string]string
)

func compile() {
	exact = map[string]string{}
	for _, l := range table {
		if !strings.Contains(l.en, "%") {
			exact[l.en] = l.de
			continue
		}
		lines = append(lines, compiled{re: regexp.MustCompile("^" + Pattern(l.en) + "$"), de: l.de, n: len(l.en)})
	}
	// The longer format first: "%q is not in the taxonomy's %s; did you
	// mean %q?" before "%q is not in the taxonomy's %s", whose %s would
	// swallow the rest.
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].n > lines[j].n })
}

// Pattern turns a format into the regular expression of its messages.
func Pattern(format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteString(regexp.QuoteMeta(format[i : i+1])) // a byte of UTF-8 stays that byte
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+#-0123456789.[]", format[i]) >= 0 {
			i++ // flags, widths, argument indexes
		}
		if i == len(format) {
			break
		}
		switch format[i] {
		case 'q':
			b.WriteString(`"(.*?)"`)
		case 'd':
			b.WriteString(`(-?\d+)`)
		case '%':
			b.WriteString("%")
		default:
			b.WriteString(`(.*?)`)
		}
	}
	return b.String()
}

// German returns the German of a message the service wrote in English, and
// whether there is one.
func German(en string) (string, bool) {
	once.Do(compile)
	if de, ok := exact[en]; ok {
		return de, true
	}
	for _, l := range lines {
		m := l.re.FindStringSubmatch(en)
		if m == nil {
			continue
		}
		out := l.de
		for i := len(m) - 1; i >= 1; i-- {
			part := m[i]
			if de, ok := German(part); ok && part != "" {
				part = de
			}
			out = strings.ReplaceAll(out, "{"+itoa(i)+"}", part)
		}
		return out, true
	}
	// "field: message", as a problem's detail names its fields.
	if field, msg, ok := strings.Cut(en, ": "); ok && field != "" && !strings.ContainsAny(field, " \"") {
		if de, ok := German(msg); ok {
			return field + ": " + de, true
		}
	}
	// Messages joined by "; " (a problem's detail lists its fields so).
	if parts := strings.Split(en, "; "); len(parts) > 1 {
		for i, p := range parts {
			de, ok := German(p)
			if !ok {
				return "", false
			}
			parts[i] = de
		}
		return strings.Join(parts, "; "), true
	}
	return "", false
}

// Say returns the German of en when the request asked for German, and en
// otherwise or when there is none.
func Say(german bool, en string) string {
	if !german {
		return en
	}
	if de, ok := German(en); ok {
		return de
	}
	return en
}

// Formats lists the English formats that have German.
func Formats() []string {
	out := make([]string, len(table))
	for i, l := range table {
		out[i] = l.en
	}
	return out
}

// WantsGerman reports whether an Accept-Language header prefers German
// to English: the first language named with a weight above 0 that is de
// or en decides.
func WantsGerman(acceptLanguage string) bool {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		lang, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if lang != "de" && lang != "en" && lang != "*" {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			q = parseQ(v)
		}
		if q > bestQ && q > 0 {
			best, bestQ = lang, q
		}
	}
	return best == "de"
}

func parseQ(s string) float64 {
	// q is 0 to 1 with up to three decimals (RFC 9110 §12.4.2).
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole != "0" && whole != "1" {
		return 0
	}
	q := float64(whole[0] - '0')
	scale := 0.1
	for _, c := range frac {
		if c < '0' || c > '9' {
			return 0
		}
		q += float64(c-'0') * scale
		scale /= 10
	}
	return q
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
