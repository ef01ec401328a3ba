package catalogue

import "sync"

// cached keeps a value the service reads from the store on every search,
// match or write and changes rarely (reference data, synonyms): read
// once, forgotten when the service changes it, or another instance does
// (OthersWrote).
type cached[T any] struct {
	mu         sync.Mutex
	generation int // counts changes, so that a read that raced one is not kept
	loaded     bool
	value      T
}

// get returns the value, reading it with load when it is not kept.
func (c *cached[T]) get(load func() (T, error)) (T, error) {
	c.mu.Lock()
	if c.loaded {
		defer c.mu.Unlock()
		return c.value, nil
	}
	gen := c.generation
	c.mu.Unlock()
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.generation == gen {
		c.value, c.loaded = v, true
	}
	c.mu.Unlock()
	return v, nil
}

// forget drops the value after a change.
func (c *cached[T]) forget() {
	c.mu.Lock()
	c.generation++
	c.loaded = false
	c.mu.Unlock()
}
