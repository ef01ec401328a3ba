package api

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
)

// Token management is the admin's: city IT hands out and revokes tokens.
func requireAdmin(c echo.Context) error {
	if p := principal(c); !p.Is(access.RoleAdmin) {
		return fmt.Errorf("%w: role %s may not manage tokens", catalogue.ErrForbidden, p.Role)
	}
	return nil
}

type tokenRequest struct {
	Name       string      `json:"name"`
	Role       access.Role `json:"role"`
	ProviderID string      `json:"provider_id"`
}

type issuedToken struct {
	access.Token
	Secret string `json:"token"`
}

func (s *Server) createToken(c echo.Context) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	var r tokenRequest
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	plain, t, err := access.Issue(ctx(c), s.tokens, r.Name, r.Role, r.ProviderID, s.now())
	if err != nil {
		return err
	}
	s.log.InfoContext(ctx(c), "token issued", "id", t.ID, "role", t.Role, "by", principal(c).TokenID)
	return c.JSON(http.StatusCreated, issuedToken{Token: t, Secret: plain})
}

func (s *Server) listTokens(c echo.Context) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	if err := newQuery(c).err(); err != nil {
		return err
	}
	ts, err := s.tokens.ListTokens(ctx(c))
	if err != nil {
		return err
	}
	return sendList(c, ts, len(ts), catalogue.Page{Limit: len(ts)})
}

func (s *Server) revokeToken(c echo.Context) error {
	if err := requireAdmin(c); err != nil {
		return err
	}
	if err := s.tokens.RevokeToken(ctx(c), c.Param("id"), s.now().UTC()); err != nil {
		return fmt.Errorf("token %s: %w", c.Param("id"), err)
	}
	s.log.InfoContext(ctx(c), "token revoked", "id", c.Param("id"), "by", principal(c).TokenID)
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) auditLog(c echo.Context) error {
	q := newQuery(c, "limit", "offset")
	pg := q.page()
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := s.svc.AuditLog(ctx(c), principal(c), pg)
	if err != nil {
		return err
	}
	return sendList(c, items, total, pg)
}
