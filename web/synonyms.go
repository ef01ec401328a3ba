package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
)

// synonymsView is "Suchwörter": the words people type and what search
// then finds as well; RM changes the list here.
type synonymsView struct {
	Items      []catalogue.Synonym
	Word, Mean string            // the form's values after a refusal
	Errs       map[string]string // by form field
}

func (a *App) synonyms(c echo.Context) error {
	return a.synonymsPage(c, http.StatusOK, &synonymsView{})
}

func (a *App) synonymsPage(c echo.Context, status int, sv *synonymsView) error {
	me, _ := user(c)
	list, err := a.cat.Synonyms(c.Request().Context(), me.Principal())
	if err != nil {
		return err
	}
	sv.Items = list
	p := page{Title: "Suchwörter", Data: sv}
	switch c.QueryParam("ok") {
	case "gespeichert":
		p.Info = "Gespeichert. Die Suche findet es ab sofort."
	case "entfernt":
		p.Info = "Entfernt. Die Suche kennt das Wort nicht mehr."
	}
	if len(sv.Errs) > 0 {
		p.Error = "Nicht gespeichert. Bitte prüfen Sie die markierten Felder."
	}
	return a.render(c, status, "synonyms", p)
}

// synonymMessages say in German what PutSynonym refused, by field.
var synonymMessages = map[string]string{
	"word":  "Bitte geben Sie das Wort an, wie man es tippt (höchstens 60 Zeichen, mit Buchstaben oder Ziffern).",
	"means": "Bitte geben Sie an, was die Suche dann auch finden soll (höchstens 200 Zeichen, nicht das Wort selbst).",
}

// saveSynonym adds a word or changes what it means.
func (a *App) saveSynonym(c echo.Context) error {
	me, _ := user(c)
	word, means := c.FormValue("wort"), c.FormValue("bedeutet")
	_, _, err := a.cat.PutSynonym(c.Request().Context(), me.Principal(), word, catalogue.Synonym{Word: word, Means: means})
	var ve *catalogue.ValidationError
	if errors.As(err, &ve) {
		sv := &synonymsView{Word: word, Mean: means, Errs: map[string]string{}}
		for _, f := range ve.Fields {
			if msg, ok := synonymMessages[f.Field]; ok {
				sv.Errs[map[string]string{"word": "wort", "means": "bedeutet"}[f.Field]] = msg
			}
		}
		return a.synonymsPage(c, http.StatusUnprocessableEntity, sv)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/katalog/suchwoerter?ok=gespeichert#"+url.QueryEscape(catalogue.SynonymKey(word)))
}

// deleteSynonym takes a word off the list.
func (a *App) deleteSynonym(c echo.Context) error {
	me, _ := user(c)
	err := a.cat.DeleteSynonym(c.Request().Context(), me.Principal(), c.FormValue("wort"))
	if errors.Is(err, catalogue.ErrNotFound) {
		return echo.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/katalog/suchwoerter?ok=entfernt")
}
