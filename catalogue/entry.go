package catalogue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"massanzug/access"
)

// entry is implemented by *Volunteer, *NeighbourhoodHelp and *Offer: the
// little each kind must say so that one lifecycle serves all three.
type entry interface {
	head() *Header
	status() Status
	setStatus(Status)
	// record fills the filter columns; the service adds header and doc.
	record() Record
	checkInput(r *refs, ve *ValidationError)
	inputShape() any
	// finish derives read-only fields and hides what p may not see.
	finish(p access.Principal, today string)
}

func (v *Volunteer) head() *Header      { return &v.Header }
func (v *Volunteer) status() Status     { return v.Status }
func (v *Volunteer) setStatus(s Status) { v.Status = s }
func (v *Volunteer) inputShape() any    { return &v.VolunteerInput }
func (v *Volunteer) checkInput(r *refs, ve *ValidationError) {
	v.VolunteerInput.check(r, ve)
}
func (v *Volunteer) record() Record {
	return Record{Name: v.Name, Status: v.Status, Districts: v.Districts, HelpKinds: v.HelpKinds}
}
func (v *Volunteer) finish(p access.Principal, today string) {
	v.PoliceCertificateValid = v.PoliceCertificate.ValidOn(today)
	if !p.Is(access.RoleResourceManager) {
		// Case managers learn whether a certificate is valid, not its dates;
		// consent is staff business.
		v.PoliceCertificate = nil
		v.Consent = nil
	}
}

func (n *NeighbourhoodHelp) head() *Header      { return &n.Header }
func (n *NeighbourhoodHelp) status() Status     { return n.Status }
func (n *NeighbourhoodHelp) setStatus(s Status) { n.Status = s }
func (n *NeighbourhoodHelp) inputShape() any    { return &n.NeighbourhoodHelpInput }
func (n *NeighbourhoodHelp) checkInput(r *refs, ve *ValidationError) {
	n.NeighbourhoodHelpInput.check(r, ve)
}
func (n *NeighbourhoodHelp) record() Record {
	return Record{Name: n.Name, Status: n.Status, Districts: n.Districts, HelpKinds: n.HelpKinds}
}
func (n *NeighbourhoodHelp) finish(access.Principal, string) {}

func (o *Offer) head() *Header      { return &o.Header }
func (o *Offer) status() Status     { return o.Status }
func (o *Offer) setStatus(s Status) { o.Status = s }
func (o *Offer) inputShape() any    { return &o.OfferInput }
func (o *Offer) checkInput(r *refs, ve *ValidationError) {
	o.OfferInput.check(r, ve)
}
func (o *Offer) record() Record {
	return Record{Name: o.Name, Status: o.Status, ProviderID: o.ProviderID, ValidFrom: o.ValidFrom,
		ValidUntil: o.ValidUntil, Districts: o.Districts, HelpKinds: o.HelpKinds}
}
func (o *Offer) finish(p access.Principal, _ string) {
	if p.Is(access.RoleCaseManager) {
		o.RejectionReason, o.PendingChange = "", nil
	}
}

// changedFields names the top-level fields (as in the JSON) in which two
// inputs differ.
func changedFields(old, next any) ([]string, error) {
	a, err := fieldsOf(old)
	if err != nil {
		return nil, err
	}
	b, err := fieldsOf(next)
	if err != nil {
		return nil, err
	}
	var out []string
	for k, v := range b {
		if !bytes.Equal(a[k], v) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

func fieldsOf(v any) (map[string]json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode input: %w", err)
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("decode input: %w", err)
	}
	return m, nil
}

// toRecord turns an entry into what a store keeps.
func toRecord(e entry) (Record, error) {
	doc, err := json.Marshal(e)
	if err != nil {
		return Record{}, fmt.Errorf("encode entry: %w", err)
	}
	r := e.record()
	r.Header = *e.head()
	r.Doc = doc
	return r, nil
}

// fromRecord decodes a stored record into an entry of type E; the columns
// win over the document, so a store may change them without rewriting it.
func fromRecord[E any, P interface {
	*E
	entry
}](r Record) (P, error) {
	e := P(new(E))
	if err := json.Unmarshal(r.Doc, e); err != nil {
		return nil, fmt.Errorf("decode %s %s: %w", r.Kind, r.ID, err)
	}
	*e.head() = r.Header
	e.setStatus(r.Status)
	return e, nil
}

// Decode turns a stored record into its entry: *Volunteer,
// *NeighbourhoodHelp or *Offer, with nothing hidden.
func Decode(r Record) (any, error) {
	switch r.Kind {
	case KindVolunteer:
		return fromRecord[Volunteer](r)
	case KindNeighbourhoodHelp:
		return fromRecord[NeighbourhoodHelp](r)
	case KindOffer:
		return fromRecord[Offer](r)
	}
	return nil, fmt.Errorf("record %s: unknown kind %q", r.ID, r.Kind)
}
