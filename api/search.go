package api

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
)

// searchParams are the query parameters of GET /v1/search.
var searchParams = []string{"q", "facets", "kind", "status", "district", "quarter", "help_kind", "target_group", "language", "accessible",
	"near", "near_quarter", "radius_km", "sort", "limit", "offset"}

func (s *Server) searchCatalogue(c echo.Context) error {
	q := newQuery(c, searchParams...)
	sq := catalogue.SearchQuery{
		Text: q.str("q", 500), Status: catalogue.Status(q.str("status", 32)), District: q.str("district", 64),
		Quarter: q.str("quarter", 100), HelpKind: q.str("help_kind", 64), TargetGroup: q.str("target_group", 64),
		Language: q.str("language", 8), NearQuarter: q.str("near_quarter", 100), Sort: q.str("sort", 16), Page: q.page(),
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
		la, err1 := strconv.ParseFloat(strings.TrimSpace(lat), 64)
		lo, err2 := strconv.ParseFloat(strings.TrimSpace(lon), 64)
		if !ok || err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 {
			q.fail("near", "must be lat,lon in degrees, like 48.399,9.974")
		} else {
			sq.Near = &catalogue.GeoPoint{Lat: la, Lon: lo}
		}
	}
	if r := q.str("radius_km", 16); r != "" {
		km, err := strconv.ParseFloat(r, 64)
		if err != nil || km <= 0 || km > 200 {
			q.fail("radius_km", "must be a number of kilometres above 0 and at most 200")
		}
		sq.RadiusKM = km
	}
	switch sq.Sort {
	case "", "relevance", "distance", "updated":
	default:
		q.fail("sort", "must be one of relevance, distance, updated")
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
