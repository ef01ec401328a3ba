package web

import (
	"errors"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
)

// helpKindsView is "Hilfearten": which kinds of entry typically give each
// kind of help, which matching prefers; RM changes it here.
type helpKindsView struct {
	Themes []helpTheme
	Failed string // the code whose change was refused
}

type helpTheme struct {
	Label string
	Rows  []helpRow
}

type helpRow struct {
	Code, Label      string
	Minors, NeedsCar bool
	Kinds            []option
}

func (a *App) helpKinds(c echo.Context) error {
	return a.helpKindsPage(c, http.StatusOK, "", "")
}

func (a *App) helpKindsPage(c echo.Context, status int, failed, msg string) error {
	v, err := a.vocab(c.Request().Context())
	if err != nil {
		return err
	}
	hv := &helpKindsView{Failed: failed}
	for _, th := range v.tax.Themes {
		t := helpTheme{Label: th.Label}
		for _, h := range th.HelpKinds {
			row := helpRow{Code: h.Code, Label: h.Label, Minors: h.Minors, NeedsCar: h.NeedsCar}
			for _, k := range catalogue.Kinds {
				row.Kinds = append(row.Kinds, option{Value: string(k), Label: kindLabels[k], Selected: slices.Contains(h.ProvidedBy, k)})
			}
			t.Rows = append(t.Rows, row)
		}
		hv.Themes = append(hv.Themes, t)
	}
	p := page{Title: "Hilfearten", Data: hv, Error: msg}
	if c.QueryParam("ok") != "" {
		p.Info = "Gespeichert. Vorschläge berücksichtigen es ab sofort."
	}
	return a.render(c, status, "help-kinds", p)
}

// saveHelpKind changes one help kind: label, minors, car, who gives it.
func (a *App) saveHelpKind(c echo.Context) error {
	me, _ := user(c)
	ctx, code := c.Request().Context(), c.Param("code")
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	h, ok := v.tax.HelpKind(code)
	if !ok {
		return echo.ErrNotFound
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Das Formular ließ sich nicht lesen.")
	}
	h.Label = form.Get("label")
	h.Minors = form.Get("minors") != ""
	h.NeedsCar = form.Get("needs_car") != ""
	h.ProvidedBy = nil
	for _, k := range form["provided_by"] {
		h.ProvidedBy = append(h.ProvidedBy, catalogue.Kind(k))
	}
	err = a.cat.UpdateTerm(ctx, me.Principal(), catalogue.VocabHelpKinds, code, h)
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		return a.helpKindsPage(c, http.StatusUnprocessableEntity, code, "Nicht gespeichert: Bitte geben Sie eine Bezeichnung (höchstens 200 Zeichen) an und wählen Sie nur die angebotenen Arten.")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/katalog/hilfearten?ok=1#"+code)
}
