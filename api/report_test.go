package api_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/report"
)

// at sets the service's clock to a day, 10:00 in Ulm.
func (e *env) at(day string) {
	t, err := time.ParseInLocation(time.DateOnly, day, time.UTC)
	if err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = t.Add(8 * time.Hour)
}

// TestDistrictFigures computes every figure of the district report on a
// small history whose figures are worked out by hand below.
func TestDistrictFigures(t *testing.T) {
	e := newEnv(t)
	e.at("2025-01-10")
	v := volunteerInput() // Weststadt; einkaufshilfe, kinderbetreuung
	v["capacity"], v["load"] = 5, 0
	v["police_certificate"] = map[string]any{"seen_on": "2024-12-01", "issued_on": "2024-11-15", "valid_until": "2029-11-14", "clear": true}
	v["consent"] = map[string]any{"given_on": "2024-12-01"}
	// The figures are read once before anything is written, so that every
	// write below reaches them as a commit (the tally follows); at the end
	// a report read fresh from the store must say the same.
	if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/districts"}); r.Status != 200 {
		t.Fatalf("empty report: %d %s", r.Status, r.Body)
	}
	vol := e.create("rm", "/v1/volunteers", v)
	nh := e.create("rm", "/v1/neighbourhood-helps", helpInput()) // Eselsberg; einkaufshilfe, besuchsdienst
	// An offer archived again counts nowhere.
	gone := e.create("rm", "/v1/offers", offerInput(e.provider))
	if r := e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/offers/" + gone}); r.Status != 204 {
		t.Fatalf("archive: %d %s", r.Status, r.Body)
	}

	refer := func(entry, district, department string, cost float64) string {
		in := referralInput(entry, "FM-"+strings.ReplaceAll(e.clock().Format(time.DateOnly), "-", "")+"-"+department[:2])
		in["district"], in["department"] = district, department
		if cost > 0 {
			in["replaces"] = map[string]any{"name": "Maßnahme", "monthly_cost": cost}
		} else {
			delete(in, "replaces")
		}
		return e.create("fm", "/v1/referrals", in)
	}
	version := map[string]int{}
	move := func(id, day string, body map[string]any) {
		t.Helper()
		e.at(day)
		if version[id] == 0 {
			version[id] = 1
		}
		r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/status", Body: body, Headers: ifMatch(version[id])})
		if r.Status != 200 {
			t.Fatalf("%s on %s: %d %s", body["status"], day, r.Status, r.Body)
		}
		version[id]++
	}
	// R1 Weststadt, Jugendhilfe, replaces 1,800 €/month: active 20 Jan to
	// 19 Jul 2025 (ended 20 Jul), successful: 181 days in 2025.
	r1 := refer(vol, "weststadt-soeflingen", "jugendhilfe", 1800)
	move(r1, "2025-01-20", map[string]any{"status": "active"})
	move(r1, "2025-07-20", map[string]any{"status": "ended", "outcome": "successful"})
	// R2 Eselsberg, Altenhilfe, replaces 600 €/month: proposed 1 Jun,
	// active from 11 Jun 2025 (10 days later) and still running: 204 days
	// in 2025, 124 in 2026 up to 4 May.
	e.at("2025-06-01")
	r2 := refer(nh, "eselsberg", "altenhilfe", 600)
	move(r2, "2025-06-11", map[string]any{"status": "active"})
	// R3 Weststadt: requested, then declined in February 2026.
	e.at("2026-02-01")
	r3 := refer(vol, "weststadt-soeflingen", "jugendhilfe", 0)
	move(r3, "2026-02-05", map[string]any{"status": "requested"})
	move(r3, "2026-02-08", map[string]any{"status": "declined", "reason": "Klientin wollte nicht"})
	// R4 Weststadt, Eingliederungshilfe: active 3 days after the proposal,
	// ended as a poor fit.
	e.at("2026-04-01")
	r4 := refer(vol, "weststadt-soeflingen", "eingliederungshilfe", 0)
	move(r4, "2026-04-04", map[string]any{"status": "active"})
	move(r4, "2026-04-30", map[string]any{"status": "ended", "outcome": "poor_fit"})
	// R5 Eselsberg: only proposed.
	e.at("2026-05-01")
	refer(nh, "eselsberg", "altenhilfe", 0)
	// An unmet need in Böfingen in March 2026.
	e.at("2026-03-10")
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: map[string]any{"district": "boefingen", "help_kinds": []string{"schuldnerberatung"}}})

	e.at("2026-05-04")
	r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/districts"})
	if r.Status != 200 {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	var rep struct {
		Stichtag   string     `json:"stichtag"`
		YearBefore string     `json:"year_before"`
		Districts  []district `json:"districts"`
		City       district   `json:"city"`
	}
	r.decode(t, &rep)
	if rep.Stichtag != "2026-05-04" || rep.YearBefore != "2025-05-04" || len(rep.Districts) != 5 {
		t.Fatalf("report: %s %s, %d districts", rep.Stichtag, rep.YearBefore, len(rep.Districts))
	}
	by := map[string]district{"city": rep.City}
	for _, d := range rep.Districts {
		by[d.District] = d
	}
	perDay := func(monthly float64, days int) float64 { return round2(monthly * 12 / 365.25 * float64(days)) }
	want := map[string]string{
		// Weststadt (42,159 inhabitants, 7,651 over 65, 6,753 under 18, 0.5 RM posts)
		"weststadt-soeflingen": js(map[string]any{
			"current": map[string]any{
				"entries": map[string]any{"volunteer": map[string]int{"active": 1}}, "by_help_kind": map[string]int{"einkaufshilfe": 1, "kinderbetreuung": 1},
				"active_volunteers": 1, "volunteers_per_1000": map[string]float64{"inhabitants": round2(1000.0 / 42159), "over_65": round2(1000.0 / 7651), "under_18": round2(1000.0 / 6753)},
				"due_for_review": 1,
				// R3 and R4 started in the year; R1 and R4 ended, one each; R3 declined; R4 took 3 days.
				"referrals":             map[string]any{"started": 2, "active": 0, "ended": map[string]int{"successful": 1, "poor_fit": 1, "broken_off": 0}, "declined": 1, "withdrawn": 0, "success_rate": 0.5, "median_days_to_active": 3},
				"referrals_per_rm_post": 4, "unmet_needs": 0},
			// A year before: R1 started (10 days to active) and ran on 4 May 2025.
			"year_before": map[string]any{
				"referrals":             map[string]any{"started": 1, "active": 1, "ended": map[string]int{"successful": 0, "poor_fit": 0, "broken_off": 0}, "declined": 0, "withdrawn": 0, "success_rate": nil, "median_days_to_active": 10},
				"referrals_per_rm_post": 2, "unmet_needs": 0},
			"savings": map[string]any{"2025": map[string]float64{"jugendhilfe": perDay(1800, 181)}},
		}),
		// Eselsberg (18,606 inhabitants, 0.5 RM posts): no volunteer.
		"eselsberg": js(map[string]any{
			"current": map[string]any{
				"entries": map[string]any{"neighbourhood_help": map[string]int{"active": 1}}, "by_help_kind": map[string]int{"einkaufshilfe": 1, "besuchsdienst": 1},
				"active_volunteers": 0, "volunteers_per_1000": map[string]any{"inhabitants": 0, "over_65": 0, "under_18": 0},
				"due_for_review":        1,
				"referrals":             map[string]any{"started": 2, "active": 1, "ended": map[string]int{"successful": 0, "poor_fit": 0, "broken_off": 0}, "declined": 0, "withdrawn": 0, "success_rate": nil, "median_days_to_active": 10},
				"referrals_per_rm_post": 4, "unmet_needs": 0},
			"year_before": map[string]any{
				"referrals":             map[string]any{"started": 0, "active": 0, "ended": map[string]int{"successful": 0, "poor_fit": 0, "broken_off": 0}, "declined": 0, "withdrawn": 0, "success_rate": nil, "median_days_to_active": nil},
				"referrals_per_rm_post": 0, "unmet_needs": 0},
			"savings": map[string]any{"2025": map[string]float64{"altenhilfe": perDay(600, 204)}, "2026": map[string]float64{"altenhilfe": perDay(600, 124)}},
		}),
	}
	for id, w := range want {
		d := by[id]
		got := js(map[string]any{"current": d.Current, "year_before": d.YearBefore, "savings": d.Savings})
		if got != w {
			t.Errorf("%s:\n got %s\nwant %s", id, got, w)
		}
	}
	city := by["city"]
	// The city: every referral once; 2.3 RM posts in all; the unmet need of Böfingen.
	cur := city.Current
	if cur.Referrals.Started != 4 || cur.Referrals.Active != 1 || *cur.Referrals.Median != 6.5 || *cur.Referrals.SuccessRate != 0.5 ||
		cur.UnmetNeeds != 1 || *cur.PerPost != round1(4/2.3) || *cur.ActiveVolunteers != 1 || cur.ByHelpKind["einkaufshilfe"] != 2 || *cur.DueForReview != 2 {
		t.Errorf("city: %+v", cur)
	}
	if by["boefingen"].Current.UnmetNeeds != 1 {
		t.Errorf("Böfingen's unmet need: %+v", by["boefingen"].Current)
	}
	if s := city.Savings["2025"]; s["jugendhilfe"] != perDay(1800, 181) || s["altenhilfe"] != perDay(600, 204) {
		t.Errorf("city savings: %v", city.Savings)
	}

	// A year earlier as the reporting day: entries are not counted (no
	// history of status), the referrals of that year are, and R1's saving
	// up to that day (20 January to 4 May 2025: 105 days).
	r = e.do(req{Who: "admin", Method: "GET", Path: "/v1/reports/districts?stichtag=2025-05-04"})
	var past struct{ City district }
	r.decode(t, &past)
	if past.City.Current.Entries != nil || past.City.Current.Referrals.Started != 1 || past.City.Savings["2025"]["jugendhilfe"] != perDay(1800, 105) {
		t.Errorf("report on 2025-05-04: %s", r.Body)
	}

	for _, day := range []string{"", "2025-05-04"} {
		followed := e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/districts?stichtag=" + day})
		fresh, err := report.New(e.db, e.svc, e.rs, 12).Districts(context.Background(), access.Principal{Role: access.RoleResourceManager}, day)
		if err != nil {
			t.Fatal(err)
		}
		var a, b any
		followed.decode(t, &a)
		raw, _ := json.Marshal(fresh)
		json.Unmarshal(raw, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("on %q the figures followed from the commits differ from those read fresh:\n%s\n%s", day, followed.Body, raw)
		}
	}

	csv := e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/districts", Headers: map[string]string{"Accept": "text/csv"}})
	if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(csv.Body), "weststadt-soeflingen;Weststadt/Söflingen;referrals.started;2;1") {
		t.Errorf("CSV: %s", csv.Body)
	}
	for _, bad := range []string{"?stichtag=2026-05-05", "?stichtag=gestern", "?stichtag=2026-13-01"} {
		if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/districts" + bad}); r.Status != 422 || !strings.Contains(string(r.Body), "stichtag") {
			t.Errorf("%s: %d %s", bad, r.Status, r.Body)
		}
	}
	for _, who := range []string{"fm", "traeger"} {
		if r := e.do(req{Who: who, Method: "GET", Path: "/v1/reports/districts"}); r.Status != 403 {
			t.Errorf("%s reads the figures: %d", who, r.Status)
		}
	}
}

type figures struct {
	Entries           map[string]map[string]int `json:"entries,omitempty"`
	ByHelpKind        map[string]int            `json:"by_help_kind,omitempty"`
	ActiveVolunteers  *int                      `json:"active_volunteers,omitempty"`
	VolunteersPer1000 map[string]float64        `json:"volunteers_per_1000,omitempty"`
	DueForReview      *int                      `json:"due_for_review,omitempty"`
	Referrals         struct {
		Started     int            `json:"started"`
		Active      int            `json:"active"`
		Ended       map[string]int `json:"ended"`
		Declined    int            `json:"declined"`
		Withdrawn   int            `json:"withdrawn"`
		SuccessRate *float64       `json:"success_rate"`
		Median      *float64       `json:"median_days_to_active"`
	} `json:"referrals"`
	PerPost    *float64 `json:"referrals_per_rm_post"`
	UnmetNeeds int      `json:"unmet_needs"`
}

type district struct {
	District   string                        `json:"district"`
	Name       string                        `json:"name"`
	Current    figures                       `json:"current"`
	YearBefore figures                       `json:"year_before"`
	Savings    map[string]map[string]float64 `json:"savings"`
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }
func round1(f float64) float64 { return float64(int64(f*10+0.5)) / 10 }

// js is v as canonical JSON, so that two shapes compare as text.
func js(v any) string {
	b, _ := json.Marshal(v)
	var x any
	json.Unmarshal(b, &x)
	b, _ = json.Marshal(x)
	return string(b)
}
