package index_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/index"
	"massanzug/internal/testbackend"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type world struct {
	t   *testing.T
	dir string
	db  testbackend.Store
	ix  *index.Index
	svc *catalogue.Service
}

var (
	rm    = access.Principal{Role: access.RoleResourceManager, TokenID: "t"}
	fm    = access.Principal{Role: access.RoleCaseManager, TokenID: "t"}
	today = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
)

func newWorld(t *testing.T) *world {
	w := &world{t: t, dir: t.TempDir()}
	w.open(quiet)
	return w
}

func TestMain(m *testing.M) { testbackend.Main(m) }

// open opens the data folder as a start does, logging to log.
func (w *world) open(log *slog.Logger) {
	ctx := context.Background()
	db := testbackend.Open(w.t, w.dir)
	// The reference data comes first: the index places entries by it.
	if err := catalogue.NewService(db).Init(ctx); err != nil {
		w.t.Fatal(err)
	}
	ix, err := index.Open(ctx, w.dir, db, log)
	if err != nil {
		w.t.Fatal(err)
	}
	w.db, w.ix = db, ix
	w.svc = catalogue.NewService(db, catalogue.WithIndexer(ix), catalogue.WithLogger(quiet), catalogue.WithClock(func() time.Time { return today }))
	w.t.Cleanup(func() { ix.Close() })
}

func (w *world) close() {
	w.ix.Close()
	w.db.Close()
}

func fp(f float64) *float64 { return &f }

func (w *world) volunteer(name, experience string, district, quarter string, help ...string) string {
	w.t.Helper()
	v, err := w.svc.CreateVolunteer(context.Background(), rm, catalogue.VolunteerInput{
		Name: name, LifeExperience: experience, Home: catalogue.Place{District: district, Quarter: quarter},
		Districts: []string{district}, HelpKinds: help, Capacity: 1, Consent: &catalogue.Consent{GivenOn: "2026-01-01"},
		Languages: []catalogue.LanguageSkill{{Code: "tr", Level: "native"}},
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return v.ID
}

func (w *world) search(p access.Principal, q catalogue.SearchQuery) catalogue.SearchResult {
	w.t.Helper()
	if q.Limit == 0 {
		q.Limit = 50
	}
	q.Facets = true
	res, err := w.svc.Search(context.Background(), p, w.ix, q)
	if err != nil {
		w.t.Fatal(err)
	}
	return res
}

func names(r catalogue.SearchResult) string {
	var out []string
	for _, h := range r.Items {
		out = append(out, h.Name)
	}
	return strings.Join(out, " | ")
}

// TestGermanText: compounds, folding, stemming and typos, as a case
// manager types them.
func TestGermanText(t *testing.T) {
	w := newWorld(t)
	w.volunteer("Jonas Keller", "Früher Fußballtrainer im Verein", "eselsberg", "Eselsberg", "sport_bewegung")
	w.volunteer("Organisierte Nachbarschaftshilfe", "Nachbarn helfen Nachbarn", "eselsberg", "Eselsberg", "besuchsdienst")
	w.volunteer("Petra Maier", "Macht gern Einkaufshilfe für Ältere", "wiblingen", "Wiblingen", "besuchsdienst")
	w.volunteer("Gisela Braun", "Deutschlehrerin im Ruhestand", "mitte-ost", "Mitte", "sprachpatenschaft")
	w.volunteer("Hans Wolf", "Repariert Fahrräder und Möbel", "boefingen", "Böfingen", "reparatur_garten")
	for _, c := range []struct{ query, want, not string }{
		{"Fußball", "Jonas Keller", "Petra"},
		{"Fussball", "Jonas Keller", "Petra"},
		{"fussballtrainer", "Jonas Keller", ""},
		{"Trainer", "Jonas Keller", ""},
		{"Hilfe", "Organisierte Nachbarschaftshilfe", "Hans"},
		{"Hilfe", "Petra Maier", "Hans"},
		{"Einkauf", "Petra Maier", "Jonas"},
		{"Lehrerin", "Gisela Braun", "Petra"},
		{"Nachbarschaftshilve", "Organisierte Nachbarschaftshilfe", ""},
		{"Fahrrad", "Hans Wolf", ""},
		{"ruhestand", "Gisela Braun", ""},
		{"älteren", "Petra Maier", ""},
	} {
		got := names(w.search(rm, catalogue.SearchQuery{Text: c.query}))
		if !strings.Contains(got, c.want) {
			t.Errorf("%q found %q, want %q", c.query, got, c.want)
		}
		if c.not != "" && strings.Contains(got, c.not) {
			t.Errorf("%q found %q, which should not match", c.query, got)
		}
	}
}
