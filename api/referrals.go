package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
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

// engagement answers how engaged a helper of kind k is.
func (s *Server) engagement(k catalogue.Kind) echo.HandlerFunc {
	return func(c echo.Context) error {
		g, err := s.referrals.Engagement(ctx(c), principal(c), k, c.Param("id"))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, g)
	}
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
	return created(c, "/v1/referrals/"+r.ID, r.Version, r)
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
	return created(c, "/v1/referrals/"+r.ID, r.Version, r) // a note lives in its referral
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
	return created(c, "/v1/referrals/"+r.ID, r.Version, r) // a check-in lives in its referral
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
