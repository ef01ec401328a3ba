package web

import (
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"massanzug/catalogue"
)

// pager is one page of a long list: which window to ask for, and the
// links to the pages before and after it, which keep every other
// parameter of the address.
type pager struct {
	path   string
	params url.Values
	no     int
	catalogue.Page
}

// pageOf reads the page asked for ("seite", from 1) of a list of size
// per page at path.
func pageOf(c echo.Context, path string, size int) pager {
	no, _ := strconv.Atoi(c.QueryParam("seite"))
	no = max(no, 1)
	return pager{path: path, params: c.QueryParams(), no: no, Page: catalogue.Page{Limit: size, Offset: (no - 1) * size}}
}

func (p pager) link(no int) string {
	u := url.Values{}
	for k, vs := range p.params {
		u[k] = vs
	}
	u.Set("seite", strconv.Itoa(no))
	return p.path + "?" + u.Encode()
}

// links are the addresses of the pages before and after, empty where
// there is none; shown is how many items this page holds of total.
func (p pager) links(shown, total int) (prev, next string) {
	if p.no > 1 {
		prev = p.link(p.no - 1)
	}
	if p.Offset+shown < total {
		next = p.link(p.no + 1)
	}
	return prev, next
}
