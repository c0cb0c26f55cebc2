package sandbox

import (
	"encoding/json"
	"testing"
)

func TestApplyPatch(t *testing.T) {
	const fields = `{"title":{"en-US":"T"},"list":{"en-US":[1,2,3]},"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890}}`
	const metadata = `{"tags":[],"concepts":[]}`
	tests := []struct {
		name         string
		patch        string
		wantFields   string
		wantMetadata string
		wantErr      bool
	}{
		{name: "empty", patch: `[]`, wantFields: fields},
		{name: "replace", patch: `[{"op":"replace","path":"/fields/title/en-US","value":"New"}]`,
			wantFields: `{"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890},"list":{"en-US":[1,2,3]},"title":{"en-US":"New"}}`},
		{name: "add a field", patch: `[{"op":"add","path":"/fields/body","value":{"en-US":"B"}}]`,
			wantFields: `{"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890},"body":{"en-US":"B"},"list":{"en-US":[1,2,3]},"title":{"en-US":"T"}}`},
		{name: "add null", patch: `[{"op":"add","path":"/fields/title/de-DE","value":null}]`,
			wantFields: `{"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890},"list":{"en-US":[1,2,3]},"title":{"de-DE":null,"en-US":"T"}}`},
		{name: "insert into an array", patch: `[{"op":"add","path":"/fields/list/en-US/1","value":9}]`,
			wantFields: `{"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890},"list":{"en-US":[1,9,2,3]},"title":{"en-US":"T"}}`},
		{name: "append to an array", patch: `[{"op":"add","path":"/fields/list/en-US/-","value":4},{"op":"add","path":"/fields/list/en-US/4","value":5}]`,
			wantFields: `{"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890},"list":{"en-US":[1,2,3,4,5]},"title":{"en-US":"T"}}`},
		{name: "remove from an array", patch: `[{"op":"remove","path":"/fields/list/en-US/0"}]`,
			wantFields: `{"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890},"list":{"en-US":[2,3]},"title":{"en-US":"T"}}`},
		{name: "replace in an array", patch: `[{"op":"replace","path":"/fields/list/en-US/2","value":"x"}]`,
			wantFields: `{"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890},"list":{"en-US":[1,2,"x"]},"title":{"en-US":"T"}}`},
		{name: "escaped token", patch: `[{"op":"remove","path":"/fields/a~1b"},{"op":"remove","path":"/fields/list"},{"op":"remove","path":"/fields/big"}]`,
			wantFields: `{"title":{"en-US":"T"}}`},
		{name: "replace all fields", patch: `[{"op":"replace","path":"/fields","value":{}}]`, wantFields: `{}`},
		{name: "tag", patch: `[{"op":"add","path":"/metadata/tags/-","value":{"sys":{"type":"Link","linkType":"Tag","id":"n"}}}]`,
			wantFields: fields, wantMetadata: `{"tags":[{"sys":{"id":"n","linkType":"Tag","type":"Link"}}],"concepts":[]}`},
		{name: "ops apply in order", patch: `[{"op":"add","path":"/fields/x","value":{"en-US":1}},{"op":"replace","path":"/fields/x/en-US","value":2}]`,
			wantFields: `{"a/b":{"en-US":"slash"},"big":{"en-US":12345678901234567890},"list":{"en-US":[1,2,3]},"title":{"en-US":"T"},"x":{"en-US":2}}`},
		{name: "replace a missing member", patch: `[{"op":"replace","path":"/fields/nope","value":1}]`, wantErr: true},
		{name: "remove a missing member", patch: `[{"op":"remove","path":"/fields/nope"}]`, wantErr: true},
		{name: "add below a missing member", patch: `[{"op":"add","path":"/fields/nope/en-US","value":1}]`, wantErr: true},
		{name: "add below a string", patch: `[{"op":"add","path":"/fields/title/en-US/x","value":1}]`, wantErr: true},
		{name: "index out of range", patch: `[{"op":"replace","path":"/fields/list/en-US/3","value":1}]`, wantErr: true},
		{name: "insert past the end", patch: `[{"op":"add","path":"/fields/list/en-US/4","value":1}]`, wantErr: true},
		{name: "leading zero index", patch: `[{"op":"remove","path":"/fields/list/en-US/01"}]`, wantErr: true},
		{name: "signed index", patch: `[{"op":"remove","path":"/fields/list/en-US/+1"}]`, wantErr: true},
		{name: "negative index", patch: `[{"op":"remove","path":"/fields/list/en-US/-1"}]`, wantErr: true},
		{name: "empty index", patch: `[{"op":"remove","path":"/fields/list/en-US/"}]`, wantErr: true},
		{name: "add without a value", patch: `[{"op":"add","path":"/fields/x"}]`, wantErr: true},
		{name: "unsupported op", patch: `[{"op":"move","from":"/fields/title","path":"/fields/x"}]`, wantErr: true},
		{name: "sys", patch: `[{"op":"replace","path":"/sys/version","value":9}]`, wantErr: true},
		{name: "root", patch: `[{"op":"replace","path":"","value":{}}]`, wantErr: true},
		{name: "not a pointer", patch: `[{"op":"replace","path":"fields/title","value":{}}]`, wantErr: true},
		{name: "remove fields", patch: `[{"op":"remove","path":"/fields"}]`, wantErr: true},
		{name: "fields become an array", patch: `[{"op":"replace","path":"/fields","value":[]}]`, wantErr: true},
		{name: "tags become an object", patch: `[{"op":"replace","path":"/metadata/tags","value":{}}]`, wantErr: true},
		{name: "not an array", patch: `{"op":"add"}`, wantErr: true},
		{name: "a later op fails", patch: `[{"op":"add","path":"/fields/x","value":1},{"op":"remove","path":"/fields/nope"}]`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotFields, gotMetadata, err := applyPatch(json.RawMessage(fields), json.RawMessage(metadata), []byte(tt.patch))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("patch accepted, giving %s", gotFields)
				}
				if err.status != 400 && err.status != 422 {
					t.Fatalf("status %d, want 400 or 422", err.status)
				}
				return
			}
			if err != nil {
				t.Fatalf("patch refused: %s", err.message)
			}
			if !jsonEqual(t, gotFields, tt.wantFields) {
				t.Errorf("fields = %s, want %s", gotFields, tt.wantFields)
			}
			wantMetadata := tt.wantMetadata
			if wantMetadata == "" {
				wantMetadata = metadata
			}
			if !jsonEqual(t, gotMetadata, wantMetadata) {
				t.Errorf("metadata = %s, want %s", gotMetadata, wantMetadata)
			}
		})
	}
}

// jsonEqual compares two JSON texts by value, keeping numbers exact.
func jsonEqual(t *testing.T, a []byte, b string) bool {
	t.Helper()
	var va, vb any
	if err := decodeJSON(a, &va); err != nil {
		t.Fatalf("not JSON: %s", a)
	}
	if err := decodeJSON([]byte(b), &vb); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
	ea, _ := json.Marshal(va)
	eb, _ := json.Marshal(vb)
	return string(ea) == string(eb)
}
