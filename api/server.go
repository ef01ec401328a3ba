// Package api is the HTTP transport of Maßanzug: one route table, thin
// handlers (decode, validate the request's form, call the domain, encode),
// bearer-token authentication and the one error handler that turns every
// error into application/problem+json. No business rule lives here.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/gap"
	"massanzug/matching"
	"massanzug/referral"
	"massanzug/report"
)

// Server holds what the handlers need.
type Server struct {
	svc       *catalogue.Service
	search    catalogue.Searcher
	matcher   *matching.Matcher
	referrals *referral.Service
	reports   *report.Service
	gaps      *gap.Service
	log       *slog.Logger
	throttle  *access.Throttle
	inFlight  chan struct{} // a slot per request being served
}

// Option configures the HTTP service.
type Option func(*Server)

// WithAuthThrottle refuses (429) an address for the rest of window once it
// failed to authenticate limit times within it. The default is 10 a minute.
func WithAuthThrottle(limit int, window time.Duration) Option {
	return func(s *Server) { s.throttle = access.NewThrottle(limit, window, time.Now) }
}

// WithMaxInFlight bounds the requests served at once; beyond it a request
// is answered 503 at once instead of queueing until its client gives up.
// The default is 64.
func WithMaxInFlight(n int) Option {
	return func(s *Server) { s.inFlight = make(chan struct{}, n) }
}

// Domain is the services the API is the transport of.
type Domain struct {
	Catalogue *catalogue.Service
	Search    catalogue.Searcher
	Matcher   *matching.Matcher
	Referrals *referral.Service
	Reports   *report.Service
	Gaps      *gap.Service
}

// New builds the HTTP handler for the domain's services.
func New(d Domain, log *slog.Logger, opts ...Option) *echo.Echo {
	s := &Server{svc: d.Catalogue, search: d.Search, matcher: d.Matcher, referrals: d.Referrals, reports: d.Reports, gaps: d.Gaps, log: log,
		throttle: access.NewThrottle(10, time.Minute, time.Now), inFlight: make(chan struct{}, 64)}
	for _, o := range opts {
		o(s)
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.errorHandler
	// No proxy sits in front by default: take the peer address, never a
	// client-supplied X-Forwarded-For.
	e.IPExtractor = echo.ExtractIPDirect()
	e.Use(s.requestLog)
	e.Use(s.headers)
	e.Use(s.bound)
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisablePrintStack: true,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.ErrorContext(c.Request().Context(), "panic", "err", err, "stack", string(stack))
			return err
		},
	}))
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "256KiB", // 262,144 bytes, as documented
		// Imports carry whole spreadsheets and have their own limit.
		Skipper: func(c echo.Context) bool { return c.Path() == "/v1/import" }}))
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: 30 * time.Second,
		Skipper: func(c echo.Context) bool {
			return c.Path() == "/v1/import" || c.Path() == "/v1/export" || c.Path() == "/v1/export/hsds"
		}}))
	e.Use(s.authenticate)
	e.Use(noQuery)
	s.routes(e)
	return e
}

// routes is the whole API at a glance.
func (s *Server) routes(e *echo.Echo) {
	e.GET("/healthz", s.health)

	v1 := e.Group("/v1")
	v1.GET("/districts", s.listDistricts)
	v1.GET("/districts/:id", s.getDistrict)
	v1.PUT("/districts/:id", s.putDistrict)
	v1.GET("/taxonomy", s.getTaxonomy)
	v1.POST("/taxonomy/:vocabulary", s.addTerm)
	v1.PUT("/taxonomy/:vocabulary/:code", s.updateTerm)
	v1.GET("/synonyms", s.listSynonyms)
	v1.PUT("/synonyms/:word", s.putSynonym)
	v1.DELETE("/synonyms/:word", s.deleteSynonym)

	v1.GET("/providers", s.listProviders)
	v1.POST("/providers", s.createProvider)
	v1.GET("/providers/:id", s.getProvider)
	v1.PUT("/providers/:id", s.putProvider)
	v1.PATCH("/providers/:id", s.patchProvider)
	v1.DELETE("/providers/:id", s.archiveProvider)

	volunteers := entryHandlers[catalogue.VolunteerInput, *catalogue.Volunteer]{
		create: s.svc.CreateVolunteer, get: s.svc.Volunteer, list: s.svc.Volunteers, update: s.svc.UpdateVolunteer, patch: s.svc.PatchVolunteer,
		archive: s.svc.ArchiveVolunteer, verify: s.svc.VerifyVolunteer, kind: catalogue.KindVolunteer,
		version: func(v *catalogue.Volunteer) int64 { return v.Version }, id: func(v *catalogue.Volunteer) string { return v.ID },
	}
	vg := v1.Group("/volunteers")
	volunteers.mount(vg)
	vg.GET("/:id/personal-data", s.personalData)
	vg.POST("/:id/erase", s.eraseVolunteer)
	vg.GET("/:id/engagement", s.engagement(catalogue.KindVolunteer))
	helps := entryHandlers[catalogue.NeighbourhoodHelpInput, *catalogue.NeighbourhoodHelp]{
		create: s.svc.CreateNeighbourhoodHelp, get: s.svc.NeighbourhoodHelp, list: s.svc.NeighbourhoodHelps, update: s.svc.UpdateNeighbourhoodHelp, patch: s.svc.PatchNeighbourhoodHelp,
		archive: s.svc.ArchiveNeighbourhoodHelp, verify: s.svc.VerifyNeighbourhoodHelp, kind: catalogue.KindNeighbourhoodHelp,
		version: func(n *catalogue.NeighbourhoodHelp) int64 { return n.Version }, id: func(n *catalogue.NeighbourhoodHelp) string { return n.ID },
	}
	hg := v1.Group("/neighbourhood-helps")
	helps.mount(hg)
	hg.GET("/:id/engagement", s.engagement(catalogue.KindNeighbourhoodHelp))
	offers := entryHandlers[catalogue.OfferInput, *catalogue.Offer]{
		create: s.svc.CreateOffer, get: s.svc.Offer, list: s.svc.Offers, update: s.svc.UpdateOffer, patch: s.svc.PatchOffer,
		archive: s.svc.ArchiveOffer, verify: s.svc.VerifyOffer, withProvider: true, kind: catalogue.KindOffer,
		version: func(o *catalogue.Offer) int64 { return o.Version }, id: func(o *catalogue.Offer) string { return o.ID },
	}
	og := v1.Group("/offers")
	offers.mount(og)
	og.POST("/:id/approve", s.approveOffer)
	og.POST("/:id/reject", s.rejectOffer)
	og.GET("/:id/engagement", s.engagement(catalogue.KindOffer))

	v1.GET("/review-queue", s.reviewQueue)
	v1.GET("/search", s.searchCatalogue)
	v1.POST("/import", s.importEntries)
	v1.GET("/export", s.exportEntries)
	v1.GET("/export/hsds", s.exportHSDS)

	v1.POST("/match", s.match)
	v1.POST("/match/assign", s.assign)
	v1.GET("/reports/unmet-needs", s.unmetNeeds)
	v1.GET("/reports/districts", s.districtReport)
	v1.GET("/gaps", s.listGaps)
	v1.POST("/gaps", s.createGap)
	v1.POST("/gaps/:id/status", s.moveGap)

	v1.GET("/referrals", s.listReferrals)
	v1.POST("/referrals", s.createReferral)
	v1.GET("/referrals/:id", s.getReferral)
	v1.POST("/referrals/:id/status", s.moveReferral)
	v1.POST("/referrals/:id/notes", s.addReferralNote)
	v1.POST("/referrals/:id/follow-ups", s.followUpReferral)
	v1.GET("/follow-ups", s.followUpsDue)

	v1.GET("/tokens", s.listTokens)
	v1.POST("/tokens", s.createToken)
	v1.DELETE("/tokens/:id", s.revokeToken)
	v1.GET("/audit-log", s.auditLog)
}

// requestLog writes one structured line per request, never a body: bodies
// may hold personal data.
func (s *Server) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		id := requestID(c.Request().Header.Get(headerRequestID))
		c.Response().Header().Set(headerRequestID, id)
		c.Set(requestIDKey, id)
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		// The route, never the address asked for: a query can hold a
		// search text or a case's words.
		attrs := []any{"request_id", id, "method", c.Request().Method, "route", c.Path(),
			"status", c.Response().Status, "ms", time.Since(start).Milliseconds(), "ip", c.RealIP()}
		if entity := c.Param("id"); entity != "" {
			attrs = append(attrs, "entity", entity)
		}
		if p := principal(c); p.TokenID != "" {
			attrs = append(attrs, "token", p.TokenID)
		}
		s.log.InfoContext(c.Request().Context(), "request", attrs...)
		return nil
	}
}

const (
	headerRequestID = "X-Request-ID"
	requestIDKey    = "request_id"
)

// requestID is the client's X-Request-ID where it is a plain token (so a
// caller can follow its request through the log), a new one otherwise.
func requestID(given string) string {
	if len(given) >= 8 && len(given) <= 64 && strings.IndexFunc(given, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) < 0 {
		return given
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "req-unknown"
	}
	return hex.EncodeToString(b)
}

// queryRoutes are the operations that take query parameters; each
// checks them itself (newQuery with its list). Every other operation takes
// none, and noQuery refuses any: an answer that ignores a parameter the
// caller meant would mislead.
var queryRoutes = map[string]bool{
	"GET /v1/volunteers": true, "GET /v1/neighbourhood-helps": true, "GET /v1/offers": true, "GET /v1/review-queue": true,
	"GET /v1/providers": true, "GET /v1/search": true, "POST /v1/import": true, "GET /v1/export": true, "GET /v1/export/hsds": true,
	"GET /v1/reports/unmet-needs": true, "GET /v1/reports/districts": true, "GET /v1/gaps": true,
	"GET /v1/referrals": true, "GET /v1/follow-ups": true, "GET /v1/audit-log": true,
}

func noQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Path() != "/healthz" && !queryRoutes[c.Request().Method+" "+c.Path()] && len(c.QueryParams()) > 0 {
			return newQuery(c).err()
		}
		return next(c)
	}
}

// headers marks every answer: no MIME sniffing, and no cache may keep
// one. Every answer but /healthz is for one token's eyes, and most name
// people, so none is stored by a browser or proxy.
func (s *Server) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// bound serves at most cap(inFlight) requests at once and answers the
// rest 503 at once: under overload a quick "try again" beats an answer
// that comes after the client has given up.
func (s *Server) bound(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		select {
		case s.inFlight <- struct{}{}:
			defer func() { <-s.inFlight }()
			return next(c)
		default:
			c.Response().Header().Set("Retry-After", "1")
			return newProblem(http.StatusServiceUnavailable, "overloaded", "the service is busy; try again in a second")
		}
	}
}

const principalKey = "principal"

// authenticate resolves the bearer token of every request but /healthz.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Path() == "/healthz" {
			return next(c)
		}
		addr := c.RealIP()
		if left, blocked := s.throttle.Blocked(addr); blocked {
			secs := int(left/time.Second) + 1
			c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
			return newProblem(http.StatusTooManyRequests, "too-many-failed-logins",
				fmt.Sprintf("too many failed authentications from this address; try again in %d s", secs))
		}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		scheme, token, ok := strings.Cut(h, " ")
		var p access.Principal
		err := access.ErrUnauthenticated
		if ok && strings.EqualFold(scheme, "Bearer") {
			p, err = s.svc.Authenticate(c.Request().Context(), strings.TrimSpace(token))
		}
		if errors.Is(err, access.ErrUnauthenticated) && s.throttle.Failed(addr) {
			s.log.WarnContext(c.Request().Context(), "repeated failed authentication: address throttled",
				"ip", addr, "failures", s.throttle.Limit, "window", s.throttle.Window.String())
		}
		if errors.Is(err, access.ErrUnauthenticated) {
			id, _ := c.Get(requestIDKey).(string)
			s.log.WarnContext(c.Request().Context(), "failed authentication", "request_id", id, "route", c.Path(), "ip", addr)
		}
		if err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

func principal(c echo.Context) access.Principal {
	p, _ := c.Get(principalKey).(access.Principal)
	return p
}

func ctx(c echo.Context) context.Context { return c.Request().Context() }

// health answers 200 when the service is ready (the database takes
// writes, the index is in step) and 503 with what is wrong otherwise.
func (s *Server) health(c echo.Context) error {
	h := s.svc.Health(ctx(c))
	status := "ok"
	code := http.StatusOK
	if !h.Ready {
		status, code = "degraded", http.StatusServiceUnavailable
	}
	return c.JSON(code, struct {
		Status string `json:"status"`
		catalogue.Health
	}{status, h})
}

// list is the body of every list response.
type list[T any] struct {
	Items  []T `json:"items"`
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

func sendList[T any](c echo.Context, items []T, total int, pg catalogue.Page) error {
	if items == nil {
		items = []T{}
	}
	return c.JSON(http.StatusOK, list[T]{Items: items, Total: total, Limit: pg.Limit, Offset: pg.Offset})
}

// created answers 201 with the new resource and where it lives.
func created(c echo.Context, location string, version int64, v any) error {
	c.Response().Header().Set(echo.HeaderLocation, location)
	return sendVersioned(c, http.StatusCreated, version, v)
}

func sendVersioned(c echo.Context, status int, version int64, v any) error {
	c.Response().Header().Set("ETag", etag(version))
	return c.JSON(status, v)
}
