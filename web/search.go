package web

import (
	"errors"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
)

// kindLabels are the kinds of entry as the screens name them.
var kindLabels = catalogue.KindLabels

// searchView is the search screen's part of a page.
type searchView struct {
	Text, Radius                   string
	Accessible                     bool
	KindOptions, HelpOptions       []option
	TargetOptions, LanguageOptions []option
	Quarters, NearQuarters         []quarterGroup
	Result                         *catalogue.SearchResult
	Hits                           []hitView
	Facets                         []facetGroup
	First                          int
	Prev, Next                     string
	// DidYouMean is the corrected text and Corrected the search for it.
	DidYouMean, Corrected string
}

type hitView struct {
	ID, Name, Kind, Status, Districts, HelpKinds, Distance string
	Snippets                                               []template.HTML
}

// facetGroup is one facet: its values with counts, each a link that
// filters by it.
type facetGroup struct {
	Label  string
	Values []facetView
}

type facetView struct {
	Label, Link string
	Count       int
	Current     bool
}

const hitsPerPage = 20

// searchFacets are the facets the screen shows, with the parameter each
// value filters by.
var searchFacets = []struct{ facet, label, param string }{
	{"kind", "Art", "art"}, {"district", "Sozialraum", "sozialraum"}, {"help_kind", "Hilfeart", "hilfeart"},
	{"language", "Sprache", "sprache"}, {"target_group", "Zielgruppe", "zielgruppe"},
}

func (a *App) search(c echo.Context) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	qp := c.QueryParams()
	q := catalogue.SearchQuery{Text: strings.TrimSpace(qp.Get("q")), District: qp.Get("sozialraum"), HelpKind: qp.Get("hilfeart"),
		Quarter: qp.Get("quartier"), TargetGroup: qp.Get("zielgruppe"), Language: qp.Get("sprache"),
		Facets: true, Page: catalogue.Page{Limit: hitsPerPage}}
	if k := catalogue.Kind(qp.Get("art")); kindLabels[k] != "" {
		q.Kinds = []catalogue.Kind{k}
	}
	if qp.Get("barrierefrei") != "" {
		yes := true
		q.Accessible = &yes
	}
	sv := &searchView{Text: q.Text, Accessible: q.Accessible != nil, Radius: qp.Get("umkreis")}
	if nq := qp.Get("nahe"); nq != "" {
		q.NearQuarter = nq
		r, err := strconv.ParseFloat(sv.Radius, 64)
		if err != nil || r <= 0 || r > 50 {
			r = 2
		}
		q.RadiusKM = r
	}
	pg := pageOf(c, "/suche", hitsPerPage)
	q.Page = pg.Page
	sv.First = q.Offset + 1

	p := page{Title: "Suche", Search: sv, DistrictOptions: v.districtOptions(q.District)}
	for _, k := range catalogue.Kinds {
		sv.KindOptions = append(sv.KindOptions, option{Value: string(k), Label: kindLabels[k], Selected: len(q.Kinds) == 1 && q.Kinds[0] == k})
	}
	for _, th := range v.tax.Themes {
		for _, h := range th.HelpKinds {
			sv.HelpOptions = append(sv.HelpOptions, option{Value: h.Code, Label: th.Label + ": " + h.Label, Selected: h.Code == q.HelpKind})
		}
	}
	sv.TargetOptions = termOptions(v.tax.TargetGroups, q.TargetGroup)
	sv.LanguageOptions = languageOptions(q.Language)
	sv.Quarters, sv.NearQuarters = v.quarterGroups(q.Quarter), v.quarterGroups(q.NearQuarter)
	// Nothing asked yet: the form alone.
	if len(qp) == 0 {
		return a.render(c, http.StatusOK, "search", p)
	}
	res, err := a.cat.Search(ctx, me.Principal(), a.searcher, q)
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		p.Error = "Diese Auswahl passt nicht zusammen. Bitte prüfen Sie Sozialraum, Quartier und Umkreis."
		return a.render(c, http.StatusUnprocessableEntity, "search", p)
	}
	if err != nil {
		return err
	}
	sv.Result = &res
	for _, h := range res.Items {
		hv := hitView{ID: h.ID, Name: h.Name, Kind: kindLabels[h.Kind], Districts: labels(v.district, h.Districts), HelpKinds: labels(v.help, h.HelpKinds),
			Distance: km(h.DistanceKM)}
		if h.Status != catalogue.StatusActive && h.Status != catalogue.StatusApproved {
			hv.Status = entryStatusLabels[h.Status]
		}
		for _, frags := range h.Highlights {
			for _, f := range frags {
				hv.Snippets = append(hv.Snippets, marked(f))
			}
		}
		sv.Hits = append(sv.Hits, hv)
	}
	// The current query without the page, changed in one parameter.
	link := func(param, value string) string {
		u := url.Values{}
		for k, vs := range qp {
			u[k] = vs
		}
		u.Del("seite")
		if value == "" {
			u.Del(param)
		} else {
			u.Set(param, value)
		}
		return "/suche?" + u.Encode()
	}
	facetLabel := map[string]func(string) string{
		"kind":         func(s string) string { return kindLabels[catalogue.Kind(s)] },
		"district":     func(s string) string { return v.district[s] },
		"help_kind":    func(s string) string { return v.help[s] },
		"language":     func(s string) string { return catalogue.LanguageNames[s] },
		"target_group": func(s string) string { return v.target[s] },
	}
	for _, f := range searchFacets {
		g := facetGroup{Label: f.label}
		for _, fc := range res.Facets[f.facet] {
			label := facetLabel[f.facet](fc.Value)
			if label == "" {
				label = fc.Value
			}
			cur := qp.Get(f.param) == fc.Value
			to := fc.Value
			if cur {
				to = "" // a second click removes the filter
			}
			g.Values = append(g.Values, facetView{Label: label, Count: fc.Count, Link: link(f.param, to), Current: cur})
			if len(g.Values) == 8 {
				break
			}
		}
		if len(g.Values) > 0 {
			sv.Facets = append(sv.Facets, g)
		}
	}
	sv.Prev, sv.Next = pg.links(len(res.Items), res.Total)
	if res.DidYouMean != "" {
		sv.DidYouMean, sv.Corrected = res.DidYouMean, link("q", res.DidYouMean)
	}
	return a.render(c, http.StatusOK, "search", p)
}

// marked is a highlighted fragment of the index as safe HTML: the index
// marks the matched words with <mark>; everything else is escaped here
// again, whatever the index did, so that an entry's text can never be
// markup.
func marked(fragment string) template.HTML {
	var b strings.Builder
	for i, part := range strings.Split(fragment, "<mark>") {
		if i > 0 {
			b.WriteString("<mark>")
		}
		inner, rest, found := strings.Cut(part, "</mark>")
		if !found {
			b.WriteString(template.HTMLEscapeString(html.UnescapeString(part)))
			continue
		}
		b.WriteString(template.HTMLEscapeString(html.UnescapeString(inner)))
		b.WriteString("</mark>")
		b.WriteString(template.HTMLEscapeString(html.UnescapeString(rest)))
	}
	return template.HTML(b.String())
}
