// Package bench measures the catalogue at realistic scale: it generates a
// synthetic catalogue of N entries, imports it through the same path as
// staff (validation, one transaction, batch indexing), reopens the data
// folder, and times a mixed set of searches against two scans over the same
// entries with the same scope, filters and German analysis, which must find
// the same totals: an exhaustive scan of the stored entries (what the
// service would do without an index) and a scan of entries held in memory,
// decoded and analysed ahead (the strongest floor). Then it times matching.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/matching"
	"massanzug/store"
)

// Result holds the figures of one run.
type Result struct {
	Entries      int
	ImportPerSec float64
	Import       time.Duration
	Open         time.Duration
	SearchP50    time.Duration
	SearchP99    time.Duration
	ScanP50      time.Duration // exhaustive scan of the stored entries
	ScanP99      time.Duration
	MemScanP50   time.Duration // scan of the entries held in memory, analysed ahead
	MemScanP99   time.Duration
	// Disagreements counts queries whose total differs between the index
	// and the scans; the scans are only a floor if they answer the same.
	Disagreements    []string
	HeapMB           float64
	IndexMB, StoreMB float64
	Queries          int
	MatchWarm        time.Duration // reading the catalogue into the matcher's memory at start
	MatchP50         time.Duration
	MatchP99         time.Duration
	Assign200        time.Duration
	// CrashRestart is a start after a crash left 100 changes out of the
	// index: database and index open, the index caught up.
	CrashRestart time.Duration
	Referral     ReferralResult
}

var staff = access.Principal{TokenID: "bench", Name: "bench", Role: access.RoleResourceManager}

// caseAndStaff are the two roles searches alternate between.
func caseAndStaff() []access.Principal {
	return []access.Principal{{Role: access.RoleCaseManager}, staff}
}

// Run builds a catalogue of n entries in dir (which should be empty) and
// measures it.
func Run(ctx context.Context, dir string, n int, log *slog.Logger) (Result, error) {
	res := Result{Entries: n}
	g, took, err := build(ctx, dir, n, log)
	if err != nil {
		return res, err
	}
	res.Import = took
	res.ImportPerSec = float64(n) / res.Import.Seconds()

	// A start: open the database and the index, which must not rebuild.
	start := time.Now()
	db, err := store.Open(ctx, dir)
	if err != nil {
		return res, err
	}
	defer db.Close()
	ix, err := index.Open(ctx, dir, db, log)
	if err != nil {
		return res, err
	}
	defer ix.Close()
	res.Open = time.Since(start)
	svc := catalogue.NewService(db, catalogue.WithIndexer(ix), catalogue.WithLogger(log))

	// Searches first, alone: the scans after them make garbage by the
	// gigabyte, which would slow whatever runs beside them.
	queries := mixedQueries()
	var lat, scanLat, memLat []time.Duration
	totals := make([]int, len(queries))
	roles := caseAndStaff()
	for round := 0; round < 20; round++ { // 240 searches: a p99 that is not just the slowest one
		for i, q := range queries {
			t0 := time.Now()
			r, err := svc.Search(ctx, roles[i%2], ix, q)
			if err != nil {
				return res, fmt.Errorf("query %d: %w", i, err)
			}
			lat = append(lat, time.Since(t0))
			totals[i] = r.Total
		}
	}
	scan, err := newScanner(ctx, db, ix)
	if err != nil {
		return res, err
	}
	exhaustive := make([]int, len(queries))
	for i, q := range queries {
		t0 := time.Now()
		r, err := scan.exhaustive(ctx, q, roles[i%2], svc.Today())
		if err != nil {
			return res, fmt.Errorf("scan %d: %w", i, err)
		}
		scanLat = append(scanLat, time.Since(t0))
		exhaustive[i] = r.total
	}
	if err := scan.loadAll(ctx); err != nil {
		return res, err
	}
	for i, q := range queries {
		t0 := time.Now()
		r := scan.inMemory(q, roles[i%2], svc.Today())
		memLat = append(memLat, time.Since(t0))
		if exhaustive[i] != totals[i] || r.total != totals[i] {
			res.Disagreements = append(res.Disagreements, fmt.Sprintf("query %d as %s: index %d, exhaustive scan %d, in-memory scan %d",
				i, roles[i%2].Role, totals[i], exhaustive[i], r.total))
		}
	}
	scan.docs = nil
	runtime.GC()
	res.Queries = len(lat)
	res.SearchP50, res.SearchP99 = percentile(lat, 50), percentile(lat, 99)
	res.ScanP50, res.ScanP99 = percentile(scanLat, 50), percentile(scanLat, 99)
	res.MemScanP50, res.MemScanP99 = percentile(memLat, 50), percentile(memLat, 99)
	// Matching: one case after another, then 200 at once.
	m := matching.New(svc, db, ix, matching.DefaultWeights(), log)
	t0 := time.Now()
	if err := m.Warm(ctx); err != nil { // as the service does after a start
		return res, err
	}
	res.MatchWarm = time.Since(t0)
	cases := g.cases(200)
	var matchLat []time.Duration
	for i := 0; i < len(cases); i++ {
		t0 := time.Now()
		if _, err := m.Match(ctx, roles[0], cases[i]); err != nil {
			return res, fmt.Errorf("match %d: %w", i, err)
		}
		matchLat = append(matchLat, time.Since(t0))
	}
	res.MatchP50, res.MatchP99 = percentile(matchLat, 50), percentile(matchLat, 99)
	t0 = time.Now()
	if _, err := m.Assign(ctx, roles[0], cases); err != nil {
		return res, fmt.Errorf("assign: %w", err)
	}
	res.Assign200 = time.Since(t0)
	if res.Referral, err = referrals(ctx, db, ix, svc, g, log); err != nil {
		return res, err
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.HeapMB = float64(ms.HeapAlloc) / (1 << 20)
	res.IndexMB = dirMB(filepath.Join(dir, index.DirName))
	res.StoreMB = dirMB(filepath.Join(dir, store.FileName)) + dirMB(filepath.Join(dir, store.FileName+"-wal"))

	// A crash between commit and index: 100 changes reach the database but
	// not the index (written without it), then a start, which catches up
	// from the change numbers instead of rebuilding.
	noIndex := catalogue.NewService(db, catalogue.WithLogger(log))
	if rep, err := noIndex.Import(ctx, staff, catalogue.KindVolunteer, g.rows(catalogue.KindVolunteer, 100), catalogue.ImportOptions{AllowDuplicates: true}); err != nil || len(rep.Errors) > 0 {
		return res, fmt.Errorf("changes behind the index: %v %v", err, rep.Errors)
	}
	ix.Close()
	db.Close()
	t0 = time.Now()
	db2, err := store.Open(ctx, dir)
	if err != nil {
		return res, err
	}
	defer db2.Close()
	ix2, err := index.Open(ctx, dir, db2, log)
	if err != nil {
		return res, err
	}
	defer ix2.Close()
	res.CrashRestart = time.Since(t0)
	if lag, err := ix2.Lag(ctx); err != nil || lag != 0 {
		return res, fmt.Errorf("after the restart the index is %d changes behind (%v)", lag, err)
	}
	return res, nil
}

// build generates a catalogue of n entries in dir (which should be empty)
// and imports it as staff would, returning the generator and how long the
// import took.
func build(ctx context.Context, dir string, n int, log *slog.Logger) (*generator, time.Duration, error) {
	db, err := store.Open(ctx, dir)
	if err != nil {
		return nil, 0, err
	}
	defer db.Close()
	return buildOn(ctx, db, dir, n, log)
}

// buildOn imports a catalogue of n entries into db, its index in dir.
func buildOn(ctx context.Context, db Backend, dir string, n int, log *slog.Logger) (*generator, time.Duration, error) {
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		return nil, 0, err
	}
	ix, err := index.Open(ctx, dir, db, log)
	if err != nil {
		return nil, 0, err
	}
	defer ix.Close()
	svc := catalogue.NewService(db, catalogue.WithIndexer(ix), catalogue.WithLogger(log))
	g, err := newGenerator(ctx, svc)
	if err != nil {
		return nil, 0, err
	}
	start := time.Now()
	for done := 0; done < n; {
		chunk := min(10_000, n-done)
		for _, k := range catalogue.Kinds {
			rows := g.rows(k, chunk)
			rep, err := svc.Import(ctx, staff, k, rows, catalogue.ImportOptions{AllowDuplicates: true})
			if err != nil {
				return nil, 0, err
			}
			if len(rep.Errors) > 0 {
				return nil, 0, fmt.Errorf("generated rows were refused: %+v", rep.Errors[:min(3, len(rep.Errors))])
			}
			done += len(rows)
		}
	}
	// As after `massanzug import`: one merge of the index, counted as part
	// of the import.
	if err := ix.Compact(ctx); err != nil {
		return nil, 0, err
	}
	return g, time.Since(start), nil
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, len(s)*p/100)]
}

func dirMB(path string) float64 {
	var total int64
	filepath.Walk(path, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			total += info.Size()
		}
		return nil
	})
	return float64(total) / (1 << 20)
}

// Report writes results as Markdown tables.
func Report(w io.Writer, rs []Result) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
	x := func(a, b time.Duration) string { return fmt.Sprintf("%.0f×", float64(a)/float64(max(b, 1))) }
	fmt.Fprintln(w, "| entries | import (entries/s) | start without rebuild | heap after | index on disk | database |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		fmt.Fprintf(w, "| %d | %.0f (%s) | %s | %.0f MB | %.0f MB | %.0f MB |\n", r.Entries, r.ImportPerSec, r.Import.Round(time.Millisecond),
			r.Open.Round(time.Millisecond), r.HeapMB, r.IndexMB, r.StoreMB)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| entries | search p50 | search p99 | exhaustive scan p50 | p99 | faster (p50 / p99) | in-memory scan p50 | p99 | faster (p50 / p99) |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s / %s | %s | %s | %s / %s |\n", r.Entries, ms(r.SearchP50), ms(r.SearchP99),
			ms(r.ScanP50), ms(r.ScanP99), x(r.ScanP50, r.SearchP50), x(r.ScanP99, r.SearchP99),
			ms(r.MemScanP50), ms(r.MemScanP99), x(r.MemScanP50, r.SearchP50), x(r.MemScanP99, r.SearchP99))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| entries | matcher ready after start | match p50 | match p99 | assignment of 200 cases | start after a crash (100 changes caught up) |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s |\n", r.Entries, r.MatchWarm.Round(10*time.Millisecond), ms(r.MatchP50), ms(r.MatchP99),
			r.Assign200.Round(time.Millisecond), r.CrashRestart.Round(time.Millisecond))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| entries | referrals (active) | written in bulk | create p50 | create p99 | match p50 / p99 with referrals | without | district figures read at start | district report p50 | slowest of 20 |")
	fmt.Fprintln(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, r := range rs {
		f := r.Referral
		fmt.Fprintf(w, "| %d | %d (%d) | %s | %s | %s | %s / %s | %s / %s | %s | %s | %s |\n", r.Entries, f.Referrals, f.Active, f.Setup.Round(time.Millisecond),
			ms(f.CreateP50), ms(f.CreateP99), ms(f.MatchP50), ms(f.MatchP99), ms(f.MatchBaseP50), ms(f.MatchBaseP99),
			f.ReportLoad.Round(time.Millisecond), ms(f.ReportP50), ms(f.ReportMax))
	}
	if len(rs) > 0 && len(rs[0].Referral.Pages) > 0 {
		fmt.Fprintln(w)
		head := "| screen (server-side, p50 / p99) |"
		sep := "| --- |"
		for _, r := range rs {
			head += fmt.Sprintf(" %d entries | KB |", r.Entries)
			sep += " ---: | ---: |"
		}
		fmt.Fprintln(w, head)
		fmt.Fprintln(w, sep)
		for i, pg := range rs[0].Referral.Pages {
			line := "| " + pg.Screen + " |"
			for _, r := range rs {
				if i < len(r.Referral.Pages) {
					p := r.Referral.Pages[i]
					line += fmt.Sprintf(" %s / %s | %.0f |", ms(p.P50), ms(p.P99), p.KB)
				}
			}
			fmt.Fprintln(w, line)
		}
	}
	for _, r := range rs {
		for _, d := range r.Disagreements {
			fmt.Fprintf(w, "\nWARNING: %d entries, %s\n", r.Entries, d)
		}
	}
}

// rng-driven pools for the synthetic catalogue.
var (
	firstNames = strings.Fields("Anna Ayşe Brigitte Claudia Dieter Elena Fatma Frank Gisela Hans Ingrid Irina Jonas Karin Khaled Lena Mehmet Monika Nour Olga Petra Renate Samir Stefan Tobias Ursula Werner Zeynep")
	lastNames  = strings.Fields("Müller Schmid Weber Maier Wagner Fischer Hofmann Keller Braun Huber Yılmaz Kaya Demir Haddad Nasser Iwanow Petrenko Rossi Horvat Ahmadi")
	phrases    = []string{
		"war selbst alleinerziehend", "früher Erzieherin im Kindergarten", "Rentner und ehemaliger Elektriker", "kam vor zwanzig Jahren nach Ulm",
		"hat die Mutter gepflegt", "Lehrerin im Ruhestand", "studiert Soziale Arbeit", "spielt Fußball im Verein", "kocht und backt gern",
		"hilft beim Einkaufen auf dem Markt", "begleitet zu Ämtern und Ärzten", "liest Kindern vor", "repariert Fahrräder", "näht und strickt",
		"kennt sich mit Anträgen aus", "Nachbarschaftshilfe im Quartier", "Hausaufgabenbetreuung für Grundschulkinder", "Sprachcafé mit Tee",
		"Frühstück für Familien", "Beratung bei Schulden", "Spaziergänge an der Donau", "Deutschlehrerin mit Geduld", "Fahrdienst zum Arzt",
	}
	langCodes = strings.Fields("de de de tr ar ru uk it fa ro hr en")
)

type generator struct {
	rng      *rand.Rand
	quarters []struct {
		district, name string
		lat, lon       float64
	}
	help      []string
	groups    []string
	providers []string
	today     string
}

func newGenerator(ctx context.Context, svc *catalogue.Service) (*generator, error) {
	g := &generator{rng: rand.New(rand.NewPCG(1, 2)), today: svc.Today()}
	if err := g.load(ctx, svc); err != nil {
		return nil, err
	}
	for i := 0; i < 20; i++ {
		p, err := svc.CreateProvider(ctx, access.Principal{Role: access.RoleAdmin}, catalogue.ProviderInput{Name: fmt.Sprintf("Träger %02d", i)})
		if err != nil {
			return nil, err
		}
		g.providers = append(g.providers, p.ID)
	}
	return g, nil
}

// load reads the quarters and vocabularies the generator draws from.
func (g *generator) load(ctx context.Context, svc *catalogue.Service) error {
	ds, err := svc.Districts(ctx, staff)
	if err != nil {
		return err
	}
	for _, d := range ds {
		for _, q := range d.Quarters {
			g.quarters = append(g.quarters, struct {
				district, name string
				lat, lon       float64
			}{d.ID, q.Name, q.Lat, q.Lon})
		}
	}
	tax, err := svc.Taxonomy(ctx, staff)
	if err != nil {
		return err
	}
	for _, th := range tax.Themes {
		for _, h := range th.HelpKinds {
			g.help = append(g.help, h.Code)
		}
	}
	for _, t := range tax.TargetGroups {
		g.groups = append(g.groups, t.Code)
	}
	return nil
}

func (g *generator) pick(xs []string) string { return xs[g.rng.IntN(len(xs))] }

func (g *generator) text(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.pick(phrases)
	}
	return strings.Join(parts, ". ") + "."
}

func (g *generator) some(xs []string, n int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		x := g.pick(xs)
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// rows makes a share of count entries of kind k (60 % volunteers, 10 %
// neighbourhood helps, 30 % offers).
func (g *generator) rows(k catalogue.Kind, count int) []catalogue.ImportRow {
	share := map[catalogue.Kind]int{catalogue.KindVolunteer: 6, catalogue.KindNeighbourhoodHelp: 1, catalogue.KindOffer: 3}[k]
	n := count * share / 10
	if k == catalogue.KindOffer {
		n = count - count*6/10 - count/10
	}
	rows := make([]catalogue.ImportRow, n)
	for i := range rows {
		q := g.quarters[g.rng.IntN(len(g.quarters))]
		lat, lon := q.lat+(g.rng.Float64()-0.5)*0.01, q.lon+(g.rng.Float64()-0.5)*0.01
		place := catalogue.Place{District: q.district, Quarter: q.name, Lat: &lat, Lon: &lon}
		help := g.some(g.help, 1+g.rng.IntN(3))
		groups := g.some(g.groups, 1+g.rng.IntN(2))
		name := g.pick(firstNames) + " " + g.pick(lastNames)
		var in any
		switch k {
		case catalogue.KindVolunteer:
			capacity := 1 + g.rng.IntN(3)
			in = &catalogue.VolunteerInput{Name: name, Home: place, Districts: []string{q.district}, HelpKinds: help, TargetGroups: groups,
				Languages: []catalogue.LanguageSkill{{Code: g.pick(langCodes[3:]), Level: "native"}, {Code: "de", Level: "good"}}[:1+g.rng.IntN(2)],
				Capacity:  capacity, Load: g.rng.IntN(capacity + 1), LifeExperience: g.text(2), Interests: g.text(1),
				Consent: &catalogue.Consent{GivenOn: "2025-01-01"}, Status: []catalogue.Status{"", "", "", "", "", "paused"}[g.rng.IntN(6)]}
		case catalogue.KindNeighbourhoodHelp:
			in = &catalogue.NeighbourhoodHelpInput{Name: "Nachbarschaftshilfe " + q.name + " " + fmt.Sprint(i), Description: g.text(3),
				Coordinator: catalogue.Contact{Name: name, Phone: "0731 123456"}, Location: place, Districts: []string{q.district},
				HelpKinds: help, TargetGroups: groups, Languages: g.some(langCodes, 1)}
		default:
			o := &catalogue.OfferInput{ProviderID: g.pick(g.providers), Name: g.pick([]string{"Treff", "Café", "Beratung", "Gruppe", "Kurs"}) + " " + q.name,
				Description: g.text(3), Category: g.pick([]string{"cafe_treffpunkt", "beratung", "lerngruppe", "selbsthilfegruppe", "freizeit_sport"}),
				HelpKinds: help, TargetGroups: groups, Districts: []string{q.district}, Location: place, Accessible: g.rng.IntN(2) == 0,
				Languages: g.some(langCodes, 1)}
			if g.rng.IntN(5) == 0 {
				o.ValidFrom, o.ValidUntil = "2025-01-01", "2025-12-31"
			}
			in = o
		}
		rows[i] = catalogue.ImportRow{Line: i + 2, Input: in}
	}
	return rows
}

func boolp(b bool) *bool { return &b }

// cases makes n case profiles as case managers write them: a quarter, one
// or two kinds of help, the client's words and languages, sometimes a
// target group, a gender preference, minors or no car.
func (g *generator) cases(n int) []matching.Case {
	out := make([]matching.Case, n)
	for i := range out {
		q := g.quarters[g.rng.IntN(len(g.quarters))]
		c := matching.Case{Quarter: q.name, District: q.district, HelpKinds: g.some(g.help, 1+g.rng.IntN(2)), Text: g.text(1),
			Languages: []string{g.pick(langCodes)}, HasCar: g.rng.IntN(3) == 0, Limit: 5}
		if g.rng.IntN(2) == 0 {
			c.TargetGroups = g.some(g.groups, 1)
		}
		if g.rng.IntN(3) == 0 {
			c.GenderPreference = "female"
		}
		c.MinorsInvolved = g.rng.IntN(6) == 0
		out[i] = c
	}
	return out
}

// mixedQueries is the set a day of case management might send: words,
// words with filters, distance, filters alone; every answer has facets.
func mixedQueries() []catalogue.SearchQuery {
	pg := catalogue.Page{Limit: 20}
	next := catalogue.Page{Limit: 20, Offset: 20}
	return []catalogue.SearchQuery{
		{Text: "Einkauf", Page: pg, Facets: true},
		{Text: "alleinerziehend", District: "weststadt-soeflingen", Page: pg},
		{Text: "Fußball", Page: pg, Facets: true},
		{Text: "Lehrerin", Language: "tr", Page: next},
		{Text: "Nachbarschaftshilve", Page: pg},
		{Text: "Beratung Schulden", Kinds: []catalogue.Kind{catalogue.KindOffer}, Accessible: boolp(true), Page: pg, Facets: true},
		{HelpKind: "einkaufshilfe", NearQuarter: "Weststadt", RadiusKM: 2, Page: pg},
		{Text: "Arzt", NearQuarter: "Eselsberg", Sort: "distance", Page: next},
		{District: "wiblingen", TargetGroup: "senioren", Page: pg, Facets: true},
		{Text: "Frühstück Familien", Quarter: "Söflingen", Page: pg},
		{Language: "ar", Kinds: []catalogue.Kind{catalogue.KindVolunteer}, Page: next},
		{Text: "Hausaufgaben", HelpKind: "hausaufgabenhilfe", Page: pg},
	}
}
