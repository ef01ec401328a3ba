package catalogue

// German labels of the fixed vocabularies, for screens, spreadsheets and
// problem answers: what staff read instead of a code. The city's own
// vocabularies (districts, kinds of help, target groups, offer
// categories) carry their labels in the reference data.

// StatusLabels name the statuses of entries.
var StatusLabels = map[Status]string{
	StatusActive: "aktiv", StatusPaused: "pausiert", StatusInactive: "inaktiv",
	StatusSubmitted: "eingereicht", StatusApproved: "freigegeben", StatusRejected: "abgelehnt",
	StatusArchived: "archiviert",
}

// LevelLabels name how well a volunteer speaks a language.
var LevelLabels = map[string]string{"native": "Muttersprache", "fluent": "fließend", "good": "gut", "basic": "Grundkenntnisse"}

// MobilityLabels name how a volunteer gets about.
var MobilityLabels = map[string]string{"car": "Auto", "bike": "Fahrrad", "public_transport": "Bus und Bahn", "walking": "zu Fuß"}

// GenderLabels name the genders a volunteer may give.
var GenderLabels = map[string]string{"female": "weiblich", "male": "männlich", "diverse": "divers"}

// DayLabels abbreviate the days of the week as German calendars do.
var DayLabels = map[string]string{"mon": "Mo", "tue": "Di", "wed": "Mi", "thu": "Do", "fri": "Fr", "sat": "Sa", "sun": "So"}

// ReviewReasonLabels say why an entry is in the review queue.
var ReviewReasonLabels = map[string]string{"never_verified": "nie geprüft", "verification_due": "Prüfung fällig", "period_ended": "Angebot abgelaufen"}

// KindLabels name the kinds of entry.
var KindLabels = map[Kind]string{KindVolunteer: "Ehrenamtliche Person", KindNeighbourhoodHelp: "Nachbarschaftshilfe", KindOffer: "Angebot"}
