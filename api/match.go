package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
	"massanzug/matching"
	"massanzug/referral"
)

// The case profile in a match request is personal social data: it is
// decoded, matched and forgotten. Nothing here logs or stores it.

func (s *Server) match(c echo.Context) error {
	var cs matching.Case
	if err := bindJSON(c, &cs); err != nil {
		return err
	}
	res, err := s.matcher.Match(ctx(c), principal(c), cs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// assignRequest holds the cases to assign at once and, with propose, the
// referrals to record for the assignments.
type assignRequest struct {
	Cases   []matching.Case    `json:"cases"`
	Propose *referral.Proposal `json:"propose,omitempty"`
}

func (s *Server) assign(c echo.Context) error {
	var r assignRequest
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	var res matching.AssignResult
	var err error
	if r.Propose != nil {
		res, err = s.referrals.Assign(ctx(c), principal(c), s.matcher, r.Cases, *r.Propose)
	} else {
		res, err = s.matcher.Assign(ctx(c), principal(c), r.Cases)
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) unmetNeeds(c echo.Context) error {
	q := newQuery(c, "district", "month")
	district, month := q.str("district", 64), q.str("month", 7)
	if err := q.err(); err != nil {
		return err
	}
	items, err := s.svc.UnmetNeeds(ctx(c), principal(c), district, month)
	if err != nil {
		return err
	}
	return sendList(c, items, len(items), catalogue.Page{Limit: len(items)})
}
