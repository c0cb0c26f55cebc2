package events

import (
	"maps"
	"strings"
	"testing"
)

func TestParseAliasCollection(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string]string // nil: an error naming wantErr
		err  string
	}{
		{
			name: "Contentful answer",
			body: `{"sys":{"type":"Array"},"total":2,"skip":0,"limit":100,"items":[
				{"sys":{"type":"EnvironmentAlias","id":"master","version":3,"space":{"sys":{"type":"Link","linkType":"Space","id":"sp1"}}},
				 "environment":{"sys":{"type":"Link","linkType":"Environment","id":"env-1"}}},
				{"environment":{"sys":{"id":"staging-2","type":"Link","linkType":"Environment"}},"sys":{"id":"staging","type":"EnvironmentAlias"}}]}`,
			want: map[string]string{"master": "env-1", "staging": "staging-2"},
		},
		{name: "no aliases", body: `{"sys":{"type":"Array"},"total":0,"items":[]}`, want: map[string]string{}},
		{name: "items missing", body: `{"sys":{"type":"Array"}}`, want: map[string]string{}},
		{name: "not JSON", body: `<html>502</html>`, err: "cannot be read"},
		{name: "empty", body: ``, err: "cannot be read"},
		{name: "an array", body: `[]`, err: "cannot be read"},
		{name: "an error answer", body: `{"sys":{"type":"Error","id":"NotFound"}}`, err: `sys.type "Error"`},
		{name: "no sys", body: `{"items":[]}`, err: `sys.type ""`},
		{name: "items not an array", body: `{"sys":{"type":"Array"},"items":{}}`, err: "cannot be read"},
		{name: "item without target", body: `{"sys":{"type":"Array"},"items":[{"sys":{"id":"master"}}]}`, err: "item 0"},
		{name: "item without id", body: `{"sys":{"type":"Array"},"items":[{"sys":{"id":"a"},"environment":{"sys":{"id":"e"}}},{"environment":{"sys":{"id":"e"}}}]}`, err: "item 1"},
		{name: "invalid target id", body: `{"sys":{"type":"Array"},"items":[{"sys":{"id":"master"},"environment":{"sys":{"id":"../x"}}}]}`, err: "item 0"},
		{name: "id not a string", body: `{"sys":{"type":"Array"},"items":[{"sys":{"id":7},"environment":{"sys":{"id":"e"}}}]}`, err: "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAliasCollection([]byte(tt.body))
			if tt.want == nil {
				if err == nil {
					t.Fatalf("ParseAliasCollection = %v; want an error", got)
				}
				if !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "environment_aliases") {
					t.Fatalf("error %q; want one mentioning %q and the route to check", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Fatalf("ParseAliasCollection = %v; want %v", got, tt.want)
			}
		})
	}
}
