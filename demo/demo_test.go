package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/demo"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/store"
)

func TestDemoCatalogue(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := catalogue.NewService(db, catalogue.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := demo.Load(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries < 150 || res.Providers != 15 || res.ProviderID == "" {
		t.Fatalf("demo: %+v", res)
	}
	if n, _ := db.CountEntries(ctx); n != res.Entries {
		t.Errorf("stored %d entries, reported %d", n, res.Entries)
	}
	rm := access.Principal{Role: access.RoleResourceManager}
	ds, _ := svc.Districts(ctx, rm)
	for _, d := range ds {
		for _, list := range []func() (int, error){
			func() (int, error) {
				_, n, err := svc.Volunteers(ctx, rm, catalogue.ListQuery{District: d.ID, Page: catalogue.Page{Limit: 1}})
				return n, err
			},
			func() (int, error) {
				_, n, err := svc.Offers(ctx, rm, catalogue.ListQuery{District: d.ID, Page: catalogue.Page{Limit: 1}})
				return n, err
			},
			func() (int, error) {
				_, n, err := svc.NeighbourhoodHelps(ctx, rm, catalogue.ListQuery{District: d.ID, Page: catalogue.Page{Limit: 1}})
				return n, err
			},
		} {
			if n, err := list(); err != nil || n == 0 {
				t.Errorf("district %s lacks an entry kind: %d %v", d.ID, n, err)
			}
		}
	}
	offers, _, _ := svc.Offers(ctx, rm, catalogue.ListQuery{District: "weststadt-soeflingen", Page: catalogue.Page{Limit: 500}})
	found := false
	for _, o := range offers {
		found = found || (o.Name == "Canapé Café" && o.Location.Quarter == "Weststadt")
	}
	if !found {
		t.Error("no Canapé Café in the Weststadt")
	}
	helps, _, _ := svc.NeighbourhoodHelps(ctx, rm, catalogue.ListQuery{District: "eselsberg", Page: catalogue.Page{Limit: 50}})
	found = false
	for _, h := range helps {
		found = found || h.Name == "Organisierte Nachbarschaftshilfe Eselsberg"
	}
	if !found {
		t.Error("no organised neighbourhood help at Eselsberg")
	}
	if _, n, _ := svc.Offers(ctx, rm, catalogue.ListQuery{Status: catalogue.StatusSubmitted, Page: catalogue.Page{Limit: 1}}); n == 0 {
		t.Error("no submitted offer to approve in the demo")
	}
}

// TestDemoReferrals: a year of referrals through the service's rules,
// visible to the demo case manager, so that every district's figures
// show referrals, outcomes and savings.
func TestDemoReferrals(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir(), store.Unsynced())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := catalogue.NewService(db, catalogue.WithLogger(quiet))
	if err := svc.Init(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Load(ctx, svc); err != nil {
		t.Fatal(err)
	}
	admin := access.Principal{Role: access.RoleAdmin, TokenID: "setup"}
	_, tok, err := svc.IssueToken(ctx, admin, "Demo FM", access.RoleCaseManager, "")
	if err != nil {
		t.Fatal(err)
	}
	fm := access.Principal{TokenID: tok.ID, Name: tok.Name, Role: tok.Role}
	n, err := demo.Referrals(ctx, db, fm, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("%d demo referrals in a year", n)
	}
	rs, err := referral.Open(ctx, db, svc, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, total, err := rs.List(ctx, fm, referral.Query{Page: catalogue.Page{Limit: 1}}); err != nil || total != n {
		t.Errorf("the demo case manager sees %d of %d referrals: %v", total, n, err)
	}
	rep, err := report.New(db, svc, rs, 12).Districts(ctx, access.Principal{Role: access.RoleResourceManager}, "")
	if err != nil {
		t.Fatal(err)
	}
	// Every district has referrals; the city's outcomes and savings are
	// there whatever day the demo is built on (a district's may be empty).
	for _, d := range rep.Districts {
		if d.Current.Referrals.Started == 0 {
			t.Errorf("%s: no referral started in the year", d.Name)
		}
	}
	if f := rep.City.Current.Referrals; f.Ended[referral.Successful] == 0 || f.Active == 0 || len(rep.City.Savings) == 0 {
		t.Errorf("city: %+v, savings %v", f, rep.City.Savings)
	}
}
