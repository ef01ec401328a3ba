package catalogue

import "testing"

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
