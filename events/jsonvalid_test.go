package events

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestValidJSON(t *testing.T) {
	for _, s := range []string{
		`{}`, ` {"a": [1, -2.5e+3, 0, true, false, null, "x\u00e9\n\"", {}]} `, `[]`, `"s"`, `0`, `-0.0E-1`, `null`,
		`{"a":1,}`, `{"a" 1}`, `[1,]`, `01`, `1.`, `.5`, `-`, `1e`, `"\x"`, "\"\x01\"", `"\u12G4"`, `tru`, `nul`,
		`{} {}`, `{"a":}`, `[`, `{`, `"`, ``, ` `, `{"a":"b"`, "\"\xff\"",
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	} {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid says %v", s, got, want)
		}
	}
}

// FuzzValidJSON checks validJSON against json.Valid on any input.
func FuzzValidJSON(f *testing.F) {
	for _, s := range []string{`{"sys":{"id":"x","version":1},"fields":{"t":{"en-US":"a\u0041"}}}`, `[1,2.5e-3,"x",null]`, `{"a":{"b":[true,false]}}`, `-0`, `"\\"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}

// FuzzCompactValid checks compactValid against json.Compact on valid JSON.
func FuzzCompactValid(f *testing.F) {
	for _, s := range []string{"{ \"a\" : [ 1 , \"x y\\\" z\" ] }", "[\n\t\"\\\\\" ]", `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		var want bytes.Buffer
		if err := json.Compact(&want, b); err != nil {
			t.Fatal(err)
		}
		if got := compactValid(b); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compactValid(%q) = %q, json.Compact gives %q", b, got, want.Bytes())
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	body := fixture(b, "entry.json")
	b.Run("validJSON", func(b *testing.B) {
		for range b.N {
			validJSON(body)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		for range b.N {
			json.Valid(body)
		}
	})
}
