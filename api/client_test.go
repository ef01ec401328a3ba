package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	// The Go client TestGoClientBuilds generates imports the generator's
	// runtime; this keeps it in go.mod, so that `go mod download` fetches it.
	_ "github.com/oapi-codegen/runtime"
)

// TestGoClientBuilds: a Go client generator no one here wrote
// (oapi-codegen, default options, a tool dependency of the module) turns
// openapi.yaml into a client that compiles.
func TestGoClientBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and compiles a client")
	}
	dir, err := os.MkdirTemp("testdata", "oapiclient-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	out, err := os.Create(filepath.Join(dir, "client.go"))
	if err != nil {
		t.Fatal(err)
	}
	gen := exec.Command("go", "tool", "oapi-codegen", "-generate", "types,client", "-package", "client", "../openapi.yaml")
	var stderr []byte
	gen.Stdout = out
	errOut, _ := os.CreateTemp(t.TempDir(), "stderr")
	gen.Stderr = errOut
	err = gen.Run()
	out.Close()
	if err != nil {
		stderr, _ = os.ReadFile(errOut.Name())
		t.Fatalf("oapi-codegen: %v\n%s", err, stderr)
	}
	build := exec.Command("go", "build", "./"+filepath.ToSlash(dir))
	if msg, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the generated client does not compile: %v\n%s", err, msg)
	}
}

// TestSpecLints: openapi.yaml passes kin-openapi's validation with every
// check it has switched on (formats, patterns, defaults and examples
// against their schemas), and the rules an integrator relies on: every
// operation has an id, a summary, a tag and a 400, every answer its
// X-Request-ID; every request body
// and every success answer in JSON has an example; every JSON request
// object refuses unknown fields, as the service does.
func TestSpecLints(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableSchemaFormatValidation(), openapi3.EnableSchemaPatternValidation(),
		openapi3.EnableSchemaDefaultsValidation(), openapi3.EnableExamplesValidation(), openapi3.EnableMultiError()); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if op.OperationID == "" || op.Summary == "" || len(op.Tags) == 0 {
				t.Errorf("%s: no operationId, summary or tag", name)
			}
			if op.Responses.Value("400") == nil {
				t.Errorf("%s: 400 not documented", name)
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
					if !hasExample(mt) {
						t.Errorf("%s: the JSON request body has no example", name)
					}
					if s := mt.Schema; s != nil && s.Value != nil && s.Value.Type.Is("object") && !closed(s.Value) {
						t.Errorf("%s: the JSON request body takes unknown fields (additionalProperties is not false)", name)
					}
				}
			}
			for code, r := range op.Responses.Map() {
				if r.Value != nil && r.Value.Headers["X-Request-ID"] == nil {
					t.Errorf("%s %s: X-Request-ID not documented", name, code)
				}
				if code[0] != '2' || r.Value == nil {
					continue
				}
				if mt := r.Value.Content.Get("application/json"); mt != nil && !hasExample(mt) {
					t.Errorf("%s %s: the JSON answer has no example", name, code)
				}
			}
		}
	}
}

func hasExample(mt *openapi3.MediaType) bool {
	return mt.Example != nil || len(mt.Examples) > 0 || mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Example != nil
}

// closed reports whether an object schema refuses unknown fields, itself
// or, for allOf, in a part.
func closed(s *openapi3.Schema) bool {
	if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
		return true
	}
	return false
}

// documented collects the property names an object schema documents,
// through allOf, oneOf and anyOf; nil when the schema is not an object
// with properties (free-form: anything goes).
func documented(s *openapi3.Schema) map[string]bool {
	if s == nil {
		return nil
	}
	out := map[string]bool{}
	for name := range s.Properties {
		out[name] = true
	}
	for _, parts := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, p := range parts {
			for name := range documented(p.Value) {
				out[name] = true
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// undocumented names the top-level fields of a JSON value that its schema
// does not document: of an object, of the first item of an array, and of
// the first of a list answer's items.
func undocumented(s *openapi3.Schema, v any) []string {
	if s == nil {
		return nil
	}
	var out []string
	switch x := v.(type) {
	case []any:
		if len(x) > 0 && s.Items != nil {
			out = append(out, undocumented(s.Items.Value, x[0])...)
		}
	case map[string]any:
		known := documented(s)
		if known == nil {
			return nil
		}
		for k, val := range x {
			if !known[k] {
				out = append(out, k)
				continue
			}
			if k == "items" || k == "contents" {
				if p := property(s, k); p != nil {
					out = append(out, undocumented(p, val)...)
				}
			}
		}
	}
	return out
}

// property finds the schema of one property, through allOf.
func property(s *openapi3.Schema, name string) *openapi3.Schema {
	if p, ok := s.Properties[name]; ok && p.Value != nil {
		return p.Value
	}
	for _, parts := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, part := range parts {
			if p := property(part.Value, name); p != nil {
				return p
			}
		}
	}
	return nil
}

// TestExamplesAreDocumented: an example shows only fields its schema
// documents (the schemas of answers take unknown fields, so the validation
// of examples would not tell).
func TestExamplesAreDocumented(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, r := range op.Responses.Map() {
				if r.Value == nil {
					continue
				}
				if mt := r.Value.Content.Get("application/json"); mt != nil && mt.Example != nil && mt.Schema != nil {
					if bad := undocumented(mt.Schema.Value, mt.Example); len(bad) > 0 {
						t.Errorf("%s %s %s: the example shows undocumented fields %v", method, path, code, bad)
					}
				}
			}
		}
	}
}

func TestUndocumented(t *testing.T) {
	obj := func(props ...string) *openapi3.Schema {
		s := openapi3.NewObjectSchema()
		for _, p := range props {
			s.WithProperty(p, openapi3.NewStringSchema())
		}
		return s
	}
	list := obj("total")
	list.Properties["items"] = openapi3.NewArraySchema().WithItems(obj("id", "name")).NewRef()
	both := &openapi3.Schema{AllOf: openapi3.SchemaRefs{obj("id").NewRef(), obj("name").NewRef()}}
	for _, c := range []struct {
		s    *openapi3.Schema
		v    any
		want string
	}{
		{obj("id"), map[string]any{"id": 1, "colour": 2}, "colour"},
		{both, map[string]any{"id": 1, "name": 2}, ""},
		{both, map[string]any{"id": 1, "nme": 2}, "nme"},
		{list, map[string]any{"total": 1, "items": []any{map[string]any{"id": 1, "secret": 2}}}, "secret"},
		{openapi3.NewObjectSchema(), map[string]any{"anything": 1}, ""},
	} {
		if got := strings.Join(undocumented(c.s, c.v), ","); got != c.want {
			t.Errorf("undocumented(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}
