package catalogue

import (
	"time"
)

// Kind is the kind of a catalogue entry.
type Kind string

const (
	KindVolunteer         Kind = "volunteer"
	KindNeighbourhoodHelp Kind = "neighbourhood_help"
	KindOffer             Kind = "offer"
)

// Kinds lists the entry kinds in a stable order.
var Kinds = []Kind{KindVolunteer, KindNeighbourhoodHelp, KindOffer}

// Status is the lifecycle state of an entry or provider.
type Status string

const (
	// Volunteers, neighbourhood helps and providers.
	StatusActive   Status = "active"
	StatusPaused   Status = "paused"
	StatusInactive Status = "inactive"
	// Offers.
	StatusSubmitted Status = "submitted"
	StatusApproved  Status = "approved"
	StatusRejected  Status = "rejected"
	// Every kind: what DELETE leaves behind. Archived entries stay in the
	// database (referrals and reports point at them) but leave every list
	// unless asked for by status.
	StatusArchived Status = "archived"
)

// statusesOf lists the statuses an entry of kind can have.
// Statuses lists the statuses entries of kind k can have.
func Statuses(k Kind) []Status { return statusesOf(k) }

func statusesOf(k Kind) []Status {
	if k == KindOffer {
		return []Status{StatusSubmitted, StatusApproved, StatusRejected, StatusArchived}
	}
	return []Status{StatusActive, StatusPaused, StatusInactive, StatusArchived}
}

// Header holds what the service keeps about every entry, whatever its kind.
// Clients never write these fields.
type Header struct {
	ID         string     `json:"id"`
	Kind       Kind       `json:"kind"`
	Version    int64      `json:"version"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	VerifiedAt *time.Time `json:"verified_at"`
}

// Place is where someone lives or something is: a district and quarter,
// coordinates, or both.
type Place struct {
	District string   `json:"district,omitempty" validate:"omitempty,max=64"`
	Quarter  string   `json:"quarter,omitempty" validate:"omitempty,max=100"`
	Lat      *float64 `json:"lat,omitempty" validate:"omitempty,min=-90,max=90"`
	Lon      *float64 `json:"lon,omitempty" validate:"omitempty,min=-180,max=180"`
}

// Contact is how to reach a person or group.
type Contact struct {
	Name  string `json:"name,omitempty" validate:"omitempty,max=200"`
	Email string `json:"email,omitempty" validate:"omitempty,email,max=254"`
	Phone string `json:"phone,omitempty" validate:"omitempty,phone"`
}

// Address is a postal address.
type Address struct {
	Street     string `json:"street,omitempty" validate:"omitempty,max=200"`
	PostalCode string `json:"postal_code,omitempty" validate:"omitempty,numeric,len=5"`
	City       string `json:"city,omitempty" validate:"omitempty,max=100"`
}

// Slot is a weekly time window, e.g. Tuesdays 14:00 to 17:00.
type Slot struct {
	Day  string `json:"day" validate:"required,oneof=mon tue wed thu fri sat sun"`
	From string `json:"from" validate:"required,hhmm"`
	To   string `json:"to" validate:"required,hhmm"`
}

// LanguageSkill is a language a volunteer speaks and how well.
type LanguageSkill struct {
	Code  string `json:"code" validate:"required,iso6391"`
	Level string `json:"level" validate:"required,oneof=native fluent good basic"`
}

// PoliceCertificate records that an extended police certificate
// (erweitertes Führungszeugnis) was seen. Only these facts are kept, never
// the document; providers never see them.
type PoliceCertificate struct {
	SeenOn     string `json:"seen_on" validate:"required,date"`
	IssuedOn   string `json:"issued_on" validate:"required,date"`
	ValidUntil string `json:"valid_until" validate:"required,date"`
	Clear      bool   `json:"clear"`
}

// ValidOn reports whether the certificate is clear and valid on day
// (YYYY-MM-DD).
func (c *PoliceCertificate) ValidOn(day string) bool {
	return c != nil && c.Clear && c.IssuedOn <= day && day <= c.ValidUntil
}

// Consent records the volunteer's consent to the storage of their data.
type Consent struct {
	GivenOn string `json:"given_on" validate:"required,date"`
}

// VolunteerInput is what staff write about a volunteer.
type VolunteerInput struct {
	Name              string             `json:"name" validate:"required,max=200"`
	Contact           Contact            `json:"contact"`
	Home              Place              `json:"home"`
	Districts         []string           `json:"districts" validate:"required,min=1,max=5,dive,required"`
	HelpKinds         []string           `json:"help_kinds" validate:"required,min=1,max=30,dive,required"`
	TargetGroups      []string           `json:"target_groups,omitempty" validate:"max=20,dive,required"`
	Languages         []LanguageSkill    `json:"languages,omitempty" validate:"max=20,dive"`
	Availability      []Slot             `json:"availability,omitempty" validate:"max=50,dive"`
	Capacity          int                `json:"capacity" validate:"min=1,max=50"`
	Load              int                `json:"load" validate:"min=0,max=50"`
	Mobility          []string           `json:"mobility,omitempty" validate:"max=4,dive,oneof=car bike public_transport walking"`
	Gender            string             `json:"gender,omitempty" validate:"omitempty,oneof=female male diverse"`
	BirthYear         int                `json:"birth_year,omitempty" validate:"omitempty,min=1900,max=2100"`
	LifeExperience    string             `json:"life_experience" validate:"max=4000"`
	Interests         string             `json:"interests" validate:"max=4000"`
	PoliceCertificate *PoliceCertificate `json:"police_certificate,omitempty"`
	Trainings         []string           `json:"trainings,omitempty" validate:"max=50,dive,required,max=200"`
	// Groups are the neighbourhood helps (ids) the volunteer helps in: she
	// is suggested as herself, with the group's frame and contact.
	Groups  []string `json:"groups,omitempty" validate:"max=5,unique,dive,required,max=64"`
	Consent *Consent `json:"consent,omitempty" validate:"required"`
	Status  Status   `json:"status" validate:"omitempty,oneof=active paused inactive"`
}

// Volunteer is a person who helps (Ehrenamtliche/r).
type Volunteer struct {
	Header
	VolunteerInput
	// PoliceCertificateValid says whether a clear certificate valid today
	// is on file: all a case manager needs to know of it.
	PoliceCertificateValid bool `json:"police_certificate_valid"`
}

// NeighbourhoodHelpInput is what staff write about an organised
// neighbourhood help.
type NeighbourhoodHelpInput struct {
	Name         string   `json:"name" validate:"required,max=200"`
	Description  string   `json:"description" validate:"max=4000"`
	Coordinator  Contact  `json:"coordinator"`
	Location     Place    `json:"location"`
	Districts    []string `json:"districts" validate:"required,min=1,max=5,dive,required"`
	Quarters     []string `json:"quarters,omitempty" validate:"max=30,dive,required"`
	HelpKinds    []string `json:"help_kinds" validate:"required,min=1,max=30,dive,required"`
	TargetGroups []string `json:"target_groups,omitempty" validate:"max=20,dive,required"`
	Languages    []string `json:"languages,omitempty" validate:"max=20,dive,iso6391"`
	Availability []Slot   `json:"availability,omitempty" validate:"max=50,dive"`
	Capacity     *int     `json:"capacity,omitempty" validate:"omitempty,min=1,max=10000"`
	Load         int      `json:"load" validate:"min=0,max=10000"`
	CostPerHour  *float64 `json:"cost_per_hour,omitempty" validate:"omitempty,min=0,max=1000"`
	Status       Status   `json:"status" validate:"omitempty,oneof=active paused inactive"`
}

// NeighbourhoodHelp is an organised neighbourhood help group.
type NeighbourhoodHelp struct {
	Header
	NeighbourhoodHelpInput
}

// Eligibility says who may come to an offer.
type Eligibility struct {
	MinAge *int   `json:"min_age,omitempty" validate:"omitempty,min=0,max=120"`
	MaxAge *int   `json:"max_age,omitempty" validate:"omitempty,min=0,max=120"`
	Note   string `json:"note,omitempty" validate:"max=1000"`
}

// OfferInput is what a provider or staff write about an offer.
type OfferInput struct {
	ProviderID           string      `json:"provider_id" validate:"omitempty,max=64"`
	Name                 string      `json:"name" validate:"required,max=200"`
	Description          string      `json:"description" validate:"max=4000"`
	Category             string      `json:"category" validate:"required,max=64"`
	HelpKinds            []string    `json:"help_kinds" validate:"required,min=1,max=30,dive,required"`
	TargetGroups         []string    `json:"target_groups,omitempty" validate:"max=20,dive,required"`
	Districts            []string    `json:"districts" validate:"required,min=1,max=5,dive,required"`
	Address              Address     `json:"address"`
	Location             Place       `json:"location"`
	OpeningTimes         string      `json:"opening_times" validate:"max=1000"`
	Schedule             []Slot      `json:"schedule,omitempty" validate:"max=50,dive"`
	ValidFrom            string      `json:"valid_from,omitempty" validate:"omitempty,date"`
	ValidUntil           string      `json:"valid_until,omitempty" validate:"omitempty,date"`
	CostEUR              *float64    `json:"cost_eur,omitempty" validate:"omitempty,min=0,max=100000"`
	CostNote             string      `json:"cost_note,omitempty" validate:"max=500"`
	Accessible           bool        `json:"accessible"`
	Languages            []string    `json:"languages,omitempty" validate:"max=20,dive,iso6391"`
	Eligibility          Eligibility `json:"eligibility"`
	RegistrationRequired bool        `json:"registration_required"`
	Contact              Contact     `json:"contact"`
	Capacity             *int        `json:"capacity,omitempty" validate:"omitempty,min=1,max=100000"`
	Load                 int         `json:"load" validate:"min=0,max=100000"`
}

// Offer is an offer of a provider (Angebot).
type Offer struct {
	Header
	OfferInput
	Status Status `json:"status"`
	// RejectionReason says why staff rejected the offer, or, on an
	// approved offer, the provider's last change to it.
	RejectionReason string `json:"rejection_reason,omitempty"`
	// PendingChange is a provider's change to an approved offer, waiting
	// for staff: until they approve it, everybody else sees the approved
	// version (OfferInput), and case managers never see the change.
	PendingChange *OfferChange `json:"pending_change,omitempty"`
}

// OfferChange is a provider's change to an approved offer awaiting
// approval: the whole next input and which of its fields differ.
type OfferChange struct {
	Input       OfferInput `json:"input"`
	SubmittedAt time.Time  `json:"submitted_at"`
	// Fields are the names (as in the JSON) of the fields that differ from
	// the approved version.
	Fields []string `json:"fields"`
}

// ProviderInput is what staff write about a provider (Träger).
type ProviderInput struct {
	Name        string   `json:"name" validate:"required,max=200"`
	Description string   `json:"description" validate:"max=4000"`
	Website     string   `json:"website,omitempty" validate:"omitempty,http_url,max=500"`
	Contact     Contact  `json:"contact"`
	Address     Address  `json:"address"`
	Districts   []string `json:"districts,omitempty" validate:"max=5,dive,required"`
}

// Provider is a non-profit provider (freier Träger) whose staff submit
// offers.
type Provider struct {
	ID        string    `json:"id"`
	Version   int64     `json:"version"`
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	ProviderInput
}
