package api_test

import (
	"io"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"massanzug/api"
	"massanzug/catalogue"
)

// TestRoutesMatchSpec keeps the router and openapi.yaml equal: every
// operation the router serves is documented, and every documented
// operation is served.
func TestRoutesMatchSpec(t *testing.T) {
	doc, _ := loadSpec(t)
	e := newEnv(t)
	ech := api.New(api.Domain{Catalogue: catalogue.NewService(e.db), Search: e.ix}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	served := map[string]bool{}
	for _, r := range ech.Routes() {
		if r.Method == echo.RouteNotFound || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		served[r.Method+" "+strings.Join(parts, "/")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var missing, undocumented []string
	for op := range documented {
		if !served[op] {
			missing = append(missing, op)
		}
	}
	for op := range served {
		if !documented[op] {
			undocumented = append(undocumented, op)
		}
	}
	sort.Strings(missing)
	sort.Strings(undocumented)
	if len(missing) > 0 {
		t.Errorf("documented in openapi.yaml but not served: %v", missing)
	}
	if len(undocumented) > 0 {
		t.Errorf("served but not in openapi.yaml: %v", undocumented)
	}
	if len(served) < 30 {
		t.Errorf("only %d routes found; the route table did not load", len(served))
	}
}

// TestContractTour walks every documented operation once with a successful
// request; do checks each request and response against the schema.
func TestContractTour(t *testing.T) {
	e := newEnv(t)
	e.do(req{Method: "GET", Path: "/healthz"})
	for _, who := range []string{"admin", "rm", "fm", "traeger"} {
		e.do(req{Who: who, Method: "GET", Path: "/v1/districts"})
		e.do(req{Who: who, Method: "GET", Path: "/v1/districts/eselsberg"})
		e.do(req{Who: who, Method: "GET", Path: "/v1/taxonomy"})
		e.do(req{Who: who, Method: "GET", Path: "/v1/providers"})
	}
	if r := e.do(req{Who: "admin", Method: "PUT", Path: "/v1/districts/neu-ulm-test", Body: map[string]any{
		"name": "Testbezirk", "rm_staff_fte": 0.2, "quarters": []map[string]any{{"name": "Mitte", "lat": 48.39, "lon": 10.0}}}}); r.Status != 201 {
		t.Fatalf("put district: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Who: "rm", Method: "POST", Path: "/v1/taxonomy/help-kinds", Body: map[string]any{"code": "vorlesen", "label": "Vorlesen", "theme": "freizeit"}}); r.Status != 201 {
		t.Fatalf("add term: %d %s", r.Status, r.Body)
	}
	pid := e.create("admin", "/v1/providers", map[string]any{"name": "DRK", "website": "https://drk.example", "districts": []string{"boefingen"}})
	e.do(req{Who: "fm", Method: "GET", Path: "/v1/providers/" + pid})
	e.do(req{Who: "rm", Method: "PATCH", Path: "/v1/providers/" + pid, Body: `{"description":"Rotes Kreuz"}`, Headers: map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"}})
	e.do(req{Who: "rm", Method: "PUT", Path: "/v1/providers/" + pid, Body: map[string]any{"name": "DRK Ulm"}, Headers: map[string]string{"If-Match": `"2"`}})

	for _, c := range []struct {
		path string
		body map[string]any
		who  string
	}{
		{"/v1/volunteers", volunteerInput(), "rm"},
		{"/v1/neighbourhood-helps", helpInput(), "rm"},
		{"/v1/offers", offerInput(e.provider), "rm"},
	} {
		id := e.create(c.who, c.path, c.body)
		e.do(req{Who: "fm", Method: "GET", Path: c.path + "?limit=10&offset=0&district=" + c.body["districts"].([]string)[0]})
		e.do(req{Who: "rm", Method: "GET", Path: c.path + "/" + id})
		e.do(req{Who: "fm", Method: "GET", Path: c.path + "/" + id})
		e.do(req{Who: "rm", Method: "PUT", Path: c.path + "/" + id, Body: c.body, Headers: map[string]string{"If-Match": `"1"`}})
		e.do(req{Who: "rm", Method: "PATCH", Path: c.path + "/" + id, Body: `{"name":"Neu"}`, Headers: map[string]string{"If-Match": `"2"`, "Content-Type": "application/merge-patch+json"}})
		e.do(req{Who: "rm", Method: "POST", Path: c.path + "/" + id + "/verify"})
		e.do(req{Who: "rm", Method: "DELETE", Path: c.path + "/" + id})
	}
	oid := e.create("traeger", "/v1/offers", offerInput(""))
	e.do(req{Who: "traeger", Method: "GET", Path: "/v1/offers"})
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + oid + "/reject", Body: map[string]any{"reason": "Bitte Kontakt ergänzen."}})
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/offers/" + oid + "/approve"})
	e.do(req{Who: "rm", Method: "GET", Path: "/v1/review-queue?kind=offer"})
	e.do(req{Who: "fm", Method: "GET", Path: "/v1/search?q=Caf%C3%A9&kind=offer,volunteer&near=48.399,9.974&radius_km=5&sort=distance&accessible=true&language=tr&limit=5"})
	e.do(req{Who: "traeger", Method: "GET", Path: "/v1/search?district=weststadt-soeflingen&help_kind=begegnung&target_group=familien&quarter=weststadt&sort=updated"})
	vol := e.create("rm", "/v1/volunteers", volunteerInput())
	ref := e.create("fm", "/v1/referrals", referralInput(vol, "JH-2026-0815"))
	e.do(req{Who: "fm", Method: "GET", Path: "/v1/referrals?status=proposed&district=weststadt-soeflingen&limit=10"})
	e.do(req{Who: "rm", Method: "GET", Path: "/v1/referrals?entry_id=" + vol + "&case_ref=JH-2026-0815"})
	e.do(req{Who: "fm", Method: "GET", Path: "/v1/referrals/" + ref})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + ref + "/status", Body: map[string]any{"status": "active"}, Headers: map[string]string{"If-Match": `"1"`}})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + ref + "/notes", Body: map[string]any{"text": "Läuft gut."}})
	e.do(req{Who: "fm", Method: "GET", Path: "/v1/follow-ups?due_by=2026-12-31&limit=5"})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + ref + "/follow-ups", Body: map[string]any{"note": "Läuft weiter gut."}})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/referrals/" + ref + "/status", Body: map[string]any{"status": "ended", "outcome": "successful"}, Headers: map[string]string{"If-Match": `"4"`}})
	e.do(req{Who: "fm", Method: "POST", Path: "/v1/match/assign", Body: map[string]any{"cases": []map[string]any{{"reference": "JH-2026-0900", "quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}}},
		"propose": map[string]any{"department": "jugendhilfe", "frame": "nur als Einkaufshilfe"}}})
	e.do(req{Who: "rm", Method: "GET", Path: "/v1/reports/districts"})
	gid := e.create("rm", "/v1/gaps", map[string]any{"district": "eselsberg", "help_kind": "schuldnerberatung", "description": "Keine Schuldnerberatung im Stadtteil."})
	e.do(req{Who: "rm", Method: "GET", Path: "/v1/gaps?status=open&district=eselsberg&limit=5"})
	e.do(req{Who: "rm", Method: "POST", Path: "/v1/gaps/" + gid + "/status", Body: map[string]any{"status": "forwarded"}, Headers: map[string]string{"If-Match": `"1"`}})
	e.do(req{Who: "admin", Method: "GET", Path: "/v1/reports/districts?stichtag=2026-01-31"})
	r := e.do(req{Who: "admin", Method: "POST", Path: "/v1/tokens", Body: map[string]any{"name": "Fallmanagement Wiblingen", "role": "fallmanager"}})
	e.do(req{Who: "admin", Method: "GET", Path: "/v1/tokens"})
	e.do(req{Who: "admin", Method: "DELETE", Path: "/v1/tokens/" + r.object(t)["id"].(string)})
	e.do(req{Who: "admin", Method: "GET", Path: "/v1/audit-log"})
	e.do(req{Who: "rm", Method: "DELETE", Path: "/v1/providers/" + pid})
	if got := e.do(req{Who: "fm", Method: "GET", Path: "/v1/nothing"}); got.Status != http.StatusNotFound {
		t.Errorf("unknown path: %d", got.Status)
	}
}
