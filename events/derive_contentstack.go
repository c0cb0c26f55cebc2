package events

import "encoding/json"

// csTimeLayout formats triggered_at as Contentstack does.
const csTimeLayout = "2006-01-02T15:04:05.000Z"

// Warnings of the Contentstack derivation.
const (
	warnCSNoEntity = "Contentstack answer and lookup lack the entity: event built from the request path"
	warnCSNoEnvs   = "Contentstack publish body names no environments: one event without an environment"
)

// csEnvelope is the body of a Contentstack webhook call.
type csEnvelope struct {
	Module      string          `json:"module"`
	APIKey      string          `json:"api_key"`
	Data        json.RawMessage `json:"data"`
	Event       string          `json:"event"`
	TriggeredAt string          `json:"triggered_at"`
}

// Derive turns a Contentstack write into events, one per environment for a
// publish or unpublish. The payload is Contentstack's envelope: module,
// api_key, event, triggered_at and data, which holds the entry, asset or
// content type under its module name, the entry's content_type, and for
// publish and unpublish the environment, locale, action and status.
func (contentstack) Derive(in Input) Derived {
	r := in.Route
	action := csAction(r, in.Status)
	if action == "" {
		return Derived{}
	}
	var d Derived
	entity := csEntity(r, in)
	id := r.EntityID
	if id == "" {
		id = csString(entity, "uid")
	}
	if entity == nil {
		d.Warning = warnCSNoEntity
		entity, _ = json.Marshal(map[string]string{"uid": id})
	}
	data := map[string]json.RawMessage{r.EntityType: entity}
	if r.EntityType == ModuleEntry {
		ct := csMember(in.Lookups["/v3/content_types/"+r.Parent], ModuleContentType)
		if ct == nil {
			ct, _ = json.Marshal(map[string]string{"uid": r.Parent})
		}
		data[ModuleContentType] = ct
	}
	base := Event{Space: r.Space, EntityID: id, Time: in.Now.UTC()}
	if r.Sub == "" {
		ev := base
		ev.Channels = csChannels(r, id, action, "")
		d.Event = csFinish(&ev, r, action, data)
		return d
	}

	envs, locale := csPublishTargets(r, in.RequestBody)
	if len(envs) == 0 {
		if d.Warning == "" {
			d.Warning = warnCSNoEnvs
		}
		envs = []string{""}
	}
	known := csMember(in.Lookups[csEnvironmentsPath], "environments")
	for _, env := range envs {
		data["environment"] = csEnvironment(known, env)
		data["locale"], _ = json.Marshal(locale)
		data["action"], _ = json.Marshal(action)
		data["status"] = json.RawMessage(`"success"`)
		ev := base
		ev.Environment = env
		ev.Channels = csChannels(r, id, action, env)
		e := csFinish(&ev, r, action, data)
		if d.Event == nil {
			d.Event = e
		} else {
			d.More = append(d.More, e)
		}
	}
	return d
}

// csFinish sets the event's id, topic (its widest channel) and payload.
func csFinish(ev *Event, r Route, action string, data map[string]json.RawMessage) *Event {
	ev.ID = newEventID()
	ev.Topic = ev.Channels[0]
	raw, _ := json.Marshal(data)
	ev.Payload, _ = json.Marshal(csEnvelope{
		Module:      r.EntityType,
		APIKey:      r.Space,
		Data:        raw,
		Event:       action,
		TriggeredAt: ev.Time.Format(csTimeLayout),
	})
	return ev
}

// csAction returns the event of a write answered with status, or "".
func csAction(r Route, status int) string {
	switch {
	case status < 200 || status > 299:
		return ""
	case r.Sub != "":
		return r.Sub
	case r.Method == "POST":
		return "create"
	case r.Method == "PUT":
		return "update"
	}
	return "delete"
}

// csEntity returns the entity of the event: from the answer of a create or
// update, else from the lookup made before the write.
func csEntity(r Route, in Input) json.RawMessage {
	if e := csMember(in.Body, r.EntityType); e != nil {
		return e
	}
	if r.EntityID == "" {
		return nil
	}
	return csMember(in.Lookups[csEntityPath(r)], r.EntityType)
}

// csMember returns the object member key of a JSON object, or nil.
func csMember(body []byte, key string) json.RawMessage {
	if len(body) == 0 || !json.Valid(body) {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return nil
	}
	v := obj[key]
	if !isObject(v) && !(len(v) > 0 && v[0] == '[') {
		return nil
	}
	return v
}

// csString returns the string member key of a JSON object, or "".
func csString(obj []byte, key string) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(obj, &m) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(m[key], &s) != nil || !csUID(s) {
		return ""
	}
	return s
}

// csPublishTargets reads the environments and the first locale a publish or
// unpublish body names: {"entry"|"asset": {"environments": […], "locales":
// […]}, "locale": …}.
func csPublishTargets(r Route, body []byte) (envs []string, locale string) {
	var req map[string]json.RawMessage
	if json.Unmarshal(body, &req) != nil {
		return nil, ""
	}
	var details struct {
		Environments []string `json:"environments"`
		Locales      []string `json:"locales"`
	}
	json.Unmarshal(req[r.EntityType], &details)
	json.Unmarshal(req["locale"], &locale)
	if locale == "" && len(details.Locales) > 0 {
		locale = details.Locales[0]
	}
	seen := map[string]bool{}
	for _, e := range details.Environments {
		if csUID(e) && !seen[e] {
			seen[e] = true
			envs = append(envs, e)
		}
	}
	return envs, locale
}

// csEnvironment returns the environment named env as the stack lists it
// (known is the environments array), or {"name": env}.
func csEnvironment(known json.RawMessage, env string) json.RawMessage {
	var list []json.RawMessage
	json.Unmarshal(known, &list)
	for _, e := range list {
		if name := csString(e, "name"); name == env {
			return e
		}
	}
	raw, _ := json.Marshal(map[string]string{"name": env})
	return raw
}

// csChannels returns the channels of an event, widest first.
func csChannels(r Route, id, action, env string) []string {
	switch r.EntityType {
	case ModuleContentType:
		if action == "create" || id == "" {
			return []string{"content_types." + action}
		}
		return []string{"content_types." + action, "content_types." + id + "." + action}
	case ModuleEntry:
		if r.Sub != "" {
			return envChannels("content_types.entries", action, env)
		}
		ch := []string{"content_types.entries." + action, "content_types." + r.Parent + ".entries." + action}
		if action != "create" && id != "" {
			ch = append(ch, "content_types."+r.Parent+".entries."+id+"."+action)
		}
		return ch
	}
	if r.Sub != "" {
		return envChannels("assets", action, env)
	}
	if action == "create" || id == "" {
		return []string{"assets." + action}
	}
	return []string{"assets." + action, "assets." + id + "." + action}
}

// envChannels returns the channels of a publish or unpublish: the short
// form ("assets.publish") and Contentstack's environment forms
// ("assets.environments.publish.success",
// "assets.environments.production.publish.success").
func envChannels(module, action, env string) []string {
	ch := []string{module + "." + action, module + ".environments." + action + ".success"}
	if env != "" {
		ch = append(ch, module+".environments."+env+"."+action+".success")
	}
	return ch
}
