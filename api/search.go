package api

import (
	"math"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
)

// searchParams are the query parameters of GET /v1/search.
var searchParams = []string{"q", "facets", "kind", "status", "district", "quarter", "help_kind", "target_group", "language", "group", "accessible",
	"near", "near_quarter", "radius_km", "sort", "limit", "offset"}

func (s *Server) searchCatalogue(c echo.Context) error {
	q := newQuery(c, searchParams...)
	sq := catalogue.SearchQuery{
		Text: q.str("q", 500), Status: catalogue.Status(q.str("status", 32)), District: q.str("district", 64),
		Quarter: q.str("quarter", 100), HelpKind: q.str("help_kind", 64), TargetGroup: q.str("target_group", 64),
		Language: q.str("language", 8), Group: q.str("group", 64), NearQuarter: q.str("near_quarter", 100), Sort: q.str("sort", 16), Page: q.page(),
	}
	for _, k := range strings.Split(q.str("kind", 100), ",") {
		switch catalogue.Kind(k) {
		case "":
		case catalogue.KindVolunteer, catalogue.KindNeighbourhoodHelp, catalogue.KindOffer:
			sq.Kinds = append(sq.Kinds, catalogue.Kind(k))
		default:
			q.fail("kind", "%q is not one of volunteer, neighbourhood_help, offer", k)
		}
	}
	facets := q.boolean("facets")
	sq.Facets = facets == nil || *facets
	sq.Accessible = q.boolean("accessible")
	if near := q.str("near", 64); near != "" {
		lat, lon, ok := strings.Cut(near, ",")
		la, ok1 := finite(lat, -90, 90)
		lo, ok2 := finite(lon, -180, 180)
		if !ok || !ok1 || !ok2 {
			q.fail("near", "must be lat,lon in degrees, like 48.399,9.974")
		} else {
			sq.Near = &catalogue.GeoPoint{Lat: la, Lon: lo}
		}
	}
	if r := q.str("radius_km", 16); r != "" {
		km, ok := finite(r, 0, 200)
		if !ok || km == 0 {
			q.fail("radius_km", "must be a number of kilometres above 0 and at most 200")
		}
		sq.RadiusKM = km
	}
	switch sq.Sort {
	case "", "relevance", "distance", "updated", "blend":
	default:
		q.fail("sort", "must be one of relevance, distance, updated, blend")
	}
	if err := q.err(); err != nil {
		return err
	}
	res, err := s.svc.Search(ctx(c), principal(c), s.search, sq)
	if err != nil {
		return err
	}
	return c.JSON(200, res)
}

// finite reads a decimal number from min to max. NaN and the infinities,
// which ParseFloat accepts and every comparison lets through, are refused.
func finite(s string, min, max float64) (float64, bool) {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < min || x > max {
		return 0, false
	}
	return x, true
}
