package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/referral"
)

// fixture holds fresh entries for one case of the matrix, so that each
// case starts from the same state whatever the cases before it changed.
type fixture map[string]string

func (e *env) fixture() fixture {
	e.t.Helper()
	ctx := context.Background()
	rm := access.Principal{Role: access.RoleResourceManager, TokenID: "fixture"}
	admin := access.Principal{Role: access.RoleAdmin, TokenID: "fixture"}
	var vin catalogue.VolunteerInput
	var nin catalogue.NeighbourhoodHelpInput
	var oin1, oin2 catalogue.OfferInput
	for _, c := range []struct {
		src any
		dst any
	}{{volunteerInput(), &vin}, {helpInput(), &nin}, {offerInput(e.provider), &oin1}, {offerInput(e.provider2), &oin2}} {
		b, _ := json.Marshal(c.src)
		if err := json.Unmarshal(b, c.dst); err != nil {
			e.t.Fatal(err)
		}
	}
	must := func(id string, err error) string {
		e.t.Helper()
		if err != nil {
			e.t.Fatal(err)
		}
		return id
	}
	f := fixture{}
	v, err := e.svc.CreateVolunteer(ctx, rm, vin)
	f["vol"] = must(v.ID, err)
	n, err := e.svc.CreateNeighbourhoodHelp(ctx, rm, nin)
	f["nh"] = must(n.ID, err)
	o1, err := e.svc.CreateOffer(ctx, rm, oin1)
	f["off1"] = must(o1.ID, err)
	o2, err := e.svc.CreateOffer(ctx, rm, oin2)
	f["off2"] = must(o2.ID, err)
	p, err := e.svc.CreateProvider(ctx, admin, catalogue.ProviderInput{Name: "Neuer Träger"})
	f["prv"] = must(p.ID, err)
	f["prv1"], f["prv2"] = e.provider, e.provider2
	_, tok, err := access.Issue(ctx, e.db, "to revoke", access.RoleCaseManager, "", time.Now())
	f["tok"] = must(tok.ID, err)
	// Referrals of the "fm" token: one to a volunteer (proposed), one to
	// provider 1's offer that was requested.
	fm := access.Principal{Role: access.RoleCaseManager, TokenID: e.tokenIDs["fm"], Name: "test fm"}
	in := referral.Input{CaseRef: "JH-2026-0001", EntryID: f["vol"], District: "weststadt-soeflingen", Department: "jugendhilfe", HelpKinds: []string{"einkaufshilfe"}}
	r, err := e.rs.Create(ctx, fm, in)
	f["ref"] = must(r.ID, err)
	in.EntryID, in.HelpKinds = f["off1"], []string{"begegnung"}
	r, err = e.rs.Create(ctx, fm, in)
	f["refoff"] = must(r.ID, err)
	_, err = e.rs.Move(ctx, fm, r.ID, 1, referral.Transition{Status: referral.Requested})
	must("", err)
	return f
}

func (f fixture) expand(path string) string {
	for k, v := range f {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return path
}

// TestAuthorisationMatrix: every endpoint × every role, plus no token and a
// bad token, with the status each must get. Order of the columns:
// admin, ressourcenmanager, fallmanager, traeger (bound to provider 1).
func TestAuthorisationMatrix(t *testing.T) {
	e := newEnv(t)
	ifm := map[string]string{"If-Match": `"1"`}
	patch := `{"name":"Geändert"}`
	vol, nh := volunteerInput(), helpInput()
	off1 := offerInput(e.provider)
	cases := []struct {
		method, path string
		body         func(who string) any
		headers      map[string]string
		want         [4]int
	}{
		{"GET", "/v1/districts", nil, nil, [4]int{200, 200, 200, 200}},
		{"GET", "/v1/districts/eselsberg", nil, nil, [4]int{200, 200, 200, 200}},
		{"PUT", "/v1/districts/testbezirk", func(string) any {
			return map[string]any{"name": "Test", "quarters": []map[string]any{{"name": "A", "lat": 48.4, "lon": 9.9}}}
		}, nil, [4]int{201, 403, 403, 403}},
		{"GET", "/v1/taxonomy", nil, nil, [4]int{200, 200, 200, 200}},
		{"POST", "/v1/taxonomy/target-groups", func(who string) any { return map[string]any{"code": "gruppe_" + who, "label": "Gruppe"} }, nil, [4]int{201, 201, 403, 403}},
		{"PUT", "/v1/taxonomy/help-kinds/schuldnerberatung", func(string) any {
			return map[string]any{"code": "schuldnerberatung", "label": "Schuldnerberatung", "theme": "finanzen", "provided_by": []string{"offer"}}
		}, nil, [4]int{200, 200, 403, 403}},
		{"GET", "/v1/synonyms", nil, nil, [4]int{200, 200, 200, 200}},
		{"PUT", "/v1/synonyms/Quartierstreff", func(string) any { return map[string]any{"means": "Begegnung"} }, nil, [4]int{201, 200, 403, 403}},
		{"DELETE", "/v1/synonyms/NBH", nil, nil, [4]int{204, 404, 403, 403}},
		{"GET", "/v1/providers", nil, nil, [4]int{200, 200, 200, 200}},
		{"POST", "/v1/providers", func(string) any { return map[string]any{"name": "Neu"} }, nil, [4]int{201, 201, 403, 403}},
		{"GET", "/v1/providers/{prv1}", nil, nil, [4]int{200, 200, 200, 200}},
		{"GET", "/v1/providers/{prv2}", nil, nil, [4]int{200, 200, 200, 404}},
		{"PUT", "/v1/providers/{prv}", func(string) any { return map[string]any{"name": "Neu"} }, ifm, [4]int{200, 200, 403, 403}},
		{"PATCH", "/v1/providers/{prv}", func(string) any { return patch }, ifm, [4]int{200, 200, 403, 404}},
		{"DELETE", "/v1/providers/{prv}", nil, nil, [4]int{204, 204, 403, 403}},

		{"GET", "/v1/volunteers", nil, nil, [4]int{403, 200, 200, 403}},
		{"POST", "/v1/volunteers", func(string) any { return vol }, nil, [4]int{403, 201, 403, 403}},
		{"GET", "/v1/volunteers/{vol}", nil, nil, [4]int{403, 200, 200, 403}},
		{"PUT", "/v1/volunteers/{vol}", func(string) any { return vol }, ifm, [4]int{403, 200, 403, 403}},
		{"PATCH", "/v1/volunteers/{vol}", func(string) any { return patch }, ifm, [4]int{403, 200, 403, 403}},
		{"DELETE", "/v1/volunteers/{vol}", nil, nil, [4]int{403, 204, 403, 403}},
		{"POST", "/v1/volunteers/{vol}/verify", nil, nil, [4]int{403, 200, 403, 403}},
		{"GET", "/v1/volunteers/{vol}/personal-data", nil, nil, [4]int{403, 200, 403, 403}},
		{"POST", "/v1/volunteers/{vol}/erase", nil, nil, [4]int{403, 204, 403, 403}},
		{"GET", "/v1/volunteers/{vol}/engagement", nil, nil, [4]int{403, 200, 200, 403}},
		{"GET", "/v1/volunteers/{nh}/engagement", nil, nil, [4]int{403, 404, 404, 403}},

		{"GET", "/v1/neighbourhood-helps", nil, nil, [4]int{403, 200, 200, 403}},
		{"POST", "/v1/neighbourhood-helps", func(string) any { return nh }, nil, [4]int{403, 201, 403, 403}},
		{"GET", "/v1/neighbourhood-helps/{nh}", nil, nil, [4]int{403, 200, 200, 403}},
		{"PUT", "/v1/neighbourhood-helps/{nh}", func(string) any { return nh }, ifm, [4]int{403, 200, 403, 403}},
		{"PATCH", "/v1/neighbourhood-helps/{nh}", func(string) any { return patch }, ifm, [4]int{403, 200, 403, 403}},
		{"DELETE", "/v1/neighbourhood-helps/{nh}", nil, nil, [4]int{403, 204, 403, 403}},
		{"POST", "/v1/neighbourhood-helps/{nh}/verify", nil, nil, [4]int{403, 200, 403, 403}},
		{"GET", "/v1/neighbourhood-helps/{nh}/engagement", nil, nil, [4]int{403, 200, 200, 403}},

		{"GET", "/v1/offers", nil, nil, [4]int{403, 200, 200, 200}},
		{"POST", "/v1/offers", func(string) any { return off1 }, nil, [4]int{403, 201, 403, 201}},
		{"GET", "/v1/offers/{off1}", nil, nil, [4]int{403, 200, 200, 200}},
		{"GET", "/v1/offers/{off2}", nil, nil, [4]int{403, 200, 200, 404}},
		{"PUT", "/v1/offers/{off1}", func(string) any { return off1 }, ifm, [4]int{403, 200, 403, 200}},
		{"PUT", "/v1/offers/{off2}", func(string) any { return off1 }, ifm, [4]int{403, 200, 403, 404}},
		{"PATCH", "/v1/offers/{off1}", func(string) any { return patch }, ifm, [4]int{403, 200, 403, 200}},
		{"PATCH", "/v1/offers/{off2}", func(string) any { return patch }, ifm, [4]int{403, 200, 403, 404}},
		{"DELETE", "/v1/offers/{off1}", nil, nil, [4]int{403, 204, 403, 204}},
		{"DELETE", "/v1/offers/{off2}", nil, nil, [4]int{403, 204, 403, 404}},
		{"POST", "/v1/offers/{off1}/verify", nil, nil, [4]int{403, 200, 403, 403}},
		{"POST", "/v1/offers/{off1}/approve", nil, nil, [4]int{403, 200, 403, 403}},
		{"POST", "/v1/offers/{off2}/reject", func(string) any { return map[string]any{"reason": "Unvollständig"} }, nil, [4]int{403, 200, 403, 403}},
		{"GET", "/v1/offers/{off1}/engagement", nil, nil, [4]int{403, 200, 200, 403}},
		{"GET", "/v1/review-queue", nil, nil, [4]int{403, 200, 403, 403}},
		{"GET", "/v1/search?q=Einkauf&near_quarter=Weststadt", nil, nil, [4]int{403, 200, 200, 200}},

		{"POST", "/v1/import?kind=neighbourhood_help&dry_run=true", func(string) any { return []any{with(nh, "name", "Neu im Import")} }, nil, [4]int{403, 200, 403, 403}},
		{"GET", "/v1/export?kind=volunteer", nil, nil, [4]int{403, 200, 403, 403}},
		{"GET", "/v1/export/hsds", nil, nil, [4]int{200, 200, 403, 403}},
		{"GET", "/v1/export/hsds?format=json", nil, nil, [4]int{200, 200, 403, 403}},

		{"POST", "/v1/match", func(string) any {
			return map[string]any{"quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}}
		}, nil, [4]int{403, 200, 200, 403}},
		{"POST", "/v1/match/assign", func(string) any {
			return map[string]any{"cases": []map[string]any{{"quarter": "Weststadt", "help_kinds": []string{"einkaufshilfe"}}}}
		}, nil, [4]int{403, 200, 200, 403}},
		{"GET", "/v1/reports/unmet-needs", nil, nil, [4]int{403, 200, 403, 403}},

		{"GET", "/v1/referrals", nil, nil, [4]int{403, 200, 200, 200}},
		{"POST", "/v1/referrals", func(string) any { return referralInput("{nh}", "JH-2026-0002") }, nil, [4]int{403, 201, 201, 403}},
		{"GET", "/v1/referrals/{ref}", nil, nil, [4]int{403, 200, 200, 404}},
		{"GET", "/v1/referrals/{refoff}", nil, nil, [4]int{403, 200, 200, 200}},
		{"POST", "/v1/referrals/{ref}/status", func(string) any { return map[string]any{"status": "requested"} }, ifm, [4]int{403, 200, 200, 404}},
		{"POST", "/v1/referrals/{refoff}/status", func(string) any { return map[string]any{"status": "active"} }, map[string]string{"If-Match": `"2"`}, [4]int{403, 200, 200, 200}},
		{"POST", "/v1/referrals/{ref}/notes", func(string) any { return map[string]any{"text": "Kurz notiert."} }, nil, [4]int{403, 201, 201, 403}},
		{"POST", "/v1/referrals/{refoff}/notes", func(string) any { return map[string]any{"text": "Kurz notiert."} }, nil, [4]int{403, 201, 201, 403}},
		{"POST", "/v1/referrals/{ref}/follow-ups", func(string) any { return map[string]any{"note": "Läuft."} }, nil, [4]int{403, 409, 409, 403}},
		{"GET", "/v1/follow-ups", nil, nil, [4]int{403, 200, 200, 403}},
		{"GET", "/v1/reports/districts", nil, nil, [4]int{200, 200, 403, 403}},
		{"GET", "/v1/gaps", nil, nil, [4]int{403, 200, 403, 403}},
		{"POST", "/v1/gaps", func(string) any { return map[string]any{"district": "eselsberg", "description": "Fehlt."} }, nil, [4]int{403, 201, 403, 403}},

		{"GET", "/v1/tokens", nil, nil, [4]int{200, 403, 403, 403}},
		{"POST", "/v1/tokens", func(string) any { return map[string]any{"name": "Neu", "role": "fallmanager"} }, nil, [4]int{201, 403, 403, 403}},
		{"DELETE", "/v1/tokens/{tok}", nil, nil, [4]int{204, 403, 403, 403}},
		{"GET", "/v1/audit-log", nil, nil, [4]int{200, 403, 403, 403}},
	}
	roles := [4]string{"admin", "rm", "fm", "traeger"}
	for _, c := range cases {
		for i, who := range append(roles[:], "none", "bad") {
			want := 401
			if i < 4 {
				want = c.want[i]
			}
			t.Run(fmt.Sprintf("%s %s as %s", c.method, c.path, who), func(t *testing.T) {
				e.t = t
				f := e.fixture()
				var body any
				if c.body != nil {
					body = c.body(who)
					if m, ok := body.(map[string]any); ok && m["entry_id"] != nil {
						m["entry_id"] = f.expand(m["entry_id"].(string))
					}
				}
				r := e.do(req{Who: who, Method: c.method, Path: f.expand(c.path), Body: body, Headers: c.headers})
				if r.Status != want {
					t.Errorf("got %d, want %d: %s", r.Status, want, r.Body)
				}
			})
			if want/100 != 2 {
				continue
			}
			// Allowed, but with a parameter the operation does not know: a
			// 400 naming it, never an answer that ignores it.
			t.Run(fmt.Sprintf("%s %s as %s with an unknown parameter", c.method, c.path, who), func(t *testing.T) {
				e.t = t
				f := e.fixture()
				var body any
				if c.body != nil {
					body = c.body(who + "x")
					if m, ok := body.(map[string]any); ok && m["entry_id"] != nil {
						m["entry_id"] = f.expand(m["entry_id"].(string))
					}
				}
				sep := "?"
				if strings.Contains(c.path, "?") {
					sep = "&"
				}
				r := e.do(req{Who: who, Method: c.method, Path: f.expand(c.path) + sep + "zzz=1", Body: body, Headers: c.headers})
				if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "zzz") {
					t.Errorf("got %d, want 400 naming zzz: %s", r.Status, r.Body)
				}
			})
		}
	}
	t.Run("healthz needs no token", func(t *testing.T) {
		e.t = t
		if r := e.do(req{Who: "none", Method: "GET", Path: "/healthz"}); r.Status != 200 {
			t.Errorf("got %d", r.Status)
		}
	})
}
