package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Names of the headers that carry a request signature.
const (
	HeaderSignature     = "X-Contentful-Signature"
	HeaderSignedHeaders = "X-Contentful-Signed-Headers"
	HeaderTimestamp     = "X-Contentful-Timestamp"
)

// SecretLength is the exact length of a signing secret.
const SecretLength = 64

// ValidSecret reports whether s can be used as a signing secret: exactly 64
// characters from 0-9 a-z A-Z + / = _ -, as Contentful requires.
func ValidSecret(s string) error {
	if len(s) != SecretLength {
		return fmt.Errorf("signing secret has %d characters, it must have exactly %d; generate one with `openssl rand -hex 32`", len(s), SecretLength)
	}
	for i := 0; i < len(s); i++ {
		if !secretChar(s[i]) {
			return fmt.Errorf("signing secret has a character outside 0-9 a-z A-Z + / = _ - at position %d; use only those", i+1)
		}
	}
	return nil
}

// secretChar reports whether c may appear in a signing secret.
func secretChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '=' || c == '_' || c == '-'
}

// Sign computes a request signature with Contentful's algorithm (the one
// @contentful/node-apps-toolkit's verifyRequest checks).
//
// requestTarget is the request-target written on the wire (URL.RequestURI():
// escaped path plus raw query). headers are the headers to sign; their names
// are lower-cased and trimmed and their values trimmed, and x-contentful-timestamp
// and x-contentful-signed-headers are added. Pass each header once: when two
// names differ only in case or surrounding space, the one sorting last wins.
// body is nil or empty for requests without a body.
//
// The results are the values of the X-Contentful-Signature,
// X-Contentful-Signed-Headers and X-Contentful-Timestamp headers; every
// header named in signedHeaders must be sent exactly once with the value signed.
func Sign(secret string, method, requestTarget string, headers map[string]string, body []byte, ts time.Time) (signature, signedHeaders, timestamp string) {
	pairs := make([]headerPair, 0, len(headers))
	for name, value := range headers {
		pairs = append(pairs, headerPair{name, value})
	}
	return signPairs(hmac.New(sha256.New, []byte(secret)), method, requestTarget, pairs, body, ts)
}

// headerPair is one header to sign.
type headerPair struct{ name, value string }

// Names of the headers the signature adds to the signed ones.
const (
	signedHeadersName = "x-contentful-signed-headers"
	timestampName     = "x-contentful-timestamp"
)

// signPairs is Sign with the headers as pairs (each name once) and mac, an
// HMAC-SHA256 keyed with the secret and not yet written to. It reorders and
// rewrites pairs.
func signPairs(mac hash.Hash, method, requestTarget string, pairs []headerPair, body []byte, ts time.Time) (signature, signedHeaders, timestamp string) {
	timestamp = strconv.FormatInt(ts.UnixMilli(), 10)

	// Of the names that normalise alike, the one sorting last wins.
	slices.SortFunc(pairs, func(a, b headerPair) int { return strings.Compare(a.name, b.name) })
	for i, p := range pairs {
		pairs[i] = headerPair{strings.ToLower(jsTrim(p.name)), jsTrim(p.value)}
	}
	slices.SortStableFunc(pairs, func(a, b headerPair) int { return strings.Compare(a.name, b.name) })
	kept := pairs[:0]
	for i, p := range pairs {
		if i+1 < len(pairs) && pairs[i+1].name == p.name || p.name == signedHeadersName || p.name == timestampName {
			continue
		}
		kept = append(kept, p)
	}
	kept = append(kept, headerPair{signedHeadersName, ""}, headerPair{timestampName, timestamp})
	slices.SortFunc(kept, func(a, b headerPair) int { return strings.Compare(a.name, b.name) })

	var names strings.Builder
	size := 0
	for _, p := range kept {
		size += len(p.name) + 1
	}
	names.Grow(size)
	for i, p := range kept {
		if i > 0 {
			names.WriteByte(',')
		}
		names.WriteString(p.name)
	}
	signedHeaders = names.String()

	path := normalizePath(requestTarget)
	size = len(method) + len(path) + 3 + len(signedHeaders)
	for _, p := range kept {
		size += len(p.name) + len(p.value) + 2
	}
	msg := make([]byte, 0, size)
	msg = append(msg, method...)
	msg = append(msg, '\n')
	msg = append(msg, path...)
	msg = append(msg, '\n')
	for i, p := range kept {
		if i > 0 {
			msg = append(msg, ';')
		}
		msg = append(msg, p.name...)
		msg = append(msg, ':')
		if p.name == signedHeadersName {
			msg = append(msg, signedHeaders...)
		} else {
			msg = append(msg, p.value...)
		}
	}
	msg = append(msg, '\n')
	mac.Write(msg)
	mac.Write(body)
	var sum [sha256.Size]byte
	return hex.EncodeToString(mac.Sum(sum[:0])), signedHeaders, timestamp
}

// normalizePath reproduces the toolkit's getNormalizedEncodedURI: the query
// (text between the first and second "?") is escaped with Node's
// querystring.escape, then the whole string with JavaScript's encodeURI.
func normalizePath(target string) string {
	parts := strings.SplitN(target, "?", 3)
	s := parts[0]
	if len(parts) > 1 && parts[1] != "" {
		s += "?" + percentEncode(parts[1], queryEscapeKeeps)
	}
	return percentEncode(s, encodeURIKeeps)
}

// queryEscapeKeeps lists the bytes Node's querystring.escape leaves as they are.
const queryEscapeKeeps = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"

// encodeURIKeeps lists the bytes JavaScript's encodeURI leaves as they are.
const encodeURIKeeps = queryEscapeKeeps + ";,/?:@&=+$#"

// percentEncode replaces every byte of s not in keep with %XX (uppercase hex).
func percentEncode(s, keep string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 && strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0x0f])
	}
	return b.String()
}

// jsTrim removes what JavaScript's String.prototype.trim removes: ASCII
// whitespace, line terminators, the Unicode space separators and U+FEFF.
func jsTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		switch r {
		case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
			return true
		}
		return 0x2000 <= r && r <= 0x200a
	})
}
