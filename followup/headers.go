package followup

import "strconv"

// Context headers of the entity events an action produces (Contentful
// facts §3.4). Contentful's headers reference names the release version
// header x-contentful-release-version; that name is used.
const (
	HeaderBulkActionID      = "X-Contentful-Bulk-Action-Id"
	HeaderScheduledActionID = "X-Contentful-Scheduled-Action-Id"
	HeaderReleaseID         = "X-Contentful-Release-Id"
	HeaderReleaseActionID   = "X-Contentful-Release-Action-Id"
	HeaderReleaseVersion    = "X-Contentful-Release-Version"
)

// contextHeaders returns the headers of the action's entity events;
// releaseVersion is the release's sys.version (release actions only).
func (a *Action) contextHeaders(releaseVersion int) map[string]string {
	switch a.Kind {
	case KindBulk:
		return map[string]string{HeaderBulkActionID: a.ID}
	case KindScheduled:
		return map[string]string{HeaderScheduledActionID: a.ID}
	}
	h := map[string]string{HeaderReleaseID: a.Release, HeaderReleaseActionID: a.ID}
	if releaseVersion > 0 {
		h[HeaderReleaseVersion] = strconv.Itoa(releaseVersion)
	}
	return h
}

// entityType returns the entity type of the action's own events.
func (a *Action) entityType() string {
	switch a.Kind {
	case KindBulk:
		return "BulkAction"
	case KindScheduled:
		return "ScheduledAction"
	}
	return "ReleaseAction"
}
