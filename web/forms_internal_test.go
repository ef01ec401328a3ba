package web

import (
	"net/url"
	"regexp"
	"testing"
)

func TestSlotsAsStaffWriteThem(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"Mo 14-17", "mon 14:00-17:00", true},
		{"mo. 9:30 – 12 Uhr, Mi 8-9", "mon 09:30-12:00 wed 08:00-09:00", true},
		{"", "", true},
		{"Montags", "", false},
		{"Di 17-14", "", false},
		{"Fr 8-25", "", false},
	} {
		r := &formReader{vals: url.Values{"t": {tc.in}}, errs: map[string]string{}}
		got := ""
		for i, s := range r.slots("t") {
			if i > 0 {
				got += " "
			}
			got += s.Day + " " + s.From + "-" + s.To
		}
		if got != tc.want || (r.errs["t"] == "") != tc.ok {
			t.Errorf("%q: %q, message %q", tc.in, got, r.errs["t"])
		}
	}
}

func TestDaysAsGermanReadersWriteThem(t *testing.T) {
	for in, want := range map[string]string{"01.03.2026": "2026-03-01", "1.3.2026": "2026-03-01", "2026-03-01": "2026-03-01", "31.02.2026": "", "morgen": ""} {
		got, ok := parseDay(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v", in, got, ok)
		}
		if ok && day(got) != map[bool]string{true: "01.03.2026"}[want == "2026-03-01"] {
			t.Errorf("%q back: %q", in, day(got))
		}
	}
}

var hhmm = regexp.MustCompile(`^([01]\d|2[0-4]):[0-5]\d$`)

// FuzzSlots: whatever is typed into a time field, the reader never
// panics and either says what is wrong or returns well-formed slots.
func FuzzSlots(f *testing.F) {
	for _, s := range []string{"Mo 14-17", "mo. 9:30 – 12 Uhr, Mi 8-9", "Di 99-100", ",,,", "So 0-24"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		r := &formReader{vals: url.Values{"t": {in}}, errs: map[string]string{}}
		slots := r.slots("t")
		if r.errs["t"] != "" && slots != nil {
			t.Fatalf("%q: both slots and a message", in)
		}
		for _, s := range slots {
			if dayLabels[s.Day] == "" || !hhmm.MatchString(s.From) || !hhmm.MatchString(s.To) || s.From >= s.To {
				t.Fatalf("%q: bad slot %+v", in, s)
			}
		}
	})
}

// FuzzParseDay: a day read is a real day, written back the same.
func FuzzParseDay(f *testing.F) {
	for _, s := range []string{"01.03.2026", "2026-02-29", "29.2.2024", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		d, ok := parseDay(in)
		if !ok {
			return
		}
		if again, ok := parseDay(day(d)); !ok || again != d {
			t.Fatalf("%q → %q → %q", in, d, again)
		}
	})
}
