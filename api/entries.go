package api

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/access"
	"massanzug/catalogue"
)

// entryHandlers serves one kind of catalogue entry. I is what clients
// write, E what they read.
type entryHandlers[I any, E any] struct {
	create       func(context.Context, access.Principal, I) (E, error)
	get          func(context.Context, access.Principal, string) (E, error)
	list         func(context.Context, access.Principal, catalogue.ListQuery) ([]E, int, error)
	update       func(context.Context, access.Principal, string, int64, I) (E, error)
	patch        func(context.Context, access.Principal, string, int64, catalogue.Patch) (E, error)
	archive      func(context.Context, access.Principal, string, int64) error
	verify       func(context.Context, access.Principal, string) (E, error)
	version      func(E) int64
	kind         catalogue.Kind
	id           func(E) string
	withProvider bool // offers can be listed by provider
}

func (h entryHandlers[I, E]) mount(g *echo.Group) {
	g.GET("", h.listAll)
	g.POST("", h.createOne)
	g.GET("/:id", h.getOne)
	g.PUT("/:id", h.replace)
	g.PATCH("/:id", h.patchOne)
	g.DELETE("/:id", h.remove)
	g.POST("/:id/verify", h.verifyOne)
}

func (h entryHandlers[I, E]) listAll(c echo.Context) error {
	params := []string{"limit", "offset", "status", "district", "help_kind"}
	if h.withProvider {
		params = append(params, "provider_id", "awaiting_approval")
	}
	q := newQuery(c, params...)
	lq := catalogue.ListQuery{Status: catalogue.Status(q.enum("status", catalogue.Statuses(h.kind))), District: q.str("district", 64),
		HelpKind: q.str("help_kind", 64), ProviderID: q.str("provider_id", 64), Page: q.page()}
	if b := q.boolean("awaiting_approval"); b != nil {
		lq.AwaitingApproval = *b
	}
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := h.list(ctx(c), principal(c), lq)
	if err != nil {
		return err
	}
	return sendList(c, items, total, lq.Page)
}

func (h entryHandlers[I, E]) createOne(c echo.Context) error {
	var in I
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	e, err := h.create(ctx(c), principal(c), in)
	if err != nil {
		return err
	}
	return created(c, c.Request().URL.Path+"/"+h.id(e), h.version(e), e)
}

func (h entryHandlers[I, E]) getOne(c echo.Context) error {
	e, err := h.get(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, h.version(e), e)
}

func (h entryHandlers[I, E]) replace(c echo.Context) error {
	expected, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	var in I
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	e, err := h.update(ctx(c), principal(c), c.Param("id"), expected, in)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, h.version(e), e)
}

// patch applies a JSON merge patch (RFC 7396) to what the caller may read
// and saves the result as a full update.
func (h entryHandlers[I, E]) patchOne(c echo.Context) error {
	expected, err := ifMatch(c, true)
	if err != nil {
		return err
	}
	body, err := readBody(c, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	if !json.Valid(body) {
		return decodeStrict(body, new(map[string]any)) // names what is malformed
	}
	e, err := h.patch(ctx(c), principal(c), c.Param("id"), expected, func(cur, next any) error {
		return applyPatch(cur, body, next)
	})
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, h.version(e), e)
}

func (h entryHandlers[I, E]) remove(c echo.Context) error {
	expected, err := ifMatch(c, false)
	if err != nil {
		return err
	}
	if err := h.archive(ctx(c), principal(c), c.Param("id"), expected); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h entryHandlers[I, E]) verifyOne(c echo.Context) error {
	e, err := h.verify(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, h.version(e), e)
}

type rejection struct {
	Reason string `json:"reason"`
}

func (s *Server) approveOffer(c echo.Context) error {
	o, err := s.svc.ApproveOffer(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, o.Version, o)
}

func (s *Server) rejectOffer(c echo.Context) error {
	var r rejection
	if err := bindJSON(c, &r); err != nil {
		return err
	}
	o, err := s.svc.RejectOffer(ctx(c), principal(c), c.Param("id"), r.Reason)
	if err != nil {
		return err
	}
	return sendVersioned(c, http.StatusOK, o.Version, o)
}

func (s *Server) reviewQueue(c echo.Context) error {
	q := newQuery(c, "limit", "offset", "kind", "district")
	kind := catalogue.Kind(q.str("kind", 32))
	district := q.str("district", 64)
	pg := q.page()
	switch kind {
	case "", catalogue.KindVolunteer, catalogue.KindNeighbourhoodHelp, catalogue.KindOffer:
	default:
		q.fail("kind", "must be one of volunteer, neighbourhood_help, offer")
	}
	if err := q.err(); err != nil {
		return err
	}
	items, total, err := s.svc.ReviewQueue(ctx(c), principal(c), kind, district, pg)
	if err != nil {
		return err
	}
	return sendList(c, items, total, pg)
}
