package api

import (
	"encoding/json"
	"testing"
)

func TestMergePatch(t *testing.T) {
	for _, c := range []struct{ doc, patch, want string }{
		{`{"a":1,"b":{"c":2,"d":3}}`, `{"b":{"c":null,"e":4}}`, `{"a":1,"b":{"d":3,"e":4}}`},
		{`{"a":[1,2]}`, `{"a":[3]}`, `{"a":[3]}`},
		{`{"a":1}`, `{"a":null}`, `{}`},
		{`{"a":"x"}`, `{"a":{"b":1}}`, `{"a":{"b":1}}`},
	} {
		got, err := mergePatch([]byte(c.doc), []byte(c.patch))
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		json.Unmarshal(got, &g)
		json.Unmarshal([]byte(c.want), &w)
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		if string(gb) != string(wb) {
			t.Errorf("merge %s + %s = %s, want %s", c.doc, c.patch, gb, wb)
		}
	}
}

// FuzzMergePatch: a patch from outside never panics the merge.
func FuzzMergePatch(f *testing.F) {
	f.Add([]byte(`{"name":"x","home":{"lat":null}}`))
	f.Add([]byte(`[1]`))
	f.Add([]byte(`{"a":{"b":{"c":{}}}}`))
	f.Fuzz(func(t *testing.T, patch []byte) {
		out, err := mergePatch([]byte(`{"name":"Ayşe","home":{"district":"eselsberg","lat":48.4},"languages":[{"code":"de"}]}`), patch)
		if err == nil && !json.Valid(out) {
			t.Fatalf("invalid JSON out of a merge: %s", out)
		}
	})
}
