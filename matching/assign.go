package matching

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"massanzug/access"
	"massanzug/catalogue"
)

// Pair is one possible assignment: case i to helper j with a score.
type Pair struct {
	Case, Helper int
	Score        float64
}

// Optimal assigns cases to helpers so that the total score is as high as
// possible, each case to at most one helper and each helper j to at most
// capacity[j] cases. It solves the min-cost flow source → case → helper →
// sink with successive shortest paths (Bellman–Ford, as the costs are the
// negated scores), and stops when no path lowers the cost any more: that
// is the maximum-weight assignment, not a greedy approximation. It returns,
// per case, the index into pairs of its assignment, or -1.
func Optimal(cases int, capacity []int, pairs []Pair) []int {
	// Nodes: 0 source, 1..cases, then helpers, then sink.
	helpers := len(capacity)
	sink := 1 + cases + helpers
	g := newFlowGraph(sink + 1)
	for i := 0; i < cases; i++ {
		g.add(0, 1+i, 1, 0)
	}
	pairEdge := make([]int, len(pairs))
	for k, p := range pairs {
		// Integer costs keep the arithmetic exact; 1e6 keeps three more
		// digits than the scores have.
		pairEdge[k] = g.add(1+p.Case, 1+cases+p.Helper, 1, -int64(math.Round(p.Score*1e6)))
	}
	for j, c := range capacity {
		g.add(1+cases+j, sink, c, 0)
	}
	for g.augment(0, sink) {
	}
	out := make([]int, cases)
	for i := range out {
		out[i] = -1
	}
	for k, e := range pairEdge {
		if g.edges[e].cap == 0 { // saturated: used
			out[pairs[k].Case] = k
		}
	}
	return out
}

type flowEdge struct {
	to   int
	cap  int
	cost int64
}

type flowGraph struct {
	edges []flowEdge
	adj   [][]int
}

func newFlowGraph(n int) *flowGraph { return &flowGraph{adj: make([][]int, n)} }

// add adds an edge and its residual twin and returns the edge's index.
func (g *flowGraph) add(from, to, cap int, cost int64) int {
	g.edges = append(g.edges, flowEdge{to, cap, cost}, flowEdge{from, 0, -cost})
	g.adj[from] = append(g.adj[from], len(g.edges)-2)
	g.adj[to] = append(g.adj[to], len(g.edges)-1)
	return len(g.edges) - 2
}

// augment sends one unit along the cheapest path if it has negative cost
// (it raises the total score), and reports whether it did.
func (g *flowGraph) augment(s, t int) bool {
	n := len(g.adj)
	dist := make([]int64, n)
	for i := range dist {
		dist[i] = math.MaxInt64
	}
	prev := make([]int, n)
	inQueue := make([]bool, n)
	dist[s] = 0
	queue := []int{s}
	inQueue[s] = true
	for len(queue) > 0 { // SPFA: Bellman–Ford with a queue
		u := queue[0]
		queue = queue[1:]
		inQueue[u] = false
		for _, e := range g.adj[u] {
			ed := g.edges[e]
			if ed.cap > 0 && dist[u]+ed.cost < dist[ed.to] {
				dist[ed.to] = dist[u] + ed.cost
				prev[ed.to] = e
				if !inQueue[ed.to] {
					inQueue[ed.to] = true
					queue = append(queue, ed.to)
				}
			}
		}
	}
	if dist[t] == math.MaxInt64 || dist[t] >= 0 {
		return false
	}
	for v := t; v != s; {
		e := prev[v]
		g.edges[e].cap--
		g.edges[e^1].cap++
		v = g.edges[e^1].to
	}
	return true
}

// Assignment is one case's result.
type Assignment struct {
	Index      int         `json:"case_index"`
	Reference  string      `json:"reference,omitempty"`
	Suggestion *Suggestion `json:"suggestion"`
	// Reason says why a case stayed unassigned.
	Reason string `json:"reason,omitempty"`
	// ReferralID is the proposal recorded for the assignment, when asked.
	ReferralID string `json:"referral_id,omitempty"`
}

// AssignResult is the assignment of many cases.
type AssignResult struct {
	Assignments []Assignment `json:"assignments"`
	Unassigned  []Assignment `json:"unassigned"`
	TotalScore  float64      `json:"total_score"`
}

// MaxAssignCases bounds one assignment request.
const MaxAssignCases = 500

// perCase bounds the candidates each case brings into the flow: beyond the
// best 50, a helper cannot be needed by the optimum unless 50 better ones
// are all taken, which the capacities of a real catalogue never make so.
const perCase = 50

// Assign finds the assignment of helpers to cases with the highest total
// score that respects every hard rule and every helper's free places.
func (m *Matcher) Assign(ctx context.Context, p access.Principal, cases []Case) (AssignResult, error) {
	if !p.Is(access.RoleCaseManager, access.RoleResourceManager) {
		return AssignResult{}, fmt.Errorf("%w: role %s may not ask for suggestions", catalogue.ErrForbidden, p.Role)
	}
	if len(cases) == 0 || len(cases) > MaxAssignCases {
		return AssignResult{}, &catalogue.ValidationError{Fields: []catalogue.FieldError{{Field: "cases", Message: fmt.Sprintf("give 1 to %d cases", MaxAssignCases)}}}
	}
	refs, err := m.loadRefs(ctx)
	if err != nil {
		return AssignResult{}, err
	}
	var prepared []*prepared
	ve := &catalogue.ValidationError{}
	for i, c := range cases {
		pc, err := m.prepare(refs, c)
		if pc != nil {
			pc.viewer = catalogue.ScopeOf(p, pc.today, false)
		}
		if err != nil {
			if v, ok := err.(*catalogue.ValidationError); ok {
				for _, f := range v.Fields {
					ve.Add("cases["+strconv.Itoa(i)+"]."+f.Field, "%s", f.Message)
				}
				continue
			}
			return AssignResult{}, err
		}
		prepared = append(prepared, pc)
	}
	if err := ve.OrNil(); err != nil {
		return AssignResult{}, err
	}
	if err := m.Warm(ctx); err != nil {
		return AssignResult{}, err
	}
	helperIndex := map[string]int{}
	var capacity []int
	var pairs []Pair
	var pairCands []ranked
	for i, pc := range prepared {
		best, _ := m.rank(pc, perCase, false)
		for _, r := range best {
			j, seen := helperIndex[r.c.id]
			if !seen {
				j = len(capacity)
				helperIndex[r.c.id] = j
				free := len(prepared) // no fixed capacity: as many as there are cases
				if r.e.freeKnown {
					free = r.e.free
				}
				capacity = append(capacity, free)
			}
			pairs = append(pairs, Pair{Case: i, Helper: j, Score: r.e.score})
			pairCands = append(pairCands, r)
		}
	}
	chosen := Optimal(len(prepared), capacity, pairs)
	res := AssignResult{Assignments: []Assignment{}, Unassigned: []Assignment{}}
	for i, k := range chosen {
		a := Assignment{Index: i, Reference: prepared[i].Reference}
		if k < 0 {
			a.Reason = "kein passender Eintrag mit freiem Platz"
			res.Unassigned = append(res.Unassigned, a)
			continue
		}
		s := m.suggestion(prepared[i], pairCands[k].c, pairCands[k].e) // explained only once chosen
		a.Suggestion = &s
		res.TotalScore += s.Score
		res.Assignments = append(res.Assignments, a)
	}
	res.TotalScore = round(res.TotalScore)
	var shown []string
	for _, a := range res.Assignments {
		if a.Suggestion.Kind == catalogue.KindVolunteer {
			shown = append(shown, a.Suggestion.ID)
		}
	}
	if err := m.svc.RecordRead(ctx, p, "match", shown); err != nil {
		return AssignResult{}, err
	}
	return res, nil
}
