package api

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

func (s *Server) districtReport(c echo.Context) error {
	q := newQuery(c, "stichtag")
	day := q.str("stichtag", 10)
	if err := q.err(); err != nil {
		return err
	}
	rep, err := s.reports.Districts(ctx(c), principal(c), day)
	if err != nil {
		return err
	}
	if !wantsCSV(c) {
		return c.JSON(http.StatusOK, rep)
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="kennzahlen-`+rep.Stichtag+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	w.Comma = ';' // what Excel on German Windows reads
	if err := w.WriteAll(rep.Rows()); err != nil {
		return fmt.Errorf("write district figures: %w", err)
	}
	return nil
}

// wantsCSV reports whether the request prefers CSV to JSON.
func wantsCSV(c echo.Context) bool {
	for _, part := range strings.Split(c.Request().Header.Get(echo.HeaderAccept), ",") {
		mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch mt {
		case "text/csv":
			return true
		case echo.MIMEApplicationJSON:
			return false
		}
	}
	return false
}
