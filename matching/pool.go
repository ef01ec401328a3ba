package matching

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"

	"massanzug/catalogue"
)

// pool holds every entry that is not archived as a candidate, decoded and
// analysed, with one list per kind of help. It follows the service's
// commits like the search index does (catalogue.Indexer), so a change
// counts in the next match, and a match reads no SQL and decodes nothing:
// at 100,000 entries, reading the candidates of a case from the store cost
// twenty times more than scoring them.
type pool struct {
	analyzer   Analyzer
	placements Placements

	mu     sync.RWMutex
	seqs   map[string]int64 // newest change seen per id, archived ones too
	byID   map[string]*candidate
	byHelp map[string]map[string]*candidate
	terms  map[string]uint32 // every term seen, numbered
	df     []int32           // by term number: how many candidates' texts hold it
	codes  map[string]uint16 // every code of help kind, target group, language seen, numbered
	noise  map[string]bool   // terms of requestWords

	loadMu sync.Mutex
	loaded bool
}

func newPool(an Analyzer, pl Placements) *pool {
	p := &pool{analyzer: an, placements: pl, seqs: map[string]int64{}, byID: map[string]*candidate{},
		byHelp: map[string]map[string]*candidate{}, terms: map[string]uint32{},
		codes: map[string]uint16{}, noise: map[string]bool{}}
	if an != nil {
		p.noise = an.MatchTerms(catalogue.RequestWords)
	}
	return p
}

// content keeps the terms of a client's text that can tell a helper
// apart: no request words, no numbers, nothing shorter than three letters.
func (p *pool) content(terms map[string]bool) map[string]bool {
	out := make(map[string]bool, len(terms))
	for t := range terms {
		if len([]rune(t)) < 3 || p.noise[t] || strings.IndexFunc(t, func(r rune) bool { return !unicode.IsDigit(r) }) < 0 {
			continue
		}
		out[t] = true
	}
	return out
}

// built is a record made ready outside the lock: analysing texts is the
// dear part and must not hold up matches.
type built struct {
	id    string
	seq   int64
	c     *candidate // nil: archived, out of the pool
	terms []string
}

func (p *pool) build(r catalogue.Record) (built, error) {
	b := built{id: r.ID, seq: r.Seq}
	if r.Status == catalogue.StatusArchived {
		return b, nil
	}
	e, err := catalogue.Decode(r)
	if err != nil {
		return b, fmt.Errorf("matching pool: %w", err)
	}
	b.c = view(e)
	if b.c == nil {
		return b, fmt.Errorf("matching pool: entry %s of unknown kind %q", r.ID, r.Kind)
	}
	b.c.open = p.placements.Places(r.ID)
	if p.analyzer != nil {
		for t := range p.analyzer.MatchTerms(strings.Join(b.c.texts, "\n")) {
			b.terms = append(b.terms, t)
		}
	}
	b.c.texts = nil
	return b, nil
}

// apply puts b in the pool unless a newer change of the entry is there
// already: loading at start and commits meanwhile may come in any order.
// The caller holds mu.
func (p *pool) apply(b built) {
	if seq, ok := p.seqs[b.id]; ok && seq >= b.seq {
		return
	}
	p.seqs[b.id] = b.seq
	if old := p.byID[b.id]; old != nil {
		for _, h := range old.helpKinds {
			delete(p.byHelp[h], b.id)
		}
		for _, t := range old.terms {
			p.df[t]--
		}
		delete(p.byID, b.id)
	}
	if b.c == nil {
		return
	}
	ids := make([]uint32, 0, len(b.terms))
	for _, t := range b.terms {
		n, ok := p.terms[t]
		if !ok {
			n = uint32(len(p.terms))
			p.terms[t] = n
			p.df = append(p.df, 0)
		}
		p.df[n]++
		ids = append(ids, n)
	}
	slices.Sort(ids)
	b.c.terms = ids
	b.c.helpIDs, b.c.groupIDs, b.c.districtIDs = p.number(b.c.helpKinds), p.number(b.c.targetGroups), p.number(b.c.districts)
	for i := range b.c.languages {
		b.c.languages[i].id = p.number([]string{b.c.languages[i].code})[0]
	}
	p.byID[b.id] = b.c
	for _, h := range b.c.helpKinds {
		if p.byHelp[h] == nil {
			p.byHelp[h] = map[string]*candidate{}
		}
		p.byHelp[h][b.id] = b.c
	}
}

// Put implements catalogue.Indexer.
func (p *pool) Put(ctx context.Context, r catalogue.Record) error {
	return p.PutMany(ctx, []catalogue.Record{r})
}

// PutMany implements catalogue.Indexer.
func (p *pool) PutMany(_ context.Context, rs []catalogue.Record) error {
	bs := make([]built, 0, len(rs))
	for _, r := range rs {
		b, err := p.build(r)
		if err != nil {
			return err
		}
		bs = append(bs, b)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range bs {
		p.apply(b)
	}
	return nil
}

// Delete implements catalogue.Indexer: an erased entry leaves memory.
func (p *pool) Delete(_ context.Context, id string, seq int64) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.apply(built{id: id, seq: seq})
	return nil
}

// load reads every entry from the store, once; callers that come while it
// runs wait for it. It must start after the pool follows the service's
// commits, so that no change falls between the two.
func (p *pool) load(ctx context.Context, store Store) error {
	p.loadMu.Lock()
	defer p.loadMu.Unlock()
	if p.loaded {
		return nil
	}
	// Decoding and analysing is the work; it runs on every core while the
	// store is read. Order does not matter: each entry comes once, and
	// apply keeps the newest change of any.
	records := make(chan []catalogue.Record, runtime.GOMAXPROCS(0))
	errs := make(chan error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var failed error
			for rs := range records {
				if failed != nil {
					continue // drain, so the reader never blocks
				}
				bs := make([]built, 0, len(rs))
				for _, r := range rs {
					b, err := p.build(r)
					if err != nil {
						failed = err
						break
					}
					bs = append(bs, b)
				}
				p.mu.Lock()
				for _, b := range bs {
					p.apply(b)
				}
				p.mu.Unlock()
			}
			errs <- failed
		}()
	}
	batch := make([]catalogue.Record, 0, 256)
	err := store.EachEntry(ctx, func(r catalogue.Record) error {
		if batch = append(batch, r); len(batch) == cap(batch) {
			records <- batch
			batch = make([]catalogue.Record, 0, 256)
		}
		return ctx.Err()
	})
	records <- batch
	close(records)
	wg.Wait()
	close(errs)
	for e := range errs {
		err = errors.Join(err, e)
	}
	if err != nil {
		return fmt.Errorf("load matching pool: %w", err)
	}
	p.loaded = true
	return nil
}

// weighTerms returns the pool's numbers of the terms it knows, sorted, with
// each term's weight: the rarer among the candidates' texts, the more a
// shared word tells (inverse document frequency). full is the weight of
// the three most telling terms, what a candidate must share to fit fully:
// a long text in the client's words must not make every hit small. A term
// no entry has cannot match and is left out. The caller holds mu.
func (p *pool) weighTerms(terms map[string]bool) (ids []uint32, weights []float64, full float64) {
	ids = make([]uint32, 0, len(terms))
	for t := range terms {
		if n, ok := p.terms[t]; ok && p.df[n] > 0 {
			ids = append(ids, n)
		}
	}
	slices.Sort(ids)
	all := float64(len(p.byID) + 1)
	weights = make([]float64, len(ids))
	for i, n := range ids {
		weights[i] = math.Log(1 + all/float64(p.df[n]))
	}
	sorted := slices.Clone(weights)
	slices.Sort(sorted)
	slices.Reverse(sorted)
	for _, w := range sorted[:min(3, len(sorted))] {
		full += w
	}
	return ids, weights, full
}

// anyGroup reports whether one of ids is a neighbourhood help of the pool
// that gives one of the help kinds (as numbers). The caller holds mu.
func (p *pool) anyGroup(ids []string, help []uint16) bool {
	for _, id := range ids {
		if g := p.byID[id]; g != nil && g.kind == catalogue.KindNeighbourhoodHelp && overlapIDs(help, g.helpIDs) {
			return true
		}
	}
	return false
}

// groupRefs names the neighbourhood helps among ids that the pool holds and
// that give one of the help kinds: the frames a volunteer is placed in.
func (p *pool) groupRefs(ids []string, help []uint16) []GroupRef {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []GroupRef
	for _, id := range ids {
		if g := p.byID[id]; g != nil && g.kind == catalogue.KindNeighbourhoodHelp && overlapIDs(help, g.helpIDs) {
			out = append(out, GroupRef{ID: g.id, Name: g.name, Coordinator: g.contact})
		}
	}
	return out
}

// noCode stands for a code no entry has: it equals no number.
const noCode = 1<<16 - 1

// number numbers codes, new ones included. The caller holds mu for writing.
func (p *pool) number(codes []string) []uint16 {
	out := make([]uint16, len(codes))
	for i, c := range codes {
		n, ok := p.codes[c]
		if !ok && len(p.codes) < noCode {
			n = uint16(len(p.codes))
			p.codes[c] = n
		} else if !ok {
			n = noCode // more codes than any vocabulary has: compared as unknown
		}
		out[i] = n
	}
	return out
}

// codesOf returns the numbers of codes the pool knows; others get noCode.
// The caller holds mu.
func (p *pool) codesOf(codes []string) []uint16 {
	out := make([]uint16, len(codes))
	for i, c := range codes {
		n, ok := p.codes[c]
		if !ok {
			n = noCode
		}
		out[i] = n
	}
	return out
}

// offering calls fn once for every candidate offering one of the kinds of
// help (given as codes and as numbers). The caller holds mu.
func (p *pool) offering(helpKinds []string, ids []uint16, fn func(*candidate)) {
	for i, h := range helpKinds {
		for _, c := range p.byHelp[h] {
			// Seen already under an earlier kind of this case.
			if i > 0 && overlapIDs(ids[:i], c.helpIDs) {
				continue
			}
			fn(c)
		}
	}
}
