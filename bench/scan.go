package bench

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/store"
)

// scanDoc is an entry held in memory for the exhaustive scan.
type scanDoc struct {
	kind                              catalogue.Kind
	status                            catalogue.Status
	text                              string // name and texts, lower-case, umlauts folded
	districts, quarters, help, groups []string
	langs                             []string
	accessible                        bool
	validFrom, validUntil             string
	lat, lon                          float64
	located                           bool
}

type scanner struct {
	docs     []scanDoc
	quarters map[string]catalogue.GeoPoint
}

var fold = strings.NewReplacer("ä", "a", "ö", "o", "ü", "u", "ß", "ss")

// loadScan reads every entry into memory, as an index-free service would.
func loadScan(ctx context.Context, db *store.DB) (*scanner, error) {
	s := &scanner{quarters: map[string]catalogue.GeoPoint{}}
	ds, err := db.Districts(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		for _, q := range d.Quarters {
			s.quarters[q.Name] = catalogue.GeoPoint{Lat: q.Lat, Lon: q.Lon}
		}
	}
	err = db.EachEntry(ctx, func(r catalogue.Record) error {
		var v struct {
			Name, Description, LifeExperience, Interests string
			HelpKinds                                    []string `json:"help_kinds"`
			TargetGroups                                 []string `json:"target_groups"`
			Languages                                    json.RawMessage
			Home, Location                               catalogue.Place
			Accessible                                   bool
		}
		if err := json.Unmarshal(r.Doc, &v); err != nil {
			return err
		}
		d := scanDoc{kind: r.Kind, status: r.Status, districts: r.Districts, help: v.HelpKinds, groups: v.TargetGroups,
			accessible: v.Accessible, validFrom: r.ValidFrom, validUntil: r.ValidUntil,
			text: fold.Replace(strings.ToLower(strings.Join([]string{r.Name, v.Description, v.LifeExperience, v.Interests}, " ")))}
		var skills []catalogue.LanguageSkill
		if json.Unmarshal(v.Languages, &skills) == nil {
			for _, l := range skills {
				d.langs = append(d.langs, l.Code)
			}
		} else {
			json.Unmarshal(v.Languages, &d.langs)
		}
		p := v.Home
		if p.District == "" {
			p = v.Location
		}
		if p.Quarter != "" {
			d.quarters = []string{p.Quarter}
		}
		if p.Lat != nil && p.Lon != nil {
			d.lat, d.lon, d.located = *p.Lat, *p.Lon, true
		}
		s.docs = append(s.docs, d)
		return nil
	})
	return s, err
}

func has(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// search applies the same scope, filters, text match, facets and order as
// the index, by looking at every entry.
func (s *scanner) search(q catalogue.SearchQuery, role access.Role, today string) int {
	var words []string
	for _, w := range strings.Fields(fold.Replace(strings.ToLower(q.Text))) {
		if len(w) > 5 {
			w = w[:len(w)-2] // a crude stem, in the scan's favour
		}
		words = append(words, w)
	}
	near := q.Near
	if q.NearQuarter != "" {
		p := s.quarters[q.NearQuarter]
		near = &p
	}
	type hit struct {
		i     int
		score float64
	}
	var hits []hit
	facets := map[string]map[string]int{"kind": {}, "district": {}, "help_kind": {}, "language": {}, "target_group": {}}
	for i := range s.docs {
		d := &s.docs[i]
		switch role {
		case access.RoleCaseManager:
			if d.kind == catalogue.KindOffer {
				if d.status != catalogue.StatusApproved || (d.validFrom != "" && d.validFrom > today) || (d.validUntil != "" && d.validUntil < today) {
					continue
				}
			} else if d.status != catalogue.StatusActive {
				continue
			}
		default:
			if d.status == catalogue.StatusArchived {
				continue
			}
		}
		if len(q.Kinds) > 0 && !hasKind(q.Kinds, d.kind) ||
			q.District != "" && !has(d.districts, q.District) || q.Quarter != "" && !has(d.quarters, q.Quarter) ||
			q.HelpKind != "" && !has(d.help, q.HelpKind) || q.TargetGroup != "" && !has(d.groups, q.TargetGroup) ||
			q.Language != "" && !has(d.langs, q.Language) || q.Accessible != nil && d.accessible != *q.Accessible {
			continue
		}
		score := 0.0
		for _, w := range words {
			score += float64(strings.Count(d.text, w))
		}
		if len(words) > 0 && score == 0 {
			continue
		}
		if near != nil {
			if !d.located {
				continue
			}
			dist := catalogue.DistanceKM(*near, catalogue.GeoPoint{Lat: d.lat, Lon: d.lon})
			if q.RadiusKM > 0 && dist > q.RadiusKM {
				continue
			}
			if q.Sort == "distance" || len(words) == 0 {
				score = -dist
			}
		}
		hits = append(hits, hit{i, score})
		if !q.Facets {
			continue
		}
		facets["kind"][string(d.kind)]++
		for _, v := range d.districts {
			facets["district"][v]++
		}
		for _, v := range d.help {
			facets["help_kind"][v]++
		}
		for _, v := range d.langs {
			facets["language"][v]++
		}
		for _, v := range d.groups {
			facets["target_group"][v]++
		}
	}
	sort.Slice(hits, func(a, b int) bool { return hits[a].score > hits[b].score })
	return len(hits)
}

func hasKind(ks []catalogue.Kind, k catalogue.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
