package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"massanzug/access"
)

func referralInput(entry, caseRef string) map[string]any {
	return map[string]any{"case_ref": caseRef, "entry_id": entry, "district": "weststadt-soeflingen", "department": "jugendhilfe",
		"frame": "nur als Einkaufshilfe", "help_kinds": []string{"einkaufshilfe"},
		"replaces": map[string]any{"name": "Sozialpädagogische Familienhilfe", "monthly_cost": 1800}}
}

func ifMatch(v int) map[string]string { return map[string]string{"If-Match": fmt.Sprintf(`"%d"`, v)} }

// suggested reports whether a match for a Weststadt case needing shopping
// help suggests id, and the rule that removed it otherwise.
func (e *env) suggested(id string) (bool, string) { return e.suggestedAs("fm", id) }

func (e *env) suggestedAs(who, id string) (bool, string) {
	e.t.Helper()
	r := e.do(req{Who: who, Method: "POST", Path: "/v1/match", Body: map[string]any{"quarter": "Weststadt",
		"help_kinds": []string{"einkaufshilfe"}, "explain_removed": true}})
	var res struct {
		Suggestions []struct {
			ID          string `json:"id"`
			Explanation string `json:"explanation"`
		} `json:"suggestions"`
		Removed []struct {
			ID   string `json:"id"`
			Rule string `json:"rule"`
		} `json:"removed"`
	}
	r.decode(e.t, &res)
	for _, s := range res.Suggestions {
		if s.ID == id {
			return true, s.Explanation
		}
	}
	for _, s := range res.Removed {
		if s.ID == id {
			return false, s.Rule
		}
	}
	return false, ""
}

// TestReferralLifecycle walks the Frau G. case: refer as shopping help,
// the place is held, the helper accepts, the help ends successfully.
func TestReferralLifecycle(t *testing.T) {
	e := newEnv(t)
	vol := e.create("rm", "/v1/volunteers", volunteerInput()) // capacity 2, other commitments 1: one free place
	if ok, why := e.suggested(vol); !ok {
		t.Fatalf("before any referral the volunteer is not suggested: %s", why)
	}
	r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals", Body: referralInput(vol, "JH-2026-0815")})
	if r.Status != 201 || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	ref := r.object(t)
	id := ref["id"].(string)
	if ref["status"] != "proposed" || ref["case_manager"].(map[string]any)["name"] != "test fm" {
		t.Errorf("new referral: %v", ref)
	}
	// The proposal holds the last place: the next match removes the
	// volunteer as full, and a second case cannot have it.
	if ok, rule := e.suggested(vol); ok || rule != "full" {
		t.Errorf("after the referral: suggested %v, rule %q; want removed as full", ok, rule)
	}
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals", Body: referralInput(vol, "JH-2026-0816")}); r.Status != 409 {
		t.Errorf("second referral to a full helper: %d %s", r.Status, r.Body)
	}

	move := func(v int, body map[string]any) resp {
		return e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/status", Body: body, Headers: ifMatch(v)})
	}
	if r := move(1, map[string]any{"status": "requested"}); r.Status != 200 {
		t.Fatalf("request: %d %s", r.Status, r.Body)
	}
	if r := move(1, map[string]any{"status": "active"}); r.Status != 412 {
		t.Errorf("stale If-Match: %d %s", r.Status, r.Body)
	}
	if r := move(2, map[string]any{"status": "ended", "outcome": "successful"}); r.Status != 409 || !strings.Contains(string(r.Body), "allowed: active, declined, withdrawn") {
		t.Errorf("requested → ended: %d %s", r.Status, r.Body)
	}
	if r := move(2, map[string]any{"status": "active"}); r.Status != 200 || r.object(t)["active_since"] != "2026-05-04" {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/notes", Body: map[string]any{"text": "Erster Einkauf am Dienstag hat gut geklappt."}}); r.Status != 201 {
		t.Errorf("note: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/notes", Body: map[string]any{"text": strings.Repeat("Viel zu lang. ", 100)}}); r.Status != 422 {
		t.Errorf("a case history as a note: %d %s", r.Status, r.Body)
	}
	if r := move(4, map[string]any{"status": "ended"}); r.Status != 422 || !strings.Contains(string(r.Body), "outcome") {
		t.Errorf("ended without outcome: %d %s", r.Status, r.Body)
	}
	r = move(4, map[string]any{"status": "ended", "outcome": "successful", "outcome_note": "Einkäufe laufen."})
	if r.Status != 200 {
		t.Fatalf("end: %d %s", r.Status, r.Body)
	}
	done := r.object(t)
	if done["outcome"] != "successful" || done["ended_on"] != "2026-05-04" || len(done["history"].([]any)) != 4 || len(done["notes"].([]any)) != 1 {
		t.Errorf("ended referral: %v", done)
	}
	if r := move(5, map[string]any{"status": "active"}); r.Status != 409 || !strings.Contains(string(r.Body), "closed") {
		t.Errorf("reopen an ended referral: %d %s", r.Status, r.Body)
	}
	// Ended, it no longer holds the place.
	if ok, why := e.suggested(vol); !ok {
		t.Errorf("after the end the volunteer is not suggested again: %s", why)
	}

	// Every read and change is in the audit log, under the referral's id.
	log := e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?entry_id=" + id})
	var events struct {
		Items []struct{ Action, Kind string } `json:"items"`
	}
	log.decode(t, &events)
	actions := map[string]int{}
	for _, ev := range events.Items {
		if ev.Kind != "referral" {
			t.Errorf("event kind %q", ev.Kind)
		}
		actions[ev.Action]++
	}
	if actions["create"] != 1 || actions["update"] != 4 {
		t.Errorf("audit of the referral: %v", actions)
	}
	e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals/" + id})
	log = e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?action=read&entry_id=" + id})
	if log.decode(t, &events); len(events.Items) != 1 {
		t.Errorf("the read is not audited: %s", log.Body)
	}
}

// TestReferralVisibility: the responsible case manager and RM see a
// referral; another case manager and admins do not; a provider sees the
// requests to its own offers, without notes, and answers them.
func TestReferralVisibility(t *testing.T) {
	e := newEnv(t)
	plain, _, err := access.Issue(context.Background(), e.db, "test fm2", access.RoleCaseManager, "", e.clock())
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["fm2"] = plain
	off := e.create("rm", "/v1/offers", offerInput(e.provider))
	in := referralInput(off, "EH-2026-0042")
	in["help_kinds"], in["department"], in["note"] = []string{"begegnung"}, "eingliederungshilfe", "Klientin möchte dienstags kommen."
	r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals", Body: in})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.object(t)["id"].(string)
	for who, want := range map[string]int{"fm": 200, "rm": 200, "fm2": 404, "traeger": 404, "traeger2": 404, "admin": 403} {
		if r := e.do(req{Who: who, Method: "GET", Path: "/v1/referrals/" + id}); r.Status != want {
			t.Errorf("%s reads a proposal: %d, want %d", who, r.Status, want)
		}
	}
	if r := e.do(req{Who: "traeger", Method: "POST", Path: "/v1/referrals/" + id + "/status", Body: map[string]any{"status": "active"}, Headers: ifMatch(1)}); r.Status != 404 {
		t.Errorf("provider accepts a proposal it was not asked about: %d", r.Status)
	}
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/status", Body: map[string]any{"status": "requested"}, Headers: ifMatch(1)}); r.Status != 200 {
		t.Fatalf("request: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Who: "traeger", Method: "GET", Path: "/v1/referrals"})
	var list struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	r.decode(t, &list)
	if list.Total != 1 || list.Items[0]["notes"] != nil || list.Items[0]["replaces"] != nil || list.Items[0]["case_ref"] != "EH-2026-0042" {
		t.Errorf("provider's list: %s", r.Body)
	}
	if r := e.do(req{Who: "traeger2", Method: "GET", Path: "/v1/referrals"}); !strings.Contains(string(r.Body), `"total":0`) {
		t.Errorf("another provider's list: %s", r.Body)
	}
	if r := e.do(req{Who: "fm2", Method: "GET", Path: "/v1/referrals"}); !strings.Contains(string(r.Body), `"total":0`) {
		t.Errorf("another case manager's list: %s", r.Body)
	}
	if r := e.do(req{Who: "traeger", Method: "POST", Path: "/v1/referrals/" + id + "/notes", Body: map[string]any{"text": "Hallo"}}); r.Status != 403 {
		t.Errorf("provider writes a note: %d", r.Status)
	}
	if r := e.do(req{Who: "traeger", Method: "POST", Path: "/v1/referrals/" + id + "/status", Body: map[string]any{"status": "declined"}, Headers: ifMatch(2)}); r.Status != 422 {
		t.Errorf("decline without reason: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Who: "traeger", Method: "POST", Path: "/v1/referrals/" + id + "/status", Body: map[string]any{"status": "active"}, Headers: ifMatch(2)})
	if r.Status != 200 || r.object(t)["notes"] != nil {
		t.Errorf("provider accepts: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "traeger", Method: "POST", Path: "/v1/referrals/" + id + "/status", Body: map[string]any{"status": "ended", "outcome": "successful"}, Headers: ifMatch(3)}); r.Status != 403 {
		t.Errorf("provider ends a referral: %d %s", r.Status, r.Body)
	}
}

// TestReferralBadInput: each bad input is a 4xx naming the field, and
// nothing is written.
func TestReferralBadInput(t *testing.T) {
	e := newEnv(t)
	vol := e.create("rm", "/v1/volunteers", volunteerInput())
	archived := e.create("rm", "/v1/volunteers", volunteerInput())
	e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/volunteers/" + archived})
	paused := volunteerInput()
	paused["status"] = "paused"
	pausedID := e.create("rm", "/v1/volunteers", paused)
	with := func(k string, v any) map[string]any {
		in := referralInput(vol, "JH-2026-0815")
		in[k] = v
		return in
	}
	for _, c := range []struct {
		name  string
		body  any
		want  int
		field string
	}{
		{"a name", with("case_ref", "Maria Schmidt"), 422, "case_ref"},
		{"a name without space", with("case_ref", "Schmidt"), 422, "case_ref"},
		{"an e-mail", with("case_ref", "maria@example.org"), 422, "case_ref"},
		{"a phone number", with("case_ref", "0731-1615123"), 422, "case_ref"},
		{"unknown district", with("district", "atlantis"), 422, "district"},
		{"unknown department", with("department", "finanzamt"), 422, "department"},
		{"unknown help kind", with("help_kinds", []string{"zaubern"}), 422, "help_kinds[0]"},
		{"negative cost", with("replaces", map[string]any{"name": "SPFH", "monthly_cost": -5}), 422, "replaces.monthly_cost"},
		{"unknown entry", with("entry_id", "vol_0000000000000000"), 404, ""},
		{"not an entry id", with("entry_id", "xyz"), 404, ""},
		{"archived entry", with("entry_id", archived), 404, ""},
		{"paused volunteer, which a case manager cannot see", with("entry_id", pausedID), 404, ""},
		{"unknown field", with("name", "Maria"), 400, ""},
		{"another's token as case manager", with("case_manager_id", "tok_nothing"), 422, "case_manager_id"},
	} {
		r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals", Body: c.body})
		if r.Status != c.want || !strings.Contains(r.Header.Get("Content-Type"), "problem+json") || !strings.Contains(string(r.Body), c.field) {
			t.Errorf("%s: %d %s", c.name, r.Status, r.Body)
		}
	}
	if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/referrals", Body: with("entry_id", pausedID)}); r.Status != 409 || !strings.Contains(string(r.Body), "paused") {
		t.Errorf("RM refers to a paused volunteer: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals"}); !strings.Contains(string(r.Body), `"total":0`) {
		t.Errorf("bad input wrote a referral: %s", r.Body)
	}
	if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals?status=aktiv"}); r.Status != 422 && r.Status != 400 {
		t.Errorf("unknown status filter: %d %s", r.Status, r.Body)
	}
}

// TestLastPlaceGoesToOneCase: requests racing for a helper's last place,
// one by one and through /v1/match/assign: exactly one wins.
func TestLastPlaceGoesToOneCase(t *testing.T) {
	e := newEnv(t)
	vol := e.create("rm", "/v1/volunteers", volunteerInput()) // one free place
	statuses := make([]int, 8)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals", Body: referralInput(vol, fmt.Sprintf("JH-2026-%04d", i))}).Status
		})
	}
	wg.Wait()
	won := 0
	for _, s := range statuses {
		switch s {
		case 201:
			won++
		case 409:
		default:
			t.Errorf("racing referral: %d", s)
		}
	}
	if won != 1 {
		t.Errorf("%d referrals won the last place: %v", won, statuses)
	}

	// The same through assignment: a second helper with one place, two
	// requests for it at once.
	other := volunteerInput()
	other["name"], other["help_kinds"] = "Hatice Demir", []string{"besuchsdienst"}
	vol2 := e.create("rm", "/v1/volunteers", other)
	body := func(ref string) map[string]any {
		return map[string]any{"cases": []map[string]any{{"reference": ref, "quarter": "Weststadt", "help_kinds": []string{"besuchsdienst"}}},
			"propose": map[string]any{"department": "altenhilfe"}}
	}
	results := make([]resp, 4)
	for i := range results {
		wg.Go(func() {
			results[i] = e.do(req{Who: "fm", Method: "POST", Path: "/v1/match/assign", Body: body(fmt.Sprintf("AH-2026-%04d", i))})
		})
	}
	wg.Wait()
	placed := 0
	for _, r := range results {
		switch {
		case r.Status == 200 && strings.Contains(string(r.Body), vol2) && strings.Contains(string(r.Body), `"referral_id":"ref_`):
			placed++
		case r.Status == 200 && strings.Contains(string(r.Body), `"assignments":[]`), r.Status == 409:
		default:
			t.Errorf("racing assignment: %d %s", r.Status, r.Body)
		}
	}
	if placed != 1 {
		t.Errorf("%d assignments placed the last place", placed)
	}
	r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals?entry_id=" + vol2})
	if !strings.Contains(string(r.Body), `"total":1`) {
		t.Errorf("referrals of the helper: %s", r.Body)
	}
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/match/assign", Body: map[string]any{
		"cases":   []map[string]any{{"quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}}},
		"propose": map[string]any{"department": "altenhilfe"}}}); r.Status != 422 || !strings.Contains(string(r.Body), "cases[0].reference") {
		t.Errorf("proposing without a case reference: %d %s", r.Status, r.Body)
	}
}

// TestFollowUps: an active help is due for a check-in after four weeks,
// then every three months; a check-in needs a note, and only an active
// referral has one.
func TestFollowUps(t *testing.T) {
	e := newEnv(t)
	vol := e.create("rm", "/v1/volunteers", volunteerInput())
	id := e.create("fm", "/v1/referrals", referralInput(vol, "JH-2026-0815"))
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/follow-ups", Body: map[string]any{"note": "Läuft."}}); r.Status != 409 {
		t.Errorf("follow-up of a proposal: %d %s", r.Status, r.Body)
	}
	r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/status", Body: map[string]any{"status": "active"}, Headers: ifMatch(1)})
	if r.Status != 200 || r.object(t)["next_follow_up"] != "2026-06-01" {
		t.Fatalf("activate: %d %s", r.Status, r.Body)
	}
	due := func(who, query string) int {
		r := e.do(req{Who: who, Method: "GET", Path: "/v1/follow-ups" + query})
		var l struct{ Total int }
		r.decode(t, &l)
		return l.Total
	}
	if n := due("fm", ""); n != 0 {
		t.Errorf("due this week, on the day it started: %d", n)
	}
	if n := due("fm", "?due_by=2026-06-01"); n != 1 {
		t.Errorf("due by the first check-in: %d", n)
	}
	e.advance(26 * 24 * time.Hour) // 30 May: the check-in falls within the week
	if n, m := due("fm", ""), due("rm", ""); n != 1 || m != 1 {
		t.Errorf("due this week: case manager %d, staff %d", n, m)
	}
	if r := e.do(req{Who: "traeger", Method: "GET", Path: "/v1/follow-ups"}); r.Status != 403 {
		t.Errorf("provider's follow-ups: %d", r.Status)
	}
	if r := e.do(req{Who: "fm", Method: "GET", Path: "/v1/follow-ups?due_by=morgen"}); r.Status != 422 || !strings.Contains(string(r.Body), "due_by") {
		t.Errorf("bad due_by: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/follow-ups", Body: map[string]any{"note": " "}}); r.Status != 422 {
		t.Errorf("check-in without a note: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + id + "/follow-ups", Body: map[string]any{"note": "Einkäufe laufen, Klientin ist zufrieden."}})
	if r.Status != 201 {
		t.Fatalf("check-in: %d %s", r.Status, r.Body)
	}
	got := r.object(t)
	if got["next_follow_up"] != "2026-08-30" || len(got["follow_ups"].([]any)) != 1 {
		t.Errorf("after the check-in: next %v, %v", got["next_follow_up"], got["follow_ups"])
	}
	if n := due("fm", ""); n != 0 {
		t.Errorf("still due after the check-in: %d", n)
	}
}

// TestDistrictBoundStaff: a ressourcenmanager token bound to the
// Weststadt reads and writes the volunteers, helps and referrals of the
// Weststadt only; offers and providers stay city-wide; the figures show
// its district and the city. The city-wide token keeps its reach.
func TestDistrictBoundStaff(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{Who: "admin", Method: "POST", Path: "/v1/tokens", Body: map[string]any{"name": "AG West e.V.", "role": "ressourcenmanager", "districts": []string{"weststadt-soeflingen"}}})
	if r.Status != 201 {
		t.Fatalf("bound token: %d %s", r.Status, r.Body)
	}
	e.tokens["west"] = r.object(t)["token"].(string)
	for _, bad := range []map[string]any{
		{"name": "x", "role": "ressourcenmanager", "districts": []string{"atlantis"}},
		{"name": "x", "role": "fallmanager", "districts": []string{"eselsberg"}},
	} {
		if r := e.do(req{Who: "admin", Method: "POST", Path: "/v1/tokens", Body: bad}); r.Status != 422 {
			t.Errorf("grant %v: %d %s", bad, r.Status, r.Body)
		}
	}
	west := e.create("rm", "/v1/volunteers", volunteerInput()) // Weststadt
	other := volunteerInput()
	other["home"] = map[string]any{"district": "eselsberg", "quarter": "Eselsberg"}
	other["districts"] = []string{"eselsberg"}
	esel := e.create("rm", "/v1/volunteers", other)
	nh := e.create("rm", "/v1/neighbourhood-helps", helpInput()) // Eselsberg
	off := e.create("rm", "/v1/offers", offerInput(e.provider))
	refWest := e.create("rm", "/v1/referrals", referralInput(west, "JH-2026-0001"))
	inEsel := referralInput(nh, "AH-2026-0002")
	inEsel["district"] = "eselsberg"
	refEsel := e.create("rm", "/v1/referrals", inEsel)

	for _, c := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", "/v1/volunteers/" + west, nil, 200},
		{"GET", "/v1/volunteers/" + esel, nil, 404},
		{"GET", "/v1/neighbourhood-helps/" + nh, nil, 404},
		{"GET", "/v1/volunteers/" + west + "/engagement", nil, 200},
		{"GET", "/v1/volunteers/" + esel + "/engagement", nil, 404},
		{"GET", "/v1/offers/" + off, nil, 200},
		{"GET", "/v1/providers/" + e.provider2, nil, 200},
		{"PATCH", "/v1/volunteers/" + esel, `{"load":0}`, 404},
		{"POST", "/v1/volunteers", other, 403},
		{"POST", "/v1/volunteers", volunteerInput(), 201},
		{"GET", "/v1/referrals/" + refWest, nil, 200},
		{"GET", "/v1/referrals/" + refEsel, nil, 404},
		{"POST", "/v1/referrals", inEsel, 403},
		{"GET", "/v1/reports/districts", nil, 200},
	} {
		rq := req{Who: "west", Method: c.method, Path: c.path, Body: c.body}
		if c.method == "PATCH" {
			rq.Headers = map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"}
		}
		if r := e.do(rq); r.Status != c.want {
			t.Errorf("bound %s %s: %d, want %d: %s", c.method, c.path, r.Status, c.want, r.Body)
		}
	}
	count := func(who, path string) int {
		var l struct{ Total int }
		e.do(req{Who: who, Method: "GET", Path: path}).decode(t, &l)
		return l.Total
	}
	if n, m := count("west", "/v1/volunteers"), count("rm", "/v1/volunteers"); n != 2 || m != 3 {
		t.Errorf("volunteers listed: bound %d (want 2), city-wide %d (want 3)", n, m)
	}
	if n, m := count("west", "/v1/referrals"), count("rm", "/v1/referrals"); n != 1 || m != 2 {
		t.Errorf("referrals listed: bound %d, city-wide %d", n, m)
	}
	if n := count("west", "/v1/search?q=Ay%C5%9Fe"); n != 2 {
		t.Errorf("bound search finds %d volunteers named Ayşe, want the 2 of the Weststadt", n)
	}
	if ok, _ := e.suggestedAs("west", esel); ok {
		t.Error("a match by the Weststadt's staff suggests an Eselsberg volunteer")
	}
	var rep struct {
		Districts []struct{ District string }
		City      struct{ District string }
	}
	e.do(req{Who: "west", Method: "GET", Path: "/v1/reports/districts"}).decode(t, &rep)
	if len(rep.Districts) != 1 || rep.Districts[0].District != "weststadt-soeflingen" {
		t.Errorf("bound figures: %+v", rep)
	}
}

// TestRetention: a referral closed more than three years ago loses its
// case reference and notes; the counts and savings stay. A dry run
// changes nothing.
func TestRetention(t *testing.T) {
	e := newEnv(t)
	vol := e.create("rm", "/v1/volunteers", volunteerInput())
	old := e.create("fm", "/v1/referrals", referralInput(vol, "JH-2023-0001"))
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + old + "/status", Body: map[string]any{"status": "active"}, Headers: ifMatch(1)})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + old + "/notes", Body: map[string]any{"text": "Termin mit Frau G. am Montag."}})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + old + "/status", Body: map[string]any{"status": "ended", "outcome": "successful"}, Headers: ifMatch(3)})
	running := e.create("fm", "/v1/referrals", referralInput(e.create("rm", "/v1/neighbourhood-helps", helpInput()), "JH-2023-0002"))
	ctx := context.Background()

	e.advance(3 * 365 * 24 * time.Hour) // not yet three calendar years
	if ids, err := e.rs.Retain(ctx, false); err != nil || len(ids) != 0 {
		t.Fatalf("before the period ends: %v %v", ids, err)
	}
	e.advance(2 * 24 * time.Hour)
	ids, err := e.rs.Retain(ctx, true)
	if err != nil || len(ids) != 1 || ids[0] != old {
		t.Fatalf("dry run: %v %v", ids, err)
	}
	if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals/" + old}).object(t); r["case_ref"] != "JH-2023-0001" {
		t.Errorf("the dry run changed the referral: %v", r)
	}
	if ids, err := e.rs.Retain(ctx, false); err != nil || len(ids) != 1 {
		t.Fatalf("retention: %v %v", ids, err)
	}
	r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals/" + old}).object(t)
	if r["case_ref"] != "anonymisiert" || r["notes"] != nil || r["outcome"] != "successful" || r["ended_on"] != "2026-05-04" {
		t.Errorf("after retention: %v", r)
	}
	if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals/" + running}).object(t); r["case_ref"] != "JH-2023-0002" {
		t.Errorf("an open referral was anonymised: %v", r)
	}
	if ids, _ := e.rs.Retain(ctx, false); len(ids) != 0 {
		t.Errorf("anonymised twice: %v", ids)
	}
	var log struct {
		Items []struct {
			Action  string `json:"action"`
			TokenID string `json:"token_id"`
		} `json:"items"`
	}
	e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?action=anonymise"}).decode(t, &log)
	if len(log.Items) != 1 || log.Items[0].TokenID != "retention" {
		t.Errorf("retention in the audit log: %+v", log)
	}
	// The counts stay: the figures of its year still hold it.
	var rep struct {
		City struct {
			Current figures `json:"current"`
		} `json:"city"`
	}
	e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/districts?stichtag=2026-05-04"}).decode(t, &rep)
	if c := rep.City.Current.Referrals; c.Started != 2 || c.Ended["successful"] != 1 {
		t.Errorf("figures over the anonymised referral: %+v", c)
	}
}

// TestGaps: staff record a gap, forward it to the planners and close it
// by naming the offer that fills it now; the figures count it; asking the
// same case again is one unmet need, not two.
func TestGaps(t *testing.T) {
	e := newEnv(t)
	off := e.create("rm", "/v1/offers", offerInput(e.provider))
	r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/gaps", Body: map[string]any{"district": "weststadt-soeflingen", "help_kind": "begegnung",
		"description": "Kein offener Treffpunkt für Familien am Vormittag."}})
	if r.Status != 201 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	id := r.object(t)["id"].(string)
	for _, bad := range []map[string]any{{"district": "atlantis", "description": "x"}, {"district": "eselsberg"}, {"district": "eselsberg", "help_kind": "zaubern", "description": "x"}} {
		if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/gaps", Body: bad}); r.Status != 422 {
			t.Errorf("gap %v: %d %s", bad, r.Status, r.Body)
		}
	}
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/gaps", Body: map[string]any{"district": "eselsberg", "description": "x"}}); r.Status != 403 {
		t.Errorf("case manager records a gap: %d", r.Status)
	}
	move := func(v int, body map[string]any) resp {
		return e.do(req{Who: "rm", Method: "POST", Path: "/v1/gaps/" + id + "/status", Body: body, Headers: ifMatch(v)})
	}
	if r := move(1, map[string]any{"status": "forwarded", "note": "An die Fachplanung am 4.5."}); r.Status != 200 {
		t.Fatalf("forward: %d %s", r.Status, r.Body)
	}
	if r := move(2, map[string]any{"status": "closed"}); r.Status != 422 || !strings.Contains(string(r.Body), "filled_by") {
		t.Errorf("close without naming what fills it: %d %s", r.Status, r.Body)
	}
	if r := move(2, map[string]any{"status": "open"}); r.Status != 409 || !strings.Contains(string(r.Body), "allowed: closed") {
		t.Errorf("back to open: %d %s", r.Status, r.Body)
	}
	r = move(2, map[string]any{"status": "closed", "filled_by": off})
	if r.Status != 200 || r.object(t)["filled_by"].(map[string]any)["name"] != "Canapé Café" {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/gaps", Body: map[string]any{"district": "eselsberg", "description": "Keine Schuldnerberatung im Stadtteil."}})
	var rep struct {
		City struct {
			Current figures `json:"current"`
		} `json:"city"`
	}
	rr := e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/districts"})
	rr.decode(t, &rep)
	if !strings.Contains(string(rr.Body), `"gaps_open":1,"gaps_closed":1`) {
		t.Errorf("gaps in the city's figures: %s", rr.Body)
	}
	// The same case asked twice in a month is one unmet need.
	for range 2 {
		e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: map[string]any{"reference": "JH-2026-0815", "district": "boefingen", "help_kinds": []string{"schuldnerberatung"}}})
	}
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: map[string]any{"reference": "JH-2026-0816", "district": "boefingen", "help_kinds": []string{"schuldnerberatung"}}})
	if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/unmet-needs?district=boefingen"}); !strings.Contains(string(r.Body), `"count":2`) {
		t.Errorf("unmet needs of two cases asked three times: %s", r.Body)
	}
}

// TestEngagementAndSpread: staff read how engaged a helper is, and of two
// helpers who fit equally the one without a running referral comes first.
func TestEngagementAndSpread(t *testing.T) {
	e := newEnv(t)
	in := volunteerInput()
	in["capacity"], in["load"] = 5, 0
	a, b := e.create("rm", "/v1/volunteers", in), e.create("rm", "/v1/volunteers", in)
	first := func(c map[string]any) (string, string) {
		var res struct {
			Suggestions []struct {
				ID        string
				Drawbacks []string
			}
		}
		e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: c}).decode(t, &res)
		if len(res.Suggestions) < 2 {
			t.Fatalf("suggestions: %+v", res)
		}
		return res.Suggestions[0].ID, strings.Join(res.Suggestions[1].Drawbacks, " · ")
	}
	shopping := map[string]any{"quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}}
	top, _ := first(shopping)
	other := map[string]string{a: b, b: a}[top]
	ref := e.create("fm", "/v1/referrals", referralInput(top, "JH-2026-0101"))
	if now, why := first(shopping); now != other || !strings.Contains(why, "hat bereits 1 laufende Vermittlung") {
		t.Errorf("after a referral to %s: first %s (want %s), the engaged one's drawbacks %q", top, now, other, why)
	}

	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + ref + "/status", Body: map[string]any{"status": "active"}, Headers: ifMatch(1)})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + ref + "/status", Body: map[string]any{"status": "ended", "outcome": "successful"}, Headers: ifMatch(2)})
	e.create("rm", "/v1/referrals", referralInput(top, "JH-2026-0102"))
	var g struct {
		EntryID    string `json:"entry_id"`
		Running    int
		Proposed   int
		Ended      map[string]int
		LastPlaced string `json:"last_placed"`
	}
	r := e.do(req{Who: "fm", Method: "GET", Path: "/v1/volunteers/" + top + "/engagement"})
	r.decode(t, &g)
	if r.Status != 200 || g.EntryID != top || g.Running != 1 || g.Proposed != 1 || g.Ended["successful"] != 1 || g.Ended["broken_off"] != 0 || g.LastPlaced != "2026-05-04" {
		t.Errorf("engagement: %d %+v", r.Status, g)
	}
	var none struct{ Running int }
	if e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + other + "/engagement"}).decode(t, &none); none.Running != 0 {
		t.Errorf("engagement of the other: %+v", none)
	}
	// Groups without a number of places: only the spreading rule tells
	// two that fit equally apart.
	nh := helpInput()
	delete(nh, "capacity")
	delete(nh, "load")
	visits := map[string]any{"quarter": "Eselsberg", "help_kinds": []string{"besuchsdienst"}}
	e.create("rm", "/v1/neighbourhood-helps", nh)
	e.create("rm", "/v1/neighbourhood-helps", nh)
	busy, _ := first(visits)
	in2 := referralInput(busy, "AH-2026-0103")
	in2["district"], in2["help_kinds"] = "eselsberg", []string{"besuchsdienst"}
	e.create("fm", "/v1/referrals", in2)
	if now, _ := first(visits); now == busy {
		t.Errorf("of two groups that fit equally, the one with a running referral (%s) still comes first", busy)
	}
	if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/vol_0000000000000000/engagement"}); r.Status != 404 {
		t.Errorf("unknown volunteer: %d %s", r.Status, r.Body)
	}
	var audit struct {
		Items []struct{ Action, Kind string }
	}
	e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?entry_id=" + top + "&action=read"}).decode(t, &audit)
	if len(audit.Items) == 0 || audit.Items[0].Kind != "volunteer" {
		t.Errorf("the engagement read is not audited as a read of the volunteer: %+v", audit)
	}
}
