// Package events turns write requests seen by the gateway into Contentful-style
// webhook events: route tables (profiles), operation and payload derivation,
// topic patterns, filters and transformation templates. It does not import Caddy.
package events

import (
	"encoding/json"
	"strings"
	"time"
)

// Event is one change to one entity, derived from a successful write that passed
// through the gateway. It is stored with every delivery made for it, so it must
// stay JSON-serialisable.
type Event struct {
	// ID identifies the event; 32 lowercase hex characters, random. The
	// idempotency key of a delivery is derived from it and the webhook id.
	ID string `json:"id"`
	// Topic is the full topic, e.g. "ContentManagement.Entry.publish" or
	// "SpaceManagement.EnvironmentAlias.create".
	Topic string `json:"topic"`
	// Space is the space id from the request path.
	Space string `json:"space"`
	// Environment is the environment segment the client used (legacy paths
	// without one mean "master"); empty for space-level entities.
	Environment string `json:"environment,omitempty"`
	// EntityID is the id of the entity the event is about.
	EntityID string `json:"entityId"`
	// CRN is the Contentful resource name sent as X-Contentful-CRN; empty
	// where Contentful sends none.
	CRN string `json:"crn,omitempty"`
	// Time is when the gateway saw the write succeed (X-Contentful-Event-Datetime).
	Time time.Time `json:"time"`
	// Channels are the Contentstack webhook channels the event is on, from
	// the widest ("content_types.entries.update") to the narrowest
	// ("content_types.blog.entries.blt0123456789abcdef.update"); empty for
	// other profiles, whose webhooks match the topic.
	Channels []string `json:"channels,omitempty"`
	// Headers are context headers sent with every call for this event, such
	// as x-contentful-bulk-action-id. Usually empty.
	Headers map[string]string `json:"headers,omitempty"`
	// Payload is the default webhook body (§2.3 of the Contentful facts).
	Payload json.RawMessage `json:"payload"`
}

// EntityType returns the entity type part of the topic ("Entry").
func (e *Event) EntityType() string {
	_, t, _ := splitTopic(e.Topic)
	return t
}

// Action returns the action, the topic's last part ("publish").
func (e *Event) Action() string {
	return e.Topic[strings.LastIndexByte(e.Topic, '.')+1:]
}

// splitTopic splits "ContentManagement.Entry.publish" into its three parts.
func splitTopic(topic string) (prefix, typ, action string) {
	prefix, rest, _ := strings.Cut(topic, ".")
	typ, action, _ = strings.Cut(rest, ".")
	return prefix, typ, action
}

// ActionEvent returns the event of something the CMS did on its own after
// the write that asked for it, such as "ContentManagement.BulkAction.execute"
// when a bulk action has run. payload is the action as the CMS reports it;
// env is "" for space-level actions.
func ActionEvent(typ, action, space, env, id string, payload []byte, now time.Time) *Event {
	return &Event{
		ID:          newEventID(),
		Topic:       "ContentManagement." + typ + "." + action,
		Space:       space,
		Environment: env,
		EntityID:    id,
		Time:        now.UTC(),
		Payload:     payload,
	}
}
