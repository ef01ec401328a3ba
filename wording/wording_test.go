package wording

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// messageFormats finds, in the service's source, every format a message
// to a user is written with: field errors (add, Add, a FieldError's
// Message), refusals (conflict, forbidden, "%w: …" wraps of the domain's
// errors), query-parameter errors (fail) and problems (badRequest,
// newProblem), the validator's messages and the spreadsheet parser's.
func messageFormats(t *testing.T) map[string]string {
	t.Helper()
	found := map[string]string{}
	skip := []string{"web", "cmd", "bench", "demo", "searcheval", "internal", "wording", "index", "store"}
	err := filepath.Walk("..", func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() && slices.Contains(skip, info.Name()) {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fs := token.NewFileSet()
		f, err := parser.ParseFile(fs, path, nil, 0)
		if err != nil {
			return err
		}
		var lit func(e ast.Expr) (string, bool)
		lit = func(e ast.Expr) (string, bool) {
			switch x := e.(type) {
			case *ast.BasicLit:
				if x.Kind == token.STRING {
					s, err := strconv.Unquote(x.Value)
					return s, err == nil
				}
			case *ast.CallExpr:
				if sel, ok := x.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(x.Args) > 0 {
					return lit(x.Args[0])
				}
			}
			return "", false
		}
		keep := func(s string, at token.Pos) {
			if s != "%s" && s != "%v" && s != "" {
				found[s] = fs.Position(at).String()
			}
		}
		inParser := filepath.Base(filepath.Dir(path)) == "transfer"
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				if x.Name.Name == "message" && strings.HasSuffix(path, "validate.go") || strings.HasPrefix(x.Name.Name, "Unknown") {
					ast.Inspect(x.Body, func(n ast.Node) bool {
						if r, ok := n.(*ast.ReturnStmt); ok && len(r.Results) >= 1 {
							if s, ok := lit(r.Results[0]); ok {
								keep(s, r.Pos())
							}
						}
						return true
					})
				}
			case *ast.CallExpr:
				name := ""
				switch fn := x.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
				case *ast.Ident:
					name = fn.Name
				}
				if name == "Errorf" && len(x.Args) > 0 {
					if s, ok := lit(x.Args[0]); ok {
						if rest, ok := strings.CutPrefix(s, "%w: "); ok {
							keep(rest, x.Pos())
						} else if inParser && !strings.Contains(s, "%w") && !strings.Contains(s, "read ") {
							keep(s, x.Pos())
						}
					}
				}
				arg, ok := map[string]int{"add": 1, "Add": 1, "conflict": 0, "fail": 1, "badRequest": 1, "newProblem": 2, "forbidden": 1, "refuse": 1}[name]
				if ok && len(x.Args) > arg {
					if s, ok := lit(x.Args[arg]); ok {
						keep(s, x.Pos())
					}
				}
			case *ast.KeyValueExpr:
				if k, ok := x.Key.(*ast.Ident); ok && k.Name == "Message" {
					if s, ok := lit(x.Value); ok {
						keep(s, x.Pos())
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestEveryMessageHasGerman: a format the code writes without a German
// line here fails, naming where it is written.
func TestEveryMessageHasGerman(t *testing.T) {
	formats := messageFormats(t)
	if len(formats) < 150 {
		t.Fatalf("found only %d formats: the scan is broken", len(formats))
	}
	verbs := regexp.MustCompile(`%[-+# 0-9.\[\]]*[a-zA-Z]`)
	for f, at := range formats {
		// What the format writes with sample values must have German.
		sample := verbs.ReplaceAllStringFunc(f, func(v string) string {
			switch v[len(v)-1] {
			case 'q':
				return `"x"`
			case 'd':
				return "7"
			}
			return "x"
		})
		if _, ok := German(sample); !ok {
			t.Errorf("%s: no German for %q", at, f)
		}
	}
	verb := regexp.MustCompile(`%[-+# 0-9.\[\]]*[a-zA-Z]`)
	for _, l := range table {
		n := len(verb.FindAllString(strings.ReplaceAll(l.en, "%%", ""), -1))
		for i := 1; i <= 9; i++ {
			if strings.Contains(l.de, "{"+strconv.Itoa(i)+"}") && i > n {
				t.Errorf("%q: German uses {%d}, the format fills %d", l.en, i, n)
			}
		}
		if _, ok := German(l.en); !ok && !strings.Contains(l.en, "%") {
			t.Errorf("%q: no German found for itself", l.en)
		}
	}
}

func TestGerman(t *testing.T) {
	for en, want := range map[string]string{
		`"atlantis" is not a known district`:                           "„atlantis“ ist kein bekannter Sozialraum",
		"role fallmanager may not approve offers":                      "Die Rolle fallmanager darf das nicht: Angebote freigeben",
		"must be at most 200 characters long":                          "darf höchstens 200 Zeichen lang sein",
		`"xx" is not in the taxonomy's help-kinds; did you mean "ab"?`: "„xx“ steht nicht im Katalog der Hilfearten; meinten Sie „ab“?",
		"is required; must be an email address":                        "ist eine Pflichtangabe; muss eine E-Mail-Adresse sein, zum Beispiel name@beispiel.de",
	} {
		if got, ok := German(en); !ok || got != want {
			t.Errorf("German(%q) = %q, %v; want %q", en, got, ok, want)
		}
	}
	if _, ok := German("load volunteer vol_1: not found"); ok {
		t.Error("internal wording translated")
	}
}

func TestWantsGerman(t *testing.T) {
	for h, want := range map[string]bool{
		"de": true, "de-DE,de;q=0.9,en;q=0.8": true, "en-US,en;q=0.9,de;q=0.8": false, "": false,
		"fr, de;q=0.5": true, "de;q=0, en": false, "en;q=0.3, de;q=0.7": true, "*": false,
	} {
		if got := WantsGerman(h); got != want {
			t.Errorf("WantsGerman(%q) = %v", h, got)
		}
	}
}

// FuzzAcceptLanguage: no header makes the negotiation or the translation
// panic, and a German answer is German only when de is asked for.
func FuzzAcceptLanguage(f *testing.F) {
	for _, s := range []string{"de", "de-DE,de;q=0.9,en;q=0.8", "en;q=0.3, de;q=0.7", "*;q=0", ";;;q=1.", "de;q=1.5", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if WantsGerman(h) && !strings.Contains(strings.ToLower(h), "de") {
			t.Fatalf("%q asks for German?", h)
		}
		German(h)
	})
}
