package followup

import (
	"reflect"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

func TestFromWrite(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	profile, _ := events.LookupProfile("contentful")
	entities := `"payload":{"entities":{"sys":{"type":"Array"},"items":[` +
		`{"sys":{"type":"Link","linkType":"Entry","id":"e1","version":3}},` +
		`{"sys":{"type":"Link","linkType":"Asset","id":"a1"}},` +
		`{"sys":{"type":"Link","linkType":"Entry","id":"e1"}},` +
		`{"sys":{"type":"Link","linkType":"ContentType","id":"ct"}},` +
		`{"sys":{"type":"Link","linkType":"Entry","id":"bad/id"}}]}}`
	two := []Link{{"Entry", "e1"}, {"Asset", "a1"}}
	tests := []struct {
		name, method, path, body string
		want                     *Action
	}{
		{
			name: "bulk publish v1", method: "POST", path: "/spaces/sp1/environments/staging/bulk_actions/publish",
			body: `{"sys":{"type":"BulkAction","id":"ba1","status":"created"},"action":"publish",` + entities + `}`,
			want: &Action{Kind: KindBulk, ID: "ba1", Space: "sp1", Environment: "staging", Op: "publish", Entities: two,
				StatusPath: "/spaces/sp1/environments/staging/bulk_actions/actions/ba1", Started: now},
		},
		{
			name: "bulk unpublish v2, legacy path", method: "POST", path: "/spaces/sp1/bulk_actions",
			body: `{"sys":{"type":"BulkAction","id":"ba2"},"action":"unpublish",` + entities + `}`,
			want: &Action{Kind: KindBulk, ID: "ba2", Space: "sp1", Environment: "master", Legacy: true, Op: "unpublish", Entities: two,
				StatusPath: "/spaces/sp1/bulk_actions/ba2", Started: now},
		},
		{
			name: "bulk validate", method: "POST", path: "/spaces/sp1/environments/master/bulk_actions/validate",
			body: `{"sys":{"type":"BulkAction","id":"ba3"},"action":"validate",` + entities + `}`,
			want: &Action{Kind: KindBulk, ID: "ba3", Space: "sp1", Environment: "master", Op: "validate", Entities: two,
				StatusPath: "/spaces/sp1/environments/master/bulk_actions/actions/ba3", Started: now},
		},
		{
			name: "release publish", method: "PUT", path: "/spaces/sp1/environments/master/releases/r1/published",
			body: `{"sys":{"type":"ReleaseAction","id":"ra1","status":"inProgress"},"action":"publish"}`,
			want: &Action{Kind: KindRelease, ID: "ra1", Space: "sp1", Environment: "master", Op: "publish", Release: "r1",
				StatusPath: "/spaces/sp1/environments/master/releases/r1/actions/ra1", Started: now},
		},
		{
			name: "release unpublish without action in the answer", method: "DELETE", path: "/spaces/sp1/releases/r1/published",
			body: `{"sys":{"type":"ReleaseAction","id":"ra2"}}`,
			want: &Action{Kind: KindRelease, ID: "ra2", Space: "sp1", Environment: "master", Legacy: true, Op: "unpublish", Release: "r1",
				StatusPath: "/spaces/sp1/releases/r1/actions/ra2", Started: now},
		},
		{
			name: "release validate without action in the answer", method: "POST", path: "/spaces/sp1/releases/r1/validate",
			body: `{"sys":{"type":"ReleaseAction","id":"ra3"}}`,
			want: &Action{Kind: KindRelease, ID: "ra3", Space: "sp1", Environment: "master", Legacy: true, Op: "validate", Release: "r1",
				StatusPath: "/spaces/sp1/releases/r1/actions/ra3", Started: now},
		},
		{
			name: "scheduled publish", method: "POST", path: "/spaces/sp1/scheduled_actions",
			body: `{"sys":{"type":"ScheduledAction","id":"sa1","status":"scheduled"},"action":"publish",` +
				`"entity":{"sys":{"type":"Link","linkType":"Entry","id":"e1"}},` +
				`"environment":{"sys":{"type":"Link","linkType":"Environment","id":"staging"}},` +
				`"scheduledFor":{"datetime":"2026-11-24T09:30:00.000+01:00","timezone":"Europe/Berlin"}}`,
			want: &Action{Kind: KindScheduled, ID: "sa1", Space: "sp1", Environment: "staging", Op: "publish", Entities: []Link{{"Entry", "e1"}},
				StatusPath: "/spaces/sp1/scheduled_actions/sa1", StatusQuery: "environment.sys.id=staging",
				Due: time.Date(2026, 11, 24, 8, 30, 0, 0, time.UTC), Started: now},
		},
		{
			name: "scheduled action rescheduled", method: "PUT", path: "/spaces/sp1/scheduled_actions/sa1",
			body: `{"sys":{"id":"sa1","status":"scheduled"},"action":"unpublish","entity":{"sys":{"linkType":"Asset","id":"a1"}},` +
				`"environment":{"sys":{"id":"master"}},"scheduledFor":{"datetime":"not a time"}}`,
			want: &Action{Kind: KindScheduled, ID: "sa1", Space: "sp1", Environment: "master", Op: "unpublish", Entities: []Link{{"Asset", "a1"}},
				StatusPath: "/spaces/sp1/scheduled_actions/sa1", StatusQuery: "environment.sys.id=master", Started: now},
		},
		{name: "scheduled action already run", method: "PUT", path: "/spaces/sp1/scheduled_actions/sa1",
			body: `{"sys":{"id":"sa1","status":"succeeded"},"action":"publish","environment":{"sys":{"id":"master"}}}`},
		{name: "scheduled action without environment", method: "POST", path: "/spaces/sp1/scheduled_actions",
			body: `{"sys":{"id":"sa1","status":"scheduled"},"action":"publish"}`},
		{name: "scheduled action deleted", method: "DELETE", path: "/spaces/sp1/scheduled_actions/sa1",
			body: `{"sys":{"id":"sa1","status":"scheduled"},"action":"publish","environment":{"sys":{"id":"master"}}}`},
		{name: "unknown operation", method: "POST", path: "/spaces/sp1/bulk_actions/publish",
			body: `{"sys":{"id":"ba1"},"action":"archive"}`},
		{name: "no id", method: "POST", path: "/spaces/sp1/bulk_actions/publish", body: `{"sys":{},"action":"publish"}`},
		{name: "invalid id", method: "POST", path: "/spaces/sp1/bulk_actions/publish", body: `{"sys":{"id":"../x"},"action":"publish"}`},
		{name: "not JSON", method: "POST", path: "/spaces/sp1/bulk_actions/publish", body: `<html>`},
		{name: "empty", method: "POST", path: "/spaces/sp1/bulk_actions/publish"},
		{name: "not an action route", method: "PUT", path: "/spaces/sp1/entries/e1", body: `{"sys":{"id":"e1"},"action":"publish"}`},
		{name: "release itself", method: "PUT", path: "/spaces/sp1/releases/r1", body: `{"sys":{"id":"r1"},"action":"publish"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route, ok := profile.MatchRequest(tt.method, tt.path, nil)
			if !ok {
				t.Fatalf("%s %s does not match a route", tt.method, tt.path)
			}
			got := FromWrite(route, tt.path, []byte(tt.body), now)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("FromWrite =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	bulk := &Action{Kind: KindBulk, Space: "sp1", Environment: "staging", ID: "ba1"}
	if got := bulk.Key(); got != "bulk/sp1/staging/ba1" {
		t.Errorf("bulk key %q", got)
	}
	sched := &Action{Kind: KindScheduled, Space: "sp1", Environment: "staging", ID: "sa1"}
	if got, want := sched.Key(), ScheduledKey("sp1", "sa1"); got != want || got != "scheduled/sp1/sa1" {
		t.Errorf("scheduled key %q, ScheduledKey %q", got, want)
	}
}
