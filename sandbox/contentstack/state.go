package contentstack

import (
	"slices"
	"time"
)

// DefaultBranch is the branch of requests that send no branch header.
const DefaultBranch = "main"

// masterLocale is the one locale of every sandbox branch.
const masterLocale = "en-us"

// defaultEnvironments are the environments a new stack starts with.
var defaultEnvironments = []string{"development", "production"}

// meta holds the bookkeeping every stored object carries.
type meta struct {
	uid       string
	version   int
	createdAt time.Time
	updatedAt time.Time
	createdBy string
	updatedBy string
}

// newMeta starts the bookkeeping of an object created by c, at version 1.
func newMeta(c *call) meta {
	return meta{uid: newUID(), version: 1, createdAt: c.now, updatedAt: c.now, createdBy: c.user, updatedBy: c.user}
}

// touch records a write by c: the version goes up by one.
func (m *meta) touch(c *call) {
	m.version++
	m.updatedAt = c.now
	m.updatedBy = c.user
}

// table holds objects by key and remembers their creation order.
type table[T any] struct {
	items map[string]*T
	keys  []string
}

// get returns the object stored under key, or nil.
func (t *table[T]) get(key string) *T {
	return t.items[key]
}

// add stores v under a new key.
func (t *table[T]) add(key string, v *T) {
	if t.items == nil {
		t.items = map[string]*T{}
	}
	t.items[key] = v
	t.keys = append(t.keys, key)
}

// remove deletes the object stored under key.
func (t *table[T]) remove(key string) {
	delete(t.items, key)
	t.keys = slices.DeleteFunc(t.keys, func(k string) bool { return k == key })
}

// rekey moves the object stored under old to key, keeping its place in the
// creation order.
func (t *table[T]) rekey(old, key string) {
	v := t.items[old]
	delete(t.items, old)
	t.items[key] = v
	t.keys[slices.Index(t.keys, old)] = key
}

// list returns the objects in creation order.
func (t *table[T]) list() []*T {
	out := make([]*T, len(t.keys))
	for i, k := range t.keys {
		out[i] = t.items[k]
	}
	return out
}

// stack is one stack; it springs into existence on first use of its API
// key. Environments belong to the stack, everything else to a branch.
type stack struct {
	apiKey string
	meta
	environments table[environment]
	branches     map[string]*branch
}

// branch is one branch of a stack and the content it holds.
type branch struct {
	name string
	// locale is the bookkeeping of the branch's one locale, en-us.
	locale       meta
	contentTypes table[contentType]
	assets       table[asset]
}

// stackFor returns the stack of apiKey, creating it, with the default
// environments, on first use.
func (s *Sandbox) stackFor(c *call, apiKey string) *stack {
	st := s.stacks[apiKey]
	if st == nil {
		st = &stack{apiKey: apiKey, meta: newMeta(c), branches: map[string]*branch{}}
		for _, name := range defaultEnvironments {
			st.environments.add(name, &environment{meta: newMeta(c), name: name, urls: []environmentURL{}, servers: []any{}})
		}
		s.stacks[apiKey] = st
	}
	return st
}

// branchFor returns the branch name of st, creating it on first use.
func (st *stack) branchFor(c *call, name string) *branch {
	b := st.branches[name]
	if b == nil {
		b = &branch{name: name, locale: newMeta(c)}
		st.branches[name] = b
	}
	return b
}

// environment finds an environment of st by name or uid, or returns nil.
func (st *stack) environment(nameOrUID string) *environment {
	if env := st.environments.get(nameOrUID); env != nil {
		return env
	}
	for _, env := range st.environments.list() {
		if env.uid == nameOrUID {
			return env
		}
	}
	return nil
}
