package matching

// Pooled returns the change number of every entry the matcher holds in
// memory, for tests to compare with the store.
func (m *Matcher) Pooled() map[string]int64 {
	m.pool.mu.RLock()
	defer m.pool.mu.RUnlock()
	out := make(map[string]int64, len(m.pool.byID))
	for id := range m.pool.byID {
		out[id] = m.pool.seqs[id]
	}
	return out
}
