package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func ids(t *testing.T, r resp) []string {
	t.Helper()
	var l struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
		Total int `json:"total"`
	}
	r.decode(t, &l)
	out := []string{}
	for _, it := range l.Items {
		out = append(out, it.ID)
	}
	if l.Total < len(out) {
		t.Errorf("total %d below page size %d", l.Total, len(out))
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestOfferApprovalFlow(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{Who: "traeger", Method: "POST", Path: "/v1/offers", Body: offerInput("")})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	o := r.object(t)
	id := o["id"].(string)
	if o["status"] != "submitted" || o["provider_id"] != e.provider || o["verified_at"] != nil {
		t.Fatalf("a provider's new offer must be submitted for its own provider, unverified: %v", o)
	}
	visibleToCaseManager := func() bool {
		t.Helper()
		get := e.do(req{Who: "fm", Method: "GET", Path: "/v1/offers/" + id}).Status == 200
		listed := contains(ids(t, e.do(req{Who: "fm", Method: "GET", Path: "/v1/offers?limit=500"})), id)
		if get != listed {
			t.Fatalf("GET says %v, list says %v", get, listed)
		}
		return get
	}
	if visibleToCaseManager() {
		t.Fatal("submitted offer visible to case managers")
	}
	if s := e.do(req{Who: "traeger2", Method: "GET", Path: "/v1/offers/" + id}).Status; s != 404 {
		t.Errorf("another provider reads the offer: %d", s)
	}
	if contains(ids(t, e.do(req{Who: "traeger2", Method: "GET", Path: "/v1/offers"})), id) {
		t.Error("another provider lists the offer")
	}
	r = e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + id + "/approve"})
	if o := r.object(t); r.Status != 200 || o["status"] != "approved" || o["verified_at"] == nil {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if !visibleToCaseManager() {
		t.Fatal("approved offer invisible to case managers")
	}
	// A provider's change of an approved offer waits beside it: case
	// managers keep seeing the approved version, the inbox shows the change.
	r = e.do(req{Who: "traeger", Method: "PATCH", Path: "/v1/offers/" + id, Body: `{"opening_times":"Mo–Fr 8–18 Uhr"}`, Headers: map[string]string{"If-Match": r.Header.Get("ETag")}})
	o = r.object(t)
	pending, _ := o["pending_change"].(map[string]any)
	if r.Status != 200 || o["status"] != "approved" || o["opening_times"] == "Mo–Fr 8–18 Uhr" || pending == nil ||
		pending["input"].(map[string]any)["opening_times"] != "Mo–Fr 8–18 Uhr" || fmt.Sprint(pending["fields"]) != "[opening_times]" {
		t.Fatalf("provider change: %d %s", r.Status, r.Body)
	}
	if !visibleToCaseManager() {
		t.Fatal("a provider's change hid the approved offer")
	}
	if o := e.do(req{Who: "fm", Method: "GET", Path: "/v1/offers/" + id}).object(t); o["pending_change"] != nil || o["opening_times"] == "Mo–Fr 8–18 Uhr" {
		t.Fatalf("case managers see the waiting change: %v", o)
	}
	inbox := func(who string) []string {
		t.Helper()
		r := e.do(req{Who: who, Method: "GET", Path: "/v1/offers?awaiting_approval=true"})
		if r.Status != 200 {
			t.Fatalf("inbox for %s: %d %s", who, r.Status, r.Body)
		}
		return ids(t, r)
	}
	if !contains(inbox("rm"), id) || !contains(inbox("traeger"), id) || contains(inbox("traeger2"), id) {
		t.Fatal("the approval inbox misses the changed offer, or shows it to another provider")
	}
	if s := e.do(req{Who: "fm", Method: "GET", Path: "/v1/offers?awaiting_approval=true"}).Status; s != 403 {
		t.Errorf("a case manager asks for the inbox: %d", s)
	}
	// A second edit goes on from the waiting change, not from the approved version.
	etag := e.do(req{Who: "traeger", Method: "GET", Path: "/v1/offers/" + id}).Header.Get("ETag")
	r = e.do(req{Who: "traeger", Method: "PATCH", Path: "/v1/offers/" + id, Body: `{"cost_note":"kostenlos"}`, Headers: map[string]string{"If-Match": etag}})
	if p := r.object(t)["pending_change"].(map[string]any); fmt.Sprint(p["fields"]) != "[cost_note opening_times]" {
		t.Fatalf("second provider edit: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + id + "/reject", Body: map[string]any{"reason": "Öffnungszeiten bitte mit dem Team abstimmen."}})
	if o := r.object(t); r.Status != 200 || o["status"] != "approved" || o["pending_change"] != nil || o["opening_times"] == "Mo–Fr 8–18 Uhr" {
		t.Fatalf("rejecting the change: %d %s", r.Status, r.Body)
	}
	if !visibleToCaseManager() || contains(inbox("rm"), id) {
		t.Fatal("a rejected change took the offer away, or stays in the inbox")
	}
	etag = e.do(req{Who: "traeger", Method: "GET", Path: "/v1/offers/" + id}).Header.Get("ETag")
	e.do(req{Who: "traeger", Method: "PATCH", Path: "/v1/offers/" + id, Body: `{"opening_times":"Mo–Fr 8–18 Uhr"}`, Headers: map[string]string{"If-Match": etag}})
	r = e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + id + "/approve"})
	if o := r.object(t); r.Status != 200 || o["opening_times"] != "Mo–Fr 8–18 Uhr" || o["pending_change"] != nil || o["status"] != "approved" {
		t.Fatalf("approving the change: %d %s", r.Status, r.Body)
	}
	if o := e.do(req{Who: "fm", Method: "GET", Path: "/v1/offers/" + id}).object(t); o["opening_times"] != "Mo–Fr 8–18 Uhr" {
		t.Fatalf("case managers do not see the approved change: %v", o)
	}
	// A provider's change of an offer not yet approved goes back as a whole.
	r = e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + id + "/reject", Body: map[string]any{"reason": "Bitte Ansprechperson angeben."}})
	if o := r.object(t); r.Status != 200 || o["status"] != "rejected" {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if o := e.do(req{Who: "traeger", Method: "GET", Path: "/v1/offers/" + id}).object(t); o["rejection_reason"] != "Bitte Ansprechperson angeben." {
		t.Errorf("provider does not see the reason: %v", o)
	}
	etag = e.do(req{Who: "traeger", Method: "GET", Path: "/v1/offers/" + id}).Header.Get("ETag")
	r = e.do(req{Who: "traeger", Method: "PATCH", Path: "/v1/offers/" + id, Body: `{"contact":{"name":"Frau Aydın"}}`, Headers: map[string]string{"If-Match": etag}})
	if o := r.object(t); r.Status != 200 || o["status"] != "submitted" || o["pending_change"] != nil || o["rejection_reason"] != nil {
		t.Fatalf("provider change of a rejected offer: %d %s", r.Status, r.Body)
	}
	// Staff changes keep the state; moving an offer to another provider is
	// not the provider's to do.
	if s := e.do(req{Who: "traeger", Method: "POST", Path: "/v1/offers", Body: offerInput(e.provider2)}).Status; s != 403 {
		t.Errorf("provider created an offer for another provider: %d", s)
	}
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + id + "/approve"})
	e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/offers/" + id})
	if s := e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + id + "/approve"}).Status; s != http.StatusConflict {
		t.Errorf("approving an archived offer: %d", s)
	}
	if visibleToCaseManager() {
		t.Fatal("archived offer visible")
	}
}

// TestProviderOwnProfile: a provider keeps its own profile, not another's,
// and not where it works.
func TestProviderOwnProfile(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{Who: "traeger", Method: "GET", Path: "/v1/providers/" + e.provider})
	districts := fmt.Sprint(r.object(t)["districts"])
	r = e.do(req{Who: "traeger", Method: "PATCH", Path: "/v1/providers/" + e.provider, Body: `{"description":"Beratung und Begegnung","districts":["boefingen"]}`,
		Headers: map[string]string{"If-Match": r.Header.Get("ETag"), "Content-Type": "application/merge-patch+json"}})
	if o := r.object(t); r.Status != 200 || o["description"] != "Beratung und Begegnung" || fmt.Sprint(o["districts"]) != districts {
		t.Fatalf("own profile: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Who: "rm", Method: "GET", Path: "/v1/providers/" + e.provider2})
	if s := e.do(req{Who: "traeger", Method: "PUT", Path: "/v1/providers/" + e.provider2, Body: map[string]any{"name": "Übernommen"},
		Headers: map[string]string{"If-Match": r.Header.Get("ETag")}}).Status; s != 403 {
		t.Errorf("another provider's profile: %d", s)
	}
}

func TestOfferPeriodAndReviewQueue(t *testing.T) {
	e := newEnv(t) // today is 2026-05-04
	past := e.create("rm", "/v1/offers", with(with(offerInput(e.provider), "valid_from", "2025-07-01"), "valid_until", "2025-08-15"))
	future := e.create("rm", "/v1/offers", with(offerInput(e.provider), "valid_from", "2026-07-01"))
	current := e.create("rm", "/v1/offers", with(with(offerInput(e.provider), "valid_from", "2026-05-04"), "valid_until", "2026-05-04"))
	listed := ids(t, e.do(req{Who: "fm", Method: "GET", Path: "/v1/offers"}))
	if contains(listed, past) || contains(listed, future) || !contains(listed, current) {
		t.Errorf("case managers must see only offers whose period covers today: %v", listed)
	}
	if s := e.do(req{Who: "fm", Method: "GET", Path: "/v1/offers/" + past}).Status; s != 404 {
		t.Errorf("expired offer readable: %d", s)
	}
	vol := e.create("rm", "/v1/volunteers", volunteerInput())

	var q struct {
		Items []struct {
			ID      string   `json:"id"`
			Reasons []string `json:"reasons"`
		} `json:"items"`
		Total int `json:"total"`
	}
	queue := func() map[string]string {
		e.do(req{Who: "rm", Method: "GET", Path: "/v1/review-queue?limit=500"}).decode(t, &q)
		m := map[string]string{}
		for _, it := range q.Items {
			m[it.ID] = strings.Join(it.Reasons, ",")
		}
		if q.Total != len(q.Items) {
			t.Errorf("total %d, items %d", q.Total, len(q.Items))
		}
		return m
	}
	if got := queue(); len(got) != 1 || got[past] != "period_ended" {
		t.Errorf("fresh catalogue: queue %v, want only the expired offer", got)
	}
	e.advance(366 * 24 * time.Hour)
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers/" + vol + "/verify"})
	got := queue()
	if _, ok := got[vol]; ok {
		t.Errorf("just-verified volunteer is due: %v", got)
	}
	if got[future] != "verification_due" || got[past] != "verification_due,period_ended" {
		t.Errorf("after a year: %v", got)
	}
	if s := e.do(req{Who: "rm", Method: "GET", Path: "/v1/review-queue?kind=volunteer"}); len(ids(t, s)) != 0 {
		t.Errorf("kind filter: %s", s.Body)
	}
}

func TestVolunteerStatusAndRedaction(t *testing.T) {
	e := newEnv(t)
	id := e.create("rm", "/v1/volunteers", volunteerInput())
	r := e.do(req{Who: "fm", Method: "GET", Path: "/v1/volunteers/" + id})
	o := r.object(t)
	if _, ok := o["police_certificate"]; ok {
		t.Error("case manager sees police certificate details")
	}
	if _, ok := o["consent"]; ok {
		t.Error("case manager sees consent")
	}
	if o["police_certificate_valid"] != true {
		t.Errorf("police_certificate_valid = %v", o["police_certificate_valid"])
	}
	if o := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + id}).object(t); o["police_certificate"] == nil || o["consent"] == nil {
		t.Error("staff must see certificate and consent")
	}
	r = e.do(req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: `{"status":"paused"}`, Headers: map[string]string{"If-Match": r.Header.Get("ETag"), "Content-Type": "application/merge-patch+json"}})
	if o := r.object(t); r.Status != 200 || o["status"] != "paused" || o["name"] != "Ayşe Yılmaz" || o["version"] != float64(2) {
		t.Fatalf("pause: %d %s", r.Status, r.Body)
	}
	if s := e.do(req{Who: "fm", Method: "GET", Path: "/v1/volunteers/" + id}).Status; s != 404 {
		t.Errorf("paused volunteer readable by case manager: %d", s)
	}
	if l := ids(t, e.do(req{Who: "fm", Method: "GET", Path: "/v1/volunteers?status=paused"})); len(l) != 0 {
		t.Errorf("case manager lists paused volunteers: %v", l)
	}
	if l := ids(t, e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers?status=paused"})); !contains(l, id) {
		t.Errorf("staff cannot filter by status: %v", l)
	}
	e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/volunteers/" + id})
	if l := ids(t, e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers"})); contains(l, id) {
		t.Error("archived volunteer in the default list")
	}
	if l := ids(t, e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers?status=archived"})); !contains(l, id) {
		t.Error("archived volunteer not found by status")
	}
	r = e.do(req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: `{"status":"active"}`, Headers: map[string]string{"If-Match": `"3"`}})
	if r.Status != 200 || e.do(req{Who: "fm", Method: "GET", Path: "/v1/volunteers/" + id}).Status != 200 {
		t.Errorf("restoring an archived volunteer: %d %s", r.Status, r.Body)
	}
	var audit struct {
		Items []struct {
			TokenName string   `json:"token_name"`
			Action    string   `json:"action"`
			EntryIDs  []string `json:"entry_ids"`
		} `json:"items"`
	}
	e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?limit=500"}).decode(t, &audit)
	seen := map[string]bool{}
	for _, a := range audit.Items {
		if contains(a.EntryIDs, id) {
			seen[a.TokenName+" "+a.Action] = true
		}
	}
	for _, want := range []string{"test rm create", "test fm read", "test rm update", "test rm archive", "test rm list"} {
		if !seen[want] {
			t.Errorf("audit log lacks %q: %v", want, seen)
		}
	}
}

func TestFilters(t *testing.T) {
	e := newEnv(t)
	west := e.create("rm", "/v1/volunteers", volunteerInput())
	esel := e.create("rm", "/v1/volunteers", with(with(with(with(volunteerInput(), "name", "Bernd Adler"), "districts", []string{"eselsberg"}), "home", map[string]any{"district": "eselsberg"}), "help_kinds", []string{"fahrdienst"}))
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"", []string{west, esel}},
		{"district=eselsberg", []string{esel}},
		{"help_kind=einkaufshilfe", []string{west}},
		{"district=eselsberg&help_kind=einkaufshilfe", []string{}},
		{"limit=1", []string{west}},
		{"limit=1&offset=1", []string{esel}},
		{"offset=2", []string{}},
	} {
		r := e.do(req{Who: "fm", Method: "GET", Path: "/v1/volunteers?" + c.query})
		got := ids(t, r)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("?%s: got %v, want %v", c.query, got, c.want)
		}
		if total := r.object(t)["total"].(float64); c.query == "limit=1" && total != 2 {
			t.Errorf("total with limit=1: %v", total)
		}
	}
}

// TestConcurrentEdits: of many clients changing the same version at once,
// exactly one wins; the others get 412 and nothing of theirs is written.
func TestConcurrentEdits(t *testing.T) {
	e := newEnv(t)
	id := e.create("rm", "/v1/volunteers", volunteerInput())
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := e.do(req{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: fmt.Sprintf(`{"interests":"Schreiber %d"}`, i), Headers: map[string]string{"If-Match": `"1"`}})
			statuses[i] = r.Status
		}(i)
	}
	wg.Wait()
	won := -1
	for i, s := range statuses {
		switch s {
		case 200:
			if won >= 0 {
				t.Fatalf("two writers won: %v", statuses)
			}
			won = i
		case 412:
		default:
			t.Fatalf("unexpected status %d", s)
		}
	}
	if won < 0 {
		t.Fatalf("nobody won: %v", statuses)
	}
	o := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + id}).object(t)
	if o["interests"] != fmt.Sprintf("Schreiber %d", won) || o["version"] != float64(2) {
		t.Errorf("stored %v at version %v, want writer %d at version 2", o["interests"], o["version"], won)
	}
	r := e.do(req{Who: "rm", Method: "PUT", Path: "/v1/volunteers/" + id, Body: volunteerInput(), Headers: map[string]string{"If-Match": `"1"`}})
	if r.Status != http.StatusPreconditionFailed || !strings.Contains(string(r.Body), "version 2") {
		t.Errorf("stale PUT: %d %s", r.Status, r.Body)
	}
}

// TestDataSurvivesRestart: what was acknowledged is there after a restart,
// tokens included.
func TestDataSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	vol := e.create("rm", "/v1/volunteers", volunteerInput())
	off := e.create("traeger", "/v1/offers", offerInput(""))
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/taxonomy/help-kinds", Body: map[string]any{"code": "vorlesen", "label": "Vorlesen", "theme": "freizeit", "minors": true}})
	before := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + vol}).Body
	counts := e.counts()
	e.restart()
	if after := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + vol}).Body; string(after) != string(before) {
		t.Errorf("volunteer changed across restart:\n%s\n%s", before, after)
	}
	if o := e.do(req{Who: "traeger", Method: "GET", Path: "/v1/offers/" + off}).object(t); o["status"] != "submitted" {
		t.Errorf("offer after restart: %v", o)
	}
	if c := e.counts(); c != counts {
		t.Errorf("counts changed across restart (the seed must not run twice):\n%s\n%s", counts, c)
	}
	if !strings.Contains(string(e.do(req{Who: "fm", Method: "GET", Path: "/v1/taxonomy"}).Body), `"vorlesen"`) {
		t.Error("added term lost")
	}
}

// TestReferenceChangesCountAtOnce: districts and taxonomy are kept in
// memory between requests; a change through the API counts in the very
// next check, search and match.
func TestReferenceChangesCountAtOnce(t *testing.T) {
	e := newEnv(t)
	e.create("rm", "/v1/volunteers", volunteerInput()) // the reference data is read and kept
	in := volunteerInput()
	in["help_kinds"] = []string{"vorlesen"}
	in["districts"] = []string{"neu-ulm-test"}
	if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: in}); r.Status != 422 {
		t.Fatalf("before the changes: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/taxonomy/help-kinds", Body: map[string]any{"code": "vorlesen", "label": "Vorlesen", "theme": "freizeit"}}); r.Status != 201 {
		t.Fatalf("add term: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "admin", Method: "PUT", Path: "/v1/districts/neu-ulm-test", Body: map[string]any{
		"name": "Testbezirk", "rm_staff_fte": 0.2, "quarters": []map[string]any{{"name": "Mitte", "lat": 48.39, "lon": 10.0}}}}); r.Status != 201 {
		t.Fatalf("put district: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers", Body: in}); r.Status != 201 {
		t.Fatalf("after the changes: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "fm", Method: "GET", Path: "/v1/search?district=neu-ulm-test&help_kind=vorlesen"}); r.Status != 200 || r.object(t)["total"] != 1.0 {
		t.Errorf("search: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: map[string]any{"district": "neu-ulm-test", "help_kinds": []string{"vorlesen"}}}); r.Status != 200 {
		t.Errorf("match: %d %s", r.Status, r.Body)
	}
}

// TestTermChanges: staff say which kinds of entry give a kind of help;
// a bad change names its field and changes nothing.
func TestTermChanges(t *testing.T) {
	e := newEnv(t)
	path := "/v1/taxonomy/help-kinds/einkaufshilfe"
	helpKind := func() map[string]any {
		var tax struct {
			Themes []struct {
				HelpKinds []map[string]any `json:"help_kinds"`
			} `json:"themes"`
		}
		if err := json.Unmarshal(e.do(req{Who: "fm", Method: "GET", Path: "/v1/taxonomy"}).Body, &tax); err != nil {
			t.Fatal(err)
		}
		for _, th := range tax.Themes {
			for _, h := range th.HelpKinds {
				if h["code"] == "einkaufshilfe" {
					return h
				}
			}
		}
		t.Fatal("no einkaufshilfe")
		return nil
	}
	if got := fmt.Sprint(helpKind()["provided_by"]); got != "[volunteer neighbourhood_help]" {
		t.Errorf("shipped provided_by of einkaufshilfe: %s", got)
	}
	bad := []struct {
		path  string
		body  map[string]any
		want  int
		field string
	}{
		{path, map[string]any{"code": "einkaufshilfe", "label": "Einkaufshilfe", "theme": "alltag", "provided_by": []string{"robot"}}, 422, "provided_by[0]"},
		{path, map[string]any{"code": "einkaufshilfe", "label": "Einkaufshilfe", "theme": "alltag", "provided_by": []string{"offer", "offer"}}, 422, "provided_by"},
		{path, map[string]any{"code": "anders", "label": "Einkaufshilfe", "theme": "alltag"}, 422, "code"},
		{path, map[string]any{"code": "einkaufshilfe", "label": "Einkaufshilfe", "theme": "keins"}, 422, "theme"},
		{"/v1/taxonomy/target-groups/senioren", map[string]any{"code": "senioren", "label": "Senioren", "provided_by": []string{"offer"}}, 422, "provided_by"},
		{"/v1/taxonomy/help-kinds/gibtsnicht", map[string]any{"code": "gibtsnicht", "label": "X", "theme": "alltag"}, 404, ""},
	}
	for _, b := range bad {
		r := e.do(req{Who: "rm", Method: "PUT", Path: b.path, Body: b.body})
		if r.Status != b.want || !strings.Contains(string(r.Body), b.field) {
			t.Errorf("PUT %s %v: %d %s", b.path, b.body, r.Status, r.Body)
		}
	}
	if got := fmt.Sprint(helpKind()["provided_by"]); got != "[volunteer neighbourhood_help]" {
		t.Errorf("a refused change was written: %s", got)
	}
	r := e.do(req{Who: "rm", Method: "PUT", Path: path, Body: map[string]any{"code": "einkaufshilfe", "label": "Einkaufen", "theme": "alltag", "provided_by": []string{"neighbourhood_help"}}})
	if r.Status != 200 || r.object(t)["label"] != "Einkaufen" {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	e.restart()
	if h := helpKind(); h["label"] != "Einkaufen" || fmt.Sprint(h["provided_by"]) != "[neighbourhood_help]" {
		t.Errorf("after restart: %v", h)
	}
	// An empty list is the staff's word too, and a start keeps it.
	e.do(req{Who: "rm", Method: "PUT", Path: path, Body: map[string]any{"code": "einkaufshilfe", "label": "Einkaufen", "theme": "alltag", "provided_by": []string{}}})
	e.restart()
	if h := helpKind(); h["provided_by"] != nil {
		t.Errorf("cleared provided_by after restart: %v", h)
	}
}
