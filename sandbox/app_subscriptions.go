package sandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// appEventActions lists, by entity type, the actions app events can be
// subscribed to: the allowlist Contentful answered to an invalid topic
// (88 topics; "AppInstallation.save", not the "update" its reference
// names). Wildcards such as "Entry.*" are not topics of app events.
var appEventActions = map[string][]string{
	"Entry":                {"create", "delete", "save", "auto_save", "publish", "unpublish", "archive", "unarchive"},
	"Asset":                {"create", "delete", "save", "auto_save", "publish", "unpublish", "archive", "unarchive"},
	"ContentType":          {"create", "delete", "save", "publish", "unpublish"},
	"AppInstallation":      {"create", "delete", "save"},
	"Task":                 {"create", "save", "delete"},
	"Comment":              {"create", "delete", "save"},
	"Release":              {"create", "save", "archive", "unarchive", "delete"},
	"ReleaseAction":        {"create", "execute"},
	"ReleaseAsset":         {"save", "auto_save"},
	"ReleaseEntry":         {"save", "auto_save"},
	"ScheduledAction":      {"create", "save", "execute", "delete"},
	"BulkAction":           {"create", "execute"},
	"TemplateInstallation": {"complete"},
	"Workflow":             {"create", "save", "complete"},
	"Experience":           {"create", "save", "publish", "unpublish", "delete"},
	"Template":             {"create", "save", "publish", "unpublish", "delete"},
	"ComponentType":        {"create", "save", "publish", "unpublish", "delete"},
	"DataAssembly":         {"create", "save", "publish", "unpublish", "delete"},
	"DesignToken":          {"create", "save", "publish", "unpublish", "delete"},
	"View":                 {"create", "save", "publish", "unpublish", "delete"},
	"Fragment":             {"create", "save", "publish", "unpublish", "archive", "unarchive", "delete"},
}

// appEventTopic says whether topic ("Entry.publish") is one apps can
// subscribe to.
func appEventTopic(topic string) bool {
	typ, action, ok := strings.Cut(topic, ".")
	return ok && slices.Contains(appEventActions[typ], action)
}

// appSubscription is the event subscription of an app definition. Every
// PUT replaces it whole, createdAt included, as Contentful does.
type appSubscription struct {
	meta
	targetURL string
	topics    []string
	// filters and functions are kept as sent (compact JSON), nil when
	// absent.
	filters   json.RawMessage
	functions json.RawMessage
}

// appSubscriptionBody is the body of an event subscription write.
type appSubscriptionBody struct {
	TargetURL json.RawMessage `json:"targetUrl"`
	Topics    json.RawMessage `json:"topics"`
	Filters   json.RawMessage `json:"filters"`
	Functions json.RawMessage `json:"functions"`
}

// appSubscriptionJSON is an app event subscription.
type appSubscriptionJSON struct {
	TargetURL string          `json:"targetUrl,omitempty"`
	Topics    []string        `json:"topics"`
	Filters   json.RawMessage `json:"filters,omitempty"`
	Functions json.RawMessage `json:"functions,omitempty"`
	Sys       appPartSys      `json:"sys"`
}

// appPartSys is the sys object of the singletons below an app definition
// (event subscription, signing secret): they have neither id nor version.
type appPartSys struct {
	Type          string `json:"type"`
	AppDefinition *link  `json:"appDefinition"`
	Organization  *link  `json:"organization"`
	CreatedAt     string `json:"createdAt"`
	UpdatedAt     string `json:"updatedAt"`
	CreatedBy     *link  `json:"createdBy"`
	UpdatedBy     *link  `json:"updatedBy"`
}

// newAppPartSys renders the sys object of a singleton of type typ below d.
func newAppPartSys(typ string, d *appDefinition, m meta) appPartSys {
	return appPartSys{
		Type: typ, AppDefinition: newLink("AppDefinition", d.id), Organization: newLink("Organization", d.org),
		CreatedAt: timestamp(m.createdAt), UpdatedAt: timestamp(m.updatedAt),
		CreatedBy: actorLink(m.createdBy), UpdatedBy: actorLink(m.updatedBy),
	}
}

// render renders the event subscription of d.
func (a *appSubscription) render(d *appDefinition) *appSubscriptionJSON {
	return &appSubscriptionJSON{
		TargetURL: a.targetURL, Topics: a.topics, Filters: a.filters, Functions: a.functions,
		Sys: newAppPartSys("AppEventSubscription", d, a.meta),
	}
}

// decodeAppSubscription reads the body of an event subscription write into
// a: topics (1 or more distinct app event topics), the targetUrl (required
// unless functions has a handler) and, kept as sent, filters (an array) and
// functions (an object of Function links).
func decodeAppSubscription(body []byte, a *appSubscription) *apiError {
	var b appSubscriptionBody
	if err := decodeBody(body, &b); err != nil {
		return err
	}
	var err *apiError
	if a.functions, err = compactOptional(b.Functions, '{', "functions"); err != nil {
		return err
	}
	if a.filters, err = compactOptional(b.Filters, '[', "filters"); err != nil {
		return err
	}
	if err := decodeTargetURL(b.TargetURL, a); err != nil {
		return err
	}
	if json.Unmarshal(b.Topics, &a.topics) != nil || len(a.topics) == 0 {
		return validationFailed([]string{"topics"}, `topics must be an array of one or more topics like ["Entry.publish","Asset.unpublish"].`)
	}
	for i, topic := range a.topics {
		if !appEventTopic(topic) {
			return validationFailed([]string{"topics", topic}, "%q is not an app event topic: use Type.action, e.g. Entry.publish; app events have no wildcards.", topic)
		}
		if slices.Contains(a.topics[:i], topic) {
			return validationFailed([]string{"topics", topic}, "topics must be unique; %q appears twice.", topic)
		}
	}
	return nil
}

// decodeTargetURL reads the targetUrl of an event subscription into a. It
// may be absent only when a Function handles the events. Contentful
// requires https; the sandbox also takes http, for receivers on this
// machine.
func decodeTargetURL(raw json.RawMessage, a *appSubscription) *apiError {
	if len(raw) == 0 {
		var fns map[string]json.RawMessage
		json.Unmarshal(a.functions, &fns)
		if !isAbsent(fns["handler"]) {
			return nil
		}
		return badRequest("The event subscription needs a targetUrl (an https URL), or a Function link in functions.handler.")
	}
	var target string
	json.Unmarshal(raw, &target)
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return validationFailed([]string{"targetUrl"}, "targetUrl must be an absolute https (or, in the sandbox, http) URL, got %s.", raw)
	}
	a.targetURL = target
	return nil
}

// lookupAppSubscription finds the app definition a route names and its
// event subscription.
func (s *Sandbox) lookupAppSubscription(rt route) (*appDefinition, *apiError) {
	d, err := s.lookupAppDefinition(rt)
	if err == nil && d.subscription == nil {
		err = notFound("The resource could not be found: app definition %q has no event subscription; create it with PUT.", d.id)
	}
	return d, err
}

// getAppSubscription answers GET …/app_definitions/{app}/event_subscription.
func (s *Sandbox) getAppSubscription(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppSubscription(rt)
	if err != nil {
		return err.reply()
	}
	return reply{status: http.StatusOK, body: d.subscription.render(d)}
}

// putAppSubscription answers PUT …/app_definitions/{app}/event_subscription:
// a create (201) or a replacement (200); X-Contentful-Version is ignored.
func (s *Sandbox) putAppSubscription(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppDefinition(rt)
	if err != nil {
		return err.reply()
	}
	a := &appSubscription{meta: newMeta(c, s.nextSeq())}
	if err := decodeAppSubscription(c.body, a); err != nil {
		return err.reply()
	}
	status := http.StatusOK
	if d.subscription == nil {
		status = http.StatusCreated
	}
	d.subscription = a
	return reply{status: status, body: a.render(d)}
}

// deleteAppSubscription answers DELETE
// …/app_definitions/{app}/event_subscription: 204.
func (s *Sandbox) deleteAppSubscription(c *call, sc *scope, rt route) reply {
	d, err := s.lookupAppSubscription(rt)
	if err != nil {
		return err.reply()
	}
	d.subscription = nil
	return reply{status: http.StatusNoContent}
}
