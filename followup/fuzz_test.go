package followup

import (
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// FuzzFromWrite feeds arbitrary answers to the action routes: FromWrite
// must never panic, and an action it returns must name a valid id and an
// operation it knows.
func FuzzFromWrite(f *testing.F) {
	f.Add("POST", "/spaces/sp1/environments/master/bulk_actions/publish",
		`{"sys":{"id":"ba1"},"action":"publish","payload":{"entities":{"items":[{"sys":{"linkType":"Entry","id":"e1"}}]}}}`)
	f.Add("PUT", "/spaces/sp1/releases/r1/published", `{"sys":{"id":"ra1"}}`)
	f.Add("POST", "/spaces/sp1/scheduled_actions",
		`{"sys":{"id":"sa1","status":"scheduled"},"action":"publish","environment":{"sys":{"id":"master"}},"scheduledFor":{"datetime":"2026-01-01T00:00:00Z"}}`)
	f.Add("POST", "/spaces/sp1/bulk_actions", `{"sys":{"id":1},"payload":{"entities":[]}}`)
	profile, _ := events.LookupProfile("contentful")
	f.Fuzz(func(t *testing.T, method, path, body string) {
		route, ok := profile.MatchRequest(method, path, nil)
		if !ok {
			return
		}
		a := FromWrite(route, path, []byte(body), time.Now())
		if a == nil {
			return
		}
		if !events.ValidID(a.ID) || (a.Op != OpPublish && a.Op != OpUnpublish && a.Op != OpValidate) {
			t.Fatalf("FromWrite returned %+v", a)
		}
		for _, l := range a.Entities {
			if !events.ValidID(l.ID) {
				t.Fatalf("entity link with an invalid id: %+v", l)
			}
		}
	})
}
