package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"massanzug/catalogue"
)

var (
	firstNamesDE = []string{"Anna", "Brigitte", "Claudia", "Dieter", "Elke", "Frank", "Gisela", "Hans", "Ingrid", "Jürgen", "Karin", "Lukas", "Monika", "Norbert", "Petra", "Renate", "Stefan", "Tobias", "Ursula", "Werner", "Sabine", "Julia", "Lena", "Felix", "Heike"}
	lastNamesDE  = []string{"Müller", "Schmid", "Weber", "Maier", "Wagner", "Fischer", "Hofmann", "Keller", "Braun", "Huber", "Schäfer", "Bauer", "Walter", "Zimmermann", "Krämer", "Wolf", "Lang", "Frank", "Seitz", "Kohler"}
)

var maleNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields("Dieter Frank Hans Jürgen Lukas Norbert Stefan Tobias Werner Felix Mehmet Ali Murat Hakan " +
		"Khaled Samir Omar Sergej Viktor Andrij Marco Giuseppe Marko Reza Hamid Mihai Andrei") {
		m[n] = true
	}
	return m
}()

// origins give volunteers names and languages that belong together.
var origins = []struct {
	first, last []string
	langs       []string
	weight      int
}{
	{firstNamesDE, lastNamesDE, nil, 10},
	{[]string{"Ayşe", "Emine", "Fatma", "Mehmet", "Ali", "Zeynep", "Hatice", "Murat", "Elif", "Hakan"}, []string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Arslan"}, []string{"tr"}, 4},
	{[]string{"Amal", "Rana", "Nour", "Khaled", "Samir", "Lina", "Yara", "Omar"}, []string{"Haddad", "Al-Khatib", "Nasser", "Saleh", "Hamdan", "Darwish"}, []string{"ar"}, 3},
	{[]string{"Olga", "Natalia", "Irina", "Sergej", "Viktor", "Tatjana", "Elena"}, []string{"Schmidt", "Becker", "Iwanow", "Petrenko", "Kowalenko", "Neumann"}, []string{"ru"}, 3},
	{[]string{"Oksana", "Iryna", "Olena", "Andrij", "Marija"}, []string{"Shevchenko", "Bondarenko", "Tkachenko", "Kravets"}, []string{"uk", "ru"}, 2},
	{[]string{"Giulia", "Marco", "Francesca", "Giuseppe"}, []string{"Rossi", "Russo", "Esposito", "Romano"}, []string{"it"}, 1},
	{[]string{"Ana", "Ivana", "Marko", "Dragana"}, []string{"Horvat", "Kovačević", "Babić", "Jovanović"}, []string{"hr", "sr"}, 1},
	{[]string{"Zahra", "Reza", "Maryam", "Hamid"}, []string{"Ahmadi", "Hosseini", "Karimi", "Rahimi"}, []string{"fa"}, 1},
	{[]string{"Ioana", "Mihai", "Elena", "Andrei"}, []string{"Popescu", "Ionescu", "Dumitru"}, []string{"ro"}, 1},
}

var lifeExperiences = []string{
	"War selbst viele Jahre alleinerziehend mit zwei Kindern und weiß, wie anstrengend der Alltag sein kann.",
	"Kam vor zwanzig Jahren nach Deutschland und kennt den Weg durch Ämter und Formulare aus eigener Erfahrung.",
	"Hat ihre Mutter bis zu deren Tod gepflegt und kennt die Sorgen pflegender Angehöriger.",
	"Früher Erzieherin im Kindergarten, jetzt im Ruhestand.",
	"Rentner, früher Elektriker, repariert gern und hat ein Auto.",
	"Ist 2015 aus Syrien geflüchtet, hat in Ulm eine Ausbildung gemacht und möchte etwas zurückgeben.",
	"Hat eine Depression überwunden und spricht offen darüber.",
	"Mutter von drei Kindern, selbst in einer Großfamilie aufgewachsen.",
	"Hat lange als Verkäuferin gearbeitet und kennt die Geschäfte im Stadtteil.",
	"Lehrerin im Ruhestand, hat Deutsch als Zweitsprache unterrichtet.",
	"Studiert Soziale Arbeit an der Hochschule und sucht Praxis im Stadtteil.",
	"Hat einen Sohn mit Behinderung großgezogen und kennt die Hilfesysteme.",
	"War selbst einmal von Wohnungslosigkeit bedroht und weiß, wie sich das anfühlt.",
	"Früher Buchhalter, hilft gern bei Briefen, Anträgen und Haushaltsplänen.",
	"Kam als Spätaussiedlerin nach Ulm und hat hier ihre Familie gegründet.",
}

var interests = []string{
	"Kochen und Backen, gemeinsames Einkaufen auf dem Markt", "Fußball, Radfahren und Spaziergänge an der Donau",
	"Handarbeiten, Nähen und Stricken", "Lesen, Vorlesen und Bücherei", "Gartenarbeit und Pflanzen",
	"Musik, Singen im Chor", "Basteln und Malen mit Kindern", "Brettspiele und Kartenspiele",
	"Computer und Smartphone erklären", "Schwimmen und Gymnastik", "Reparieren und Werken", "Gespräche bei Tee und Kaffee",
}

var helpSets = [][]string{
	{"einkaufshilfe", "besuchsdienst"}, {"familienpatenschaft", "kinderbetreuung"}, {"hausaufgabenhilfe", "lesepatenschaft"},
	{"aemterbegleitung", "antragshilfe"}, {"sprachmittlung", "aemterbegleitung"}, {"haushaltshilfe", "einkaufshilfe"},
	{"freizeitbegleitung", "assistenz"}, {"sprachpatenschaft"}, {"fahrdienst", "einkaufshilfe"}, {"reparatur_garten", "umzugshilfe"},
	{"bewerbungshilfe", "antragshilfe"}, {"besuchsdienst", "freizeitbegleitung"}, {"wohnungssuche", "aemterbegleitung"},
	{"schuldnerberatung", "leistungsansprueche"}, {"sport_bewegung", "freizeitbegleitung"},
}

var groupSets = [][]string{
	{"senioren"}, {"familien", "alleinerziehende"}, {"kinder", "jugendliche"}, {"migration", "familien"},
	{"menschen_mit_behinderung"}, {"psychische_erkrankung"}, {"pflegende_angehoerige", "senioren"}, {"alleinerziehende"},
}

var days = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func loadVolunteers(ctx context.Context, svc *catalogue.Service, rng *rand.Rand, quarters []quarter, today string, groups []group) (int, error) {
	total := 0
	for _, o := range origins {
		total += o.weight
	}
	year, _ := strconv.Atoi(today[:4])
	const n = 110
	for i := 0; i < n; i++ {
		w := rng.IntN(total)
		o := origins[0]
		for _, cand := range origins {
			if w < cand.weight {
				o = cand
				break
			}
			w -= cand.weight
		}
		q := quarters[rng.IntN(len(quarters))]
		first := pick(rng, o.first)
		gender := "female"
		if maleNames[first] {
			gender = "male"
		}
		langs := []catalogue.LanguageSkill{{Code: "de", Level: "native"}}
		if o.langs != nil {
			langs = []catalogue.LanguageSkill{{Code: o.langs[0], Level: "native"}, {Code: "de", Level: []string{"fluent", "good"}[rng.IntN(2)]}}
			for _, l := range o.langs[1:] {
				langs = append(langs, catalogue.LanguageSkill{Code: l, Level: "good"})
			}
		}
		if rng.IntN(3) == 0 {
			langs = append(langs, catalogue.LanguageSkill{Code: "en", Level: []string{"good", "basic"}[rng.IntN(2)]})
		}
		help := helpSets[rng.IntN(len(helpSets))]
		capacity := 1 + rng.IntN(3)
		in := catalogue.VolunteerInput{
			Name:           first + " " + pick(rng, o.last),
			Contact:        catalogue.Contact{Email: fmt.Sprintf("ehrenamt%03d@post.example", i+1), Phone: fmt.Sprintf("0176 %07d", rng.IntN(10000000))},
			Home:           catalogue.Place{District: q.district, Quarter: q.name, Lat: floatp(jitter(rng, q.lat)), Lon: floatp(jitter(rng, q.lon))},
			Districts:      []string{q.district},
			HelpKinds:      help,
			TargetGroups:   groupSets[rng.IntN(len(groupSets))],
			Languages:      langs,
			Capacity:       capacity,
			Load:           rng.IntN(capacity + 1),
			Mobility:       [][]string{{"public_transport"}, {"car"}, {"bike", "public_transport"}, {"walking"}, {"car", "bike"}}[rng.IntN(5)],
			Gender:         gender,
			BirthYear:      year - 20 - rng.IntN(55),
			LifeExperience: lifeExperiences[rng.IntN(len(lifeExperiences))],
			Interests:      interests[rng.IntN(len(interests))],
			Consent:        &catalogue.Consent{GivenOn: fmt.Sprintf("%d-%02d-%02d", year-1-rng.IntN(3), 1+rng.IntN(12), 1+rng.IntN(28))},
		}
		for _, d := range rng.Perm(7)[:1+rng.IntN(3)] {
			from := 8 + rng.IntN(9)
			in.Availability = append(in.Availability, catalogue.Slot{Day: days[d], From: fmt.Sprintf("%02d:00", from), To: fmt.Sprintf("%02d:00", from+2+rng.IntN(3))})
		}
		if rng.IntN(5) < 3 {
			issued := year - rng.IntN(6)
			in.PoliceCertificate = &catalogue.PoliceCertificate{
				IssuedOn: fmt.Sprintf("%d-03-15", issued), SeenOn: fmt.Sprintf("%d-04-01", issued),
				ValidUntil: fmt.Sprintf("%d-03-14", issued+5), Clear: true,
			}
			if issued == year {
				in.PoliceCertificate.IssuedOn, in.PoliceCertificate.SeenOn = fmt.Sprintf("%d-01-10", year), fmt.Sprintf("%d-01-20", year)
			}
		}
		if rng.IntN(4) == 0 {
			in.Trainings = []string{"Grundkurs Ehrenamt", "Erste Hilfe"}[:1+rng.IntN(2)]
		}
		// Every fourth helps in a neighbourhood help of her district that
		// gives help she gives (chosen without the random source, so that
		// the rest of the demo stays as it was).
		if i%4 == 0 {
			for _, g := range groups {
				if g.district == q.district && slices.ContainsFunc(help, func(h string) bool { return slices.Contains(g.helpKinds, h) }) {
					in.Groups = []string{g.id}
					break
				}
			}
		}
		switch rng.IntN(12) {
		case 0:
			in.Status = catalogue.StatusPaused
		case 1:
			in.Status = catalogue.StatusInactive
		}
		if _, err := svc.CreateVolunteer(ctx, staff, in); err != nil {
			return i, fmt.Errorf("volunteer %s: %w", in.Name, err)
		}
	}
	return n, nil
}
