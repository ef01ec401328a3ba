package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
	"massanzug/referral"
)

// personalData exports everything stored about a volunteer: the entry,
// the audit events naming it, and the referrals to them.
func (s *Server) personalData(c echo.Context) error {
	d, err := s.svc.VolunteerData(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	rs, err := s.referrals.OfVolunteer(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		catalogue.PersonalData
		Referrals []*referral.Referral `json:"referrals"`
	}{d, rs})
}

// eraseVolunteer deletes a volunteer for good.
func (s *Server) eraseVolunteer(c echo.Context) error {
	if err := s.svc.EraseVolunteer(ctx(c), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
