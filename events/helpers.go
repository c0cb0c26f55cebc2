package events

import (
	"regexp"
	"strings"
	"unicode"
)

// applyHelper applies a transformation helper to the string form of a value.
// Semantics (Contentful leaves them open):
//   - first-chars N: the first N characters (Unicode code points), no ellipsis;
//   - first-words N: the first N whitespace-separated words, joined by one space;
//   - first-paragraphs N: the first N paragraphs (separated by blank lines),
//     joined by one blank line;
//   - strip-stop-words: the words that are not English stop words, joined by one space;
//   - strip-markdown: the text without Markdown syntax (see stripMarkdown).
//
// stringify is handled by the caller (it needs the raw JSON).
func applyHelper(name string, n int, s string) string {
	switch name {
	case "first-chars":
		return firstChars(s, n)
	case "first-words":
		w := strings.Fields(s)
		return strings.Join(w[:min(n, len(w))], " ")
	case "first-paragraphs":
		p := paragraphs(s)
		return strings.Join(p[:min(n, len(p))], "\n\n")
	case "strip-stop-words":
		return stripStopWords(s)
	case "strip-markdown":
		return stripMarkdown(s)
	}
	return s
}

// firstChars returns the first n code points of s.
func firstChars(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// blankLine separates paragraphs.
var blankLine = regexp.MustCompile(`\n[ \t]*\n`)

// paragraphs splits s on blank lines, dropping empty paragraphs.
func paragraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	for _, p := range blankLine.Split(s, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stripStopWords drops English stop words (compared case-insensitively,
// ignoring surrounding punctuation) and joins the remaining words with one space.
func stripStopWords(s string) string {
	words := strings.Fields(s)
	kept := words[:0]
	for _, w := range words {
		bare := strings.ToLower(strings.TrimFunc(w, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
		}))
		if !stopWords[bare] {
			kept = append(kept, w)
		}
	}
	return strings.Join(kept, " ")
}
