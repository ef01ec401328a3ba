package hsds

import (
	"archive/zip"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
)

// WriteJSON writes the services as one page of the HSDS API's /services,
// each fully nested.
func WriteJSON(w io.Writer, ds Dataset) error {
	services := ds.Services
	if services == nil {
		services = []object{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{
		"total_items": len(services), "total_pages": 1, "page_number": 1, "size": len(services),
		"first_page": true, "last_page": true, "empty": len(services) == 0, "contents": services,
	})
}

// table is one table of HSDS's tabular form: its file and its columns in
// the specification's order.
type table struct {
	name, path string
	columns    []string
}

var tables = []table{
	{"organization", "organizations.csv", []string{"id", "name", "alternate_name", "description", "email", "website", "tax_status", "tax_id", "year_incorporated", "legal_status", "logo", "uri", "parent_organization_id"}},
	{"service", "services.csv", []string{"id", "organization_id", "program_id", "name", "alternate_name", "description", "url", "email", "status", "interpretation_services", "application_process", "fees_description", "wait_time", "fees", "accreditations", "eligibility_description", "minimum_age", "maximum_age", "assured_date", "assurer_email", "licenses", "alert", "last_modified"}},
	{"attribute", "attributes.csv", []string{"id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"}},
	{"service_at_location", "service_at_location.csv", []string{"id", "service_id", "location_id", "description"}},
	{"location", "locations.csv", []string{"id", "location_type", "url", "organization_id", "name", "alternate_name", "description", "transportation", "latitude", "longitude", "external_identifier", "external_identifier_type"}},
	{"phone", "phones.csv", []string{"id", "location_id", "service_id", "organization_id", "contact_id", "service_at_location_id", "number", "extension", "type", "description"}},
	{"contact", "contacts.csv", []string{"id", "organization_id", "service_id", "service_at_location_id", "location_id", "name", "title", "department", "email"}},
	{"address", "addresses.csv", []string{"id", "location_id", "attention", "address_1", "address_2", "city", "region", "state_province", "postal_code", "country", "address_type"}},
	{"schedule", "schedules.csv", []string{"id", "service_id", "location_id", "service_at_location_id", "valid_from", "valid_to", "dtstart", "timezone", "until", "count", "wkst", "freq", "interval", "byday", "byweekno", "bymonthday", "byyearday", "description", "opens_at", "closes_at", "schedule_link", "attending_type", "notes"}},
	{"service_area", "service_areas.csv", []string{"id", "service_id", "name", "description", "extent", "extent_type", "uri"}},
	{"language", "languages.csv", []string{"id", "service_id", "location_id", "phone_id", "name", "code", "note"}},
	{"accessibility", "accessibility.csv", []string{"id", "location_id", "description", "details", "url"}},
	{"cost_option", "cost_options.csv", []string{"id", "service_id", "valid_from", "valid_to", "option", "currency", "amount", "amount_description"}},
	{"taxonomy_term", "taxonomy_terms.csv", []string{"id", "code", "name", "description", "parent_id", "taxonomy", "language", "taxonomy_id", "term_uri"}},
	{"taxonomy", "taxonomies.csv", []string{"id", "name", "description", "uri", "version"}},
}

// nested names the table each nested field of an object goes to.
var nested = map[string]string{
	"organization": "organization", "phones": "phone", "contacts": "contact", "schedules": "schedule", "service_areas": "service_area",
	"service_at_locations": "service_at_location", "location": "location", "languages": "language", "cost_options": "cost_option",
	"attributes": "attribute", "taxonomy_term": "taxonomy_term", "taxonomy_detail": "taxonomy", "addresses": "address", "accessibility": "accessibility",
}

// rows flattens the nested services into the tables' rows, each object
// once (an organization or a term many services share is one row).
func rows(ds Dataset) map[string][]object {
	out := map[string][]object{}
	seen := map[string]bool{}
	var walk func(name string, o object)
	walk = func(name string, o object) {
		if key := name + "/" + fmt.Sprint(o["id"]); !seen[key] {
			seen[key] = true
			out[name] = append(out[name], o)
		}
		for field, v := range o {
			child, ok := nested[field]
			if !ok {
				continue
			}
			switch x := v.(type) {
			case object:
				walk(child, x)
			case []object:
				for _, c := range x {
					walk(child, c)
				}
			}
		}
	}
	for _, s := range ds.Services {
		walk("service", s)
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b object) int { return compare(a["id"], b["id"]) })
	}
	return out
}

func compare(a, b any) int {
	x, y := fmt.Sprint(a), fmt.Sprint(b)
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// WriteDatapackage writes the tabular form as a ZIP: one CSV per table
// (UTF-8, comma-separated, header row) and datapackage.json, the
// Frictionless Data descriptor naming each file and its fields.
func WriteDatapackage(w io.Writer, ds Dataset) error {
	zw := zip.NewWriter(w)
	all := rows(ds)
	var resources []map[string]any
	for _, t := range tables {
		f, err := zw.Create(t.path)
		if err != nil {
			return err
		}
		cw := csv.NewWriter(f)
		if err := cw.Write(t.columns); err != nil {
			return err
		}
		rec := make([]string, len(t.columns))
		for _, o := range all[t.name] {
			for i, c := range t.columns {
				rec[i] = cell(o[c])
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		fields := make([]map[string]string, len(t.columns))
		for i, c := range t.columns {
			fields[i] = map[string]string{"name": c, "type": fieldType(c)}
		}
		resources = append(resources, map[string]any{"name": t.name, "path": t.path, "profile": "tabular-data-resource",
			"format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "schema": map[string]any{"fields": fields, "primaryKey": "id"}})
	}
	f, err := zw.Create("datapackage.json")
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{
		"name": "massanzug-hsds", "title": "Maßanzug: Hilfen und Angebote (HSDS " + Version + ")", "profile": "tabular-data-package",
		"created":     ds.Options.Generated.UTC().Format("2006-01-02T15:04:05Z"),
		"description": "Der öffentliche Teil des Katalogs: freigegebene, laufende Angebote und aktive Nachbarschaftshilfen, im Human Services Data Specification " + Version + " von Open Referral.",
		"resources":   resources,
	}); err != nil {
		return err
	}
	return zw.Close()
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func fieldType(column string) string {
	switch column {
	case "latitude", "longitude", "amount", "minimum_age", "maximum_age", "year_incorporated", "timezone", "count", "interval", "extension":
		return "number"
	case "last_modified":
		return "datetime"
	}
	return "string"
}

// Form is one of the two forms of an export: its media type and the file
// name it is offered under.
type Form struct {
	Name, MediaType, FileName string
	write                     func(io.Writer, Dataset) error
}

// Forms are the export's forms by name; the first is the default.
var Forms = []Form{
	{"datapackage", "application/zip", "hsds-datapackage.zip", WriteDatapackage},
	{"json", "application/json", "hsds.json", WriteJSON},
}

// FormNamed returns the form of a name ("" is the default).
func FormNamed(name string) (Form, bool) {
	if name == "" {
		return Forms[0], true
	}
	for _, f := range Forms {
		if f.Name == name {
			return f, true
		}
	}
	return Form{}, false
}

// Write writes ds in this form.
func (f Form) Write(w io.Writer, ds Dataset) error { return f.write(w, ds) }
