package api_test

import (
	"bytes"
	"context"
	"massanzug/store"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPersonalDataExportAndErasure: staff export everything stored about a
// volunteer, and erase them for good: from the database file, the search
// and the matcher; what is left is the audit log's record that it
// happened.
func TestPersonalDataExportAndErasure(t *testing.T) {
	e := newEnv(t)
	in := volunteerInput()
	in["name"], in["life_experience"] = "Zeynep Unverwechselbar", "Kennt jede Ecke der Weststadt, Unverwechselbarkeit inklusive."
	in["load"] = 0 // a place left beside the referral below
	id := e.create("rm", "/v1/volunteers", in)
	other := e.create("rm", "/v1/volunteers", volunteerInput())
	e.do(req{Who: "fm", Method: "GET", Path: "/v1/volunteers/" + id})
	// A referral to her, active, with a note naming her.
	ref := e.create("fm", "/v1/referrals", referralInput(id, "JH-2026-7777"))
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + ref + "/status", Body: map[string]any{"status": "active"}, Headers: ifMatch(1)})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + ref + "/notes", Body: map[string]any{"text": "Zeynep kommt dienstags."}})

	r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + id + "/personal-data"})
	if r.Status != 200 {
		t.Fatalf("export: %d %s", r.Status, r.Body)
	}
	export := r.object(t)
	if v := export["volunteer"].(map[string]any); v["name"] != "Zeynep Unverwechselbar" || v["police_certificate"] == nil {
		t.Errorf("exported volunteer: %v", v)
	}
	var actions []string
	for _, ev := range export["audit"].([]any) {
		actions = append(actions, ev.(map[string]any)["action"].(string))
	}
	if got := strings.Join(actions, ","); !strings.HasPrefix(got, "create,read,read") || !strings.HasSuffix(got, "export") {
		t.Errorf("audit events in the export: %s", got)
	}
	if refs := export["referrals"].([]any); len(refs) != 1 || refs[0].(map[string]any)["case_ref"] != "" || refs[0].(map[string]any)["notes"] != nil ||
		refs[0].(map[string]any)["frame"] != "nur als Einkaufshilfe" {
		t.Errorf("her referrals in the export, without the client's data: %v", export["referrals"])
	}
	if log := e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?action=export&entry_id=" + ref}); !strings.Contains(string(log.Body), `"kind":"referral"`) {
		t.Errorf("the export's read of her referrals is not audited: %s", log.Body)
	}

	find := func(who string) float64 {
		return e.do(req{Who: who, Method: "GET", Path: "/v1/search?q=Unverwechselbar"}).object(t)["total"].(float64)
	}
	suggested := func() bool {
		res := e.do(req{Who: "fm", Method: "POST", Path: "/v1/match", Body: map[string]any{"quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}, "limit": 50}})
		return strings.Contains(string(res.Body), id)
	}
	if find("rm") != 1 || !suggested() {
		t.Fatal("the volunteer is not found before the erasure")
	}

	for _, who := range []string{"admin", "fm", "traeger"} {
		if r := e.do(req{Who: who, Method: "POST", Path: "/v1/volunteers/" + id + "/erase"}); r.Status != 403 {
			t.Errorf("%s erases: %d", who, r.Status)
		}
	}
	if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers/" + id + "/erase"}); r.Status != 204 {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}
	for _, path := range []string{"/v1/volunteers/" + id, "/v1/volunteers/" + id + "/personal-data"} {
		if r := e.do(req{Who: "rm", Method: "GET", Path: path}); r.Status != 404 {
			t.Errorf("GET %s after the erasure: %d", path, r.Status)
		}
	}
	if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/volunteers/" + id + "/erase"}); r.Status != 404 {
		t.Errorf("second erasure: %d", r.Status)
	}
	if find("rm") != 0 || suggested() {
		t.Error("the erased volunteer is still found")
	}
	if r := e.do(req{Who: "rm", Method: "GET", Path: "/v1/volunteers/" + other}); r.Status != 200 {
		t.Errorf("another volunteer after the erasure: %d", r.Status)
	}
	// Her referral stays for the figures, as an anonymous stub.
	stub := e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals/" + ref}).object(t)
	if stub["case_ref"] != "anonymisiert" || stub["anonymised"] != true || stub["notes"] != nil || stub["entry"].(map[string]any)["name"] != "" ||
		stub["status"] != "active" || stub["department"] != "jugendhilfe" || stub["replaces"].(map[string]any)["monthly_cost"] != 1800.0 {
		t.Errorf("the referral after the erasure: %v", stub)
	}
	// Gone from every file of the data folder (database, its log, the
	// index's segments) and from a backup written afterwards.
	e.needsSQLite("the data folder's files and a backup of them")
	if err := e.db.(*store.DB).Backup(context.Background(), filepath.Join(e.dir, "after-erasure.db")); err != nil {
		t.Fatal(err)
	}
	err := filepath.Walk(e.dir, func(path string, info os.FileInfo, err error) error {
		if os.IsNotExist(err) {
			return nil // removed meanwhile by the index's clean-up
		}
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, s := range []string{"Unverwechselbar", "unverwechselbar", "Zeynep", "JH-2026-7777"} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s still holds %q", path, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	log := string(e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?limit=200"}).Body)
	if !strings.Contains(log, `"erase"`) || !strings.Contains(log, id) || strings.Contains(log, "Unverwechselbar") {
		t.Errorf("audit log after the erasure: %s", log)
	}
	// A start finds index and database in step (no rebuild needed) and the
	// volunteer still gone.
	e.restart()
	if find("rm") != 0 {
		t.Error("the erased volunteer is back after a restart")
	}
}

// TestReadsAreAudited: every answer naming a volunteer is one audit event
// listing the ids (detail, list, export, search hits, match suggestions);
// a rejected request records no read.
func TestReadsAreAudited(t *testing.T) {
	e := newEnv(t)
	in := volunteerInput()
	in["life_experience"] = "Kennt die Kaffeerösterei Zwiebelturm."
	id := e.create("rm", "/v1/volunteers", in)
	events := func(action string) []map[string]any {
		var out []map[string]any
		body := e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log?limit=500&action=" + action}).object(t)
		for _, ev := range body["items"].([]any) {
			out = append(out, ev.(map[string]any))
		}
		return out
	}
	names := func(ev map[string]any) bool {
		for _, x := range ev["entry_ids"].([]any) {
			if x == id {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		action string
		r      req
	}{
		{"read", req{Who: "fm", Method: "GET", Path: "/v1/volunteers/" + id}},
		{"list", req{Who: "fm", Method: "GET", Path: "/v1/volunteers"}},
		{"export", req{Who: "rm", Method: "GET", Path: "/v1/export?kind=volunteer&format=csv"}},
		{"search", req{Who: "fm", Method: "GET", Path: "/v1/search?q=Kaffeer%C3%B6sterei"}},
		{"match", req{Who: "fm", Method: "POST", Path: "/v1/match", Body: map[string]any{"quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}}}},
		{"match", req{Who: "rm", Method: "POST", Path: "/v1/match/assign", Body: map[string]any{"cases": []any{map[string]any{"quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}}}}}},
	} {
		before := len(events(c.action))
		if r := e.do(c.r); r.Status != 200 || !strings.Contains(string(r.Body), id) {
			t.Fatalf("%s %s: %d %s", c.r.Method, c.r.Path, r.Status, r.Body)
		}
		after := events(c.action)
		if len(after) != before+1 || !names(after[0]) {
			t.Errorf("%s %s: %d events of %q (was %d), newest %v", c.r.Method, c.r.Path, len(after), c.action, before, after[0])
		}
	}
	// A search that finds no volunteer records nothing.
	before := len(events("search"))
	e.do(req{Who: "fm", Method: "GET", Path: "/v1/search?q=Nirgendwoundnie"})
	if n := len(events("search")); n != before {
		t.Errorf("a search without volunteers recorded a read")
	}
	// Rejected requests read nothing and record nothing.
	reads := len(events("read")) + len(events("update"))
	for _, r := range []req{
		{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: `{"name": `, Headers: map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"}},
		{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: map[string]any{"capacity": -1}, Headers: map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"}},
		{Who: "rm", Method: "PATCH", Path: "/v1/volunteers/" + id, Body: map[string]any{"nmae": "x"}, Headers: map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"}},
		{Who: "rm", Method: "PUT", Path: "/v1/volunteers/" + id, Body: map[string]any{"name": ""}, Headers: map[string]string{"If-Match": `"1"`}},
		{Who: "fm", Method: "GET", Path: "/v1/volunteers?district=nirgendwo"},
	} {
		if got := e.do(r); got.Status < 400 {
			t.Fatalf("%s %s: %d", r.Method, r.Path, got.Status)
		}
	}
	if n := len(events("read")) + len(events("update")); n != reads {
		t.Errorf("rejected requests recorded %d reads or changes", n-reads)
	}
}
