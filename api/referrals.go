package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/gap"
	"massanzug/referral"
)

// Referrals are social data: their handlers never log a case reference.

func (s *Server) listReferrals(c echo.Context) error {
	q := newQuery(c, "limit", "offset", "status", "entry_id", "case_ref", "district")
	rq := referral.Query{Status: referral.Status(q.str("status", 32)), EntryID: q.str("entry_id", 64), CaseRef: q.str("case_ref", 64),
		District: q.str("district", 64), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := s.referrals.List(ctx(c), principal(c), rq)
	if err != nil {
		return err
	}
	return sendList(c, items, total, rq.Page)
}

func (s *Server) createReferral(c echo.Context) error {
	var in referral.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	r, err := s.referrals.Create(ctx(c), principal(c), in)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusCreated, r.Version, r)
}

func (s *Server) getReferral(c echo.Context) error {
	r, err := s.referrals.Get(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, r.Version, r)
}

func (s *Server) moveReferral(c echo.Context) error {
	expected, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	var t referral.Transition
	if err := bindJSON(c, &t); err != nil {
		return err
	}
	r, err := s.referrals.Move(ctx(c), principal(c), c.Param("id"), expected, t)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, r.Version, r)
}

// noteInput is the body of a note.
type noteInput struct {
	Text string `json:"text"`
}

func (s *Server) addReferralNote(c echo.Context) error {
	var n noteInput
	if err := bindJSON(c, &n); err != nil {
		return err
	}
	r, err := s.referrals.AddNote(ctx(c), principal(c), c.Param("id"), n.Text)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusCreated, r.Version, r)
}

// followUpInput is the body of a check-in done.
type followUpInput struct {
	Note string `json:"note"`
}

func (s *Server) followUpReferral(c echo.Context) error {
	var f followUpInput
	if err := bindJSON(c, &f); err != nil {
		return err
	}
	r, err := s.referrals.FollowUp(ctx(c), principal(c), c.Param("id"), f.Note)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusCreated, r.Version, r)
}

func (s *Server) followUpsDue(c echo.Context) error {
	q := newQuery(c, "limit", "offset", "due_by")
	dq := referral.DueQuery{By: q.str("due_by", 10), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := s.referrals.Due(ctx(c), principal(c), dq)
	if err != nil {
		return err
	}
	return sendList(c, items, total, dq.Page)
}

func (s *Server) districtReport(c echo.Context) error {
	q := newQuery(c, "stichtag")
	day := q.str("stichtag", 10)
	if err := q.err(); err != nil {
		return err
	}
	rep, err := s.reports.Districts(ctx(c), principal(c), day)
	if err != nil {
		return err
	}
	if !wantsCSV(c) {
		return c.JSON(http.StatusOK, rep)
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="kennzahlen-`+rep.Stichtag+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	w.Comma = ';' // what Excel on German Windows reads
	if err := w.WriteAll(rep.Rows()); err != nil {
		return fmt.Errorf("write district figures: %w", err)
	}
	return nil
}

// wantsCSV reports whether the request prefers CSV to JSON.
func wantsCSV(c echo.Context) bool {
	for _, part := range strings.Split(c.Request().Header.Get(echo.HeaderAccept), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch mt {
		case "text/csv":
			return true
		case echo.MIMEApplicationJSON:
			return false
		}
	}
	return false
}

func (s *Server) listGaps(c echo.Context) error {
	q := newQuery(c, "limit", "offset", "status", "district")
	f := gap.Filter{Status: gap.Status(q.str("status", 32)), District: q.str("district", 64), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := s.gaps.List(ctx(c), principal(c), f)
	if err != nil {
		return err
	}
	return sendList(c, items, total, f.Page)
}

func (s *Server) createGap(c echo.Context) error {
	var in gap.Input
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	g, err := s.gaps.Create(ctx(c), principal(c), in)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusCreated, g.Version, g)
}

func (s *Server) moveGap(c echo.Context) error {
	expected, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	var t gap.Transition
	if err := bindJSON(c, &t); err != nil {
		return err
	}
	g, err := s.gaps.Move(ctx(c), principal(c), c.Param("id"), expected, t)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, g.Version, g)
}
