package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Kinds of body template nodes.
const (
	nodeLiteral  = iota // fixed JSON text
	nodeWhole           // a string that is exactly one expression: the referenced value
	nodeTemplate        // a string with expressions among text: a string
	nodeObject          // an object with at least one templated member
	nodeArray           // an array with at least one templated element
)

// node is a parsed transformation body. Subtrees without expressions are
// folded into literals.
type node struct {
	kind int
	raw  []byte      // nodeLiteral: compact JSON
	ex   *expr       // nodeWhole
	tmpl strTemplate // nodeTemplate
	keys [][]byte    // nodeObject: each key encoded as a JSON string plus ':'
	kids []*node     // nodeObject, nodeArray
}

// parseBody parses a transformation body template (valid JSON).
func parseBody(raw []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return parseNode(dec)
}

// parseNode parses the next JSON value of dec.
func parseNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		n := &node{kind: nodeArray}
		if v == '{' {
			n.kind = nodeObject
		}
		for dec.More() {
			if n.kind == nodeObject {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				n.keys = append(n.keys, append(appendString(nil, key), ':'))
			}
			kid, err := parseNode(dec)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return n.fold(), nil
	case string:
		t, err := parseTemplate(v)
		switch {
		case err != nil:
			return nil, err
		case t.whole() != nil:
			return &node{kind: nodeWhole, ex: t.whole()}, nil
		case t.static():
			return &node{kind: nodeLiteral, raw: appendString(nil, v)}, nil
		}
		return &node{kind: nodeTemplate, tmpl: t}, nil
	case json.Number:
		return &node{kind: nodeLiteral, raw: []byte(v)}, nil
	case bool:
		return &node{kind: nodeLiteral, raw: []byte(fmt.Sprint(v))}, nil
	case nil:
		return &node{kind: nodeLiteral, raw: []byte("null")}, nil
	}
	return nil, errors.New("unexpected JSON token")
}

// fold turns an object or array without expressions into a literal.
func (n *node) fold() *node {
	for _, k := range n.kids {
		if k.kind != nodeLiteral {
			return n
		}
	}
	return &node{kind: nodeLiteral, raw: n.appendTo(nil, nil)}
}

// appendTo appends the rendered JSON of n.
func (n *node) appendTo(b []byte, c *renderCtx) []byte {
	switch n.kind {
	case nodeLiteral:
		return append(b, n.raw...)
	case nodeWhole:
		return c.appendWhole(b, n.ex)
	case nodeTemplate:
		return appendString(b, n.tmpl.render(c, nil))
	}
	open, closing := byte('['), byte(']')
	if n.kind == nodeObject {
		open, closing = '{', '}'
	}
	b = append(b, open)
	for i, kid := range n.kids {
		if i > 0 {
			b = append(b, ',')
		}
		if n.kind == nodeObject {
			b = append(b, n.keys[i]...)
		}
		b = kid.appendTo(b, c)
	}
	return append(b, closing)
}
