package api

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
)

func (s *Server) listDistricts(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	ds, err := s.svc.Districts(ctx(c), principal(c))
	if err != nil {
		return err
	}
	return sendList(c, ds, len(ds), catalogue.Page{Limit: len(ds)})
}

func (s *Server) getDistrict(c echo.Context) error {
	d, err := s.svc.District(ctx(c), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// districtInput is a district as the admin writes it; the id is the path's.
type districtInput struct {
	Name       string               `json:"name"`
	Population catalogue.Population `json:"population"`
	RMStaffFTE float64              `json:"rm_staff_fte"`
	Quarters   []catalogue.Quarter  `json:"quarters"`
}

func (s *Server) putDistrict(c echo.Context) error {
	var in districtInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	d := catalogue.District{ID: c.Param("id"), Name: in.Name, Population: in.Population, RMStaffFTE: in.RMStaffFTE, Quarters: in.Quarters}
	created, err := s.svc.PutDistrict(ctx(c), principal(c), d)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Response().Header().Set(echo.HeaderLocation, c.Request().URL.Path)
	}
	return c.JSON(status, d)
}

func (s *Server) getTaxonomy(c echo.Context) error {
	t, err := s.svc.Taxonomy(ctx(c), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

// vocabulary is the path's vocabulary, known or a 404.
func vocabulary(c echo.Context) (catalogue.Vocabulary, error) {
	v := catalogue.Vocabulary(c.Param("vocabulary"))
	if slices.Contains(catalogue.Vocabularies, v) {
		return v, nil
	}
	return "", newProblem(http.StatusNotFound, "not-found", "no vocabulary "+string(v)+"; use themes, help-kinds, target-groups or offer-categories")
}

// termRequest is the path's vocabulary and the term of the body.
func termRequest(c echo.Context) (catalogue.Vocabulary, catalogue.Term, error) {
	var t catalogue.Term
	v, err := vocabulary(c)
	if err != nil {
		return v, t, err
	}
	return v, t, bindJSON(c, &t)
}

func (s *Server) updateTerm(c echo.Context) error {
	v, t, err := termRequest(c)
	if err != nil {
		return err
	}
	code := c.Param("code")
	if err := s.svc.UpdateTerm(ctx(c), principal(c), v, code, t); err != nil {
		return err
	}
	tax, err := s.svc.Taxonomy(ctx(c), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tax.Term(v, code))
}

func (s *Server) addTerm(c echo.Context) error {
	v, t, err := termRequest(c)
	if err != nil {
		return err
	}
	if err := s.svc.AddTerm(ctx(c), principal(c), v, t); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/taxonomy/"+string(v)+"/"+t.Code)
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) listSynonyms(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	list, err := s.svc.Synonyms(ctx(c), principal(c))
	if err != nil {
		return err
	}
	return sendList(c, list, len(list), catalogue.Page{Limit: len(list)})
}

// synonymWord is the path's word, unescaped (it may hold umlauts and
// spaces: "Essen%20auf%20R%C3%A4dern").
func synonymWord(c echo.Context) string {
	w := c.Param("word")
	if u, err := url.PathUnescape(w); err == nil {
		return u
	}
	return w
}

func (s *Server) putSynonym(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	var in catalogue.Synonym
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	syn, created, err := s.svc.PutSynonym(ctx(c), principal(c), synonymWord(c), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Response().Header().Set(echo.HeaderLocation, c.Request().URL.EscapedPath())
	}
	return c.JSON(status, syn)
}

func (s *Server) deleteSynonym(c echo.Context) error {
	if err := newQuery(c).err(); err != nil {
		return err
	}
	if err := s.svc.DeleteSynonym(ctx(c), principal(c), synonymWord(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
