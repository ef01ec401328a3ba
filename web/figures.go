package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
	"massanzug/referral"
	"massanzug/report"
	"massanzug/transfer"
)

// figuresView is the screen "Kennzahlen": the district figures as a
// table and as bars per Sozialraum, this year against the year before.
type figuresView struct {
	Stichtag, YearBefore, StichtagISO string
	CountedAt                         string // the figures are counted at most a few minutes ago
	Columns                           []string
	Rows                              []figureRow
	Charts                            []chart
}

type figureRow struct {
	Label string
	Cells []figureCell
}

type figureCell struct{ Now, Before string }

// chart is one bar chart, laid out here so that the template only draws.
type chart struct {
	ID, Title, Unit string
	Width, Height   int
	Bars            []bar
	Summary         string // the same figures as text, for screen readers
}

type bar struct {
	X, Y, W, H, LabelX, LabelY, ValueY int
	Label, Value                       string
	Before                             bool
}

// headline are the figures of the table and charts, in order, with their
// German names; the CSV carries every figure.
var headline = []struct{ key, label string }{
	{"active_volunteers", "Aktive Ehrenamtliche"},
	{"volunteers_per_1000.inhabitants", "Ehrenamtliche je 1.000 Einwohner"},
	{"volunteers_per_1000.over_65", "Ehrenamtliche je 1.000 Einwohner über 65"},
	{"entries.neighbourhood_help.active", "Aktive Nachbarschaftshilfen"},
	{"entries.offer.approved", "Freigegebene Angebote"},
	{"referrals.started", "Begonnene Vermittlungen"},
	{"referrals.active", "Laufende Hilfen"},
	{"referrals.ended.successful", "Erfolgreich beendet"},
	{"referrals.success_rate", "Erfolgsquote"},
	{"referrals.median_days_to_active", "Tage bis zum Beginn (Median)"},
	{"referrals_per_rm_post", "Vermittlungen je RM-Stelle"},
	{"unmet_needs", "Nicht gedeckte Bedarfe"},
	{"gaps_open", "Offene Lücken"},
	{"due_for_review", "Zu prüfende Einträge"},
}

var charted = map[string]bool{"volunteers_per_1000.inhabitants": true, "referrals.started": true, "referrals.active": true, "unmet_needs": true}

func (a *App) figures(c echo.Context) error {
	me, _ := user(c)
	stichtag, ok := "", true
	if s := strings.TrimSpace(c.QueryParam("stichtag")); s != "" {
		stichtag, ok = parseDay(s)
	}
	p := page{Title: "Kennzahlen"}
	if !ok {
		p.Error = "Bitte den Stichtag als TT.MM.JJJJ angeben."
		return a.render(c, http.StatusUnprocessableEntity, "figures", p)
	}
	rep, at, err := a.reports.Recent(c.Request().Context(), me.Principal(), stichtag)
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		p.Error = "Der Stichtag darf nicht in der Zukunft liegen."
		return a.render(c, http.StatusUnprocessableEntity, "figures", p)
	}
	if err != nil {
		return err
	}
	fv := &figuresView{Stichtag: day(rep.Stichtag), YearBefore: day(rep.YearBefore), StichtagISO: rep.Stichtag, CountedAt: a.when(at)}
	all := append(append([]report.District{}, rep.Districts...), rep.City)
	cur, ago := make([]map[string]string, len(all)), make([]map[string]string, len(all))
	for i, d := range all {
		fv.Columns = append(fv.Columns, d.Name)
		cur[i], ago[i] = flatFigures(d.Current), flatFigures(d.YearAgo)
	}
	for _, h := range headline {
		row := figureRow{Label: h.label}
		for i := range all {
			row.Cells = append(row.Cells, figureCell{Now: german(h.key, cur[i][h.key]), Before: german(h.key, ago[i][h.key])})
		}
		fv.Rows = append(fv.Rows, row)
		if charted[h.key] {
			fv.Charts = append(fv.Charts, barChart(h.key, h.label, rep, cur[:len(rep.Districts)], ago[:len(rep.Districts)], fv))
		}
	}
	return a.render(c, http.StatusOK, "figures", page{Title: "Kennzahlen", Data: fv})
}

// flatFigures are a district's figures by key, as the report's rows name
// them (the same keys as the API's CSV).
func flatFigures(f report.Figures) map[string]string {
	r := &report.Report{Districts: []report.District{{District: "x", Current: f}}}
	out := map[string]string{}
	for _, row := range r.Rows()[1:] {
		if row[0] == "x" {
			out[row[2]] = row[3]
		}
	}
	return out
}

// german writes a figure as German readers write numbers.
func german(key, v string) string {
	if v == "" {
		return "–"
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	if strings.HasSuffix(key, "success_rate") {
		return strconv.FormatFloat(math.Round(f*100), 'f', 0, 64) + " %"
	}
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strings.Replace(strconv.FormatFloat(f, 'f', 1, 64), ".", ",", 1)
}

func barChart(key, title string, rep *report.Report, cur, ago []map[string]string, fv *figuresView) chart {
	const barW, gap, group, top, base = 22, 4, 70, 20, 170
	ch := chart{ID: strings.NewReplacer(".", "-", "_", "-").Replace(key), Title: title, Width: 40 + group*len(rep.Districts), Height: base + 45}
	maxV := 0.0
	val := func(m map[string]string) float64 { f, _ := strconv.ParseFloat(m[key], 64); return f }
	for i := range cur {
		maxV = max(maxV, val(cur[i]), val(ago[i]))
	}
	if maxV == 0 {
		maxV = 1
	}
	var summary []string
	for i, d := range rep.Districts {
		x := 30 + i*group
		for j, m := range []map[string]string{ago[i], cur[i]} {
			h := int(math.Round(val(m) / maxV * float64(base-top)))
			b := bar{X: x + j*(barW+gap), Y: base - h, W: barW, H: h, Value: german(key, m[key]), Before: j == 0}
			b.ValueY = b.Y - 4
			ch.Bars = append(ch.Bars, b)
		}
		ch.Bars[len(ch.Bars)-1].Label = d.Name
		ch.Bars[len(ch.Bars)-1].LabelX = x + barW
		ch.Bars[len(ch.Bars)-1].LabelY = base + 18
		summary = append(summary, fmt.Sprintf("%s: %s (Vorjahr %s)", d.Name, german(key, cur[i][key]), german(key, ago[i][key])))
	}
	ch.Summary = title + " je Sozialraum am " + fv.Stichtag + ": " + strings.Join(summary, "; ")
	return ch
}

// figureLabel names any figure of the CSV in German.
func figureLabel(key string, v *vocab) string {
	for _, h := range headline {
		if h.key == key {
			return h.label
		}
	}
	parts := strings.Split(key, ".")
	switch {
	case parts[0] == "entries" && len(parts) == 3:
		return kindLabels[catalogue.Kind(parts[1])] + " (" + entryStatusLabels[catalogue.Status(parts[2])] + ")"
	case parts[0] == "by_help_kind" && len(parts) == 2:
		return "Hilfeart " + labels(v.help, parts[1:])
	case parts[0] == "referrals" && len(parts) == 3 && parts[1] == "ended":
		return "Beendet: " + outcomeLabels[referral.Outcome(parts[2])]
	case parts[0] == "savings" && len(parts) == 3:
		dep := parts[2]
		for _, d := range referral.Departments {
			if d.Code == dep {
				dep = d.Label
			}
		}
		return "Einsparung " + parts[1] + " (€): " + dep
	}
	return map[string]string{"referrals.declined": "Abgelehnte Vermittlungen", "referrals.withdrawn": "Zurückgezogene Vermittlungen",
		"volunteers_per_1000.under_18": "Ehrenamtliche je 1.000 Einwohner unter 18", "gaps_closed": "Geschlossene Lücken"}[key]
}

// figuresCSV is the whole report as a spreadsheet for Excel on German
// Windows: UTF-8 with a byte order mark, semicolons, German names.
func (a *App) figuresCSV(c echo.Context) error {
	me, _ := user(c)
	stichtag, ok := "", true
	if s := strings.TrimSpace(c.QueryParam("stichtag")); s != "" {
		stichtag, ok = parseDay(s)
	}
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest, "Bitte den Stichtag als TT.MM.JJJJ angeben.")
	}
	rep, err := a.reports.Districts(c.Request().Context(), me.Principal(), stichtag)
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		return echo.NewHTTPError(http.StatusBadRequest, "Der Stichtag darf nicht in der Zukunft liegen.")
	}
	if err != nil {
		return err
	}
	v, err := a.vocab(c.Request().Context())
	if err != nil {
		return err
	}
	body := rep.Rows()[1:]
	out := [][]string{{"Sozialraum", "Kennzahl", "Schlüssel", "Stichtag " + day(rep.Stichtag), "Vorjahr " + day(rep.YearBefore)}}
	for _, r := range body {
		label := figureLabel(r[2], v)
		if label == "" {
			label = r[2]
		}
		out = append(out, []string{r[1], transfer.Neutralise(label), r[2], strings.Replace(r[3], ".", ",", 1), strings.Replace(r[4], ".", ",", 1)})
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="kennzahlen-`+rep.Stichtag+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	c.Response().Write([]byte("\ufeff"))
	w := csv.NewWriter(c.Response())
	w.Comma = ';'
	if err := w.WriteAll(out); err != nil {
		return fmt.Errorf("write figures: %w", err)
	}
	return nil
}
