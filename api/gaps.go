package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/gap"
)

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
	return created(c, "/v1/gaps/"+g.ID, g.Version, g)
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
