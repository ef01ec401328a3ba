package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
)

type tokenRequest struct {
	Name       string      `json:"name"`
	Role       access.Role `json:"role"`
	ProviderID string      `json:"provider_id"`
	Districts  []string    `json:"districts"`
}

type issuedToken struct {
	access.Token
	Secret string `json:"token"`
}

func (s *Server) createToken(c echo.Context) error {
	var r tokenRequest
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	plain, t, err := s.svc.Grant(ctx(c), principal(c), access.Grant{Name: r.Name, Role: r.Role, ProviderID: r.ProviderID, Districts: r.Districts})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/tokens/"+t.ID)
	return c.JSON(http.StatusCreated, issuedToken{Token: t, Secret: plain})
}

func (s *Server) listTokens(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	ts, err := s.svc.Tokens(ctx(c), principal(c))
	if err != nil {
		return err
	}
	return sendList(c, ts, len(ts), catalogue.Page{Limit: len(ts)})
}

func (s *Server) revokeToken(c echo.Context) error {
	if err := s.svc.RevokeToken(ctx(c), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) auditLog(c echo.Context) error {
	q := newQuery(c, "limit", "offset", "entry_id", "token_id", "action", "from", "until")
	f := catalogue.AuditFilter{EntryID: q.str("entry_id", 64), TokenID: q.str("token_id", 64), Action: q.str("action", 32),
		From: q.instant("from", false), Until: q.instant("until", true), Page: q.page()}
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := s.svc.AuditLog(ctx(c), principal(c), f)
	if err != nil {
		return err
	}
	return sendList(c, items, total, f.Page)
}
