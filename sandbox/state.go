package sandbox

import "time"

// meta holds the bookkeeping every stored object carries.
type meta struct {
	// seq orders objects by creation in collection answers.
	seq       int64
	version   int
	createdAt time.Time
	updatedAt time.Time
	createdBy string
	updatedBy string
}

// newMeta starts the bookkeeping of an object created by c, at version 1.
func newMeta(c *call, seq int64) meta {
	return meta{seq: seq, version: 1, createdAt: c.now, updatedAt: c.now, createdBy: c.user, updatedBy: c.user}
}

// touch records a write by c: the version goes up by one.
func (m *meta) touch(c *call) {
	m.version++
	m.updatedAt = c.now
	m.updatedBy = c.user
}

// space is one space; it springs into existence on first use.
type space struct {
	id string
	meta
	envs    map[string]*environment
	aliases map[string]*alias
	// scheduled holds the scheduled actions of every environment.
	scheduled map[string]*scheduledAction
}

// environment is one environment of a space and the entities it holds.
type environment struct {
	id   string
	name string
	meta
	entities    map[*kind]map[string]*entity
	bulkActions map[string]*bulkAction
	releases    map[string]*release
}

// alias is an environment alias: a second name for an environment.
type alias struct {
	id string
	meta
	// target is the id of the environment the alias points at.
	target string
}

// scope is what a request works on: its space and, below the environment
// segment, the environment it resolved to and the segment the client used.
type scope struct {
	space *space
	env   *environment
	seg   string
}

// space returns the space id, creating it on first use.
func (s *Sandbox) space(c *call, id string) *space {
	sp := s.spaces[id]
	if sp == nil {
		sp = &space{
			id: id, meta: newMeta(c, s.nextSeq()),
			envs: map[string]*environment{}, aliases: map[string]*alias{}, scheduled: map[string]*scheduledAction{},
		}
		s.spaces[id] = sp
	}
	return sp
}

// environment resolves an environment segment: an alias id reaches the
// alias's target; "master" springs into existence on first use unless an
// alias named master exists. It returns nil when nothing has that name.
func (s *Sandbox) environment(c *call, sp *space, seg string) *environment {
	if a := sp.aliases[seg]; a != nil {
		return sp.envs[a.target]
	}
	if env := sp.envs[seg]; env != nil {
		return env
	}
	if seg != "master" {
		return nil
	}
	return s.newEnvironment(c, sp, seg, seg)
}

// newEnvironment creates an empty environment.
func (s *Sandbox) newEnvironment(c *call, sp *space, id, name string) *environment {
	env := &environment{
		id: id, name: name, meta: newMeta(c, s.nextSeq()),
		entities:    map[*kind]map[string]*entity{},
		bulkActions: map[string]*bulkAction{},
		releases:    map[string]*release{},
	}
	for _, k := range kindByCollection {
		env.entities[k] = map[string]*entity{}
	}
	sp.envs[id] = env
	return env
}

// nextSeq returns the next creation sequence number.
func (s *Sandbox) nextSeq() int64 {
	s.seq++
	return s.seq
}
