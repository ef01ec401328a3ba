package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
	"massanzug/referral"
)

// providerView is the Träger-Portal: the provider's own offers with where
// each stands, the requests waiting and the organisation's profile.
type providerView struct {
	Name       string
	Total      int
	Prev, Next string
	Offers     []providerOffer
	Requests   int
	Profile    []fact
}

type providerOffer struct {
	ID, Name, Status, Note string
}

func (a *App) providerHome(c echo.Context) error {
	me, _ := user(c)
	ctx, p := c.Request().Context(), me.Principal()
	pr, err := a.cat.Provider(ctx, p, p.ProviderID)
	if err != nil {
		return err
	}
	pg := pageOf(c, "/traeger", 50)
	offers, total, err := a.cat.Offers(ctx, p, catalogue.ListQuery{Page: pg.Page})
	if err != nil {
		return err
	}
	_, requests, err := a.referrals.List(ctx, p, referral.Query{Status: referral.Requested, Page: catalogue.Page{Limit: 1}})
	if err != nil {
		return err
	}
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	pv := &providerView{Name: pr.Name, Requests: requests, Total: total}
	pv.Prev, pv.Next = pg.links(len(offers), total)
	for _, o := range offers {
		po := providerOffer{ID: o.ID, Name: o.Name, Status: entryStatusLabels[o.Status]}
		switch {
		case o.PendingChange != nil:
			po.Note = "Ihre Änderung vom " + a.dayOf(&o.PendingChange.SubmittedAt) + " wartet auf Freigabe."
		case o.Status == catalogue.StatusRejected:
			po.Note = "Abgelehnt: " + o.RejectionReason
		case o.RejectionReason != "":
			po.Note = "Ihre letzte Änderung wurde abgelehnt: " + o.RejectionReason
		case o.Status == catalogue.StatusSubmitted:
			po.Note = "Wartet auf Freigabe durch die Stadt."
		case o.ValidUntil != "" && o.ValidUntil < a.cat.Today():
			po.Note = "Abgelaufen am " + day(o.ValidUntil) + "."
		}
		pv.Offers = append(pv.Offers, po)
	}
	add := func(l, val string) {
		if strings.TrimSpace(val) != "" {
			pv.Profile = append(pv.Profile, fact{l, val})
		}
	}
	add("Beschreibung", pr.Description)
	add("Website", pr.Website)
	add("Kontakt", contactText(pr.Contact))
	add("Adresse", strings.Join(nonEmpty(pr.Address.Street, strings.TrimSpace(pr.Address.PostalCode+" "+pr.Address.City)), ", "))
	add("Sozialräume", labels(v.district, pr.Districts))
	info := map[string]string{"profil": "Das Profil ist gespeichert."}[c.QueryParam("ok")]
	return a.render(c, http.StatusOK, "provider", page{Title: "Träger-Portal", Info: info, Data: pv})
}

var profileFields = []formField{
	{ID: "name", Label: "Name der Organisation", Type: ftText, Required: true, Max: 200},
	{ID: "description", Label: "Beschreibung", Type: ftArea, Max: 4000},
	{ID: "website", Label: "Website", Type: ftText, Hint: "Mit https://"},
	{ID: "contact-name", Label: "Ansprechperson", Type: ftText},
	{ID: "contact-phone", Label: "Telefon", Type: ftTel},
	{ID: "contact-email", Label: "E-Mail", Type: ftEmail},
	{ID: "address-street", Label: "Straße und Hausnummer", Type: ftText},
	{ID: "address-postal_code", Label: "Postleitzahl", Type: ftText},
	{ID: "address-city", Label: "Ort", Type: ftText},
}

var profileMessages = map[string]string{"website": "Bitte eine Adresse wie https://www.beispiel.de angeben."}

func (a *App) profileForm(c echo.Context) error {
	me, _ := user(c)
	pr, err := a.cat.Provider(c.Request().Context(), me.Principal(), me.ProviderID)
	if err != nil {
		return err
	}
	vals := map[string][]string{}
	for id, val := range map[string]string{"name": pr.Name, "description": pr.Description, "website": pr.Website, "contact-name": pr.Contact.Name,
		"contact-phone": pr.Contact.Phone, "contact-email": pr.Contact.Email, "address-street": pr.Address.Street,
		"address-postal_code": pr.Address.PostalCode, "address-city": pr.Address.City} {
		if val != "" {
			vals[id] = []string{val}
		}
	}
	return a.showProfile(c, http.StatusOK, pr.Version, vals, nil, "")
}

func (a *App) showProfile(c echo.Context, status int, version int64, vals map[string][]string, errs map[string]string, msg string) error {
	v, err := a.vocab(c.Request().Context())
	if err != nil {
		return err
	}
	fv := &entryFormView{Kind: "Träger", Action: "/traeger/profil", Cancel: "/traeger", Version: version, Fields: viewsOf(profileFields, v, vals, errs)}
	return a.render(c, status, "entry-form", page{Title: "Profil der Organisation", Error: msg, Errors: errs, Data: fv})
}

func (a *App) saveProfile(c echo.Context) error {
	me, _ := user(c)
	vals, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "Das Formular ließ sich nicht lesen.")
	}
	version, _ := strconv.ParseInt(vals.Get("version"), 10, 64)
	r := &formReader{vals: vals, errs: map[string]string{}}
	in := catalogue.ProviderInput{Name: r.str("name"), Description: r.str("description"), Website: r.str("website"),
		Contact: catalogue.Contact{Name: r.str("contact-name"), Phone: r.str("contact-phone"), Email: r.str("contact-email")},
		Address: catalogue.Address{Street: r.str("address-street"), PostalCode: r.str("address-postal_code"), City: r.str("address-city")}}
	_, err = a.cat.UpdateProvider(c.Request().Context(), me.Principal(), me.ProviderID, version, in)
	var ve *catalogue.ValidationError
	switch {
	case errors.As(err, &ve):
		errs := entryErrors(ve, profileFields)
		for id := range errs {
			if m := profileMessages[id]; m != "" {
				errs[id] = m
			}
		}
		return a.showProfile(c, http.StatusUnprocessableEntity, version, vals, errs, "Bitte prüfen Sie die markierten Angaben.")
	case errors.Is(err, catalogue.ErrVersionMismatch):
		return a.showProfile(c, http.StatusConflict, version, vals, nil, "Jemand hat das Profil inzwischen geändert. Bitte laden Sie es neu.")
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/traeger?ok=profil")
}
