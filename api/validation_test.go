package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// with returns a copy of base with path (dot-separated, e.g. "home.lat")
// set to v, or removed when v is the string "<delete>".
func with(base map[string]any, path string, v any) map[string]any {
	b, _ := json.Marshal(base)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	parts := strings.Split(path, ".")
	m := out
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	if v == "<delete>" {
		delete(m, parts[len(parts)-1])
	} else {
		m[parts[len(parts)-1]] = v
	}
	return out
}

// TestValidation sends bad values of every kind of field. Each must get a
// 4xx naming the field, and the database must be unchanged.
func TestValidation(t *testing.T) {
	e := newEnv(t)
	vol, nh, off := volunteerInput(), helpInput(), offerInput(e.provider)
	cases := []struct {
		name   string
		who    string
		path   string
		body   any
		status int
		field  string
	}{
		// volunteers: each kind of field
		{"missing name", "rm", "/v1/volunteers", with(vol, "name", "<delete>"), 422, "name"},
		{"name too long", "rm", "/v1/volunteers", with(vol, "name", strings.Repeat("x", 201)), 422, "name"},
		{"name wrong type", "rm", "/v1/volunteers", with(vol, "name", 42), 400, "name"},
		{"unknown district", "rm", "/v1/volunteers", with(vol, "districts", []string{"neu-ulm"}), 422, "districts[0]"},
		{"no district", "rm", "/v1/volunteers", with(vol, "districts", []string{}), 422, "districts"},
		{"district twice", "rm", "/v1/volunteers", with(vol, "districts", []string{"eselsberg", "eselsberg"}), 422, "districts[1]"},
		{"unknown help kind", "rm", "/v1/volunteers", with(vol, "help_kinds", []string{"zauberei"}), 422, "help_kinds[0]"},
		{"unknown target group", "rm", "/v1/volunteers", with(vol, "target_groups", []string{"aliens"}), 422, "target_groups[0]"},
		{"quarter of another district", "rm", "/v1/volunteers", with(vol, "home.quarter", "Wiblingen"), 422, "home.quarter"},
		{"latitude out of range", "rm", "/v1/volunteers", with(vol, "home.lat", 123.4), 422, "home.lat"},
		{"longitude without latitude", "rm", "/v1/volunteers", with(with(vol, "home.lat", "<delete>"), "home.district", "<delete>"), 422, "home.lat"},
		{"coordinates as text", "rm", "/v1/volunteers", with(vol, "home.lon", "east"), 400, "home.lon"},
		{"load above capacity", "rm", "/v1/volunteers", with(vol, "load", 5), 422, "load"},
		{"capacity zero", "rm", "/v1/volunteers", with(vol, "capacity", 0), 422, "capacity"},
		{"negative load", "rm", "/v1/volunteers", with(vol, "load", -1), 422, "load"},
		{"capacity fractional", "rm", "/v1/volunteers", with(vol, "capacity", 1.5), 400, "capacity"},
		{"language not ISO 639-1", "rm", "/v1/volunteers", with(vol, "languages", []map[string]any{{"code": "deu", "level": "native"}}), 422, "languages[0].code"},
		{"language level unknown", "rm", "/v1/volunteers", with(vol, "languages", []map[string]any{{"code": "de", "level": "perfect"}}), 422, "languages[0].level"},
		{"language twice", "rm", "/v1/volunteers", with(vol, "languages", []map[string]any{{"code": "de", "level": "native"}, {"code": "de", "level": "good"}}), 422, "languages[1].code"},
		{"slot time malformed", "rm", "/v1/volunteers", with(vol, "availability", []map[string]any{{"day": "tue", "from": "2pm", "to": "17:00"}}), 422, "availability[0].from"},
		{"slot ends before it starts", "rm", "/v1/volunteers", with(vol, "availability", []map[string]any{{"day": "tue", "from": "17:00", "to": "14:00"}}), 422, "availability[0].to"},
		{"slot day unknown", "rm", "/v1/volunteers", with(vol, "availability", []map[string]any{{"day": "monday", "from": "10:00", "to": "12:00"}}), 422, "availability[0].day"},
		{"date malformed", "rm", "/v1/volunteers", with(vol, "consent.given_on", "10.01.2025"), 422, "consent.given_on"},
		{"impossible date", "rm", "/v1/volunteers", with(vol, "consent.given_on", "2025-02-30"), 422, "consent.given_on"},
		{"consent in the future", "rm", "/v1/volunteers", with(vol, "consent.given_on", "2031-01-01"), 422, "consent.given_on"},
		{"no consent", "rm", "/v1/volunteers", with(vol, "consent", "<delete>"), 422, "consent"},
		{"certificate ends before issue", "rm", "/v1/volunteers", with(vol, "police_certificate.valid_until", "2024-01-01"), 422, "police_certificate.valid_until"},
		{"email malformed", "rm", "/v1/volunteers", with(vol, "contact.email", "not-an-email"), 422, "contact.email"},
		{"phone malformed", "rm", "/v1/volunteers", with(vol, "contact.phone", "call me"), 422, "contact.phone"},
		{"gender unknown", "rm", "/v1/volunteers", with(vol, "gender", "x"), 422, "gender"},
		{"birth year in the future", "rm", "/v1/volunteers", with(vol, "birth_year", 2099), 422, "birth_year"},
		{"mobility unknown", "rm", "/v1/volunteers", with(vol, "mobility", []string{"horse"}), 422, "mobility[0]"},
		{"status archived is not writable", "rm", "/v1/volunteers", with(vol, "status", "archived"), 422, "status"},
		{"unknown field", "rm", "/v1/volunteers", with(vol, "shoe_size", 44), 400, "shoe_size"},
		{"read-only field", "rm", "/v1/volunteers", with(vol, "id", "vol_x"), 400, "id"},
		{"boolean as string", "rm", "/v1/volunteers", with(vol, "police_certificate.clear", "yes"), 400, "police_certificate.clear"},
		// neighbourhood helps
		{"help: coordinator unreachable", "rm", "/v1/neighbourhood-helps", with(nh, "coordinator", map[string]any{"name": "X"}), 422, "coordinator"},
		{"help: quarter outside districts", "rm", "/v1/neighbourhood-helps", with(nh, "quarters", []string{"Böfingen"}), 422, "quarters[0]"},
		{"help: negative cost", "rm", "/v1/neighbourhood-helps", with(nh, "cost_per_hour", -3), 422, "cost_per_hour"},
		{"help: language code", "rm", "/v1/neighbourhood-helps", with(nh, "languages", []string{"german"}), 422, "languages[0]"},
		// offers
		{"offer: unknown provider", "rm", "/v1/offers", with(off, "provider_id", "prv_nope"), 422, "provider_id"},
		{"offer: no provider", "rm", "/v1/offers", with(off, "provider_id", "<delete>"), 422, "provider_id"},
		{"offer: unknown category", "rm", "/v1/offers", with(off, "category", "kino"), 422, "category"},
		{"offer: period reversed", "rm", "/v1/offers", with(with(off, "valid_from", "2026-08-01"), "valid_until", "2026-07-01"), 422, "valid_until"},
		{"offer: age range reversed", "rm", "/v1/offers", with(off, "eligibility", map[string]any{"min_age": 18, "max_age": 6}), 422, "eligibility.max_age"},
		{"offer: postal code", "rm", "/v1/offers", with(off, "address.postal_code", "89O77"), 422, "address.postal_code"},
		{"offer: accessible as number", "rm", "/v1/offers", with(off, "accessible", 1), 400, "accessible"},
		// providers, districts, taxonomy, tokens
		{"provider: bad website", "admin", "/v1/providers", map[string]any{"name": "X", "website": "ftp//x"}, 422, "website"},
		{"provider: unknown district", "admin", "/v1/providers", map[string]any{"name": "X", "districts": []string{"ulm-nord"}}, 422, "districts[0]"},
		{"term: bad code", "rm", "/v1/taxonomy/help-kinds", map[string]any{"code": "Groß Schreiben", "label": "X", "theme": "alltag"}, 422, "code"},
		{"term: unknown theme", "rm", "/v1/taxonomy/help-kinds", map[string]any{"code": "neu", "label": "Neu", "theme": "weltraum"}, 422, "theme"},
		{"term: minors on a target group", "rm", "/v1/taxonomy/target-groups", map[string]any{"code": "neu", "label": "Neu", "minors": true}, 422, "minors"},
		{"token: unknown role", "admin", "/v1/tokens", map[string]any{"name": "X", "role": "chef"}, 422, ""},
		{"token: traeger without provider", "admin", "/v1/tokens", map[string]any{"name": "X", "role": "traeger"}, 422, ""},
		{"token: unknown provider", "admin", "/v1/tokens", map[string]any{"name": "X", "role": "traeger", "provider_id": "prv_nope"}, 422, ""},
		// malformed bodies
		{"malformed JSON", "rm", "/v1/volunteers", `{"name": "x",`, 400, ""},
		{"not an object", "rm", "/v1/volunteers", `[1,2,3]`, 400, ""},
		{"empty body", "rm", "/v1/volunteers", ``, 400, ""},
		{"two objects", "rm", "/v1/volunteers", `{} {}`, 400, ""},
	}
	before := e.counts()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			body := c.body
			if s, ok := body.(string); ok && s == "" {
				body = []byte{}
			}
			r := e.do(req{Who: c.who, Method: "POST", Path: c.path, Body: body})
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			var p struct {
				Detail string `json:"detail"`
				Errors []struct{ Field, Message string }
			}
			r.decode(t, &p)
			if p.Detail == "" {
				t.Error("problem without detail")
			}
			if c.field != "" {
				found := false
				for _, fe := range p.Errors {
					found = found || fe.Field == c.field
				}
				if !found {
					t.Errorf("field %q not named: %s", c.field, r.Body)
				}
			}
			if after := e.counts(); after != before {
				t.Errorf("database changed:\n before %s\n after  %s", before, after)
			}
		})
	}
}

// TestBadRequests covers what is wrong with a request before its body is
// read: content type, size, query parameters, ids, methods.
func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	id := e.create("rm", "/v1/volunteers", volunteerInput())
	archived := e.create("rm", "/v1/volunteers", volunteerInput())
	e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/volunteers/" + archived})
	before := e.counts()
	big := with(volunteerInput(), "life_experience", strings.Repeat("x", 300<<10))
	// Just over the documented 256 KiB, though under 256,000 + 6,144.
	justOver := `{"name":"` + strings.Repeat("x", 256<<10) + `"}`
	cases := []struct {
		name    string
		r       req
		status  int
		mention string
	}{
		{"wrong content type", req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: "name=x", Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "Content-Type"},
		{"no content type", req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: "{}", Headers: map[string]string{"Content-Type": ""}}, 415, "Content-Type"},
		{"oversized body", req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: big}, 413, "256 KiB"},
		{"body just over 256 KiB", req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: justOver}, 413, "262,144 bytes"},
		{"stale patch of an entry archived meanwhile", req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + archived, Body: `{"load":0}`, Headers: map[string]string{"If-Match": `"1"`}}, 412, "version"},
		{"stale put of an entry archived meanwhile", req{Who: "rm", Method: "PUT", Path: "/v1/volunteers/" + archived, Body: volunteerInput(), Headers: map[string]string{"If-Match": `"1"`}}, 412, "version"},
		{"search: near NaN", req{Who: "fm", Method: "GET", Path: "/v1/search?near=NaN,NaN"}, 400, "near"},
		{"search: near nan lat", req{Who: "fm", Method: "GET", Path: "/v1/search?near=nan,9.9"}, 400, "near"},
		{"search: near NaN lon", req{Who: "fm", Method: "GET", Path: "/v1/search?near=48.4,NaN"}, 400, "near"},
		{"search: near Inf", req{Who: "fm", Method: "GET", Path: "/v1/search?near=Inf,-Inf"}, 400, "near"},
		{"search: radius NaN", req{Who: "fm", Method: "GET", Path: "/v1/search?near=48.4,9.9&radius_km=NaN"}, 400, "radius_km"},
		{"search: radius Inf", req{Who: "fm", Method: "GET", Path: "/v1/search?near=48.4,9.9&radius_km=%2BInf"}, 400, "radius_km"},
		{"unknown query parameter", req{Who: "rm", Method: "GET", Path: "/v1/volunteers?limt=5"}, 400, "limt"},
		{"limit too large", req{Who: "rm", Method: "GET", Path: "/v1/volunteers?limit=100000"}, 400, "limit"},
		{"limit not a number", req{Who: "rm", Method: "GET", Path: "/v1/volunteers?limit=ten"}, 400, "limit"},
		{"negative offset", req{Who: "rm", Method: "GET", Path: "/v1/volunteers?offset=-1"}, 400, "offset"},
		{"parameter twice", req{Who: "rm", Method: "GET", Path: "/v1/volunteers?district=eselsberg&district=wiblingen"}, 400, "district"},
		{"a status outside the enum", req{Who: "rm", Method: "GET", Path: "/v1/volunteers?status=approved"}, 400, "status"},
		{"a provider status outside the enum", req{Who: "rm", Method: "GET", Path: "/v1/providers?status=pending"}, 400, "status"},
		{"unknown district filter", req{Who: "rm", Method: "GET", Path: "/v1/volunteers?district=atlantis"}, 422, "atlantis"},
		{"unknown help kind filter", req{Who: "rm", Method: "GET", Path: "/v1/offers?help_kind=zauberei"}, 422, "zauberei"},
		{"unknown review kind", req{Who: "rm", Method: "GET", Path: "/v1/review-queue?kind=cat"}, 400, "kind"},
		{"unknown id", req{Who: "rm", Method: "GET", Path: "/v1/volunteers/vol_0000000000000000"}, 404, "not found"},
		{"id of another kind", req{Who: "rm", Method: "GET", Path: "/v1/offers/" + id}, 404, "not found"},
		{"unknown district", req{Who: "rm", Method: "GET", Path: "/v1/districts/atlantis"}, 404, "atlantis"},
		{"unknown vocabulary", req{Who: "rm", Method: "POST", Path: "/v1/taxonomy/colours", Body: map[string]any{"code": "rot", "label": "Rot"}}, 404, "vocabulary"},
		{"unknown route", req{Who: "rm", Method: "GET", Path: "/v1/volunteer-groups"}, 404, ""},
		{"method not allowed", req{Who: "rm", Method: "POST", Path: "/v1/districts"}, 405, ""},
		{"put without If-Match", req{Who: "rm", Method: "PUT", Path: "/v1/volunteers/" + id, Body: volunteerInput()}, 428, "If-Match"},
		{"patch without If-Match", req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: `{"load":0}`}, 428, "If-Match"},
		{"malformed If-Match", req{Who: "rm", Method: "PUT", Path: "/v1/volunteers/" + id, Body: volunteerInput(), Headers: map[string]string{"If-Match": "yesterday"}}, 400, "If-Match"},
		{"patch that is not an object", req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: `[1]`, Headers: map[string]string{"If-Match": `"1"`}}, 400, "object"},
		{"patch with unknown field", req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: `{"colour":"blue"}`, Headers: map[string]string{"If-Match": `"1"`}}, 400, "colour"},
		{"patch removing a required field", req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: `{"name":null}`, Headers: map[string]string{"If-Match": `"1"`}}, 422, "name"},
		{"reject without reason", req{Who: "rm", Method: "POST", Path: "/v1/offers/off_0000000000000000/reject", Body: map[string]any{"reason": " "}}, 422, "reason"},
		{"search: near malformed", req{Who: "fm", Method: "GET", Path: "/v1/search?near=ulm"}, 400, "near"},
		{"search: unknown kind", req{Who: "fm", Method: "GET", Path: "/v1/search?kind=volunteer,cat"}, 400, "cat"},
		{"search: unknown sort", req{Who: "fm", Method: "GET", Path: "/v1/search?sort=random"}, 400, "sort"},
		{"search: radius out of range", req{Who: "fm", Method: "GET", Path: "/v1/search?near=48.4,9.9&radius_km=500"}, 400, "radius_km"},
		{"search: distance without a point", req{Who: "fm", Method: "GET", Path: "/v1/search?sort=distance"}, 422, "near"},
		{"search: radius without a point", req{Who: "fm", Method: "GET", Path: "/v1/search?radius_km=2"}, 422, "near"},
		{"search: unknown quarter", req{Who: "fm", Method: "GET", Path: "/v1/search?near_quarter=Atlantis"}, 422, "Atlantis"},
		{"search: unknown language", req{Who: "fm", Method: "GET", Path: "/v1/search?language=xx"}, 422, "language"},
		{"search: accessible not boolean", req{Who: "fm", Method: "GET", Path: "/v1/search?accessible=ja"}, 400, "accessible"},
		{"malformed bearer", req{Method: "GET", Path: "/v1/volunteers", Headers: map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}}, 401, "Bearer"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			r := e.do(c.r)
			if r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("content type %q", ct)
			}
			if !strings.Contains(string(r.Body), c.mention) {
				t.Errorf("body does not mention %q: %s", c.mention, r.Body)
			}
		})
	}
	if after := e.counts(); after != before {
		t.Errorf("database changed:\n before %s\n after  %s", before, after)
	}
}
