package referral

import (
	"context"
	"fmt"
	"strings"

	"massanzug/access"
	"massanzug/catalogue"
	"massanzug/matching"
)

// Proposal is what the referrals proposed from an assignment share; each
// case brings its own reference, district and kinds of help.
type Proposal struct {
	Department string `json:"department" validate:"required,max=64"`
	Frame      string `json:"frame,omitempty" validate:"max=300"`
}

// Assign assigns helpers to cases as the matcher does and records each
// assignment as a proposed referral, in one transaction: either every
// assignment holds its place, or (when a concurrent request took a last
// place first) none is recorded and the caller asks again.
func (s *Service) Assign(ctx context.Context, p access.Principal, m *matching.Matcher, cases []matching.Case, pr Proposal) (matching.AssignResult, error) {
	if !mayRefer(p) {
		return matching.AssignResult{}, fmt.Errorf("%w: role %s may not refer cases", catalogue.ErrForbidden, p.Role)
	}
	districts, _, err := s.cat.Reference(ctx)
	if err != nil {
		return matching.AssignResult{}, err
	}
	ve := catalogue.CheckShape(pr)
	where := make([]string, len(cases))
	for i, c := range cases {
		if why := checkCaseRef(c.Reference); c.Reference == "" || why != "" {
			if why == "" {
				why = "is needed to record a referral"
			}
			ve.Add(fmt.Sprintf("cases[%d].reference", i), "%s", why)
		}
		if where[i] = districtOf(districts, c); where[i] == "" {
			ve.Add(fmt.Sprintf("cases[%d].district", i), "give the case's district (or a quarter of one) to record a referral")
		}
	}
	if err := ve.OrNil(); err != nil {
		return matching.AssignResult{}, err
	}
	res, err := m.Assign(ctx, p, cases)
	if err != nil {
		return matching.AssignResult{}, err
	}
	var ins []Input
	for _, a := range res.Assignments {
		c := cases[a.Index]
		ins = append(ins, Input{CaseRef: c.Reference, EntryID: a.Suggestion.ID, District: where[a.Index], Department: pr.Department,
			Frame: pr.Frame, HelpKinds: c.HelpKinds})
	}
	if len(ins) == 0 {
		return res, nil
	}
	rs, err := s.CreateMany(ctx, p, ins)
	if err != nil {
		return matching.AssignResult{}, err
	}
	for i := range res.Assignments {
		res.Assignments[i].ReferralID = rs[i].ID
	}
	return res, nil
}

// districtOf is the case's district, given or found from its quarter.
func districtOf(ds []catalogue.District, c matching.Case) string {
	for _, d := range ds {
		if c.District != "" && d.ID == c.District {
			return d.ID
		}
		for _, q := range d.Quarters {
			if c.District == "" && c.Quarter != "" && strings.EqualFold(q.Name, c.Quarter) {
				return d.ID
			}
		}
	}
	return ""
}
