package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Filter operators.
const (
	FilterEquals = "equals"
	FilterIn     = "in"
	FilterRegexp = "regexp"
)

// Filter is one constraint of a webhook definition, in Contentful's JSON
// forms (facts §4.3): {"equals":[{"doc":P},"v"]}, {"in":[{"doc":P},["a","b"]]},
// {"regexp":[{"doc":P},{"pattern":"…"}]}, each optionally wrapped in
// {"not":…}. A filter on a property the payload lacks is false, also under
// "not".
type Filter struct {
	// Not negates the constraint (when the property is present).
	Not bool
	// Op is FilterEquals, FilterIn or FilterRegexp.
	Op string
	// Doc is the property path: sys.id, sys.environment.sys.id,
	// sys.contentType.sys.id, sys.createdBy.sys.id, sys.updatedBy.sys.id or
	// sys.deletedBy.sys.id.
	Doc string
	// Value is the value of an equals constraint.
	Value string
	// Values are the values of an in constraint.
	Values []string
	// Pattern is the regular expression (Go RE2 syntax) of a regexp constraint.
	Pattern string
}

// docRef is the {"doc": path} operand of a filter.
type docRef struct {
	Doc string `json:"doc"`
}

// patternRef is the {"pattern": re} operand of a regexp filter.
type patternRef struct {
	Pattern string `json:"pattern"`
}

// MarshalJSON writes the filter in Contentful's form.
func (f Filter) MarshalJSON() ([]byte, error) {
	var operand any
	switch f.Op {
	case FilterEquals:
		operand = f.Value
	case FilterIn:
		vs := f.Values
		if vs == nil {
			vs = []string{}
		}
		operand = vs
	case FilterRegexp:
		operand = patternRef{f.Pattern}
	default:
		return nil, fmt.Errorf("filter operator %q: use equals, in or regexp", f.Op)
	}
	var c any = map[string][2]any{f.Op: {docRef{f.Doc}, operand}}
	if f.Not {
		c = map[string]any{"not": c}
	}
	return json.Marshal(c)
}

// UnmarshalJSON reads a filter in Contentful's form.
func (f *Filter) UnmarshalJSON(b []byte) error {
	op, arg, err := singleMember(b)
	if err != nil {
		return err
	}
	var out Filter
	if op == "not" {
		out.Not = true
		if op, arg, err = singleMember(arg); err != nil {
			return err
		}
		if op == "not" {
			return errors.New(`filter: "not" cannot wrap another "not"`)
		}
	}
	var operands []json.RawMessage
	if err := json.Unmarshal(arg, &operands); err != nil || len(operands) != 2 {
		return fmt.Errorf(`filter %q: want a two-element array [{"doc": path}, operand]`, op)
	}
	var doc docRef
	if err := json.Unmarshal(operands[0], &doc); err != nil || doc.Doc == "" {
		return fmt.Errorf(`filter %q: first element must be {"doc": "sys.…"}`, op)
	}
	out.Op, out.Doc = op, doc.Doc
	switch op {
	case FilterEquals:
		if string(operands[1]) == "null" || json.Unmarshal(operands[1], &out.Value) != nil {
			return errors.New(`filter "equals": second element must be a string`)
		}
	case FilterIn:
		if json.Unmarshal(operands[1], &out.Values) != nil || out.Values == nil {
			return errors.New(`filter "in": second element must be an array of strings`)
		}
	case FilterRegexp:
		var p patternRef
		if json.Unmarshal(operands[1], &p) != nil {
			return errors.New(`filter "regexp": second element must be {"pattern": "…"}`)
		}
		out.Pattern = p.Pattern
	default:
		return fmt.Errorf("filter operator %q: use equals, in, regexp or not", op)
	}
	*f = out
	return nil
}

// singleMember reads an object with exactly one member.
func singleMember(b []byte) (string, json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil || len(m) != 1 {
		return "", nil, errors.New(`filter must be an object with one of "equals", "in", "regexp" or "not"`)
	}
	for k, v := range m {
		return k, v, nil
	}
	return "", nil, nil
}

// docPaths maps the filterable property paths to their keys below sys.
var docPaths = map[string][]string{
	"sys.id":                 {"id"},
	"sys.environment.sys.id": {"environment", "sys", "id"},
	"sys.contentType.sys.id": {"contentType", "sys", "id"},
	"sys.createdBy.sys.id":   {"createdBy", "sys", "id"},
	"sys.updatedBy.sys.id":   {"updatedBy", "sys", "id"},
	"sys.deletedBy.sys.id":   {"deletedBy", "sys", "id"},
}

// compiledFilter is a validated Filter ready to evaluate.
type compiledFilter struct {
	Filter
	keys []string       // path below sys
	env  bool           // the path is sys.environment.sys.id
	re   *regexp.Regexp // for regexp
}

// compileFilter validates f.
func compileFilter(f Filter) (compiledFilter, error) {
	keys, ok := docPaths[f.Doc]
	if !ok {
		return compiledFilter{}, fmt.Errorf("unknown doc path %q: use sys.id, sys.environment.sys.id, sys.contentType.sys.id, sys.createdBy.sys.id, sys.updatedBy.sys.id or sys.deletedBy.sys.id", f.Doc)
	}
	c := compiledFilter{Filter: f, keys: keys, env: f.Doc == "sys.environment.sys.id"}
	switch f.Op {
	case FilterEquals, FilterIn:
	case FilterRegexp:
		re, err := regexp.Compile(f.Pattern)
		if err != nil {
			return compiledFilter{}, fmt.Errorf("pattern %q is not a valid regular expression (Go RE2 syntax): %v", f.Pattern, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		}
		c.re = re
	default:
		return compiledFilter{}, fmt.Errorf("operator %q: use equals, in or regexp", f.Op)
	}
	return c, nil
}

// holds evaluates the filter on the value of its property: b when non-nil,
// else s.
func (c *compiledFilter) holds(s string, b []byte) bool {
	var r bool
	switch c.Op {
	case FilterEquals:
		r = c.equal(s, b, c.Value)
	case FilterIn:
		for _, v := range c.Values {
			if c.equal(s, b, v) {
				r = true
				break
			}
		}
	case FilterRegexp:
		if b != nil {
			r = c.re.Match(b)
		} else {
			r = c.re.MatchString(s)
		}
	}
	return r != c.Not
}

// equal compares the property value (b when non-nil, else s) with v.
func (c *compiledFilter) equal(s string, b []byte, v string) bool {
	if b != nil {
		return string(b) == v
	}
	return s == v
}

// filterDoc reads the filtered properties of one event, decoding the payload
// lazily and at most once.
type filterDoc struct {
	ev     *Event
	sys    []byte
	loaded bool
}

// eval evaluates c on the event. A property the event lacks makes the filter
// false, whether or not it is negated. sys.environment.sys.id is the
// environment segment the client used (Event.Environment) when the event has
// one, so filters on an alias see the alias; the payload's value otherwise.
func (d *filterDoc) eval(c *compiledFilter) bool {
	if c.env && d.ev.Environment != "" {
		return c.holds(d.ev.Environment, nil)
	}
	if !d.loaded {
		d.sys, _ = field(d.ev.Payload, "sys")
		d.loaded = true
	}
	raw, ok := lookup(d.sys, c.keys)
	if !ok {
		return false
	}
	v, ok := stringBytes(raw)
	return ok && c.holds("", v)
}
