package events

import (
	"fmt"
	"strconv"
	"strings"
)

// Template roots: the values a { /pointer } can start from.
const (
	rootPayload = "payload" // the event payload
	rootTopic   = "topic"   // the full topic string
	rootUser    = "user"    // a User link of the acting user
)

// expr is one template expression: { [helper [N]] /pointer }.
type expr struct {
	helper string   // "" or a helper name
	n      int      // the helper's count argument
	root   string   // rootPayload, rootTopic or rootUser
	tokens []string // pointer reference tokens after the root, unescaped
}

// part is a literal text or an expression of a string template.
type part struct {
	lit string
	ex  *expr
}

// strTemplate is a text with { /pointer } expressions. A "{" starts an
// expression when, after optional spaces, a "/" or a helper name and a
// space follow; any other "{" is literal text.
type strTemplate struct {
	parts []part
}

// parseTemplate parses a string template.
func parseTemplate(s string) (strTemplate, error) {
	var t strTemplate
	lit := 0 // start of the pending literal
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		j := i + 1
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if !startsExpr(s[j:]) {
			continue
		}
		end := strings.IndexByte(s[j:], '}')
		if end < 0 {
			return strTemplate{}, fmt.Errorf("unclosed \"{\" at offset %d: close the expression with \"}\"", i)
		}
		end += j
		ex, err := parseExpr(s[i+1 : end])
		if err != nil {
			return strTemplate{}, err
		}
		if lit < i {
			t.parts = append(t.parts, part{lit: s[lit:i]})
		}
		t.parts = append(t.parts, part{ex: ex})
		i = end
		lit = end + 1
	}
	if lit < len(s) {
		t.parts = append(t.parts, part{lit: s[lit:]})
	}
	return t, nil
}

// startsExpr reports whether s (the text after "{" and its spaces) begins
// an expression: a pointer or a helper name followed by a space.
func startsExpr(s string) bool {
	if strings.HasPrefix(s, "/") {
		return true
	}
	name, _, ok := strings.Cut(s, " ")
	_, helper := helperArgs[name]
	return ok && helper
}

// isLetter reports whether c is an ASCII letter.
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// helperArgs says which helpers exist and whether they take a count.
var helperArgs = map[string]bool{
	"first-chars":      true,
	"first-words":      true,
	"first-paragraphs": true,
	"strip-stop-words": false,
	"strip-markdown":   false,
	"stringify":        false,
}

// parseExpr parses the inside of "{ … }".
func parseExpr(src string) (*expr, error) {
	f := strings.Fields(src)
	where := "{" + src + "}"
	if len(f) == 0 || !strings.HasPrefix(f[len(f)-1], "/") {
		return nil, fmt.Errorf("%q: an expression ends with a JSON pointer such as /payload/sys/id", where)
	}
	ex := &expr{}
	if len(f) > 1 {
		ex.helper = f[0]
		takesN, ok := helperArgs[ex.helper]
		if !ok {
			return nil, fmt.Errorf("%q: unknown helper %q; use first-chars, first-words, first-paragraphs, strip-stop-words, strip-markdown or stringify", where, ex.helper)
		}
		switch {
		case takesN && len(f) == 3:
			n, err := strconv.Atoi(f[1])
			if err != nil || n < 1 {
				return nil, fmt.Errorf("%q: %s needs a positive whole count, e.g. { %s 100 /payload/sys/id }", where, ex.helper, ex.helper)
			}
			ex.n = n
		case takesN:
			return nil, fmt.Errorf("%q: %s needs a count, e.g. { %s 100 /payload/sys/id }", where, ex.helper, ex.helper)
		case len(f) != 2:
			return nil, fmt.Errorf("%q: %s takes only a pointer, e.g. { %s /payload/sys/id }", where, ex.helper, ex.helper)
		}
	}
	tokens, err := parsePointer(f[len(f)-1])
	if err != nil {
		return nil, fmt.Errorf("%q: %v", where, err)
	}
	switch tokens[0] {
	case rootPayload, rootTopic, rootUser:
	default:
		return nil, fmt.Errorf("%q: a pointer starts with /payload, /topic or /user", where)
	}
	ex.root, ex.tokens = tokens[0], tokens[1:]
	return ex, nil
}

// parsePointer splits a JSON pointer (RFC 6901) into unescaped tokens.
func parsePointer(p string) ([]string, error) {
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		if !strings.Contains(t, "~") {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(t); j++ {
			if t[j] != '~' {
				b.WriteByte(t[j])
				continue
			}
			if j+1 == len(t) || (t[j+1] != '0' && t[j+1] != '1') {
				return nil, fmt.Errorf("pointer %q: \"~\" must be followed by 0 or 1", p)
			}
			b.WriteByte("~/"[t[j+1]-'0'])
			j++
		}
		tokens[i] = b.String()
	}
	return tokens, nil
}

// whole returns the expression when the template is exactly one expression.
func (t strTemplate) whole() *expr {
	if len(t.parts) == 1 {
		return t.parts[0].ex
	}
	return nil
}

// static reports whether the template has no expression.
func (t strTemplate) static() bool {
	for _, p := range t.parts {
		if p.ex != nil {
			return false
		}
	}
	return true
}

// render resolves the template with string-template logic; escape, when
// non-nil, is applied to each substituted value.
func (t strTemplate) render(c *renderCtx, escape func(string) string) string {
	if len(t.parts) == 1 && t.parts[0].ex == nil {
		return t.parts[0].lit
	}
	var b strings.Builder
	for _, p := range t.parts {
		if p.ex == nil {
			b.WriteString(p.lit)
			continue
		}
		s, _ := c.text(p.ex)
		if escape != nil {
			s = escape(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// renderCtx resolves expressions for one event.
type renderCtx struct {
	ev       *Event
	user     []byte // the User link, or nil
	userRead bool
}

// value returns the raw JSON value an expression's pointer refers to.
func (c *renderCtx) value(e *expr) ([]byte, bool) {
	switch e.root {
	case rootPayload:
		return lookup(c.ev.Payload, e.tokens)
	case rootTopic:
		if len(e.tokens) > 0 {
			return nil, false
		}
		return appendString(nil, c.ev.Topic), true
	default:
		if !c.userRead {
			c.user, c.userRead = userLink(c.ev.Payload), true
		}
		if c.user == nil {
			return nil, false
		}
		return lookup(c.user, e.tokens)
	}
}

// text returns the string form of an expression (helpers applied); false
// when the pointer refers to nothing.
func (c *renderCtx) text(e *expr) (string, bool) {
	raw, ok := c.value(e)
	if !ok {
		return "", false
	}
	if e.helper == "stringify" {
		return string(compact(raw)), true
	}
	return applyHelper(e.helper, e.n, textOf(raw)), true
}

// appendWhole appends the JSON value of a whole-value expression: the
// referenced value with its JSON type, a helper's result as a string, null
// when the pointer refers to nothing.
func (c *renderCtx) appendWhole(b []byte, e *expr) []byte {
	if e.helper != "" {
		s, ok := c.text(e)
		if !ok {
			return append(b, "null"...)
		}
		return appendString(b, s)
	}
	raw, ok := c.value(e)
	if !ok {
		return append(b, "null"...)
	}
	return append(b, compact(raw)...)
}

// userLink builds the User link of the acting user from the payload's
// sys.updatedBy, sys.publishedBy or sys.deletedBy (the first present).
func userLink(payload []byte) []byte {
	sys, _ := field(payload, "sys")
	for _, k := range [...]string{"updatedBy", "publishedBy", "deletedBy"} {
		if id, ok := stringAt(sys, k, "sys", "id"); ok {
			return appendLink(nil, "User", id)
		}
	}
	return nil
}
