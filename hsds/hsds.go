// Package hsds writes the public part of the catalogue in the Open
// Referral Human Services Data Specification, release 3.0: the standard
// other service directories read. Providers and neighbourhood helps become
// organizations; offers and neighbourhood helps services, with their
// districts as service areas, their places as locations, their times as
// schedules, their ages and notes as eligibility, their languages, costs
// and the city's kinds of help, target groups and categories as taxonomy
// terms. Volunteers, who are people, are never part of it.
//
// HSDS identifies everything by UUID; ours are derived from the entries'
// ids (UUID version 5), so that an export names the same service with the
// same id every time and a directory that reads it again can update.
//
// The JSON form is a page of fully nested services, as the HSDS API's
// /services answers; the tabular form is a datapackage: one CSV file per
// HSDS table and datapackage.json describing them, in a ZIP.
package hsds

import (
	"cmp"
	"crypto/sha1"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"massanzug/catalogue"
)

// Version is the HSDS release written.
const Version = "3.0"

// Options say what the catalogue itself does not: where the city is (for
// addresses).
type Options struct {
	StateProvince string // an address's state, "Baden-Württemberg"
	Country       string // ISO 3166-1 alpha-2, "DE"
	Generated     time.Time
}

func (o Options) withDefaults() Options {
	o.StateProvince = cmp.Or(o.StateProvince, "Baden-Württemberg")
	o.Country = cmp.Or(o.Country, "DE")
	if o.Generated.IsZero() {
		o.Generated = time.Now()
	}
	return o
}

// object is one HSDS object as it is written: only the fields it has.
type object map[string]any

// set keeps a field unless it is empty.
func (o object) set(k string, v any) object {
	switch x := v.(type) {
	case string:
		if x == "" {
			return o
		}
	case []object:
		if len(x) == 0 {
			return o
		}
	case nil:
		return o
	}
	o[k] = v
	return o
}

// namespace is the UUID namespace of Maßanzug's ids (a version-5 UUID of
// "massanzug" in the URL namespace of RFC 9562).
var namespace = uuid5([16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}, "massanzug")

// id derives the stable UUID of a thing from the names that identify it.
func id(parts ...string) string {
	u := uuid5(namespace, strings.Join(parts, "/"))
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// uuid5 is RFC 9562's name-based UUID with SHA-1.
func uuid5(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// Dataset is the export: the services, each nested as the HSDS API shows
// it (with its organization, locations and terms), in id order.
type Dataset struct {
	Services []object
	Options  Options
}

// Build maps the open data of the catalogue to HSDS.
func Build(d catalogue.OpenData, opt Options) Dataset {
	opt = opt.withDefaults()
	b := builder{opt: opt, districts: map[string]catalogue.District{}, terms: map[string]object{}}
	for _, dist := range d.Districts {
		b.districts[dist.ID] = dist
	}
	b.indexTerms(d.Taxonomy)
	orgs := map[string]object{}
	for _, p := range d.Providers {
		orgs[p.ID] = b.provider(p)
	}
	var out []object
	for _, o := range d.Offers {
		if org, ok := orgs[o.ProviderID]; ok { // every offer has a provider, OpenData only active ones
			out = append(out, b.offer(o, org))
		}
	}
	for _, n := range d.Helps {
		out = append(out, b.help(n))
	}
	slices.SortFunc(out, func(a, b object) int { return strings.Compare(a["id"].(string), b["id"].(string)) })
	return Dataset{Services: out, Options: opt}
}

type builder struct {
	opt       Options
	districts map[string]catalogue.District
	terms     map[string]object // by vocabulary + code
}

// taxonomies are the city's vocabularies as HSDS taxonomies.
var taxonomies = []struct {
	vocab             catalogue.Vocabulary
	name, description string
}{
	{catalogue.VocabHelpKinds, "Maßanzug: Hilfearten", "Die Arten von Hilfe, die Ehrenamtliche, Nachbarschaftshilfen und Angebote geben."},
	{catalogue.VocabTargetGroups, "Maßanzug: Zielgruppen", "Für wen eine Hilfe gedacht ist."},
	{catalogue.VocabOfferCategories, "Maßanzug: Angebotskategorien", "Welche Art von Angebot es ist."},
}

func (b *builder) indexTerms(tax catalogue.Taxonomy) {
	for _, t := range taxonomies {
		taxonomy := object{"id": id("taxonomy", string(t.vocab)), "name": t.name, "description": t.description, "version": "1"}
		var terms []catalogue.Term
		switch t.vocab {
		case catalogue.VocabHelpKinds:
			for _, th := range tax.Themes {
				for _, h := range th.HelpKinds {
					h.Theme = th.Label
					terms = append(terms, h)
				}
			}
		case catalogue.VocabTargetGroups:
			terms = tax.TargetGroups
		case catalogue.VocabOfferCategories:
			terms = tax.OfferCategories
		}
		for _, term := range terms {
			desc := term.Label
			if term.Theme != "" {
				desc = term.Label + " (Thema: " + term.Theme + ")"
			}
			b.terms[string(t.vocab)+"/"+term.Code] = object{"id": id("term", string(t.vocab), term.Code), "code": term.Code, "name": term.Label,
				"description": desc, "taxonomy": string(t.vocab), "language": "de", "taxonomy_id": taxonomy["id"], "taxonomy_detail": taxonomy}
		}
	}
}

func (b *builder) provider(p catalogue.Provider) object {
	o := object{"id": id("organization", p.ID), "name": p.Name, "description": cmp.Or(p.Description, p.Name)}
	o.set("email", p.Contact.Email).set("website", p.Website)
	if p.Contact.Phone != "" {
		o["phones"] = []object{{"id": id("phone", p.ID), "organization_id": o["id"], "number": p.Contact.Phone}}
	}
	return o
}

// service is what offers and neighbourhood helps have in common.
type service struct {
	entryID, name, description string
	updated                    time.Time
	districts, quarters        []string
	helpKinds, targetGroups    []string
	category                   string
	languages                  []string
	slots                      []catalogue.Slot
	validFrom, validUntil      string
	times                      string
	contact                    catalogue.Contact
	place                      catalogue.Place
	address                    catalogue.Address
	accessible                 bool
}

func (b *builder) offer(o *catalogue.Offer, org object) object {
	s := b.service(org, service{entryID: o.ID, name: o.Name, description: o.Description, updated: o.UpdatedAt, districts: o.Districts,
		helpKinds: o.HelpKinds, targetGroups: o.TargetGroups, category: o.Category, languages: o.Languages, slots: o.Schedule,
		validFrom: o.ValidFrom, validUntil: o.ValidUntil, times: o.OpeningTimes, contact: o.Contact, place: o.Location,
		address: o.Address, accessible: o.Accessible})
	if o.Eligibility.MinAge != nil {
		s["minimum_age"] = *o.Eligibility.MinAge
	}
	if o.Eligibility.MaxAge != nil {
		s["maximum_age"] = *o.Eligibility.MaxAge
	}
	s.set("eligibility_description", o.Eligibility.Note)
	if o.RegistrationRequired {
		s["application_process"] = "Anmeldung nötig."
	}
	if o.CostEUR != nil {
		s["fees_description"] = strings.TrimSpace(euro(*o.CostEUR) + " " + o.CostNote)
		s["cost_options"] = []object{object{"id": id("cost", o.ID), "service_id": s["id"], "currency": "EUR", "amount": *o.CostEUR}.
			set("option", o.CostNote).set("valid_from", o.ValidFrom).set("valid_to", o.ValidUntil)}
	} else {
		s.set("fees_description", o.CostNote)
	}
	return s
}

func (b *builder) help(n *catalogue.NeighbourhoodHelp) object {
	org := object{"id": id("organization", n.ID), "name": n.Name, "description": cmp.Or(n.Description, n.Name)}
	org.set("email", n.Coordinator.Email)
	s := b.service(org, service{entryID: n.ID, name: n.Name, description: n.Description, updated: n.UpdatedAt, districts: n.Districts,
		quarters: n.Quarters, helpKinds: n.HelpKinds, targetGroups: n.TargetGroups, languages: n.Languages, slots: n.Availability,
		contact: n.Coordinator, place: n.Location})
	if n.CostPerHour != nil {
		s["fees_description"] = euro(*n.CostPerHour) + " je Stunde"
		s["cost_options"] = []object{{"id": id("cost", n.ID), "service_id": s["id"], "currency": "EUR", "amount": *n.CostPerHour, "amount_description": "je Stunde"}}
	}
	return s
}

func (b *builder) service(org object, e service) object {
	sid := id("service", e.entryID)
	s := object{"id": sid, "organization_id": org["id"], "name": e.name, "status": "active", "organization": org,
		"last_modified": e.updated.UTC().Format(time.RFC3339)}
	s.set("description", e.description).set("email", e.contact.Email)
	if e.contact.Phone != "" {
		s["phones"] = []object{{"id": id("phone", e.entryID), "service_id": sid, "number": e.contact.Phone}}
	}
	if e.contact.Name != "" || e.contact.Email != "" {
		s["contacts"] = []object{object{"id": id("contact", e.entryID), "service_id": sid}.set("name", e.contact.Name).set("email", e.contact.Email)}
	}
	var areas []object
	for _, d := range e.districts {
		dist := b.districts[d]
		a := object{"id": id("area", e.entryID, d), "service_id": sid, "name": cmp.Or(dist.Name, d), "extent_type": "Sozialraum", "description": "Sozialraum " + cmp.Or(dist.Name, d)}
		var qs []string
		for _, q := range e.quarters {
			if slices.ContainsFunc(dist.Quarters, func(x catalogue.Quarter) bool { return x.Name == q }) {
				qs = append(qs, q)
			}
		}
		if len(qs) > 0 {
			a["description"] = "Sozialraum " + cmp.Or(dist.Name, d) + ", Quartiere: " + strings.Join(qs, ", ")
		}
		areas = append(areas, a)
	}
	s.set("service_areas", areas)
	var langs []object
	for _, l := range e.languages {
		langs = append(langs, object{"id": id("language", e.entryID, l), "service_id": sid, "code": l}.set("name", catalogue.LanguageNames[l]))
	}
	s.set("languages", langs)
	s.set("schedules", b.schedules(e, sid))
	var attrs []object
	for _, v := range []struct {
		vocab catalogue.Vocabulary
		codes []string
	}{{catalogue.VocabHelpKinds, e.helpKinds}, {catalogue.VocabTargetGroups, e.targetGroups}, {catalogue.VocabOfferCategories, []string{e.category}}} {
		for _, c := range v.codes {
			term, ok := b.terms[string(v.vocab)+"/"+c]
			if c == "" || !ok {
				continue
			}
			attrs = append(attrs, object{"id": id("attribute", e.entryID, string(v.vocab), c), "link_id": sid, "link_type": string(v.vocab),
				"link_entity": "service", "taxonomy_term_id": term["id"], "taxonomy_term": term})
		}
	}
	s.set("attributes", attrs)
	if loc := b.location(e, org); loc != nil {
		s["service_at_locations"] = []object{{"id": id("service_at_location", e.entryID), "service_id": sid, "location_id": loc["id"], "location": loc}}
	}
	return s
}

var byDay = map[string]string{"mon": "MO", "tue": "TU", "wed": "WE", "thu": "TH", "fri": "FR", "sat": "SA", "sun": "SU"}

// schedules writes each weekly slot as an RFC 5545 rule (FREQ=WEEKLY,
// BYDAY) with its hours; the opening times as typed go with the first,
// or stand alone where there are no slots.
func (b *builder) schedules(e service, sid string) []object {
	var out []object
	for i, sl := range e.slots {
		out = append(out, object{"id": id("schedule", e.entryID, strconv.Itoa(i)), "service_id": sid, "freq": "WEEKLY", "wkst": "MO", "interval": 1,
			"byday": byDay[sl.Day], "opens_at": sl.From, "closes_at": sl.To}.set("valid_from", e.validFrom).set("valid_to", e.validUntil))
	}
	if e.times != "" {
		if len(out) == 0 {
			out = append(out, object{"id": id("schedule", e.entryID, "text"), "service_id": sid}.set("valid_from", e.validFrom).set("valid_to", e.validUntil))
		}
		out[0]["description"] = e.times
	}
	if len(out) == 0 && (e.validFrom != "" || e.validUntil != "") {
		out = append(out, object{"id": id("schedule", e.entryID, "period"), "service_id": sid}.set("valid_from", e.validFrom).set("valid_to", e.validUntil))
	}
	return out
}

// location is where a service is, when it says: coordinates, an address
// or a quarter.
func (b *builder) location(e service, org object) object {
	hasAddress := e.address.Street != "" && e.address.PostalCode != "" && e.address.City != ""
	if e.place.Lat == nil && !hasAddress && e.place.Quarter == "" {
		return nil
	}
	lid := id("location", e.entryID)
	loc := object{"id": lid, "location_type": "physical", "organization_id": org["id"], "name": cmp.Or(e.place.Quarter, e.name)}
	if e.place.Lat != nil && e.place.Lon != nil {
		loc["latitude"], loc["longitude"] = *e.place.Lat, *e.place.Lon
	}
	if d, ok := b.districts[e.place.District]; ok {
		loc["description"] = "Sozialraum " + d.Name
	}
	if hasAddress {
		loc["addresses"] = []object{{"id": id("address", e.entryID), "location_id": lid, "address_1": e.address.Street, "city": e.address.City,
			"state_province": b.opt.StateProvince, "postal_code": e.address.PostalCode, "country": b.opt.Country, "address_type": "physical"}}
	}
	if e.accessible {
		loc["accessibility"] = []object{{"id": id("accessibility", e.entryID), "location_id": lid, "description": "barrierefrei"}}
	}
	return loc
}

func euro(f float64) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', 2, 64), ".", ",", 1) + " €"
}
