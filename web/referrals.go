package web

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/referral"
)

// referralsView is the list of referrals and the follow-ups due.
type referralsView struct {
	Statuses             []option
	Rows                 []referralRow
	DueToday, DueWeek    []referralRow
	Total, First         int
	Prev, Next           string
	Provider, FollowsUp  bool
	StatusLabel, Heading string
}

type referralRow struct {
	ID, CaseRef, Entry, EntryID, District, Status, Since, NextFollowUp string
}

func (a *App) referralRow(v *vocab, r *referral.Referral) referralRow {
	return referralRow{ID: r.ID, CaseRef: r.CaseRef, Entry: r.Entry.Name, EntryID: r.Entry.ID, District: v.district[r.District],
		Status: referralStatusLabels[r.Status], Since: a.dayOf(&r.UpdatedAt), NextFollowUp: day(r.NextFollowUp)}
}

const referralsPerPage = 50

func (a *App) referralList(c echo.Context) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	p := me.Principal()
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	rv := &referralsView{Provider: p.Is(access.RoleProvider), FollowsUp: referral.MayNote(p), Heading: "Vermittlungen"}
	if rv.Provider {
		rv.Heading = "Anfragen"
	}
	status := referral.Status(c.QueryParam("status"))
	if status != "" && referralStatusLabels[status] == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "Diesen Status gibt es nicht.")
	}
	if status == "" && rv.Provider {
		status = referral.Requested // what a provider must answer
	}
	for _, s := range referral.Statuses {
		if rv.Provider && s == referral.Proposed {
			continue // providers never see proposals
		}
		rv.Statuses = append(rv.Statuses, option{Value: string(s), Label: referralStatusLabels[s], Selected: s == status})
	}
	rv.StatusLabel = referralStatusLabels[status]
	pg := pageOf(c, "/vermittlungen", referralsPerPage)
	q := referral.Query{Status: status, Page: pg.Page}
	list, total, err := a.referrals.List(ctx, p, q)
	if err != nil {
		return err
	}
	rv.Total, rv.First = total, q.Offset+1
	for _, r := range list {
		rv.Rows = append(rv.Rows, a.referralRow(v, r))
	}
	rv.Prev, rv.Next = pg.links(len(list), total)
	if rv.FollowsUp {
		today := a.cat.Today()
		week := a.cat.Now().In(a.cat.Location()).AddDate(0, 0, 7).Format(time.DateOnly)
		due, _, err := a.referrals.Due(ctx, p, referral.DueQuery{By: week, Page: catalogue.Page{Limit: 100}})
		if err != nil {
			return err
		}
		for _, r := range due {
			if r.NextFollowUp <= today {
				rv.DueToday = append(rv.DueToday, a.referralRow(v, r))
			} else {
				rv.DueWeek = append(rv.DueWeek, a.referralRow(v, r))
			}
		}
	}
	return a.render(c, http.StatusOK, "referrals", page{Title: rv.Heading, Data: rv})
}

// referralView is one referral with its timeline and what may be done.
type referralView struct {
	ID, CaseRef, EntryID, Entry, EntryKind, District, Department, Status, Frame string
	HelpKinds, Outcome, Replaces, NextFollowUp, ActiveSince, EndedOn            string
	Version                                                                     int64
	Timeline                                                                    []event
	Moves                                                                       []option
	Outcomes                                                                    []option
	MayNote, MayFollowUp, Provider                                              bool
	Form                                                                        map[string]string
}

type event struct {
	At          time.Time
	When, Who   string
	What, Text  string
	IsNote, Due bool
}

func (a *App) referralPage(c echo.Context) error {
	info := map[string]string{"angelegt": "Die Vermittlung ist angelegt.", "status": "Der Status ist geändert.",
		"notiz": "Die Notiz ist gespeichert.", "nachfrage": "Die Nachfrage ist vermerkt; die nächste ist eingeplant."}[c.QueryParam("ok")]
	return a.showReferral(c, http.StatusOK, page{Info: info}, nil)
}

func (a *App) showReferral(c echo.Context, status int, p page, form map[string]string) error {
	me, _ := user(c)
	ctx := c.Request().Context()
	pr := me.Principal()
	r, err := a.referrals.Get(ctx, pr, c.Param("id"))
	if err != nil {
		return err
	}
	v, err := a.vocab(ctx)
	if err != nil {
		return err
	}
	rv := &referralView{ID: r.ID, CaseRef: r.CaseRef, EntryID: r.Entry.ID, Entry: r.Entry.Name, EntryKind: kindLabels[r.Entry.Kind],
		District: v.district[r.District], Status: referralStatusLabels[r.Status], Frame: r.Frame, HelpKinds: labels(v.help, r.HelpKinds),
		Outcome: outcomeLabels[r.Outcome], NextFollowUp: day(r.NextFollowUp), ActiveSince: day(r.ActiveSince), EndedOn: day(r.EndedOn),
		Version: r.Version, MayNote: referral.MayNote(pr), Provider: pr.Is(access.RoleProvider), Form: form}
	rv.MayFollowUp = rv.MayNote && r.Status == referral.Active
	for _, d := range referral.Departments {
		if d.Code == r.Department {
			rv.Department = d.Label
		}
	}
	if r.Replaces != nil {
		rv.Replaces = r.Replaces.Name + " (" + euro(r.Replaces.MonthlyCost) + " im Monat)"
	}
	for _, h := range r.History {
		what := "Status: " + referralStatusLabels[h.Status]
		rv.Timeline = append(rv.Timeline, event{At: h.At, Who: h.By.Name, What: what, Text: h.Reason})
	}
	for _, n := range r.Notes {
		rv.Timeline = append(rv.Timeline, event{At: n.At, Who: n.By.Name, What: "Notiz", Text: n.Text, IsNote: true})
	}
	for _, f := range r.FollowUps {
		rv.Timeline = append(rv.Timeline, event{At: f.DoneAt, Who: f.By.Name, What: "Nachfrage (fällig am " + day(f.Due) + ")", Text: f.Note})
	}
	sort.SliceStable(rv.Timeline, func(i, j int) bool { return rv.Timeline[i].At.Before(rv.Timeline[j].At) })
	for i := range rv.Timeline {
		rv.Timeline[i].When = a.when(rv.Timeline[i].At)
	}
	for _, s := range referral.MovesFor(pr, r) {
		rv.Moves = append(rv.Moves, option{Value: string(s), Label: referralMoveLabels[s], Selected: form["status"] == string(s)})
	}
	for _, o := range referral.Outcomes {
		rv.Outcomes = append(rv.Outcomes, option{Value: string(o), Label: outcomeLabels[o], Selected: form["ergebnis"] == string(o)})
	}
	p.Title, p.Data = "Vermittlung "+r.CaseRef, rv
	return a.render(c, status, "referral", p)
}

var moveFieldNames = map[string]fieldMessage{
	"outcome": {"ergebnis", "Bitte wählen Sie, wie die Hilfe ausging."}, "reason": {"grund", "Bitte sagen Sie in wenigen Worten, wer abgesagt hat und warum."},
	"outcome_note": {"ergebnis_notiz", "Bitte fassen Sie sich kürzer (höchstens 500 Zeichen)."}, "status": {"status", "Bitte wählen Sie einen Status aus der Liste."},
}

func (a *App) moveReferral(c echo.Context) error {
	me, _ := user(c)
	version, _ := strconv.ParseInt(c.FormValue("version"), 10, 64)
	form := map[string]string{"status": c.FormValue("status"), "ergebnis": c.FormValue("ergebnis"), "grund": c.FormValue("grund"),
		"ergebnis_notiz": c.FormValue("ergebnis_notiz")}
	t := referral.Transition{Status: referral.Status(form["status"]), Reason: form["grund"]}
	if t.Status == referral.Ended {
		t.Outcome, t.OutcomeNote = referral.Outcome(form["ergebnis"]), form["ergebnis_notiz"]
	}
	_, err := a.referrals.Move(c.Request().Context(), me.Principal(), c.Param("id"), version, t)
	return a.afterChange(c, err, form, moveFieldNames, "status")
}

func (a *App) noteReferral(c echo.Context) error {
	me, _ := user(c)
	form := map[string]string{"notiz": c.FormValue("notiz")}
	_, err := a.referrals.AddNote(c.Request().Context(), me.Principal(), c.Param("id"), form["notiz"])
	return a.afterChange(c, err, form, map[string]fieldMessage{"text": {"notiz", "Bitte schreiben Sie eine Notiz von höchstens 1000 Zeichen."}}, "notiz")
}

func (a *App) followUp(c echo.Context) error {
	me, _ := user(c)
	form := map[string]string{"nachfrage": c.FormValue("nachfrage")}
	_, err := a.referrals.FollowUp(c.Request().Context(), me.Principal(), c.Param("id"), form["nachfrage"])
	return a.afterChange(c, err, form, map[string]fieldMessage{"note": {"nachfrage", "Bitte sagen Sie in wenigen Worten (höchstens 1000 Zeichen), wie die Hilfe läuft."}}, "nachfrage")
}

// afterChange opens the referral again after a change: with the German
// messages next to the fields when it was refused, with a notice when not.
func (a *App) afterChange(c echo.Context, err error, form map[string]string, names map[string]fieldMessage, ok string) error {
	var ve *catalogue.ValidationError
	switch {
	case errors.As(err, &ve):
		return a.showReferral(c, http.StatusUnprocessableEntity, page{Error: "Bitte prüfen Sie die markierten Angaben.", Errors: germanFields(ve, names)}, form)
	case errors.Is(err, catalogue.ErrVersionMismatch):
		return a.showReferral(c, http.StatusConflict, page{Error: "Jemand hat die Vermittlung inzwischen geändert. Bitte prüfen Sie den neuen Stand und versuchen Sie es noch einmal."}, form)
	case errors.Is(err, catalogue.ErrConflict):
		return a.showReferral(c, http.StatusConflict, page{Error: "Das geht im jetzigen Status der Vermittlung nicht."}, form)
	case err != nil:
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/vermittlungen/"+c.Param("id")+"?ok="+ok)
}
