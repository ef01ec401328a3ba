package index

import (
	"reflect"
	"testing"

	"massanzug/catalogue"
)

func TestRowRoundTrip(t *testing.T) {
	for _, r := range []row{
		{facts: catalogue.Facts{Kind: "volunteer", Status: "active"}, name: "Ayşe 3:Yılmaz", updated: 1767225600123456789, lat: 48.4, lon: 9.98, located: true,
			districts: []string{"mitte-ost"}, helpKinds: []string{"einkaufshilfe", "fahrdienst"}, facets: []string{"kind:volunteer", "language:tr"}},
		{facts: catalogue.Facts{Kind: "offer", Status: "approved", ValidFrom: "2026-01-01", ValidUntil: "2026-12-31", ProviderID: "prv_1"}, name: "",
			districts: []string{}, helpKinds: []string{}, facets: []string{}},
		{facts: catalogue.Facts{Kind: "offer"}, name: "12:34 Uhr\x1f\n„Treff“", districts: []string{"a:b", "7:"}, helpKinds: []string{}, facets: []string{"0:"}},
	} {
		r.facts.Districts = r.districts // a row's facts hold its districts, stored once
		got, err := decodeRow(r.encode())
		if err != nil {
			t.Fatalf("%q: %v", r.name, err)
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
		}
	}
	for _, bad := range []string{"", "2:r1", "2:r2", "9:r1", "x:y", "2:r14:kind"} {
		if _, err := decodeRow(bad); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}
