package events

import (
	"reflect"
	"testing"
)

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		in    string
		parts []part
		ok    bool
	}{
		{"plain", []part{{lit: "plain"}}, true},
		{"", nil, true},
		{"{ /payload/sys/id }", []part{{ex: &expr{root: "payload", tokens: []string{"sys", "id"}}}}, true},
		{"{/topic}", []part{{ex: &expr{root: "topic", tokens: []string{}}}}, true},
		{"a{ /user/sys/id }b", []part{{lit: "a"}, {ex: &expr{root: "user", tokens: []string{"sys", "id"}}}, {lit: "b"}}, true},
		{"{ first-chars 10 /payload/x }", []part{{ex: &expr{helper: "first-chars", n: 10, root: "payload", tokens: []string{"x"}}}}, true},
		{"{ strip-markdown   /payload/a~1b~0 }", []part{{ex: &expr{helper: "strip-markdown", root: "payload", tokens: []string{"a/b~"}}}}, true},
		{"{ /payload/ }", []part{{ex: &expr{root: "payload", tokens: []string{""}}}}, true},
		{"{x} {} { } {{", []part{{lit: "{x} {} { } {{"}}, true},
		{"{ /payload", nil, false},
		{"x { first-words 3 /payload", nil, false},
		{"{ /other }", nil, false},
		{"{ / }", nil, false},
		{"{ first-words x /payload }", nil, false},
		{"{ first-words -1 /payload }", nil, false},
		{"{ stringify /payload /topic }", nil, false},
		{"{ first-chars 1 }", nil, false},
		{"{ /payload/~ }", nil, false},
		{"{ /payload /topic }", nil, false},
	}
	for _, tt := range tests {
		got, err := parseTemplate(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseTemplate(%q) error = %v; want ok %v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && !reflect.DeepEqual(got.parts, tt.parts) {
			t.Errorf("parseTemplate(%q) = %+v; want %+v", tt.in, got.parts, tt.parts)
		}
	}
}

func TestHelpers(t *testing.T) {
	tests := []struct {
		helper string
		n      int
		in     string
		want   string
	}{
		{"first-chars", 3, "abcdef", "abc"},
		{"first-chars", 10, "abc", "abc"},
		{"first-chars", 2, "ĉĝĥ", "ĉĝ"},
		{"first-words", 2, "  one two\tthree\nfour", "one two"},
		{"first-words", 5, "one two", "one two"},
		{"first-words", 1, "", ""},
		{"first-paragraphs", 2, "one\nstill one\n\ntwo\r\n\r\nthree\n \nfour", "one\nstill one\n\ntwo"},
		{"first-paragraphs", 3, "\n\none\n\n\n\ntwo\n", "one\n\ntwo"},
		{"strip-stop-words", 0, "The quick brown fox is on the table, isn't it?", "quick brown fox table,"},
		{"strip-stop-words", 0, "THE END", "END"},
		{"strip-markdown", 0, "## Title ##\n\nSome *emphasis*, _more_, __strong__ and ~~gone~~.", "Title\n\nSome emphasis, more, strong and gone."},
		{"strip-markdown", 0, "1. first\n2) second\n   * nested [link][ref]\n\n[ref]: https://x.example", "first\nsecond\n   nested link"},
		{"strip-markdown", 0, "```go\nx := `a`\n```\n\n---\nSetext\n======\n![alt text](img.png) <b>bold</b> <https://a.example>", "x := `a`\n\nSetext\nalt text bold https://a.example"},
		{"strip-markdown", 0, "snake_case_name stays", "snake_case_name stays"},
		{"unknown", 0, "as is", "as is"},
	}
	for _, tt := range tests {
		if got := applyHelper(tt.helper, tt.n, tt.in); got != tt.want {
			t.Errorf("%s %d %q = %q; want %q", tt.helper, tt.n, tt.in, got, tt.want)
		}
	}
}

func TestLookup(t *testing.T) {
	doc := []byte(` { "a" : { "b\"c" : [ 1 , {"d": null}, "x\\"], "e": {} }, "a\u0062": 2 , "f": [] } `)
	tests := []struct {
		tokens []string
		want   string
		ok     bool
	}{
		{nil, string(doc), true},
		{[]string{"a", `b"c`, "0"}, "1", true},
		{[]string{"a", `b"c`, "1", "d"}, "null", true},
		{[]string{"a", `b"c`, "2"}, `"x\\"`, true},
		{[]string{"a", "e"}, "{}", true},
		{[]string{"ab"}, "2", true},
		{[]string{"a", `b"c`, "3"}, "", false},
		{[]string{"a", `b"c`, "-1"}, "", false},
		{[]string{"a", `b"c`, "x"}, "", false},
		{[]string{"f", "0"}, "", false},
		{[]string{"z"}, "", false},
		{[]string{"a", `b"c`, "0", "x"}, "", false},
	}
	for _, tt := range tests {
		got, ok := lookup(doc, tt.tokens)
		if ok != tt.ok || (ok && string(got) != tt.want) {
			t.Errorf("lookup(%q) = %q, %v; want %q, %v", tt.tokens, got, ok, tt.want, tt.ok)
		}
	}
	// Damage before the member hides it (damage after it may not).
	for _, bad := range []string{``, `{`, `{"a"`, `{"a":`, `{"a" 1}`, `[1,`, `{"a":"x`, `{a:1}`, `{"b":}"a":1}`, `{"b":1 "a":1}`} {
		if v, ok := lookup([]byte(bad), []string{"a"}); ok {
			t.Errorf("lookup(%s, a) = %q; want not found", bad, v)
		}
	}
}

func TestAppendString(t *testing.T) {
	tests := map[string]string{
		"plain":      `"plain"`,
		"q\"b\\":     `"q\"b\\"`,
		"\n\r\t\x01": `"\n\r\t\u0001"`,
		"ü€":         `"ü€"`,
		"bad\xffutf": `"bad\ufffdutf"`,
	}
	for in, want := range tests {
		if got := string(appendString(nil, in)); got != want {
			t.Errorf("appendString(%q) = %s; want %s", in, got, want)
		}
	}
}
