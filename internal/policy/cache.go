package policy

import (
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"
)

// DefaultCacheSize bounds the decision cache (entries).
const DefaultCacheSize = 4096

// decisionCache remembers decisions by their whole input document. The policy is
// a pure function of the input and the compiled bundle, except for the gatesh.*
// built-ins, which look at the repository: a decision whose evaluation called one
// of them is not cached. Agents repeat the same command lines constantly (the same
// test script hundreds of times), and the input holds every fact the decision
// depends on (cwd, workspace, branch, whether each path exists…), so an identical
// document is an identical question. Eviction is first in, first out.
type decisionCache struct {
	mu    sync.Mutex
	size  int
	m     map[uint64][]cacheEntry
	order []uint64 // keys in insertion order, one per entry
	hits  atomic.Int64
}

type cacheEntry struct {
	input    ast.Value
	decision Decision
}

func newDecisionCache(size int) *decisionCache {
	if size <= 0 {
		return nil
	}
	return &decisionCache{size: size, m: make(map[uint64][]cacheEntry)}
}

func (c *decisionCache) get(input ast.Value, h uint64) (Decision, bool) {
	if c == nil {
		return Decision{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.m[h] {
		if e.input.Compare(input) == 0 {
			c.hits.Add(1)
			d := e.decision
			d.Reasons = append([]Reason(nil), d.Reasons...)
			return d, true
		}
	}
	return Decision{}, false
}

func (c *decisionCache) put(input ast.Value, h uint64, d Decision) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.order) >= c.size {
		old := c.order[0]
		c.order = c.order[1:]
		if es := c.m[old]; len(es) <= 1 {
			delete(c.m, old)
		} else {
			c.m[old] = es[1:]
		}
	}
	c.m[h] = append(c.m[h], cacheEntry{input: input, decision: d})
	c.order = append(c.order, h)
}
