package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/matching"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/store"
)

// ReferralResult holds the figures of referrals on a catalogue.
type ReferralResult struct {
	Referrals, Active    int
	Setup                time.Duration // writing them (bulk, not measured as service writes)
	CreateP50, CreateP99 time.Duration // a referral through the service
	// Matches of the same cases, one after the other, by a matcher that
	// counts the open referrals against capacity and by one that does not.
	MatchP50, MatchP99         time.Duration
	MatchBaseP50, MatchBaseP99 time.Duration
	// The district report of the city: reading the entries and referrals
	// into memory once (at start), then each report.
	ReportLoad           time.Duration
	ReportP50, ReportMax time.Duration
	// Pages are the web app's screens rendered on this catalogue.
	Pages []PageTiming
}

var benchManager = access.Principal{TokenID: "bench-fm", Name: "bench", Role: access.RoleCaseManager}

// referrals writes 2n referrals (a tenth of them active, most of the rest
// closed over two years) to the catalogue of db, then measures referral
// writes through the service, matching with the referrals counted, and
// the district report.
func referrals(ctx context.Context, db *store.DB, ix *index.Index, svc *catalogue.Service, g *generator, log *slog.Logger) (ReferralResult, error) {
	var res ReferralResult
	var ids []string
	if err := db.EachEntry(ctx, func(r catalogue.Record) error {
		if r.Status != catalogue.StatusArchived {
			ids = append(ids, r.ID)
		}
		return nil
	}); err != nil {
		return res, err
	}
	districts, _, err := svc.Reference(ctx)
	if err != nil {
		return res, err
	}
	rng := rand.New(rand.NewPCG(7, 11))
	deps := []string{"jugendhilfe", "eingliederungshilfe", "hilfe_zur_pflege", "altenhilfe", "grundsicherung"}
	today := time.Now()
	n := 2 * len(ids)
	t0 := time.Now()
	var batch []*referral.Referral
	for i := 0; i < n; i++ {
		created := today.AddDate(0, 0, -rng.IntN(730))
		r := &referral.Referral{ID: fmt.Sprintf("ref_bench%011d", i), Version: 1, CaseRef: fmt.Sprintf("FM-%d", i),
			Entry: catalogue.Placement{Kind: catalogue.KindOfID(ids[i%len(ids)]), ID: ids[i%len(ids)]}, District: districts[rng.IntN(len(districts))].ID,
			Department: deps[rng.IntN(len(deps))], HelpKinds: []string{g.pick(g.help)}, CaseManager: person(benchManager),
			CreatedAt: created, UpdatedAt: created}
		active := created.AddDate(0, 0, 3+rng.IntN(10))
		if active.After(today) {
			active = today
		}
		switch x := rng.Float64(); {
		case x < 0.1:
			r.Status, r.ActiveSince = referral.Active, active.Format(time.DateOnly)
			res.Active++
		case x < 0.13:
			r.Status = referral.Proposed
		case x < 0.8:
			r.Status, r.ActiveSince, r.Outcome = referral.Ended, active.Format(time.DateOnly), referral.Successful
			end := active.AddDate(0, 0, 30+rng.IntN(200))
			if end.After(today) {
				end = today
			}
			r.EndedOn = end.Format(time.DateOnly)
		default:
			r.Status, r.EndedOn = referral.Declined, active.Format(time.DateOnly)
		}
		if rng.Float64() < 0.3 {
			r.Replaces = &referral.Measure{Name: "Maßnahme", MonthlyCost: float64(200 + rng.IntN(1800))}
		}
		r.History = []referral.Change{{At: created, By: person(benchManager), Status: r.Status}}
		batch = append(batch, r)
		if len(batch) == 5000 || i == n-1 {
			if err := db.CreateReferrals(ctx, batch, nil, nil); err != nil {
				return res, fmt.Errorf("write referrals: %w", err)
			}
			batch = batch[:0]
		}
	}
	res.Referrals, res.Setup = n, time.Since(t0)

	rs, err := referral.Open(ctx, db, svc, log)
	if err != nil {
		return res, err
	}
	m := matching.New(svc, db, ix, matching.DefaultWeights(), log, matching.WithPlacements(rs))
	base := matching.New(svc, db, ix, matching.DefaultWeights(), log)
	for _, mm := range []*matching.Matcher{m, base} {
		if err := mm.Warm(ctx); err != nil {
			return res, err
		}
	}
	reports := report.New(db, svc, rs, 12)
	t0 = time.Now()
	if err := reports.Warm(ctx); err != nil {
		return res, err
	}
	res.ReportLoad = time.Since(t0)
	var lat []time.Duration
	for i := 0; len(lat) < 200 && i < 2000; i++ {
		id := ids[rng.IntN(len(ids))]
		pl, err := svc.Placement(ctx, staff, id)
		if err != nil || len(pl.Districts) == 0 {
			continue
		}
		in := referral.Input{CaseRef: fmt.Sprintf("FM-2026-%05d", i), EntryID: id, District: pl.Districts[0], Department: deps[i%len(deps)],
			HelpKinds: []string{g.pick(g.help)}}
		t0 := time.Now()
		_, err = rs.Create(ctx, benchManager, in)
		took := time.Since(t0)
		if errors.Is(err, catalogue.ErrConflict) {
			continue // full
		}
		if err != nil {
			var ve *catalogue.ValidationError
			if errors.As(err, &ve) {
				continue // a help kind the entry does not know is still a fine referral; the generator's pick may be unknown
			}
			return res, fmt.Errorf("create referral: %w", err)
		}
		lat = append(lat, took)
	}
	res.CreateP50, res.CreateP99 = percentile(lat, 50), percentile(lat, 99)
	// Interleaved, so that both see the same machine.
	var with, without []time.Duration
	cases := g.cases(200)
	for round := range 2 {
		for i, c := range cases {
			first, second := m, base
			if (i+round)%2 == 1 {
				first, second = base, m
			}
			for _, mm := range []*matching.Matcher{first, second} {
				t0 := time.Now()
				if _, err := mm.Match(ctx, benchManager, c); err != nil {
					return res, fmt.Errorf("match: %w", err)
				}
				if mm == m {
					with = append(with, time.Since(t0))
				} else {
					without = append(without, time.Since(t0))
				}
			}
		}
	}
	res.MatchP50, res.MatchP99 = percentile(with, 50), percentile(with, 99)
	res.MatchBaseP50, res.MatchBaseP99 = percentile(without, 50), percentile(without, 99)
	var rl []time.Duration
	for range 20 {
		t0 := time.Now()
		if _, err := reports.Districts(ctx, staff, ""); err != nil {
			return res, fmt.Errorf("district report: %w", err)
		}
		rl = append(rl, time.Since(t0))
	}
	res.ReportP50, res.ReportMax = percentile(rl, 50), slices.Max(rl)
	if res.Pages, err = pages(ctx, db, ix, svc, rs, m, reports, g, log); err != nil {
		return res, fmt.Errorf("web pages: %w", err)
	}
	return res, nil
}

// person is p as a referral names it.
func person(p access.Principal) referral.Person { return referral.Person{ID: p.TokenID, Name: p.Name} }
