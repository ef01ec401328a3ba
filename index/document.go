package index

import (
	"encoding/json"
	"fmt"
	"strings"

	"massanzug/catalogue"
)

// document turns a stored entry into what the index holds, its row
// included. Only what search needs is indexed; the entry
// itself is read from the store.
func document(places catalogue.Places, r catalogue.Record) (map[string]any, error) {
	d := map[string]any{"districts": r.Districts, fieldUpdate: r.UpdatedAt}
	if r.Kind == catalogue.KindVolunteer {
		d[fieldPerson] = r.Name
	} else {
		d[fieldName] = r.Name
	}
	var text []string
	var place catalogue.Place
	var langs []string
	switch r.Kind {
	case catalogue.KindVolunteer:
		var v catalogue.Volunteer
		if err := json.Unmarshal(r.Doc, &v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", r.ID, err)
		}
		text = append(text, v.LifeExperience, v.Interests, strings.Join(v.Trainings, " "))
		place = v.Home
		for _, l := range v.Languages {
			langs = append(langs, l.Code)
		}
		d["help_kinds"], d["target_groups"] = v.HelpKinds, v.TargetGroups
		if len(v.Groups) > 0 {
			d["groups"] = v.Groups
		}
		if v.Home.Quarter != "" {
			d["quarters"] = []string{v.Home.Quarter}
		}
	case catalogue.KindNeighbourhoodHelp:
		var n catalogue.NeighbourhoodHelp
		if err := json.Unmarshal(r.Doc, &n); err != nil {
			return nil, fmt.Errorf("decode %s: %w", r.ID, err)
		}
		text = append(text, n.Description)
		place, langs = n.Location, n.Languages
		d["help_kinds"], d["target_groups"], d["quarters"] = n.HelpKinds, n.TargetGroups, n.Quarters
	case catalogue.KindOffer:
		var o catalogue.Offer
		if err := json.Unmarshal(r.Doc, &o); err != nil {
			return nil, fmt.Errorf("decode %s: %w", r.ID, err)
		}
		text = append(text, o.Description, o.OpeningTimes, o.Eligibility.Note)
		place, langs = o.Location, o.Languages
		d["help_kinds"], d["target_groups"], d["category"] = o.HelpKinds, o.TargetGroups, o.Category
		d["accessible"] = o.Accessible
		if o.Location.Quarter != "" {
			d["quarters"] = []string{o.Location.Quarter}
		}
	default:
		return nil, fmt.Errorf("entry %s: unknown kind %q", r.ID, r.Kind)
	}
	// The codes of the kinds of help and target groups are German words
	// too (einkaufshilfe, alleinerziehende): searchable as text.
	for _, key := range []string{"help_kinds", "target_groups"} {
		if codes, ok := d[key].([]string); ok {
			text = append(text, strings.ReplaceAll(strings.Join(codes, " "), "_", " "))
		}
	}
	d[fieldText] = strings.Join(nonEmpty(text), "\n")
	d[fieldParts] = r.Name + "\n" + d[fieldText].(string)
	facets := []string{"kind:" + string(r.Kind)}
	add := func(facet string, values any) {
		vs, _ := values.([]string)
		for _, v := range vs {
			facets = append(facets, facet+":"+v)
		}
	}
	add("district", r.Districts)
	add("help_kind", d["help_kinds"])
	add("target_group", d["target_groups"])
	add("language", langs)
	if len(langs) > 0 {
		d["languages"] = langs
	}
	rw := &row{id: r.ID, facts: catalogue.FactsOf(r), name: r.Name, updated: r.UpdatedAt.UnixNano(),
		districts: r.Districts, facets: facets}
	rw.helpKinds, _ = d["help_kinds"].([]string)
	if p, ok := places.Locate(place, r.Districts); ok {
		d[fieldGeo] = map[string]any{"lat": p.Lat, "lon": p.Lon}
		rw.lat, rw.lon, rw.located = p.Lat, p.Lon, true
	}
	d[fieldRow] = rw.encode()
	return d, nil
}

func nonEmpty(xs []string) []string {
	out := xs[:0]
	for _, x := range xs {
		if strings.TrimSpace(x) != "" {
			out = append(out, x)
		}
	}
	return out
}
