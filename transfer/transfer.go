// Package transfer reads and writes catalogue entries as spreadsheets (CSV
// and XLSX) and JSON, for staff who arrive with their lists and leave with
// exports, and for the round trip between: an export corrected in Excel
// imports as updates of the entries it came from.
//
// A spreadsheet has a header row; each column is named by the JSON path of
// a field of the kind's input ("name", "contact.email", "home.district")
// or by its German title ("Kontakt: E-Mail"), as an XLSX export heads
// them. The id and version columns tie a row to the entry it was exported
// from. Lists are separated by "|" ("einkaufshilfe|besuchsdienst");
// languages are written "tr:native|de:good" or "Türkisch:Muttersprache",
// time slots "tue 14:00-17:00" or "Di 14:00-17:00"; booleans as ja/nein
// (true/false too); dates as TT.MM.JJJJ or JJJJ-MM-TT; numbers with a
// decimal comma or point; a vocabulary's cells by code or label; empty
// cells are absent fields. CSV files are UTF-8 (with or without a byte
// order mark) or Windows-1252, separated by ";" or ",", whichever the
// header uses. JSON files are an array of objects shaped as the API shows
// or takes entries.
//
// Parsing never decides whether a value is valid: each row becomes the same
// input the API takes, and the catalogue validates it with the API's rules.
package transfer

import (
	"fmt"
	"reflect"

	"massanzug/catalogue"
)

// Format is a file format of an import or export.
type Format string

const (
	CSV  Format = "csv"
	JSON Format = "json"
	XLSX Format = "xlsx"
)

// XLSXType is the media type of an XLSX file.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// InputType returns the input type of a kind.
func InputType(k catalogue.Kind) (reflect.Type, error) {
	switch k {
	case catalogue.KindVolunteer:
		return reflect.TypeOf(catalogue.VolunteerInput{}), nil
	case catalogue.KindNeighbourhoodHelp:
		return reflect.TypeOf(catalogue.NeighbourhoodHelpInput{}), nil
	case catalogue.KindOffer:
		return reflect.TypeOf(catalogue.OfferInput{}), nil
	}
	return nil, fmt.Errorf("unknown kind %q", k)
}

// MediaType is the type an export in format f is sent as.
func MediaType(f Format) string {
	switch f {
	case XLSX:
		return XLSXType
	case JSON:
		return "application/json"
	}
	return "text/csv; charset=utf-8"
}

func unknownFormat(f Format) error {
	return fmt.Errorf("unknown format %q: use csv, xlsx or json", f)
}
