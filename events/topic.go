package events

import (
	"fmt"
	"strings"
)

// topicPattern is a definition topic "Type.action"; "*" matches any type or
// any action.
type topicPattern struct {
	typ, action string
}

// parseTopic validates a definition topic such as "Entry.publish", "*.*",
// "Entry.*" or "*.publish".
func parseTopic(s string) (topicPattern, error) {
	typ, action, ok := strings.Cut(s, ".")
	if !ok || !topicPart(typ) || !topicPart(action) {
		hint := ""
		if strings.Count(s, ".") == 2 {
			hint = " (leave out the ContentManagement. or SpaceManagement. prefix)"
		}
		return topicPattern{}, fmt.Errorf("topic %q: want Type.action, each part a name or *, e.g. Entry.publish, Asset.*, *.*%s", s, hint)
	}
	return topicPattern{typ, action}, nil
}

// topicPart reports whether s is "*" or a name ([A-Za-z][A-Za-z0-9_-]*;
// "-" for the collection names of custom profiles).
func topicPart(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '_' || c == '-')) {
			return false
		}
	}
	return true
}

// match reports whether the event topic's type and action fit the pattern.
func (p topicPattern) match(typ, action string) bool {
	return (p.typ == "*" || p.typ == typ) && (p.action == "*" || p.action == action)
}
