// Package index owns the search index: a bleve index in the data folder,
// derived from the store and always rebuildable from it. It analyses German
// text (lower-casing, compound splitting with a shipped, extendable word
// list, umlaut and ß folding, light stemming), keeps keyword fields for
// filters and a geo point for distance, and answers searches. bleve finds
// and scores the hits; who may see them, totals, facets and the page are
// decided from a row per document held in memory (see row, collector).
//
// The index is never the source of truth. Every entry write reaches it
// before the write returns (catalogue.Indexer); it remembers the change
// number of the last write it applied, and Open compares that, the mapping
// version and the document count with the database, rebuilding into a fresh
// folder and swapping when anything differs.
package index

import (
	"bufio"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"massanzug/catalogue"
	"massanzug/progress"
)

// schemaVersion changes whenever the document layout or analysis changes
// in code; the word list's hash is added to it, so extending the list also
// makes the next start rebuild.
const schemaVersion = "16"

// DirName is the index folder inside the data folder; WordsFile is where
// staff add compound parts of their own.
const (
	DirName   = "index"
	WordsFile = "compound-words.txt"
)

//go:embed words_de.txt
var shippedWords string

const (
	analyzerDE = "de_compound"
	// analyzerWhole is analyzerDE without the compounds' parts,
	// analyzerParts with the parts alone.
	analyzerWhole = "de_whole"
	analyzerParts = "de_parts"
	// analyzerLower and analyzerPlain are for matching's terms
	// (MatchTerms): words lower-cased; one word stopped, folded, stemmed.
	analyzerLower = "de_lower"
	analyzerPlain = "de_plain"
	seqKey        = "seq"
	versionKey    = "mapping_version"
	batchSize     = 1000
	fieldText     = "text"
	fieldName     = "name"
	// fieldPerson holds a volunteer's name: a person's name says nothing
	// of the help (Frau Koch, Herr Einkauf), so it weighs as the text,
	// not as the name of a group or an offer.
	fieldPerson = "person"
	// fieldParts holds the parts of the compounds of name and texts,
	// which the other fields hold whole: an entry holding the word asked
	// for ranks above one holding it inside a compound (Hilfe,
	// Nachbarschaftshilfe).
	fieldParts  = "parts"
	fieldGeo    = "location"
	fieldUpdate = "updated_at"
	// fieldRow stores a document's row (see row), read back at start.
	fieldRow = "row"
)

// Index is an open search index.
type Index struct {
	// places locates entries that name a district or quarter but no
	// coordinates, so that distance search finds them too.
	places  catalogue.Places
	mu      sync.RWMutex
	idx     bleve.Index
	rows    *rowCache // of idx's segments
	dir     string
	lock    *os.File
	version string
	log     *slog.Logger
	src     Source
	// analyzer is the German analysis, kept apart from the bleve index,
	// which is closed and opened again after a failure.
	analyzer analysis.Analyzer
	// lower, plain and compounds make MatchTerms.
	lower, plain analysis.Analyzer
	compounds    compounds
	words        []string // the compound dictionary: Spellings
	// behind is set when an update failed (a full disk, say): the index
	// then takes no single updates, which would record change numbers past
	// the gap, until CatchUp has applied everything it missed.
	behind atomic.Bool
}

// Words returns the compound word list: the shipped one plus the data
// folder's compound-words.txt, if present.
func Words(dataDir string) ([]string, error) {
	text := shippedWords
	if dataDir != "" {
		b, err := os.ReadFile(filepath.Join(dataDir, WordsFile))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("read %s: %w", WordsFile, err)
		}
		text += "\n" + string(b)
	}
	seen := map[string]bool{}
	var words []string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		w := strings.ToLower(strings.TrimSpace(sc.Text()))
		if w == "" || strings.HasPrefix(w, "#") || seen[w] {
			continue
		}
		seen[w] = true
		words = append(words, w)
	}
	sort.Strings(words)
	return words, nil
}

// newMapping builds the index mapping with the German compound analyzer.
func newMapping(words []string) (*mapping.IndexMappingImpl, string, error) {
	m := bleve.NewIndexMapping()
	tokens := make([]any, len(words))
	for i, w := range words {
		tokens[i] = w
	}
	// Strict compounds: a word is split only where it is made whole of
	// dictionary words (compounds.split); bleve's dictionary filter found
	// any listed word inside any word (Beratung → rat, Migration → rat).
	for name, partsOnly := range map[string]bool{"compound_de": false, "compound_parts_de": true} {
		if err := m.AddCustomTokenFilter(name, map[string]any{"type": strictCompoundFilter, "words": tokens, "parts_only": partsOnly}); err != nil {
			return nil, "", err
		}
	}
	// Compounds split before folding and stemming, so that the parts are
	// folded and stemmed like whole words. Queries and the bench's scans
	// take words and parts (analyzerDE); the index keeps the whole words
	// of names and texts (analyzerWhole) apart from the parts of their
	// compounds (analyzerParts, fieldParts), so that a part hit weighs
	// less than a whole one.
	for name, split := range map[string][]any{analyzerDE: {"compound_de"}, analyzerWhole: nil, analyzerParts: {"compound_parts_de"}} {
		filters := append(append([]any{lowercase.Name}, split...), de.StopName, de.NormalizeName, stemFilter)
		if err := m.AddCustomAnalyzer(name, map[string]any{"type": custom.Name, "tokenizer": unicode.Name, "token_filters": filters}); err != nil {
			return nil, "", err
		}
	}
	if err := m.AddCustomAnalyzer(analyzerLower, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name, "token_filters": []any{lowercase.Name},
	}); err != nil {
		return nil, "", err
	}
	if err := m.AddCustomAnalyzer(analyzerPlain, map[string]any{
		"type": custom.Name, "tokenizer": unicode.Name,
		"token_filters": []any{lowercase.Name, de.StopName, de.NormalizeName, de.LightStemmerName},
	}); err != nil {
		return nil, "", err
	}
	text := func() *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerWhole
		f.Store = true
		f.IncludeTermVectors = true // for highlighting
		f.IncludeInAll = false      // queries name their fields; no composite _all field to build
		return f
	}
	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.IncludeInAll = false
		f.DocValues = false // searches read rows from memory, not doc values
		return f
	}
	doc := bleve.NewDocumentMapping()
	doc.AddFieldMappingsAt(fieldName, text())
	doc.AddFieldMappingsAt(fieldPerson, text())
	parts := text()
	parts.Analyzer = analyzerParts // stored too: a part hit is highlighted
	doc.AddFieldMappingsAt(fieldParts, parts)
	doc.AddFieldMappingsAt(fieldText, text())
	// Kind, status, provider and period are not indexed: the rows decide
	// them per hit (see collector.visible).
	for _, k := range []string{"districts", "quarters", "help_kinds", "target_groups", "languages", "category", "groups"} {
		doc.AddFieldMappingsAt(k, kw())
	}
	// The row is read, never searched: stored, not indexed, so that it
	// adds nothing to the term dictionary.
	rw := kw()
	rw.Index, rw.Store = false, true
	doc.AddFieldMappingsAt(fieldRow, rw)
	acc := bleve.NewBooleanFieldMapping()
	acc.IncludeInAll = false
	doc.AddFieldMappingsAt("accessible", acc)
	upd := bleve.NewDateTimeFieldMapping()
	upd.IncludeInAll = false
	upd.DocValues = false
	doc.AddFieldMappingsAt(fieldUpdate, upd)
	geo := bleve.NewGeoPointFieldMapping()
	geo.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldGeo, geo)
	doc.Dynamic = false
	m.DefaultMapping = doc
	m.DefaultAnalyzer = analyzerDE
	m.DefaultField = fieldText

	h := sha256.New()
	for _, w := range words {
		h.Write([]byte(w + "\n"))
	}
	return m, schemaVersion + "-" + hex.EncodeToString(h.Sum(nil))[:12], nil
}

// Source is what the index is built from: the store.
type Source interface {
	Districts(ctx context.Context) ([]catalogue.District, error)
	Fingerprint(ctx context.Context) (count int, seq int64, err error)
	EachEntry(ctx context.Context, fn func(catalogue.Record) error) error
	// ChangesSince passes every entry written after change number seq and
	// returns the ids erased after it.
	ChangesSince(ctx context.Context, seq int64, fn func(catalogue.Record) error) (erased []string, err error)
}

// Open opens the index in dataDir, rebuilding it from src when it is
// missing, unreadable, of another mapping version, or behind the database.
func Open(ctx context.Context, dataDir string, src Source, log *slog.Logger) (*Index, error) {
	return open(ctx, dataDir, src, log, false)
}

// Rebuild opens the index in dataDir and rebuilds it from src whatever
// its state (massanzug reindex). The lock is taken before anything is
// touched, and the old index stays in place until the new one is built.
func Rebuild(ctx context.Context, dataDir string, src Source, log *slog.Logger) (*Index, error) {
	return open(ctx, dataDir, src, log, true)
}

func open(ctx context.Context, dataDir string, src Source, log *slog.Logger, force bool) (*Index, error) {
	words, err := Words(dataDir)
	if err != nil {
		return nil, err
	}
	m, version, err := newMapping(words)
	if err != nil {
		return nil, fmt.Errorf("index mapping: %w", err)
	}
	ds, err := src.Districts(ctx)
	if err != nil {
		return nil, fmt.Errorf("load districts: %w", err)
	}
	lock, err := lockDir(dataDir)
	if err != nil {
		return nil, err
	}
	ix := &Index{dir: filepath.Join(dataDir, DirName), lock: lock, version: version, log: log, places: catalogue.NewPlaces(ds), src: src,
		analyzer: m.AnalyzerNamed(analyzerDE), compounds: newCompounds(words), words: words}
	ix.lower, ix.plain = plainAnalyzers(m)
	reason, err := "rebuild asked for", error(nil)
	if !force {
		reason, err = ix.openExisting(ctx, src)
	}
	if err == nil && reason != "" {
		log.Info("rebuilding search index", "reason", reason)
		err = ix.rebuild(ctx, src, m)
	}
	if err != nil {
		ix.Close()
		return nil, err
	}
	return ix, nil
}

// openExisting opens the index on disk if it is usable and in step, and
// returns why not otherwise.
func (ix *Index) openExisting(ctx context.Context, src Source) (string, error) {
	if _, err := os.Stat(ix.dir); errors.Is(err, os.ErrNotExist) {
		return "no index yet", nil
	}
	idx, err := bleve.Open(ix.dir)
	if err != nil {
		return fmt.Sprintf("index unreadable: %v", err), nil
	}
	reason, behind, err := check(ctx, idx, src, ix.version)
	if err == nil && behind {
		// Only behind (a crash between commit and index, a full disk):
		// apply what it missed from the change numbers, then check again.
		start := time.Now()
		var n int
		if n, err = ix.catchUp(ctx, idx); err == nil {
			reason, _, err = check(ctx, idx, src, ix.version)
			if reason == "" && err == nil {
				ix.log.Info("search index caught up", "changes", n, "ms", time.Since(start).Milliseconds())
			}
		} else {
			reason, err = fmt.Sprintf("catching up failed: %v", err), nil
		}
	}
	if err != nil || reason != "" {
		idx.Close()
		return reason, err
	}
	rows := newRowCache()
	if err := rows.warm(idx); err != nil {
		idx.Close()
		return fmt.Sprintf("rows unreadable: %v", err), nil
	}
	ix.idx, ix.rows = idx, rows
	return "", nil
}

// check compares the index with the database. behind means the only
// difference is changes the index has not applied yet, which catchUp can
// apply; any other reason asks for a rebuild.
func check(ctx context.Context, idx bleve.Index, src Source, version string) (reason string, behind bool, err error) {
	v, err := idx.GetInternal([]byte(versionKey))
	if err != nil {
		return fmt.Sprintf("cannot read mapping version: %v", err), false, nil
	}
	if string(v) != version {
		return fmt.Sprintf("mapping version %q, want %q", v, version), false, nil
	}
	count, seq, err := src.Fingerprint(ctx)
	if err != nil {
		return "", false, err
	}
	got, err := appliedSeq(idx)
	if err != nil {
		return fmt.Sprintf("cannot read the change number applied: %v", err), false, nil
	}
	if got > seq {
		return fmt.Sprintf("index applied change %d, beyond the database's %d (a database restored or replaced)", got, seq), false, nil
	}
	if got < seq {
		return fmt.Sprintf("index applied change %d, database is at %d", got, seq), true, nil
	}
	n, err := idx.DocCount()
	if err != nil {
		return fmt.Sprintf("cannot count documents: %v", err), false, nil
	}
	if int(n) != count {
		return fmt.Sprintf("index has %d documents, database %d entries", n, count), false, nil
	}
	return "", false, nil
}

func appliedSeq(idx bleve.Index) (int64, error) {
	s, err := idx.GetInternal([]byte(seqKey))
	if err != nil || len(s) == 0 {
		return 0, err
	}
	return strconv.ParseInt(string(s), 10, 64)
}

// catchUp applies to idx every change after the one it applied, from the
// database's change numbers: entries written since are indexed again as
// they are now, entries erased since are deleted (and their segments
// rewritten, see Index.Delete). It returns how many changes it applied.
func (ix *Index) catchUp(ctx context.Context, idx bleve.Index) (n int, err error) {
	defer recoverInto(&err)
	from, err := appliedSeq(idx)
	if err != nil {
		return 0, err
	}
	_, to, err := ix.src.Fingerprint(ctx)
	if err != nil {
		return 0, err
	}
	b := idx.NewBatch()
	erased, err := ix.src.ChangesSince(ctx, from, ix.adder(idx, b, &n))
	if err != nil {
		return n, err
	}
	for _, id := range erased {
		b.Delete(id)
		n++
	}
	b.SetInternal([]byte(seqKey), []byte(strconv.FormatInt(to, 10)))
	if err := idx.Batch(b); err != nil {
		return n, err
	}
	if len(erased) > 0 {
		if err := rewriteSegments(ctx, idx, ix.dir); err != nil {
			return n, err
		}
	}
	return n, nil
}

// adder returns a function that adds a record's document to b, writing
// every full batch to idx, and counts the records in n if given. The
// batches carry no change number: one set by the caller at the end marks
// the index in step, so a crash midway leaves it visibly behind.
func (ix *Index) adder(idx bleve.Index, b *bleve.Batch, n *int) func(catalogue.Record) error {
	return func(r catalogue.Record) error {
		d, err := document(ix.places, r)
		if err != nil {
			return err
		}
		if n != nil {
			*n++
		}
		if err := b.Index(r.ID, d); err != nil {
			return err
		}
		if b.Size() >= batchSize {
			if err := idx.Batch(b); err != nil {
				return err
			}
			b.Reset()
		}
		return nil
	}
}

// recoverInto turns a panic inside bleve into an error: on a full disk
// zapx has been seen to panic ("assignment to entry in nil map") on writes
// and searches; the index is derived, the service must not go down for it.
func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("%w: %v", errPanicked, r)
	}
}

// errPanicked marks an error that was a panic inside bleve.
var errPanicked = errors.New("search index failed")

// rebuild builds a fresh index from src beside the old one and swaps it in,
// so that a crash during the rebuild leaves no half-built index in place.
func (ix *Index) rebuild(ctx context.Context, src Source, m *mapping.IndexMappingImpl) error {
	tmp := ix.dir + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("clear %s: %w", tmp, err)
	}
	if err := ix.roomToRebuild(); err != nil {
		return err
	}
	idx, err := bleve.New(tmp, m)
	if err != nil {
		return fmt.Errorf("create index: %w", err)
	}
	count, seqBefore, err := src.Fingerprint(ctx)
	if err != nil {
		idx.Close()
		return err
	}
	b := idx.NewBatch()
	add := ix.adder(idx, b, nil)
	meter := progress.Start(ctx, ix.log, "rebuilding search index", count)
	err = src.EachEntry(ctx, func(r catalogue.Record) error { meter.Add(1); return add(r) })
	meter.Done()
	if err == nil {
		// Rebuilds run before the service takes writes. Should a write slip
		// in during the scan, recording the change number from before it
		// makes the next start rebuild again: never a silently stale index.
		b.SetInternal([]byte(seqKey), []byte(strconv.FormatInt(seqBefore, 10)))
		b.SetInternal([]byte(versionKey), []byte(ix.version))
		err = idx.Batch(b)
	}
	if err == nil {
		err = compact(ctx, idx)
	}
	if cerr := idx.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// bleve syncs its segments and root, not index_meta.json: without
		// it, a power loss after the rebuild would force another.
		err = syncTree(tmp, true)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("build index: %w", err)
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx != nil {
		ix.idx.Close()
		ix.idx = nil
	}
	if err := os.RemoveAll(ix.dir); err != nil {
		return fmt.Errorf("remove old index: %w", err)
	}
	if err := os.Rename(tmp, ix.dir); err != nil {
		return fmt.Errorf("swap in new index: %w", err)
	}
	if err := syncTree(filepath.Dir(ix.dir), false); err != nil {
		return err
	}
	idx, err = bleve.Open(ix.dir)
	if err != nil {
		return fmt.Errorf("open rebuilt index: %w", err)
	}
	rows := newRowCache()
	if err := rows.warm(idx); err != nil {
		idx.Close()
		return fmt.Errorf("read rows of rebuilt index: %w", err)
	}
	ix.idx, ix.rows = idx, rows
	return nil
}

// roomToRebuild checks, before anything is written, that the disk has room
// for a second index beside the old one: as much as the old one takes, or
// the database if that is larger, and a margin. A rebuild that ran out of
// room half-way would leave nothing better than the old index.
func (ix *Index) roomToRebuild() error {
	need := max(dirSize(ix.dir), dirSize(filepath.Join(filepath.Dir(ix.dir), "massanzug.db"))) + 16<<20
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(ix.dir), &st); err != nil {
		return fmt.Errorf("free space for the index: %w", err)
	}
	if free := int64(st.Bavail) * int64(st.Bsize); free < need {
		return fmt.Errorf("%w: rebuilding the search index needs about %d MiB free beside the old one, %d MiB are; the old index is kept as it is",
			catalogue.ErrStorageFull, need>>20, free>>20)
	}
	return nil
}

// syncTree syncs path to disk: with deep, every file and folder under it.
func syncTree(path string, deep bool) error {
	return filepath.Walk(path, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !deep && p != path {
			if info.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := f.Sync(); err != nil {
			return fmt.Errorf("sync %s: %w", p, err)
		}
		return nil
	})
}

// dirSize is the size of the files under path (a file or a folder).
func dirSize(path string) int64 {
	var n int64
	filepath.Walk(path, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// Put indexes one committed entry and records its change number, in one
// batch. It implements catalogue.Indexer.
func (ix *Index) Put(ctx context.Context, r catalogue.Record) error {
	return ix.PutMany(ctx, []catalogue.Record{r})
}

// Delete forgets an erased entry for good and records the change number,
// then rewrites the segments (see rewriteSegments), so that nothing of the
// entry is left in the index's files when it returns. It implements
// catalogue.Indexer.
func (ix *Index) Delete(ctx context.Context, id string, seq int64) error {
	return ix.afterFailure(ix.delete(ctx, id, seq))
}

func (ix *Index) delete(ctx context.Context, id string, seq int64) (err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	defer recoverInto(&err)
	if ix.idx == nil {
		return errClosed
	}
	if ix.behind.Load() {
		return errBehind
	}
	b := ix.idx.NewBatch()
	b.Delete(id)
	b.SetInternal([]byte(seqKey), []byte(strconv.FormatInt(seq, 10)))
	if err := ix.idx.Batch(b); err != nil {
		return fmt.Errorf("delete %s from index: %w", id, err)
	}
	return rewriteSegments(ctx, ix.idx, ix.dir)
}

// errClosed answers calls on a closed index.
var errClosed = errors.New("the search index is closed")

// errBehind answers updates while the index is behind the database.
var errBehind = errors.New("the search index is behind the database and catching up")

// afterFailure marks the index behind when an update failed, and opens it
// again from disk: a write that failed half-way (a full disk) can leave
// bleve's memory inconsistent (searches then panic in zapx), while what it
// persisted is whole. The index then serves what it had, and catches up.
func (ix *Index) afterFailure(err error) error {
	if err == nil || errors.Is(err, errBehind) || errors.Is(err, errClosed) {
		return err
	}
	if ix.behind.CompareAndSwap(false, true) {
		ix.log.Error("search index update failed; it is behind the database and catches up from the change numbers", "err", err)
	}
	if rerr := ix.reopen(); rerr != nil {
		ix.log.Error("search index could not be opened again after a failed update", "err", rerr)
	}
	return err
}

// reopen closes the index and opens it again from disk.
func (ix *Index) reopen() (err error) {
	defer recoverInto(&err)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.idx != nil {
		func() {
			defer func() { recover() }() // a broken index may fail to close; it is replaced anyway
			ix.idx.Close()
		}()
		ix.idx = nil
	}
	idx, err := bleve.Open(ix.dir)
	if err != nil {
		return err
	}
	rows := newRowCache()
	if err := rows.warm(idx); err != nil {
		idx.Close()
		return err
	}
	ix.idx, ix.rows = idx, rows
	return nil
}

// Behind reports whether the index missed changes it has yet to catch up.
func (ix *Index) Behind() bool { return ix.behind.Load() }

// CatchUp applies every change the index missed, if it is behind. The
// service calls it, with writes held, until it succeeds.
func (ix *Index) CatchUp(ctx context.Context) error {
	if !ix.behind.Load() {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	n, err := ix.catchUp(ctx, ix.idx)
	if err != nil {
		ix.mu.Unlock()
		if rerr := ix.reopen(); rerr != nil {
			err = errors.Join(err, rerr)
		}
		ix.mu.Lock()
		return fmt.Errorf("catch up: %w", err)
	}
	ix.behind.Store(false)
	ix.log.Info("search index caught up", "changes", n)
	return nil
}

// Applied is the change number the index applied up to; it implements
// catalogue.Lagging.
func (ix *Index) Applied(context.Context) (int64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.idx == nil {
		return 0, errClosed
	}
	return appliedSeq(ix.idx)
}

// Lag is how many change numbers the index is behind the database.
func (ix *Index) Lag(ctx context.Context) (int64, error) {
	ix.mu.RLock()
	applied, err := appliedSeq(ix.idx)
	ix.mu.RUnlock()
	if err != nil {
		return 0, err
	}
	_, seq, err := ix.src.Fingerprint(ctx)
	if err != nil {
		return 0, err
	}
	return seq - applied, nil
}

// rewriteSegments rewrites the index's segments so that deleted documents
// leave its files. Deleting a document only marks it deleted in its
// segment, whose file keeps the stored texts; a merge writes the live
// documents into a new segment and bleve then removes the old files, but
// bleve never merges a lone segment. So a placeholder (no row, no text: it
// never shows) goes in first, making at least two segments, the index is
// merged into one, and the placeholder is deleted again; it returns once
// no file of the old segments is left on disk.
func rewriteSegments(ctx context.Context, idx bleve.Index, dir string) error {
	before, err := zapFiles(dir)
	if err != nil {
		return err
	}
	b := idx.NewBatch()
	if err := b.Index(placeholderID, map[string]any{}); err != nil {
		return err
	}
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("erasure placeholder: %w", err)
	}
	if err := compact(ctx, idx); err != nil {
		return err
	}
	b = idx.NewBatch()
	b.Delete(placeholderID)
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("delete the erasure's placeholder: %w", err)
	}
	return awaitRemoval(ctx, dir, before)
}

// placeholderID is the erasure's placeholder document (see Delete).
const placeholderID = "\x00erasure"

// awaitRemoval waits until none of the segment files old names is on disk.
// bleve removes files no snapshot uses in the background, after the
// merged segment is persisted.
func awaitRemoval(ctx context.Context, dir string, old map[string]bool) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		now, err := zapFiles(dir)
		if err != nil {
			return err
		}
		left := 0
		for f := range now {
			if old[f] {
				left++
			}
		}
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("erasure: %d old index segment file(s) still on disk after 30 s", left)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// zapFiles lists the segment files of the index folder (scorch keeps them
// in its store folder).
func zapFiles(dir string) (map[string]bool, error) {
	es, err := os.ReadDir(filepath.Join(dir, "store"))
	if err != nil {
		return nil, fmt.Errorf("list index segments: %w", err)
	}
	out := map[string]bool{}
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".zap") {
			out[e.Name()] = true
		}
	}
	return out, nil
}

// compact merges the index into one segment. Many small segments, as a
// bulk load leaves them, make every search visit each; one merge after the
// load makes searches faster. Smaller writes leave merging to bleve.
func compact(ctx context.Context, idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return err
	}
	if sc, ok := adv.(*scorch.Scorch); ok {
		if err := sc.ForceMerge(ctx, nil); err != nil {
			return fmt.Errorf("merge index segments: %w", err)
		}
	}
	return nil
}

// Compact merges the index into one segment now, waiting for it.
func (ix *Index) Compact(ctx context.Context) error {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return compact(ctx, ix.idx)
}

// Close closes the index and releases its lock.
func (ix *Index) Close() error {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	var err error
	if ix.idx != nil {
		err = ix.idx.Close()
		ix.idx = nil
	}
	if ix.lock != nil {
		err = errors.Join(err, ix.lock.Close()) // closing the file releases the lock
		ix.lock = nil
	}
	return err
}

// Terms returns the terms the index's German analysis makes of text:
// lower-cased, compounds split, folded and stemmed. Matching compares a
// client's words with an entry's texts by them.
func (ix *Index) Terms(text string) map[string]bool {
	an := ix.analyzer
	out := map[string]bool{}
	if an == nil {
		return out
	}
	for _, t := range an.Analyze([]byte(text)) {
		out[string(t.Term)] = true
	}
	return out
}

// DocCount reports how many entries the index holds.
func (ix *Index) DocCount() (uint64, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.idx.DocCount()
}

// PutMany indexes committed entries in batches; each batch records the
// change number of its last entry, so a crash midway leaves the index
// visibly behind and the next start rebuilds it.
func (ix *Index) PutMany(ctx context.Context, rs []catalogue.Record) error {
	return ix.afterFailure(ix.putMany(ctx, rs))
}

func (ix *Index) putMany(ctx context.Context, rs []catalogue.Record) (err error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	defer recoverInto(&err)
	if ix.idx == nil {
		return errClosed
	}
	if ix.behind.Load() {
		return errBehind
	}
	b := ix.idx.NewBatch()
	for i, r := range rs {
		d, err := document(ix.places, r)
		if err != nil {
			return err
		}
		if err := b.Index(r.ID, d); err != nil {
			return err
		}
		if b.Size() >= batchSize || i == len(rs)-1 {
			b.SetInternal([]byte(seqKey), []byte(strconv.FormatInt(r.Seq, 10)))
			if err := ix.idx.Batch(b); err != nil {
				return fmt.Errorf("index batch: %w", err)
			}
			b.Reset()
		}
	}
	return nil
}
