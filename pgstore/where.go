package pgstore

import (
	"strconv"
	"strings"

	"massanzug/catalogue"
)

// where builds a WHERE clause; conditions are written with ? and numbered
// $1, $2, ... as they are added.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	for _, a := range args {
		w.args = append(w.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(w.args)), 1)
	}
	w.conds = append(w.conds, cond)
}

// sql is head, the clause, then tail.
func (w *where) sql(head, tail string) string {
	if len(w.conds) == 0 {
		return head + tail
	}
	return head + " WHERE " + strings.Join(w.conds, " AND ") + tail
}

// page is the query of one page and its arguments.
func (w *where) page(head, order string, pg catalogue.Page) (string, []any) {
	n := len(w.args)
	return w.sql(head, order+" LIMIT $"+strconv.Itoa(n+1)+" OFFSET $"+strconv.Itoa(n+2)), append(append([]any{}, w.args...), pg.Limit, pg.Offset)
}
