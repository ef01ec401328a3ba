package catalogue

import "math"

// DistanceKM is the great-circle distance between two points in km.
func DistanceKM(a, b GeoPoint) float64 {
	rad := math.Pi / 180
	dlat, dlon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * 6371 * math.Asin(math.Sqrt(h))
}

// Places knows the centre of every quarter and district, to place entries
// and cases that name a district or quarter but no coordinates.
type Places struct {
	quarter  map[quarterKey]GeoPoint
	district map[string]GeoPoint
}

// quarterKey is a struct, not a joined string, so that locating thousands
// of candidates in a match allocates nothing.
type quarterKey struct{ district, quarter string }

// NewPlaces computes the centres of ds; a district's is the mean of its
// quarters'.
func NewPlaces(ds []District) Places {
	p := Places{quarter: map[quarterKey]GeoPoint{}, district: map[string]GeoPoint{}}
	for _, d := range ds {
		var lat, lon float64
		for _, q := range d.Quarters {
			p.quarter[quarterKey{d.ID, q.Name}] = GeoPoint{Lat: q.Lat, Lon: q.Lon}
			lat, lon = lat+q.Lat, lon+q.Lon
		}
		if n := float64(len(d.Quarters)); n > 0 {
			p.district[d.ID] = GeoPoint{Lat: lat / n, Lon: lon / n}
		}
	}
	return p
}

// Locate returns where something is: its coordinates, else the centre of
// its quarter, else of its district, else of the first of districts.
func (p Places) Locate(pl Place, districts []string) (GeoPoint, bool) {
	if pl.Lat != nil && pl.Lon != nil {
		return GeoPoint{Lat: *pl.Lat, Lon: *pl.Lon}, true
	}
	if g, ok := p.quarter[quarterKey{pl.District, pl.Quarter}]; ok {
		return g, true
	}
	if g, ok := p.district[pl.District]; ok {
		return g, true
	}
	for _, d := range districts {
		if g, ok := p.district[d]; ok {
			return g, true
		}
	}
	return GeoPoint{}, false
}
