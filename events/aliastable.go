package events

import (
	"encoding/json"
	"fmt"
	"maps"
	"sync"
)

// AliasTable knows, per space, which environment ids are aliases and which
// environment each one targets. Aliases come from three sources: static
// configuration (SetStatic), which always wins; alias writes seen in traffic
// (Set, Delete); and the space's alias list fetched from the CMS
// (SetFetched). It is safe for concurrent use; Resolve, on the path of every
// write, takes only a read lock and does not allocate.
type AliasTable struct {
	mu      sync.RWMutex
	static  map[string]map[string]string // space ("" = every space) → alias → target
	learned map[string]*spaceAliases     // space → what the CMS said
	changes map[string]uint64            // space → alias writes seen (Set, Delete)
}

// spaceAliases is what the CMS said about the aliases of one space.
type spaceAliases struct {
	targets map[string]string // alias → target environment
}

// storedAliases is the persisted form of a spaceAliases.
type storedAliases struct {
	Aliases map[string]string `json:"aliases,omitempty"`
}

// NewAliasTable returns an empty table.
func NewAliasTable() *AliasTable {
	return &AliasTable{
		static:  map[string]map[string]string{},
		learned: map[string]*spaceAliases{},
		changes: map[string]uint64{},
	}
}

// Resolve returns the environment targeted by env in space and true when env
// is an alias, or env itself and false when it is not. Static aliases of the
// space come first, then static aliases for every space, then what the CMS
// said.
func (t *AliasTable) Resolve(space, env string) (target string, isAlias bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if target, ok := t.static[space][env]; ok {
		return target, true
	}
	if target, ok := t.static[""][env]; ok {
		return target, true
	}
	if sa := t.learned[space]; sa != nil {
		if target, ok := sa.targets[env]; ok {
			return target, true
		}
	}
	return env, false
}

// Set records that alias in space targets the environment target, as seen
// in an alias write. A static alias of the same id still wins.
func (t *AliasTable) Set(space, alias, target string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	sa := t.learned[space]
	if sa == nil {
		sa = &spaceAliases{}
		t.learned[space] = sa
	}
	if sa.targets == nil {
		sa.targets = map[string]string{}
	}
	sa.targets[alias] = target
	t.changes[space]++
}

// Delete forgets what the CMS said about alias in space, as seen in an alias
// delete. Static aliases are kept: the configuration is changed only by the
// operator.
func (t *AliasTable) Delete(space, alias string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if sa := t.learned[space]; sa != nil {
		delete(sa.targets, alias)
	}
	t.changes[space]++
}

// Changes returns a number that Set and Delete of an alias of space
// increase. Take it before asking the CMS for the space's aliases and hand
// it to SetFetched.
func (t *AliasTable) Changes(space string) uint64 {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.changes[space]
}

// SetFetched replaces what the CMS said about the aliases of space with
// aliases (alias → target environment), the space's alias list as fetched,
// unless an alias write seen in traffic changed the space since Changes
// returned since: the answer may predate that write, so it is dropped and
// false returned (ask again). The map is copied. Static aliases still win.
func (t *AliasTable) SetFetched(space string, aliases map[string]string, since uint64) bool {
	targets := maps.Clone(aliases)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.changes[space] != since {
		return false
	}
	t.learned[space] = &spaceAliases{targets: targets}
	return true
}

// SetStatic configures alias to target the environment target in space, or
// in every space when space is "". Static aliases win over what the CMS says
// and are never changed by Set, Delete, SetFetched or LoadSpace.
func (t *AliasTable) SetStatic(space, alias, target string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.static[space]
	if m == nil {
		m = map[string]string{}
		t.static[space] = m
	}
	m[alias] = target
}

// MarshalSpace returns what the CMS said about the aliases of space (learned
// from traffic and fetched), for the caller to store; LoadSpace reads it
// back. A "fetched" member written by earlier versions is ignored. Static aliases are not included.
func (t *AliasTable) MarshalSpace(space string) ([]byte, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var s storedAliases
	if sa := t.learned[space]; sa != nil {
		s = storedAliases{Aliases: sa.targets}
	}
	return json.Marshal(s)
}

// LoadSpace replaces what the table knows from the CMS about the aliases of
// space with a record made by MarshalSpace.
func (t *AliasTable) LoadSpace(space string, b []byte) error {
	var s storedAliases
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("stored environment aliases of space %q are unreadable (%v): remove the record so the aliases are fetched from the CMS again", space, err)
	}
	for alias, target := range s.Aliases {
		if !ValidID(alias) || !ValidID(target) {
			return fmt.Errorf("stored environment aliases of space %q hold an invalid id (%q → %q): remove the record so the aliases are fetched from the CMS again", space, alias, target)
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.learned[space] = &spaceAliases{targets: s.Aliases}
	return nil
}
