package matching

import "testing"

func total(pairs []Pair, chosen []int) float64 {
	s := 0.0
	for _, k := range chosen {
		if k >= 0 {
			s += pairs[k].Score
		}
	}
	return s
}

// greedy takes the best remaining pair first: the approximation Optimal
// must beat.
func greedy(cases int, capacity []int, pairs []Pair) []int {
	order := make([]int, len(pairs))
	for i := range order {
		order[i] = i
	}
	for i := range order {
		for j := i + 1; j < len(order); j++ {
			if pairs[order[j]].Score > pairs[order[i]].Score {
				order[i], order[j] = order[j], order[i]
			}
		}
	}
	left := append([]int(nil), capacity...)
	out := make([]int, cases)
	for i := range out {
		out[i] = -1
	}
	for _, k := range order {
		p := pairs[k]
		if out[p.Case] < 0 && left[p.Helper] > 0 {
			out[p.Case] = k
			left[p.Helper]--
		}
	}
	return out
}

func TestOptimalBeatsGreedy(t *testing.T) {
	// Case A likes both helpers; case B can only use helper 0 well. Greedy
	// gives helper 0 to A (0.9) and leaves B with 0.1; the optimum swaps.
	pairs := []Pair{{0, 0, 0.9}, {0, 1, 0.8}, {1, 0, 0.85}, {1, 1, 0.1}}
	capacity := []int{1, 1}
	g, o := greedy(2, capacity, pairs), Optimal(2, capacity, pairs)
	if total(pairs, g) != 1.0 {
		t.Fatalf("greedy total %v, the example is wrong", total(pairs, g))
	}
	if got := total(pairs, o); got < 1.649 || got > 1.651 {
		t.Errorf("optimal total %v, want 1.65 (A→1, B→0): %v", got, o)
	}
}

func TestOptimalRespectsCapacityAndLeavesCasesOpen(t *testing.T) {
	// Three cases, one helper with two places: one case stays open, the
	// two best are served.
	pairs := []Pair{{0, 0, 0.5}, {1, 0, 0.9}, {2, 0, 0.7}}
	o := Optimal(3, []int{2}, pairs)
	if o[0] != -1 || o[1] != 1 || o[2] != 2 {
		t.Errorf("assignment %v", o)
	}
}

// TestOptimalIsOptimal compares with brute force on small random sets.
func TestOptimalIsOptimal(t *testing.T) {
	seed := uint64(7)
	rnd := func() float64 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return float64(seed>>11) / float64(1<<53)
	}
	for round := 0; round < 200; round++ {
		cases, helpers := 1+int(rnd()*4), 1+int(rnd()*3)
		capacity := make([]int, helpers)
		for j := range capacity {
			capacity[j] = 1 + int(rnd()*2)
		}
		var pairs []Pair
		for i := 0; i < cases; i++ {
			for j := 0; j < helpers; j++ {
				if rnd() < 0.7 {
					pairs = append(pairs, Pair{i, j, float64(int(rnd()*1000)) / 1000})
				}
			}
		}
		best := bruteForce(cases, capacity, pairs)
		got := total(pairs, Optimal(cases, capacity, pairs))
		if got < best-1e-9 || got > best+1e-9 {
			t.Fatalf("round %d: optimal %v, brute force %v (%v, %v)", round, got, best, capacity, pairs)
		}
	}
}

func bruteForce(cases int, capacity []int, pairs []Pair) float64 {
	left := append([]int(nil), capacity...)
	var best float64
	var rec func(i int, sum float64)
	rec = func(i int, sum float64) {
		if i == cases {
			best = max(best, sum)
			return
		}
		rec(i+1, sum) // case i unassigned
		for _, p := range pairs {
			if p.Case == i && left[p.Helper] > 0 {
				left[p.Helper]--
				rec(i+1, sum+p.Score)
				left[p.Helper]++
			}
		}
	}
	rec(0, 0)
	return best
}
