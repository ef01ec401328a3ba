package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
)

func (s *Server) listProviders(c echo.Context) error {
	q := newQuery(c, "limit", "offset", "status", "district")
	status, district, pg := catalogue.Status(q.enum("status", []catalogue.Status{catalogue.StatusActive, catalogue.StatusArchived})), q.str("district", 64), q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := s.svc.Providers(ctx(c), principal(c), status, district, pg)
	if err != nil {
		return err
	}
	return sendList(c, items, total, pg)
}

func (s *Server) createProvider(c echo.Context) error {
	var in catalogue.ProviderInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.svc.CreateProvider(ctx(c), principal(c), in)
	if err != nil {
		return err
	}
	return created(c, "/v1/providers/"+p.ID, p.Version, p)
}

func (s *Server) getProvider(c echo.Context) error {
	p, err := s.svc.Provider(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, p.Version, p)
}

func (s *Server) putProvider(c echo.Context) error {
	expected, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	var in catalogue.ProviderInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	p, err := s.svc.UpdateProvider(ctx(c), principal(c), c.Param("id"), expected, in)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, p.Version, p)
}

func (s *Server) patchProvider(c echo.Context) error {
	expected, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	body, err := readBody(c, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	cur, err := s.svc.Provider(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	var in catalogue.ProviderInput
	if err := applyPatch(cur.ProviderInput, body, &in); err != nil {
		return err
	}
	p, err := s.svc.UpdateProvider(ctx(c), principal(c), c.Param("id"), expected, in)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, p.Version, p)
}

func (s *Server) archiveProvider(c echo.Context) error {
	expected, err := ifMatch(c, false)
	if err != nil {
		return err
	}
	if err := s.svc.ArchiveProvider(ctx(c), principal(c), c.Param("id"), expected); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
