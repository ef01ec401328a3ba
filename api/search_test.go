package api_test

import (
	"strings"
	"testing"
)

// TestSearchIsInStepWithWrites: a change is searchable when its write
// returns, and leaves the search when the entry leaves the view.
func TestSearchIsInStepWithWrites(t *testing.T) {
	e := newEnv(t)
	find := func(who, q string) []string {
		t.Helper()
		return ids(t, e.do(req{Who: who, Method: "GET", Path: "/v1/search?q=" + q}))
	}
	id := e.create("rm", "/v1/volunteers", with(volunteerInput(), "life_experience", "Ehemalige Fußballtrainerin"))
	if got := find("fm", "Fu%C3%9Fball"); !contains(got, id) {
		t.Fatalf("new volunteer not found at once: %v", got)
	}
	e.do(req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: `{"life_experience":"Ehemalige Schwimmlehrerin"}`, Headers: map[string]string{"If-Match": `"1"`}})
	if got := find("fm", "Fu%C3%9Fball"); contains(got, id) {
		t.Errorf("old text still found: %v", got)
	}
	if got := find("fm", "Lehrerin"); !contains(got, id) {
		t.Errorf("new text not found: %v", got)
	}
	e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/volunteers/" + id})
	if got := find("fm", "Lehrerin"); contains(got, id) {
		t.Errorf("archived volunteer found by a case manager: %v", got)
	}
	if got := ids(t, e.do(req{Who: "rm", Method: "GET", Path: "/v1/search?q=Lehrerin&status=archived"})); !contains(got, id) {
		t.Errorf("staff cannot find the archived volunteer: %v", got)
	}
	if got := find("traeger", "Lehrerin"); len(got) != 0 {
		t.Errorf("a provider finds volunteers: %v", got)
	}
	// Survives a restart without a rebuild being needed for correctness.
	e.restart()
	r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/search?q=Schwimmlehrerin&status=archived"})
	if !contains(ids(t, r), id) || !strings.Contains(string(r.Body), `\u003cmark\u003eSchwimmlehrer`) {
		t.Errorf("after restart: %s", r.Body)
	}
}

// TestSearchByGroup: group= keeps a neighbourhood help's members, for
// those who may see volunteers.
func TestSearchByGroup(t *testing.T) {
	e := newEnv(t)
	nh := e.create("rm", "/v1/neighbourhood-helps", helpInput())
	member := e.create("rm", "/v1/volunteers", with(volunteerInput(), "groups", []string{nh}))
	other := e.create("rm", "/v1/volunteers", volunteerInput())
	for who, want := range map[string]bool{"rm": true, "fm": true, "traeger": false} {
		got := ids(t, e.do(req{Who: who, Method: "GET", Path: "/v1/search?group=" + nh}))
		if contains(got, member) != want || contains(got, other) || contains(got, nh) {
			t.Errorf("%s: %v, member %s", who, got, member)
		}
	}
}
