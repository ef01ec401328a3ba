package web

import (
	"fmt"
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
var kindLabels = map[catalogue.Kind]string{
	catalogue.KindVolunteer: "Ehrenamtliche Person", catalogue.KindNeighbourhoodHelp: "Nachbarschaftshilfe", catalogue.KindOffer: "Angebot",
}

// searchView is the search screen's part of a page.
type searchView struct {
	Text                     string
	KindOptions, HelpOptions []option
	Result                   *catalogue.SearchResult
	Hits                     []hitView
	Facets                   []facetView
	First                    int
	Prev, Next               string
}

type hitView struct {
	Name, Kind, Districts, HelpKinds, Distance string
	Snippets                                   []template.HTML
}

type facetView struct {
	Label string
	Count int
}

const hitsPerPage = 20

func (a *App) search(c echo.Context) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	districts, tax, err := a.cat.Reference(ctx)
	if err != nil {
		return err
	}
	q := catalogue.SearchQuery{Text: strings.TrimSpace(c.QueryParam("q")), District: c.QueryParam("sozialraum"), HelpKind: c.QueryParam("hilfeart"),
		Facets: true, Page: catalogue.Page{Limit: hitsPerPage}}
	if k := catalogue.Kind(c.QueryParam("art")); kindLabels[k] != "" {
		q.Kinds = []catalogue.Kind{k}
	}
	pageNo, _ := strconv.Atoi(c.QueryParam("seite"))
	pageNo = max(pageNo, 1)
	q.Offset = (pageNo - 1) * hitsPerPage

	names := map[string]string{}
	p := page{Title: "Suche", Search: &searchView{Text: q.Text, First: q.Offset + 1}}
	for _, d := range districts {
		names[d.ID] = d.Name
		p.DistrictOptions = append(p.DistrictOptions, option{Value: d.ID, Label: d.Name, Selected: d.ID == q.District})
	}
	for _, k := range catalogue.Kinds {
		p.Search.KindOptions = append(p.Search.KindOptions, option{Value: string(k), Label: kindLabels[k], Selected: len(q.Kinds) == 1 && q.Kinds[0] == k})
	}
	helpLabels := map[string]string{}
	for _, th := range tax.Themes {
		for _, h := range th.HelpKinds {
			helpLabels[h.Code] = h.Label
			p.Search.HelpOptions = append(p.Search.HelpOptions, option{Value: h.Code, Label: th.Label + ": " + h.Label, Selected: h.Code == q.HelpKind})
		}
	}
	// Nothing asked yet: the form alone.
	if len(c.QueryParams()) == 0 {
		return a.render(c, http.StatusOK, "search", p)
	}
	res, err := a.cat.Search(ctx, me.Principal(), a.searcher, q)
	if err != nil {
		return err
	}
	p.Search.Result = &res
	label := func(m map[string]string, codes []string) string {
		out := make([]string, len(codes))
		for i, c := range codes {
			if out[i] = m[c]; out[i] == "" {
				out[i] = c
			}
		}
		return strings.Join(out, ", ")
	}
	for _, h := range res.Items {
		v := hitView{Name: h.Name, Kind: kindLabels[h.Kind], Districts: label(names, h.Districts), HelpKinds: label(helpLabels, h.HelpKinds)}
		if h.DistanceKM != nil {
			v.Distance = strings.Replace(fmt.Sprintf("%.1f km", *h.DistanceKM), ".", ",", 1)
		}
		for _, frags := range h.Highlights {
			for _, f := range frags {
				v.Snippets = append(v.Snippets, marked(f))
			}
		}
		p.Search.Hits = append(p.Search.Hits, v)
	}
	for _, f := range res.Facets["kind"] {
		p.Search.Facets = append(p.Search.Facets, facetView{Label: kindLabels[catalogue.Kind(f.Value)], Count: f.Count})
	}
	link := func(n int) string {
		v := url.Values{}
		for k, vs := range c.QueryParams() {
			v[k] = vs
		}
		v.Set("seite", strconv.Itoa(n))
		return "/suche?" + v.Encode()
	}
	if pageNo > 1 {
		p.Search.Prev = link(pageNo - 1)
	}
	if q.Offset+len(res.Items) < res.Total {
		p.Search.Next = link(pageNo + 1)
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
