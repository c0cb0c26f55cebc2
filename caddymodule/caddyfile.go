package caddymodule

import (
	"encoding/json"
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"

	"github.com/cmsevents/caddy-cms-events/delivery"

	"github.com/cmsevents/caddy-cms-events/events"
)

func init() {
	httpcaddyfile.RegisterGlobalOption("cms_events", parseAppCaddyfile)
}

// UnmarshalCaddyfile sets up the app from the `cms_events` global option.
// Syntax:
//
//	{
//	    cms_events {
//	        storage_dir <path>
//	        storage badger {
//	            dir <path>
//	        }
//	        storage nats {
//	            url      <nats url>[,<nats url>…] [<nats url>…]
//	            creds    <path>
//	            replicas <n>
//	            stream   <name>
//	            timeout  <duration>
//	        }
//	        workers     <n>
//	        max_body    <size>
//	        retention   <duration>
//	        durability  sync|async
//	        deny_private
//	    }
//	}
//
// One of `storage_dir` (a shorthand for `storage badger { dir <path> }`)
// and `storage` may be given; without either the queue is a Badger
// database in `{caddy data dir}/cms_events`. `storage nats` keeps it in
// NATS JetStream, shared by every gateway with the same servers and
// stream: `url` is required (passwords in it are never logged), `replicas`
// defaults to 1, `stream` to CMS_EVENTS and `timeout` to 10s.
// `durability async` applies to badger only.
func (a *App) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume option name
	if d.NextArg() {
		return d.Errf("cms_events takes no arguments on its first line; want `cms_events {` followed by a block")
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "storage_dir":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `storage_dir <path>`")
			}
			if a.StorageRaw != nil {
				return d.Errf("storage_dir and storage both say where the storage is; keep one: `storage badger { dir <path> }` or `storage_dir <path>` alone")
			}
			a.StorageDir = d.Val()
		case "storage":
			if err := a.unmarshalStorage(d); err != nil {
				return err
			}
		case "workers":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `workers <n>`")
			}
			n, err := strconv.Atoi(d.Val())
			if err != nil || n < 1 {
				return d.Errf("want `workers <n>` with a positive whole number, got %q", d.Val())
			}
			a.Workers = n
		case "max_body":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `max_body <size>`, e.g. `max_body 4MiB`")
			}
			size, err := humanize.ParseBytes(d.Val())
			if err != nil || size == 0 {
				return d.Errf("want `max_body <size>` such as 4MiB or 1048576, got %q", d.Val())
			}
			if size > delivery.MaxPayload {
				return d.Errf("max_body can be at most %s (a queued delivery holds the whole answer), got %q", maxBodyLimit, d.Val())
			}
			a.MaxBody = int64(size)
		case "retention":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `retention <duration>`, e.g. `retention 168h`")
			}
			r, err := caddy.ParseDuration(d.Val())
			if err != nil || r <= 0 {
				return d.Errf("want `retention <duration>` such as 168h or 7d, got %q", d.Val())
			}
			a.Retention = caddy.Duration(r)
		case "durability":
			if !d.NextArg() || d.CountRemainingArgs() > 0 || (d.Val() != "sync" && d.Val() != "async") {
				return d.Errf("want `durability sync` or `durability async`")
			}
			a.Durability = d.Val()
		case "deny_private":
			if d.NextArg() {
				return d.Errf("want a bare `deny_private` line")
			}
			a.DenyPrivate = true
		default:
			return d.Errf("unknown cms_events option %q; the options are storage_dir, storage, workers, max_body, retention, durability and deny_private", d.Val())
		}
	}
	return nil
}

// unmarshalStorage reads a `storage <name> { … }` block with the Caddyfile
// unmarshaler of the module cms_events.storage.<name>.
func (a *App) unmarshalStorage(d *caddyfile.Dispenser) error {
	if !d.NextArg() {
		return d.Errf("want `storage badger { … }` or `storage nats { … }`")
	}
	if a.StorageRaw != nil {
		return d.Errf("storage is given twice; keep one `storage badger { … }` or `storage nats { … }` block")
	}
	if a.StorageDir != "" {
		return d.Errf("storage_dir and storage both say where the storage is; keep one: `storage badger { dir <path> }` or `storage_dir <path>` alone")
	}
	name := d.Val()
	modID := "cms_events.storage." + name
	if _, err := caddy.GetModule(modID); err != nil {
		return d.Errf("unknown storage %q; want `storage badger { … }` or `storage nats { … }`", name)
	}
	unm, err := caddyfile.UnmarshalModule(d, modID)
	if err != nil {
		return err
	}
	storage, ok := unm.(Storage)
	if !ok {
		return d.Errf("module %s (%T) is not a cms_events storage; want `storage badger { … }` or `storage nats { … }`", modID, unm)
	}
	a.StorageRaw = caddyconfig.JSONModuleObject(storage, "module", name, nil)
	return nil
}

func parseAppCaddyfile(d *caddyfile.Dispenser, _ any) (any, error) {
	app := new(App)
	if err := app.UnmarshalCaddyfile(d); err != nil {
		return nil, err
	}
	return httpcaddyfile.App{Name: "cms_events", Value: caddyconfig.JSON(app, nil)}, nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	cms_events [<matcher>] {
//	    profile        contentful|contentstack
//	    profile custom {
//	        route       <method> <path> [<status>[,<status>…]] <action>
//	        type        <name>|{<param>}
//	        id          <JSON pointer into the answer>
//	        space       <name>|{<param>}
//	        environment <name>|{<param>}
//	        payload     <JSON pointer into the answer>
//	    }
//	    signing_secret <64 characters>
//	    webhooks_file  <path>
//	    webhooks_api
//	    alias          <alias id> <environment id>
//	    auto_save {
//	        window <duration>
//	        match  <request matcher...>
//	    }
//	    webhook <name> <url> {
//	        id            <id>
//	        topics        <Type.action pattern...>
//	        channels      <Contentstack channel...>
//	        filter        [not] equals <doc> <value>
//	        filter        [not] in     <doc> <value...>
//	        filter        [not] regexp <doc> <pattern>
//	        header        <name> <value>
//	        secret_header <name> <value>
//	        basic_auth    <user> <password>
//	        retry         <attempts> [<delay>] [exponential [<max delay>]]
//	        timeout       <duration>
//	        inactive
//	        transform {
//	            method                 POST|GET|PUT|PATCH|DELETE
//	            content_type           <content type>
//	            include_content_length
//	            body                   <JSON>
//	        }
//	    }
//	}
//
// `auto_save` sets how editor saves are told apart (each `match` line is a
// Caddy request matcher set, e.g. `match header X-Editor true`; several are
// OR-ed; they replace the default) and their window (default 5s).
//
// `webhooks_api` makes the gateway answer Contentful's webhook API itself
// (webhook definitions, call logs, health and the space signing secret),
// authorised by the CMS; those requests are then never forwarded.
//
// A webhook's id is derived from its name unless `id` is given. Without a
// `filter` line a webhook fires for the master environment only, as
// Contentful's do.
//
// With `profile contentstack` the gateway sits in front of Contentstack's
// CMA v3: webhooks subscribe with `channels` (Contentstack's channel names,
// `*` for one segment, `$all` for every event) instead of `topics`, send
// Contentstack's envelope, fire for every environment, retry as
// Contentstack does (5 attempts, 5s × 5ⁿ) and sign with Contentstack's
// HMAC header. alias, auto_save and webhooks_api are Contentful's.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.Errf("cms_events takes a block, not arguments; want `cms_events {`")
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "profile":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `profile <name>`, e.g. `profile contentful`, or `profile custom { … }`")
			}
			h.Profile = d.Val()
			if h.Profile == "custom" {
				spec, err := parseCustomProfile(d)
				if err != nil {
					return err
				}
				h.Custom = spec
			}
		case "signing_secret":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `signing_secret <64 characters>`, e.g. `signing_secret {env.CMS_SIGNING_SECRET}`")
			}
			h.SigningSecret = d.Val()
		case "webhooks_file":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `webhooks_file <path>`")
			}
			h.WebhooksFile = d.Val()
		case "webhooks_api":
			if d.NextArg() {
				return d.Errf("want a bare `webhooks_api` line")
			}
			h.WebhooksAPI = true
		case "alias":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("want `alias <alias id> <environment id>`, e.g. `alias master production-2026-11`")
			}
			if h.Aliases == nil {
				h.Aliases = map[string]string{}
			}
			h.Aliases[args[0]] = args[1]
		case "auto_save":
			as, err := parseAutoSave(d)
			if err != nil {
				return err
			}
			h.AutoSave = as
		case "webhook":
			def, err := parseWebhook(d)
			if err != nil {
				return err
			}
			h.Webhooks = append(h.Webhooks, def)
		default:
			return d.Errf("unknown cms_events subdirective %q; the subdirectives are profile, signing_secret, webhooks_file, webhooks_api, alias, auto_save and webhook", d.Val())
		}
	}
	return nil
}

// parseAutoSave reads an `auto_save { … }` block.
func parseAutoSave(d *caddyfile.Dispenser) (*AutoSave, error) {
	if d.NextArg() {
		return nil, d.Errf("want `auto_save {` followed by a block")
	}
	as := new(AutoSave)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "window":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return nil, d.Errf("want `window <duration>`, e.g. `window 5s`")
			}
			w, err := caddy.ParseDuration(d.Val())
			if err != nil || w <= 0 {
				return nil, d.Errf("want `window <duration>` such as 5s or 20s, got %q", d.Val())
			}
			as.Window = caddy.Duration(w)
		case "match":
			set, err := caddyhttp.ParseCaddyfileNestedMatcherSet(d)
			if err != nil {
				return nil, d.Errf("want `match <request matcher>`, e.g. `match header X-Contentful-UI-Content-Auto-Save true`: %v", err)
			}
			as.MatcherSetsRaw = append(as.MatcherSetsRaw, set)
		default:
			return nil, d.Errf("unknown auto_save subdirective %q; the subdirectives are window and match", d.Val())
		}
	}
	return as, nil
}

// parseWebhook reads one `webhook <name> <url> { … }` block. It builds the
// JSON form of a Contentful webhook definition and decodes that, so that
// the Caddyfile and JSON configs go through the same validation.
func parseWebhook(d *caddyfile.Dispenser) (events.Definition, error) {
	args := d.RemainingArgs()
	if len(args) != 2 {
		return events.Definition{}, d.Errf("want `webhook <name> <url> { … }` (quote a name with spaces), got %d arguments", len(args))
	}
	def := map[string]any{"name": args[0], "url": args[1]}
	var topics, channels, filters, headers []any
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "id":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return events.Definition{}, d.Errf("want `id <id>`")
			}
			def["id"] = d.Val()
		case "topics":
			vals, err := argList(d, "want `topics <Type.action...>`, e.g. `topics Entry.publish Asset.*`")
			if err != nil {
				return events.Definition{}, err
			}
			topics = append(topics, vals...)
		case "channels":
			vals, err := argList(d, "want `channels <channel...>`, e.g. `channels content_types.entries.publish assets.delete` (Contentstack)")
			if err != nil {
				return events.Definition{}, err
			}
			channels = append(channels, vals...)
		case "filter":
			f, err := parseFilter(d)
			if err != nil {
				return events.Definition{}, err
			}
			filters = append(filters, f)
		case "header", "secret_header":
			directive := d.Val()
			vals := d.RemainingArgs()
			if len(vals) != 2 {
				return events.Definition{}, d.Errf("want `%s <name> <value>`", directive)
			}
			hd := map[string]any{"key": vals[0], "value": vals[1]}
			if directive == "secret_header" {
				hd["secret"] = true
			}
			headers = append(headers, hd)
		case "basic_auth":
			vals := d.RemainingArgs()
			if len(vals) != 2 {
				return events.Definition{}, d.Errf("want `basic_auth <user> <password>`")
			}
			def["httpBasicUsername"], def["httpBasicPassword"] = vals[0], vals[1]
		case "retry":
			retry, err := parseRetry(d)
			if err != nil {
				return events.Definition{}, err
			}
			def["retry"] = retry
		case "timeout":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return events.Definition{}, d.Errf("want `timeout <duration>`, e.g. `timeout 30s`")
			}
			timeout, err := caddy.ParseDuration(d.Val())
			if err != nil || timeout <= 0 {
				return events.Definition{}, d.Errf("want `timeout <duration>` such as 30s, got %q", d.Val())
			}
			def["timeout"] = timeout.String()
		case "inactive":
			if d.NextArg() {
				return events.Definition{}, d.Errf("want a bare `inactive` line")
			}
			def["active"] = false
		case "transform":
			t, err := parseTransform(d)
			if err != nil {
				return events.Definition{}, err
			}
			def["transformation"] = t
		default:
			return events.Definition{}, d.Errf("unknown webhook subdirective %q; the subdirectives are id, topics, channels, filter, header, secret_header, basic_auth, retry, timeout, inactive and transform", d.Val())
		}
	}
	switch {
	case topics == nil && channels == nil:
		return events.Definition{}, d.Errf("webhook %q has no `topics` line; want e.g. `topics Entry.publish Asset.*`, or with the contentstack profile `channels content_types.entries.publish`", args[0])
	case topics != nil && channels != nil:
		return events.Definition{}, d.Errf("webhook %q has both `topics` and `channels`; use topics with the contentful profile and channels with contentstack", args[0])
	case topics != nil:
		def["topics"] = topics
	default:
		def["channels"] = channels
	}
	if filters != nil {
		def["filters"] = filters
	}
	if headers != nil {
		def["headers"] = headers
	}
	raw, err := json.Marshal(def)
	if err != nil {
		return events.Definition{}, d.Errf("webhook %q: %v", args[0], err)
	}
	var out events.Definition
	if err := json.Unmarshal(raw, &out); err != nil {
		return events.Definition{}, d.Errf("webhook %q: %v", args[0], err)
	}
	return out, nil
}

// argList returns the remaining arguments of the line, at least one, else
// an error with the expected form.
func argList(d *caddyfile.Dispenser, form string) ([]any, error) {
	var vals []any
	for _, v := range d.RemainingArgs() {
		vals = append(vals, v)
	}
	if len(vals) == 0 {
		return nil, d.Errf("%s", form)
	}
	return vals, nil
}

// parseRetry reads `retry <attempts> [<delay> [fixed|exponential [<max delay>]]]`.
func parseRetry(d *caddyfile.Dispenser) (map[string]any, error) {
	const form = "want `retry <attempts> [<delay> [fixed|exponential [<max delay>]]]`, e.g. `retry 3 30s` or `retry 10 5s exponential 10m`"
	args := d.RemainingArgs()
	if len(args) < 1 || len(args) > 4 {
		return nil, d.Errf(form)
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 {
		return nil, d.Errf("%s; attempts must be a positive whole number, got %q", form, args[0])
	}
	retry := map[string]any{"attempts": n}
	duration := func(name, arg string) error {
		dur, err := caddy.ParseDuration(arg)
		if err != nil || dur <= 0 {
			return d.Errf("%s; %s must be a duration such as 30s, got %q", form, name, arg)
		}
		retry[name] = dur.String()
		return nil
	}
	if len(args) > 1 {
		if err := duration("delay", args[1]); err != nil {
			return nil, err
		}
	}
	if len(args) > 2 {
		if args[2] != events.BackoffFixed && args[2] != events.BackoffExponential {
			return nil, d.Errf("%s; the backoff is fixed or exponential, got %q", form, args[2])
		}
		retry["backoff"] = args[2]
	}
	if len(args) > 3 {
		if err := duration("maxDelay", args[3]); err != nil {
			return nil, err
		}
	}
	return retry, nil
}

// parseFilter reads `filter [not] equals|in|regexp <doc> <value...>` into
// Contentful's filter object.
func parseFilter(d *caddyfile.Dispenser) (map[string]any, error) {
	const form = "want `filter [not] equals <doc> <value>`, `filter [not] in <doc> <value...>` or `filter [not] regexp <doc> <pattern>`"
	args := d.RemainingArgs()
	negate := len(args) > 0 && args[0] == "not"
	if negate {
		args = args[1:]
	}
	if len(args) < 3 {
		return nil, d.Errf(form)
	}
	doc := map[string]any{"doc": args[1]}
	var f map[string]any
	switch args[0] {
	case "equals":
		if len(args) != 3 {
			return nil, d.Errf(form)
		}
		f = map[string]any{"equals": []any{doc, args[2]}}
	case "in":
		f = map[string]any{"in": []any{doc, args[2:]}}
	case "regexp":
		if len(args) != 3 {
			return nil, d.Errf(form)
		}
		f = map[string]any{"regexp": []any{doc, map[string]any{"pattern": args[2]}}}
	default:
		return nil, d.Errf("unknown filter %q; %s", args[0], form)
	}
	if negate {
		f = map[string]any{"not": f}
	}
	return f, nil
}

// parseTransform reads a `transform { … }` block into Contentful's
// transformation object.
func parseTransform(d *caddyfile.Dispenser) (map[string]any, error) {
	if d.NextArg() {
		return nil, d.Errf("want `transform {` followed by a block")
	}
	t := map[string]any{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "method":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return nil, d.Errf("want `method POST|GET|PUT|PATCH|DELETE`")
			}
			t["method"] = d.Val()
		case "content_type":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return nil, d.Errf("want `content_type <content type>` (quote it if it has spaces)")
			}
			t["contentType"] = d.Val()
		case "include_content_length":
			if d.NextArg() {
				return nil, d.Errf("want a bare `include_content_length` line")
			}
			t["includeContentLength"] = true
		case "body":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return nil, d.Errf("want `body <JSON>`; put the JSON in backticks")
			}
			if !json.Valid([]byte(d.Val())) {
				return nil, d.Errf("transform body is not valid JSON: %s", d.Val())
			}
			t["body"] = json.RawMessage(d.Val())
		default:
			return nil, d.Errf("unknown transform subdirective %q; the subdirectives are method, content_type, include_content_length and body", d.Val())
		}
	}
	return t, nil
}

func parseHandlerCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	err := m.UnmarshalCaddyfile(h.Dispenser)
	return m, err
}

// Interface guards
var (
	_ caddyfile.Unmarshaler = (*App)(nil)
	_ caddyfile.Unmarshaler = (*Handler)(nil)
)
