package catalogue

import (
	"testing"
	"time"

	"massanzug/access"
)

func TestJSONPath(t *testing.T) {
	for in, want := range map[string]string{
		"VolunteerInput.languages[1].code":     "languages[1].code",
		"Offer.OfferInput.eligibility.max_age": "eligibility.max_age",
		"Term.code":                            "code",
		"name":                                 "name",
	} {
		if got := jsonPath(in); got != want {
			t.Errorf("jsonPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPoliceCertificateValidOn(t *testing.T) {
	c := &PoliceCertificate{IssuedOn: "2024-01-10", SeenOn: "2024-01-20", ValidUntil: "2029-01-09", Clear: true}
	for day, want := range map[string]bool{"2024-01-09": false, "2024-01-10": true, "2029-01-09": true, "2029-01-10": false} {
		if got := c.ValidOn(day); got != want {
			t.Errorf("ValidOn(%s) = %v", day, got)
		}
	}
	c.Clear = false
	if c.ValidOn("2025-01-01") {
		t.Error("a certificate with entries counts as valid")
	}
	var none *PoliceCertificate
	if none.ValidOn("2025-01-01") {
		t.Error("no certificate counts as valid")
	}
}

func TestOfferCurrentOn(t *testing.T) {
	for _, c := range []struct {
		from, until, day string
		want             bool
	}{
		{"", "", "2026-01-01", true}, {"2026-01-02", "", "2026-01-01", false}, {"", "2025-12-31", "2026-01-01", false},
		{"2026-01-01", "2026-01-01", "2026-01-01", true},
	} {
		o := OfferInput{ValidFrom: c.from, ValidUntil: c.until}
		if got := o.CurrentOn(c.day); got != c.want {
			t.Errorf("%+v: %v", c, got)
		}
	}
}

// TestFilterFor: what a role asks of a list is narrowed to what it may see.
func TestFilterFor(t *testing.T) {
	s := NewService(nil, WithClock(func() time.Time { return time.Date(2026, 5, 4, 23, 30, 0, 0, time.UTC) }))
	fm := access.Principal{Role: access.RoleCaseManager}
	prov := access.Principal{Role: access.RoleProvider, ProviderID: "prv_a"}
	rm := access.Principal{Role: access.RoleResourceManager}
	cases := []struct {
		name   string
		p      access.Principal
		k      Kind
		q      ListQuery
		ok     bool
		status []Status
		check  func(EntryFilter) bool
	}{
		{"case manager: active volunteers only", fm, KindVolunteer, ListQuery{}, true, []Status{StatusActive}, nil},
		{"case manager asking for paused gets nothing", fm, KindVolunteer, ListQuery{Status: StatusPaused}, false, nil, nil},
		{"case manager: approved offers current today (Berlin)", fm, KindOffer, ListQuery{}, true, []Status{StatusApproved},
			func(f EntryFilter) bool { return f.CurrentOn == "2026-05-05" }},
		{"provider: own offers only", prov, KindOffer, ListQuery{}, true, []Status{StatusSubmitted, StatusApproved, StatusRejected},
			func(f EntryFilter) bool { return f.ProviderID == "prv_a" }},
		{"provider asking for another provider gets nothing", prov, KindOffer, ListQuery{ProviderID: "prv_b"}, false, nil, nil},
		{"staff: everything but archived", rm, KindVolunteer, ListQuery{}, true, []Status{StatusActive, StatusPaused, StatusInactive}, nil},
		{"staff: archived on request", rm, KindVolunteer, ListQuery{Status: StatusArchived}, true, []Status{StatusArchived}, nil},
	}
	for _, c := range cases {
		f, ok := s.filterFor(c.p, c.k, c.q)
		if ok != c.ok {
			t.Errorf("%s: ok = %v", c.name, ok)
			continue
		}
		if ok && (len(f.Statuses) != len(c.status) || (c.check != nil && !c.check(f))) {
			t.Errorf("%s: filter %+v", c.name, f)
			continue
		}
		for i := range c.status {
			if ok && f.Statuses[i] != c.status[i] {
				t.Errorf("%s: statuses %v", c.name, f.Statuses)
			}
		}
	}
}
