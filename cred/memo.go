package cred

import (
	"sync"
	"sync/atomic"
)

// memoFast is how many entries typeMemo keeps in its lock-free slice; real
// servers see a handful of credential and avatar types, and a linear scan of
// a few pointer comparisons beats hashing an interface key.
const memoFast = 16

// typeMemo caches values computed from type keys (reflection results) on the
// login path. Reads take no lock; a miss computes and publishes a new slice.
type typeMemo[K comparable, V any] struct {
	mu       sync.Mutex
	fast     atomic.Pointer[[]memoEntry[K, V]]
	overflow sync.Map // K -> V, past memoFast entries
}

type memoEntry[K comparable, V any] struct {
	key K
	val V
}

func (m *typeMemo[K, V]) get(key K, compute func(K) V) V {
	if p := m.fast.Load(); p != nil {
		for i := range *p {
			if (*p)[i].key == key {
				return (*p)[i].val
			}
		}
		if len(*p) >= memoFast {
			if v, ok := m.overflow.Load(key); ok {
				return v.(V)
			}
		}
	}
	v := compute(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	var old []memoEntry[K, V]
	if p := m.fast.Load(); p != nil {
		old = *p
	}
	for _, e := range old {
		if e.key == key {
			return e.val
		}
	}
	if len(old) >= memoFast {
		got, _ := m.overflow.LoadOrStore(key, v)
		return got.(V)
	}
	next := make([]memoEntry[K, V], len(old), len(old)+1)
	copy(next, old)
	next = append(next, memoEntry[K, V]{key, v})
	m.fast.Store(&next)
	return v
}
