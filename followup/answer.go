package followup

import (
	"time"

	"github.com/cmsevents/caddy-cms-events/events"
)

// actionAnswer is what the CMS says of a bulk, release or scheduled action.
type actionAnswer struct {
	Sys struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"sys"`
	Action  string `json:"action"`
	Payload struct {
		Entities linkArray `json:"entities"`
	} `json:"payload"`
	Entity       link         `json:"entity"`
	Environment  link         `json:"environment"`
	ScheduledFor scheduledFor `json:"scheduledFor"`
}

// due returns the scheduled time, or the zero time when it does not parse
// (the action is then polled right away).
func (s scheduledFor) due() time.Time {
	t, err := time.Parse(time.RFC3339Nano, s.Datetime)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// scheduledFor is the scheduledFor member of a scheduled action.
type scheduledFor struct {
	Datetime string `json:"datetime"`
}

// releaseAnswer is what the CMS says of a release.
type releaseAnswer struct {
	Sys struct {
		Version int `json:"version"`
	} `json:"sys"`
	Entities linkArray `json:"entities"`
}

// link is a Contentful link object.
type link struct {
	Sys struct {
		LinkType string `json:"linkType"`
		ID       string `json:"id"`
	} `json:"sys"`
}

// links returns the link as a one-element list when it names an entry or
// asset.
func (l link) links() []Link {
	if (l.Sys.LinkType != events.TypeEntry && l.Sys.LinkType != events.TypeAsset) || !events.ValidID(l.Sys.ID) {
		return nil
	}
	return []Link{{Type: l.Sys.LinkType, ID: l.Sys.ID}}
}

// linkArray is a Contentful array of links.
type linkArray struct {
	Items []link `json:"items"`
}

// links returns the entries and assets the array names, in order, without
// repeats.
func (a linkArray) links() []Link {
	var out []Link
	seen := make(map[Link]bool, len(a.Items))
	for _, it := range a.Items {
		for _, l := range it.links() {
			if !seen[l] {
				seen[l] = true
				out = append(out, l)
			}
		}
	}
	return out
}
