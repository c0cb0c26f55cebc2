package events

import (
	"encoding/json"
	"testing"
)

func TestEntityFromJSON(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *Entity
	}{
		{"entry", string(fixture(t, "entry.json")), &Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"}},
		{"draft asset", `{"sys":{"type":"Asset","id":"a1","version":1}}`, &Entity{Type: "Asset", ID: "a1", Version: 1}},
		{"escaped id", `{"sys":{"type":"Entry","id":"a\u002db"}}`, &Entity{Type: "Entry", ID: "a-b"}},
		{"odd member types are ignored", `{"sys":{"type":"Entry","id":"e","version":"7","contentType":"x","updatedBy":3}}`, &Entity{Type: "Entry", ID: "e"}},
		{"not JSON", `{"sys":`, nil},
		{"array", `[{"sys":{"type":"Entry","id":"e"}}]`, nil},
		{"no sys", `{"fields":{}}`, nil},
		{"sys not an object", `{"sys":"x"}`, nil},
		{"no id", `{"sys":{"type":"Entry"}}`, nil},
		{"no type", `{"sys":{"id":"e"}}`, nil},
		{"empty", ``, nil},
	}
	for _, tt := range tests {
		got, err := EntityFromJSON([]byte(tt.body))
		switch {
		case tt.want == nil && err == nil:
			t.Errorf("%s: EntityFromJSON = %+v; want an error", tt.name, *got)
		case tt.want != nil && err != nil:
			t.Errorf("%s: EntityFromJSON error %v", tt.name, err)
		case tt.want != nil && *got != *tt.want:
			t.Errorf("%s: EntityFromJSON = %+v; want %+v", tt.name, *got, *tt.want)
		}
	}
}

func TestEntityJSONRoundTrip(t *testing.T) {
	e := Entity{Type: "Entry", ID: "post-1", ContentType: "blogPost", Revision: 2, Version: 6, CreatedBy: "u1", UpdatedBy: "u2"}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"Entry","id":"post-1","contentType":"blogPost","revision":2,"version":6,"createdBy":"u1","updatedBy":"u2"}`
	if string(b) != want {
		t.Fatalf("Marshal = %s; want %s", b, want)
	}
	var back Entity
	if err := json.Unmarshal(b, &back); err != nil || back != e {
		t.Fatalf("round trip = %+v, %v; want %+v", back, err, e)
	}
}
