package events

import (
	"regexp"
	"strings"
)

// Markdown syntax removed by stripMarkdown.
var (
	mdFence      = regexp.MustCompile("^\\s*(```|~~~)")
	mdRule       = regexp.MustCompile(`^\s*([-*_]\s*){3,}$`)
	mdSetext     = regexp.MustCompile(`^\s*(=+|-+)\s*$`)
	mdRefDef     = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*\S`)
	mdHeading    = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*?)(\s+#+)?\s*$`)
	mdQuote      = regexp.MustCompile(`^\s{0,3}(>\s?)+`)
	mdList       = regexp.MustCompile(`^(\s*)([-*+]|\d+[.)])\s+`)
	mdImage      = regexp.MustCompile(`!\[([^\]]*)\]\([^)]*\)`)
	mdLink       = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	mdRefLink    = regexp.MustCompile(`\[([^\]]*)\]\[[^\]]*\]`)
	mdCode       = regexp.MustCompile("`+([^`]*)`+")
	mdStrong     = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
	mdEmphasis   = regexp.MustCompile(`\*([^*\s][^*]*)\*|(^|[^\w])_([^_\s][^_]*)_`)
	mdStrike     = regexp.MustCompile(`~~([^~]+)~~`)
	mdHTML       = regexp.MustCompile(`<[^>\n]+>`)
	mdAutolink   = regexp.MustCompile(`<(https?://[^>\s]+)>`)
	mdHardBreak  = regexp.MustCompile(`( {2,}|\\)$`)
	mdBlankLines = regexp.MustCompile(`\n{3,}`)
)

// stripMarkdown removes Markdown syntax and keeps the text: headings,
// block quotes, list markers, emphasis, strike-through, inline code and
// fences lose their markers; links and images become their text; horizontal
// rules, setext underlines, reference definitions and HTML tags disappear.
func stripMarkdown(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := lines[:0]
	inFence := false
	for _, l := range lines {
		if mdFence.MatchString(l) {
			inFence = !inFence
			continue
		}
		if inFence {
			out = append(out, l)
			continue
		}
		if mdRule.MatchString(l) || mdSetext.MatchString(l) || mdRefDef.MatchString(l) {
			continue
		}
		l = mdHeading.ReplaceAllString(l, "$1")
		l = mdQuote.ReplaceAllString(l, "")
		l = mdList.ReplaceAllString(l, "$1")
		l = mdHardBreak.ReplaceAllString(l, "")
		out = append(out, stripInline(l))
	}
	return strings.TrimSpace(mdBlankLines.ReplaceAllString(strings.Join(out, "\n"), "\n\n"))
}

// stripInline removes inline Markdown from one line.
func stripInline(l string) string {
	l = mdImage.ReplaceAllString(l, "$1")
	l = mdLink.ReplaceAllString(l, "$1")
	l = mdRefLink.ReplaceAllString(l, "$1")
	l = mdAutolink.ReplaceAllString(l, "$1")
	l = mdCode.ReplaceAllString(l, "$1")
	l = mdHTML.ReplaceAllString(l, "")
	l = mdStrong.ReplaceAllString(l, "$1$2")
	l = mdEmphasis.ReplaceAllString(l, "$1$2$3")
	return mdStrike.ReplaceAllString(l, "$1")
}
