package api_test

import (
	"encoding/json"
	"net/url"
	"testing"
)

// FuzzCreateVolunteer feeds arbitrary bodies to the parser and validator of
// the richest input. No input may cause a 5xx or a panic; whatever is
// accepted must read back, and every answer must match the contract.
func FuzzCreateVolunteer(f *testing.F) {
	seed, _ := json.Marshal(volunteerInput())
	for _, s := range []string{string(seed), `{}`, `{"name":null}`, `[]`, `"x"`, `{"home":{"lat":1e400}}`, `{"capacity":-0}`,
		`{"languages":[{"code":"de","level":"native"},null]}`, "{\"name\":\"\xff\"}", `{"availability":[{"day":"mon","from":"24:00","to":"24:00"}]}`} {
		f.Add([]byte(s))
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		e.t = t
		r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: body})
		switch r.Status {
		case 201:
			id := r.object(t)["id"].(string)
			if g := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + id}); g.Status != 200 {
				t.Fatalf("accepted volunteer unreadable: %d %s", g.Status, g.Body)
			}
		case 400, 413, 422:
		default:
			t.Fatalf("status %d for %q: %s", r.Status, body, r.Body)
		}
	})
}

// FuzzListQuery feeds arbitrary query strings to a list endpoint.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"", "limit=10&offset=5", "district=eselsberg&help_kind=begegnung", "status=approved", "limit=-1", "limit=99999999999999999999",
		"provider_id=%00", "district=%ff", "x=1", "limit=1&limit=2", "status=" + url.QueryEscape("archived' OR 1=1 --")} {
		f.Add(s)
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, q string) {
		e.t = t
		vals, err := url.ParseQuery(q)
		if err != nil {
			return // not a query a client library would send
		}
		for _, who := range []string{"rm", "fm", "traeger"} {
			r := e.do(req{Who: who, Method: "GET", Path: "/v1/offers?" + vals.Encode()})
			if r.Status != 200 && r.Status != 400 && r.Status != 422 {
				t.Fatalf("%s ?%s: %d %s", who, q, r.Status, r.Body)
			}
		}
	})
}

// FuzzSearchQuery feeds arbitrary query strings to the search, non-finite
// numbers among the seeds: every answer is a 200 or a 4xx naming the
// parameter, never a 5xx.
func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"", "q=Einkauf&near=48.4,9.98&radius_km=3", "near=NaN,NaN", "near=nan,9.9", "near=48.4,Inf", "near=-Inf,+Inf",
		"radius_km=NaN&near_quarter=Weststadt", "radius_km=1e400&near=48.4,9.9", "near=0x1p-2,9", "sort=distance&near=48.4,9.98", "near=,", "near=48.4"} {
		f.Add(s)
	}
	e := newEnv(f)
	f.Fuzz(func(t *testing.T, q string) {
		e.t = t
		vals, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		r := e.do(req{Who: "fm", Method: "GET", Path: "/v1/search?" + vals.Encode()})
		if r.Status != 200 && r.Status != 400 && r.Status != 422 {
			t.Fatalf("?%s: %d %s", q, r.Status, r.Body)
		}
	})
}
