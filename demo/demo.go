// Package demo fills an empty catalogue with a realistic, fictional
// catalogue for Ulm: providers of the city's project group, organised
// neighbourhood helps, offers and volunteers in all five districts, all in
// German. Every entry goes through the catalogue's own validation, so the
// demo is also a test of the rules. Any similarity to real people is
// chance; the Canapé Café and the neighbourhood help at Eselsberg are
// named after the examples of the city's seed documents.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"massanzug/access"
	"massanzug/catalogue"
)

// Result tells what was loaded.
type Result struct {
	Entries   int
	Providers int
	// ProviderID is the provider whose demo token may submit offers
	// (AG West e.V., which runs the Canapé Café).
	ProviderID string
}

var staff = access.Principal{TokenID: "demo", Name: "Demo-Daten", Role: access.RoleResourceManager}

type quarter struct {
	district string
	name     string
	lat, lon float64
}

// Load writes the demo catalogue through svc. It is deterministic.
func Load(ctx context.Context, svc *catalogue.Service) (Result, error) {
	rng := rand.New(rand.NewPCG(2017, 329))
	var res Result
	districts, err := svc.Districts(ctx, staff)
	if err != nil {
		return res, err
	}
	var quarters []quarter
	byDistrict := map[string][]quarter{}
	for _, d := range districts {
		for _, q := range d.Quarters {
			qq := quarter{d.ID, q.Name, q.Lat, q.Lon}
			quarters = append(quarters, qq)
			byDistrict[d.ID] = append(byDistrict[d.ID], qq)
		}
	}
	providers, err := loadProviders(ctx, svc, districts)
	if err != nil {
		return res, err
	}
	res.Providers = len(providers)
	res.ProviderID = providers["AG West e.V."]

	n, err := loadOffers(ctx, svc, rng, providers, byDistrict)
	if err != nil {
		return res, err
	}
	res.Entries += n
	groups, err := loadHelps(ctx, svc, rng, byDistrict)
	if err != nil {
		return res, err
	}
	res.Entries += len(groups)
	n, err = loadVolunteers(ctx, svc, rng, quarters, svc.Today(), groups)
	if err != nil {
		return res, err
	}
	res.Entries += n
	return res, nil
}

var providerInfo = map[string]struct {
	desc      string
	districts []string
}{
	"AIDS-Hilfe":                         {"Beratung, Begleitung und Selbsthilfe rund um HIV und sexuelle Gesundheit.", []string{"mitte-ost"}},
	"ASB":                                {"Arbeiter-Samariter-Bund: Hausnotruf, Menüservice, Fahrdienste und Besuchsdienste.", []string{"wiblingen", "boefingen"}},
	"Bruderhaus Diakonie":                {"Hilfen für Menschen mit Behinderung und psychischer Erkrankung, Wohnen und Arbeit.", []string{"weststadt-soeflingen", "eselsberg"}},
	"Caritas":                            {"Caritas Ulm-Alb-Donau: Beratung, Familienhilfe, Migrationsdienst, Schuldnerberatung.", []string{"mitte-ost", "wiblingen", "eselsberg"}},
	"DRK":                                {"Deutsches Rotes Kreuz: Seniorenangebote, Kleiderladen, Erste Hilfe, Ehrenamt.", []string{"boefingen", "weststadt-soeflingen"}},
	"Jugend- und Erwachsenenhilfe Seitz": {"Ambulante Hilfen für Jugendliche, junge Erwachsene und Familien.", []string{"wiblingen", "mitte-ost"}},
	"Lebenshilfe Donau-Iller":            {"Angebote für Menschen mit geistiger Behinderung und ihre Familien.", []string{"weststadt-soeflingen", "boefingen"}},
	"Liebenau Teilhabe gGmbH":            {"Teilhabe, Wohnen und Tagesstruktur für Menschen mit Behinderung.", []string{"eselsberg"}},
	"Lifecoaching Lohmeyer":              {"Coaching und Begleitung in schwierigen Lebenslagen.", []string{"mitte-ost"}},
	"LWV Eingliederungshilfe GmbH (Tannenhof)": {"Wohn- und Beschäftigungsangebote der Eingliederungshilfe.", []string{"boefingen"}},
	"Marienberg":   {"Ambulante Jugend- und Familienhilfe.", []string{"eselsberg", "wiblingen"}},
	"Rehaverein":   {"Gemeindepsychiatrische Hilfen, Tagesstätte und Zuverdienst.", []string{"weststadt-soeflingen", "mitte-ost"}},
	"ZAWO":         {"Zentrum für Arbeit und Wohnen: Wohnungslosenhilfe und Beschäftigung.", []string{"mitte-ost"}},
	"ZfP":          {"Zentrum für Psychiatrie Südwürttemberg: Behandlung und gemeindenahe Angebote.", []string{"weststadt-soeflingen"}},
	"AG West e.V.": {"Arbeitsgemeinschaft West: Stadtteilarbeit in der Weststadt, Träger des Canapé Cafés.", []string{"weststadt-soeflingen"}},
}

func loadProviders(ctx context.Context, svc *catalogue.Service, districts []catalogue.District) (map[string]string, error) {
	names, err := catalogue.DefaultProviderNames()
	if err != nil {
		return nil, err
	}
	ids := map[string]string{}
	for _, name := range names {
		info := providerInfo[name]
		slug := strings.NewReplacer(" ", "-", ".", "", "(", "", ")", "", "ä", "ae", "ö", "oe", "ü", "ue").Replace(strings.ToLower(name))
		p, err := svc.CreateProvider(ctx, staff, catalogue.ProviderInput{
			Name:        name,
			Description: info.desc,
			Contact:     catalogue.Contact{Email: "info@" + strings.Trim(slug, "-") + ".example", Phone: "0731 " + fmt.Sprint(100000+len(ids)*7919)},
			Address:     catalogue.Address{City: "Ulm"},
			Districts:   info.districts,
		})
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", name, err)
		}
		ids[name] = p.ID
	}
	return ids, nil
}

func intp(n int) *int           { return &n }
func floatp(f float64) *float64 { return &f }

type offerTemplate struct {
	name, category, desc string
	help, groups         []string
	provider             string
	accessible, reg      bool
	minAge, maxAge       int
	langs                []string
	times                string
}

var offerTemplates = []offerTemplate{
	{"Canapé Café", "cafe_treffpunkt", "Offenes Stadtteilcafé in der Weststadt: Kaffee, Kuchen, Gespräche, Zeitung lesen und Nachbarn kennenlernen. Jeden Donnerstag Frühstück für Alleinerziehende.", []string{"begegnung"}, []string{"familien", "alleinerziehende", "senioren", "migration"}, "AG West e.V.", true, false, 0, 0, []string{"de", "tr", "ar"}, "Di–Fr 9–17 Uhr"},
	{"Mittagstisch im Quartier", "cafe_treffpunkt", "Gemeinsames warmes Mittagessen für wenig Geld, danach Kaffee und Gesellschaft.", []string{"essensversorgung", "begegnung"}, []string{"senioren"}, "DRK", true, false, 0, 0, []string{"de"}, "Mo, Mi, Fr 12–14 Uhr"},
	{"Schuldnerberatung", "beratung", "Kostenlose Beratung bei Schulden: Überblick verschaffen, Gläubiger anschreiben, Insolvenz vorbereiten.", []string{"schuldnerberatung", "leistungsansprueche"}, []string{"familien", "alleinerziehende"}, "Caritas", true, true, 18, 0, []string{"de", "tr", "ru"}, "nach Vereinbarung"},
	{"Hausaufgabentreff", "lerngruppe", "Hausaufgabenbetreuung und Nachhilfe in kleinen Gruppen mit ehrenamtlichen Lernbegleiterinnen.", []string{"hausaufgabenhilfe"}, []string{"kinder", "jugendliche"}, "Marienberg", false, true, 6, 16, []string{"de"}, "Mo–Do 14–16 Uhr"},
	{"Ferienprogramm Sommer", "ferienprogramm", "Zwei Wochen Ausflüge, Basteln, Spiele und Schwimmen in den Sommerferien.", []string{"ferienbetreuung"}, []string{"kinder"}, "Jugend- und Erwachsenenhilfe Seitz", false, true, 6, 12, []string{"de"}, "in den Sommerferien 8–15 Uhr"},
	{"Selbsthilfegruppe Pflegende Angehörige", "selbsthilfegruppe", "Austausch und gegenseitige Entlastung für Menschen, die Angehörige pflegen.", []string{"selbsthilfe"}, []string{"pflegende_angehoerige"}, "ASB", true, false, 0, 0, []string{"de"}, "jeden 2. Dienstag 18 Uhr"},
	{"Tagesstätte mit Zuverdienst", "tagesstruktur", "Tagesstruktur, Mittagessen und stundenweise Arbeit für Menschen mit psychischer Erkrankung.", []string{"tagesstruktur"}, []string{"psychische_erkrankung"}, "Rehaverein", true, false, 18, 0, []string{"de"}, "Mo–Fr 8–15 Uhr"},
	{"Wohnungsnotfallhilfe", "wohnangebot", "Beratung bei drohendem Wohnungsverlust und Unterstützung bei der Suche nach einer Wohnung.", []string{"wohnraumsicherung", "wohnungssuche"}, []string{"familien", "migration"}, "ZAWO", true, true, 18, 0, []string{"de", "en"}, "Mo–Do 9–12 Uhr"},
	{"Bewerbungswerkstatt", "arbeitsangebot", "Lebenslauf schreiben, Bewerbungen üben, Stellen suchen: mit Computerplätzen und Begleitung.", []string{"bewerbungshilfe"}, []string{"jugendliche", "migration"}, "Bruderhaus Diakonie", true, false, 16, 0, []string{"de", "ar", "en"}, "Di und Do 10–13 Uhr"},
	{"Sprachcafé Deutsch", "cafe_treffpunkt", "Deutsch sprechen üben in entspannter Runde, mit Ehrenamtlichen und Tee.", []string{"sprachpatenschaft", "begegnung"}, []string{"migration"}, "Caritas", true, false, 0, 0, []string{"de", "ar", "fa", "uk"}, "Mi 16–18 Uhr"},
	{"Inklusive Sportgruppe", "freizeit_sport", "Bewegung, Ballspiele und Gymnastik für Menschen mit und ohne Behinderung.", []string{"sport_bewegung", "freizeitbegleitung"}, []string{"menschen_mit_behinderung"}, "Lebenshilfe Donau-Iller", true, false, 12, 0, []string{"de"}, "Sa 10–12 Uhr"},
	{"Beratung für Familien", "beratung", "Erziehungs- und Familienberatung, auch zu Hause, auf Wunsch mit Dolmetscherin.", []string{"familienpatenschaft", "leistungsansprueche"}, []string{"familien", "alleinerziehende"}, "Caritas", true, true, 0, 0, []string{"de", "tr"}, "nach Vereinbarung"},
	{"Offener Treff für Menschen mit Behinderung", "cafe_treffpunkt", "Spiele, Gespräche und Ausflüge am Nachmittag.", []string{"begegnung", "assistenz"}, []string{"menschen_mit_behinderung"}, "Liebenau Teilhabe gGmbH", true, false, 18, 0, []string{"de"}, "Do 15–18 Uhr"},
	{"Antragswerkstatt", "beratung", "Hilfe beim Ausfüllen von Anträgen: Wohngeld, Kinderzuschlag, Bürgergeld, Rente.", []string{"antragshilfe", "leistungsansprueche"}, []string{"familien", "senioren", "migration"}, "DRK", true, false, 18, 0, []string{"de", "ru", "tr"}, "Mo 14–17 Uhr"},
	{"Seniorengymnastik", "freizeit_sport", "Sanfte Gymnastik und Sturzprophylaxe, danach Kaffee.", []string{"sport_bewegung"}, []string{"senioren"}, "ASB", true, false, 60, 0, []string{"de"}, "Di 10–11 Uhr"},
	{"Beschäftigung im Tannenhof", "tagesstruktur", "Werkstatt, Garten und Küche: Arbeit mit Tagesstruktur.", []string{"tagesstruktur"}, []string{"menschen_mit_behinderung"}, "LWV Eingliederungshilfe GmbH (Tannenhof)", false, true, 18, 65, []string{"de"}, "Mo–Fr 8–16 Uhr"},
	{"Gesprächsgruppe Lebenskrisen", "selbsthilfegruppe", "Angeleitete Gruppe für Menschen in Trennung, Arbeitslosigkeit oder Trauer.", []string{"selbsthilfe"}, []string{"psychische_erkrankung"}, "Lifecoaching Lohmeyer", true, true, 18, 0, []string{"de", "en"}, "Mi 19 Uhr"},
	{"Positiv leben", "selbsthilfegruppe", "Treffen, Beratung und Begleitung für Menschen mit HIV.", []string{"selbsthilfe", "aemterbegleitung"}, []string{"migration"}, "AIDS-Hilfe", true, false, 18, 0, []string{"de", "en", "fr"}, "Fr 18 Uhr"},
	{"Psychiatrische Institutsambulanz Sprechstunde", "beratung", "Offene Sprechstunde und Vermittlung in gemeindenahe Hilfen.", []string{"tagesstruktur", "leistungsansprueche"}, []string{"psychische_erkrankung"}, "ZfP", true, false, 18, 0, []string{"de"}, "Mo–Fr 8–12 Uhr"},
	{"Eltern-Kind-Frühstück", "cafe_treffpunkt", "Frühstück und Austausch für Eltern mit kleinen Kindern, Spielecke vorhanden.", []string{"begegnung", "kinderbetreuung"}, []string{"familien", "alleinerziehende"}, "AG West e.V.", true, false, 0, 0, []string{"de", "tr", "ar"}, "Do 9–11 Uhr"},
}

func loadOffers(ctx context.Context, svc *catalogue.Service, rng *rand.Rand, providers map[string]string, byDistrict map[string][]quarter) (int, error) {
	count := 0
	districtIDs := []string{"boefingen", "weststadt-soeflingen", "eselsberg", "mitte-ost", "wiblingen"}
	year := svc.Today()[:4]
	for round := 0; round < 3; round++ {
		for i, t := range offerTemplates {
			d := providerInfo[t.provider].districts[round%len(providerInfo[t.provider].districts)]
			if t.name == "Canapé Café" || t.name == "Eltern-Kind-Frühstück" {
				if round > 0 {
					continue // one Canapé Café, in the Weststadt
				}
				d = "weststadt-soeflingen"
			} else if round == 2 {
				d = districtIDs[(i+round)%len(districtIDs)]
			}
			q := byDistrict[d][rng.IntN(len(byDistrict[d]))]
			if t.name == "Canapé Café" || t.name == "Eltern-Kind-Frühstück" {
				q = byDistrict[d][0] // Weststadt
			}
			in := catalogue.OfferInput{
				ProviderID: providers[t.provider], Name: t.name + " " + q.name, Description: t.desc, Category: t.category,
				HelpKinds: t.help, TargetGroups: t.groups, Districts: []string{d},
				Address:      catalogue.Address{Street: streets[rng.IntN(len(streets))] + " " + fmt.Sprint(1+rng.IntN(80)), PostalCode: postal[d], City: "Ulm"},
				Location:     catalogue.Place{District: d, Quarter: q.name, Lat: floatp(jitter(rng, q.lat)), Lon: floatp(jitter(rng, q.lon))},
				OpeningTimes: t.times, Accessible: t.accessible, RegistrationRequired: t.reg, Languages: t.langs,
				Contact: catalogue.Contact{Name: pick(rng, firstNamesDE) + " " + pick(rng, lastNamesDE), Phone: fmt.Sprintf("0731 %d", 200000+rng.IntN(700000))},
			}
			if t.name == "Canapé Café" {
				in.Name = t.name
			}
			if t.minAge > 0 {
				in.Eligibility.MinAge = intp(t.minAge)
			}
			if t.maxAge > 0 {
				in.Eligibility.MaxAge = intp(t.maxAge)
			}
			if rng.IntN(3) == 0 {
				in.CostEUR = floatp(float64(rng.IntN(4)) * 2.5)
			} else {
				in.CostEUR = floatp(0)
			}
			if t.category == "ferienprogramm" {
				in.ValidFrom, in.ValidUntil = year+"-07-27", year+"-08-07"
				if round == 1 {
					// A programme of an earlier year: due for review.
					in.ValidFrom, in.ValidUntil = "2024-07-29", "2024-08-09"
				}
			}
			if _, err := svc.CreateOffer(ctx, staff, in); err != nil {
				return count, fmt.Errorf("offer %s: %w", in.Name, err)
			}
			count++
		}
	}
	// Offers a provider submitted that still wait for staff.
	agWest := access.Principal{TokenID: "demo", Name: "AG West e.V.", Role: access.RoleProvider, ProviderID: providers["AG West e.V."]}
	for _, in := range []catalogue.OfferInput{
		{Name: "Nähcafé Weststadt", Category: "cafe_treffpunkt", Description: "Gemeinsam nähen, flicken und umarbeiten; Nähmaschinen sind da.", HelpKinds: []string{"begegnung"}, TargetGroups: []string{"familien", "migration"}, Districts: []string{"weststadt-soeflingen"}, OpeningTimes: "Mo 15–18 Uhr", Languages: []string{"de", "tr"}, Accessible: true},
		{Name: "Repair-Café", Category: "freizeit_sport", Description: "Kaputte Geräte gemeinsam reparieren statt wegwerfen.", HelpKinds: []string{"reparatur_garten", "begegnung"}, TargetGroups: []string{"senioren"}, Districts: []string{"weststadt-soeflingen"}, OpeningTimes: "jeden 1. Samstag 10–13 Uhr", Languages: []string{"de"}},
	} {
		if _, err := svc.CreateOffer(ctx, agWest, in); err != nil {
			return count, fmt.Errorf("submitted offer %s: %w", in.Name, err)
		}
		count++
	}
	return count, nil
}

var postal = map[string]string{"boefingen": "89075", "weststadt-soeflingen": "89077", "eselsberg": "89081", "mitte-ost": "89073", "wiblingen": "89079"}

var streets = []string{"Hauptstraße", "Söflinger Straße", "Magirusstraße", "Eselsbergsteige", "Wiblinger Allee", "Karlstraße", "Olgastraße", "Albrecht-Berblinger-Straße", "Buchauer Straße", "Haslacher Weg"}

func jitter(rng *rand.Rand, v float64) float64 { return v + (rng.Float64()-0.5)*0.008 }

func pick(rng *rand.Rand, xs []string) string { return xs[rng.IntN(len(xs))] }

// group is a neighbourhood help of the demo, which volunteers may join.
type group struct {
	id, district string
	helpKinds    []string
}

func loadHelps(ctx context.Context, svc *catalogue.Service, rng *rand.Rand, byDistrict map[string][]quarter) ([]group, error) {
	type help struct {
		name, district, desc string
		services, groups     []string
		langs                []string
		cost                 float64
	}
	helps := []help{
		{"Organisierte Nachbarschaftshilfe Eselsberg", "eselsberg", "Im Projekt Sozialraumorientierung gegründete Nachbarschaftshilfe: Nachbarinnen und Nachbarn helfen beim Einkaufen, im Haushalt, mit Begleitung zu Ärzten und Ämtern und mit Besuchen.", []string{"einkaufshilfe", "haushaltshilfe", "aemterbegleitung", "besuchsdienst"}, []string{"senioren", "familien", "alleinerziehende"}, []string{"de", "tr", "ru"}, 8.5},
		{"Nachbarschaftshilfe Böfingen", "boefingen", "Hilfe im Alltag für ältere Menschen und Familien: Einkauf, Fahrten, kleine Reparaturen.", []string{"einkaufshilfe", "fahrdienst", "reparatur_garten"}, []string{"senioren"}, []string{"de"}, 9},
		{"Nachbarn für Nachbarn Söflingen", "weststadt-soeflingen", "Besuche, Spaziergänge, Einkaufen und Vorlesen für Menschen, die allein leben.", []string{"besuchsdienst", "einkaufshilfe", "freizeitbegleitung"}, []string{"senioren", "menschen_mit_behinderung"}, []string{"de", "it"}, 0},
		{"Weststadt hilft", "weststadt-soeflingen", "Junge Nachbarschaftshilfe: Umzüge, Einkäufe, Begleitung und Sprachhilfe.", []string{"umzugshilfe", "einkaufshilfe", "sprachmittlung"}, []string{"migration", "familien"}, []string{"de", "ar", "tr", "en"}, 0},
		{"Nachbarschaftshilfe Wiblingen", "wiblingen", "Organisierte Hilfe im Haushalt, bei der Gartenarbeit und beim Einkaufen.", []string{"haushaltshilfe", "reparatur_garten", "einkaufshilfe"}, []string{"senioren", "pflegende_angehoerige"}, []string{"de", "ru", "ro"}, 10},
		{"Familiennetz Wiblingen", "wiblingen", "Familien helfen Familien: Kinderbetreuung im Notfall, Fahrdienste, Hausaufgaben.", []string{"kinderbetreuung", "hausaufgabenhilfe", "fahrdienst"}, []string{"familien", "alleinerziehende", "kinder"}, []string{"de", "tr"}, 0},
		{"Altstadt-Nachbarschaft Mitte", "mitte-ost", "Besuchsdienst und Begleitung zu Terminen in der Innenstadt.", []string{"besuchsdienst", "aemterbegleitung"}, []string{"senioren"}, []string{"de", "hr", "sr"}, 6},
		{"Oststadt packt an", "mitte-ost", "Einkaufshilfe, Umzugshilfe und Hilfe bei Formularen.", []string{"einkaufshilfe", "umzugshilfe", "antragshilfe"}, []string{"migration", "senioren"}, []string{"de", "ar", "fa"}, 0},
		{"Dorfhilfe Jungingen", "boefingen", "Nachbarschaftliche Hilfe in den Ortschaften: Fahrten zum Arzt, Einkauf, Besuche.", []string{"fahrdienst", "einkaufshilfe", "besuchsdienst"}, []string{"senioren"}, []string{"de"}, 7},
		{"Eselsberger Lesepaten", "eselsberg", "Vorlesen und Lernbegleitung für Grundschulkinder am Eselsberg.", []string{"lesepatenschaft", "hausaufgabenhilfe"}, []string{"kinder"}, []string{"de", "tr", "ar"}, 0},
		{"Donautal-Nachbarn", "weststadt-soeflingen", "Hilfe für Menschen in den Ortschaften im Donautal: Fahrten und Einkauf.", []string{"fahrdienst", "einkaufshilfe"}, []string{"senioren", "menschen_mit_behinderung"}, []string{"de"}, 5},
		{"Gartenhilfe Göggingen", "wiblingen", "Rasen mähen, Hecke schneiden, Laub rechen für ältere Nachbarn.", []string{"reparatur_garten"}, []string{"senioren"}, []string{"de"}, 8},
	}
	var out []group
	for i, h := range helps {
		qs := byDistrict[h.district]
		q := qs[i%len(qs)]
		if h.district == "weststadt-soeflingen" && strings.Contains(h.name, "Söflingen") {
			q = qs[1]
		}
		in := catalogue.NeighbourhoodHelpInput{
			Name: h.name, Description: h.desc, Districts: []string{h.district}, Quarters: []string{q.name},
			Coordinator: catalogue.Contact{Name: pick(rng, firstNamesDE) + " " + pick(rng, lastNamesDE), Email: fmt.Sprintf("kontakt%d@nachbarschaft.example", i+1), Phone: fmt.Sprintf("0731 %d", 300000+rng.IntN(600000))},
			Location:    catalogue.Place{District: h.district, Quarter: q.name, Lat: floatp(jitter(rng, q.lat)), Lon: floatp(jitter(rng, q.lon))},
			HelpKinds:   h.services, TargetGroups: h.groups, Languages: h.langs,
			Availability: []catalogue.Slot{{Day: "mon", From: "09:00", To: "12:00"}, {Day: "wed", From: "14:00", To: "18:00"}},
			Capacity:     intp(10 + rng.IntN(30)), Load: rng.IntN(10),
		}
		if h.cost > 0 {
			in.CostPerHour = floatp(h.cost)
		}
		n, err := svc.CreateNeighbourhoodHelp(ctx, staff, in)
		if err != nil {
			return nil, fmt.Errorf("neighbourhood help %s: %w", h.name, err)
		}
		out = append(out, group{n.ID, h.district, h.services})
	}
	return out, nil
}
