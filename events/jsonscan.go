package events

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The functions in this file read raw JSON without decoding it: they find
// members, elements and JSON-pointer targets by scanning the bytes. They are
// meant for documents already known to be valid JSON (an event payload, a
// validated upstream answer). On damaged input they never panic: they report
// "not found", or a value found before the damage.

// skipWS returns the index of the first byte at or after i that is not JSON
// whitespace.
func skipWS(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i]
// (which must be '"'), or -1 when it is not closed.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

// valueEnd returns the index just past the JSON value starting at b[i], or -1.
func valueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				k := stringEnd(b, j)
				if k < 0 {
					return -1
				}
				j = k - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	case ',', ':', '}', ']':
		return -1
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ':', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// eachMember calls fn with the raw key (between the quotes, still escaped)
// and raw value of every member of the object obj, in order, until fn
// returns false. It reports false when obj is not a well-formed object.
func eachMember(obj []byte, fn func(key, val []byte) bool) bool {
	return eachMemberAt(obj, func(key []byte, start, end int) bool {
		return fn(key, obj[start:end])
	})
}

// eachMemberAt is eachMember reporting where each value is: obj[start:end].
func eachMemberAt(obj []byte, fn func(key []byte, start, end int) bool) bool {
	i := skipWS(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return false
	}
	i = skipWS(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return true
	}
	for i < len(obj) {
		if obj[i] != '"' {
			return false
		}
		ke := stringEnd(obj, i)
		if ke < 0 {
			return false
		}
		key := obj[i+1 : ke-1]
		i = skipWS(obj, ke)
		if i >= len(obj) || obj[i] != ':' {
			return false
		}
		i = skipWS(obj, i+1)
		ve := valueEnd(obj, i)
		if ve < 0 {
			return false
		}
		if !fn(key, i, ve) {
			return true
		}
		i = skipWS(obj, ve)
		if i >= len(obj) {
			return false
		}
		switch obj[i] {
		case ',':
			i = skipWS(obj, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
	return false
}

// field returns the raw value of the member key of the object obj.
func field(obj []byte, key string) ([]byte, bool) {
	start, end, ok := memberSpan(obj, key)
	if !ok {
		return nil, false
	}
	return obj[start:end], true
}

// memberSpan returns where the raw value of the member key of the object
// obj is: obj[start:end]. The first of duplicate members counts.
func memberSpan(obj []byte, key string) (start, end int, ok bool) {
	eachMemberAt(obj, func(k []byte, s, e int) bool {
		if keyIs(k, key) {
			start, end, ok = s, e, true
			return false
		}
		return true
	})
	return start, end, ok
}

// keyIs reports whether the raw (escaped) key k spells key.
func keyIs(k []byte, key string) bool {
	if bytes.IndexByte(k, '\\') < 0 {
		return string(k) == key
	}
	var s string
	if json.Unmarshal(append(append([]byte{'"'}, k...), '"'), &s) != nil {
		return false
	}
	return s == key
}

// element returns the raw value at index idx of the array arr.
func element(arr []byte, idx int) ([]byte, bool) {
	i := skipWS(arr, 0)
	if i >= len(arr) || arr[i] != '[' {
		return nil, false
	}
	i = skipWS(arr, i+1)
	if i < len(arr) && arr[i] == ']' {
		return nil, false
	}
	for n := 0; i < len(arr); n++ {
		ve := valueEnd(arr, i)
		if ve < 0 {
			return nil, false
		}
		if n == idx {
			return arr[i:ve], true
		}
		i = skipWS(arr, ve)
		if i >= len(arr) || arr[i] != ',' {
			return nil, false
		}
		i = skipWS(arr, i+1)
	}
	return nil, false
}

// lookup follows the reference tokens of a JSON pointer from doc.
func lookup(doc []byte, tokens []string) ([]byte, bool) {
	cur := doc
	for _, tok := range tokens {
		i := skipWS(cur, 0)
		if i >= len(cur) {
			return nil, false
		}
		var ok bool
		switch cur[i] {
		case '{':
			cur, ok = field(cur, tok)
		case '[':
			n, err := strconv.Atoi(tok)
			if err != nil || n < 0 || (len(tok) > 1 && tok[0] == '0') {
				return nil, false
			}
			cur, ok = element(cur, n)
		}
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// stringBytes returns the content of the raw JSON string s, unescaped.
// It reports false when s is not a string.
func stringBytes(s []byte) ([]byte, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return nil, false
	}
	inner := s[1 : len(s)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner, true
	}
	var v string
	if json.Unmarshal(s, &v) != nil {
		return nil, false
	}
	return []byte(v), true
}

// stringAt returns the string at the member path keys of obj ("" and false
// when absent or not a string).
func stringAt(obj []byte, keys ...string) (string, bool) {
	raw, ok := lookup(obj, keys)
	if !ok {
		return "", false
	}
	b, ok := stringBytes(raw)
	return string(b), ok
}

// str returns the raw JSON string raw unescaped, or "" when raw is not a string.
func str(raw []byte) string {
	b, _ := stringBytes(raw)
	return string(b)
}

// linkID returns sys.id of the raw link object raw.
func linkID(raw []byte) string {
	id, _ := stringAt(raw, "sys", "id")
	return id
}

// intOf returns the integer literal raw.
func intOf(raw []byte) (int, bool) {
	n, err := strconv.Atoi(string(raw))
	return n, err == nil
}

// textOf is the string form of a raw JSON value used by string templates:
// strings unescaped, null as "", anything else as its compact JSON text.
func textOf(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	if s, ok := stringBytes(raw); ok {
		return string(s)
	}
	if string(raw) == "null" {
		return ""
	}
	return string(compact(raw))
}

// compact returns raw without insignificant whitespace (raw itself when it
// is not valid JSON).
func compact(raw []byte) []byte {
	if !bytes.ContainsAny(raw, " \t\r\n") {
		return raw
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return raw
	}
	return buf.Bytes()
}

// compactValid returns raw without insignificant whitespace, like compact
// but in one plain pass; raw must be valid JSON (raw itself when it has no
// whitespace).
func compactValid(raw []byte) []byte {
	if !bytes.ContainsAny(raw, " \t\r\n") {
		return raw
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; c {
		case ' ', '\t', '\r', '\n':
		case '"':
			end := stringEnd(raw, i)
			if end < 0 {
				return append(out, raw[i:]...)
			}
			out = append(out, raw[i:end]...)
			i = end - 1
		default:
			out = append(out, c)
		}
	}
	return out
}

// isObject reports whether the valid JSON document b is an object.
func isObject(b []byte) bool {
	i := skipWS(b, 0)
	return i < len(b) && b[i] == '{'
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+size]...)
			}
			i += size - 1
		}
	}
	return append(dst, '"')
}
