package contentstack

import (
	"encoding/json"
	"fmt"
	"slices"
)

// publishRecord is one element of publish_details: where and which version
// of an entry or asset is published.
type publishRecord struct {
	// Environment is the environment's uid, as in Contentstack's CMA.
	Environment string `json:"environment"`
	Locale      string `json:"locale"`
	Time        string `json:"time"`
	User        string `json:"user"`
	Version     int    `json:"version"`
}

// publishTargets is the entry or asset object of a publish body.
type publishTargets struct {
	Environments []string `json:"environments"`
	Locales      []string `json:"locales"`
}

// publishOptions are the top-level members of a publish body besides the
// targets.
type publishOptions struct {
	Locale      string `json:"locale"`
	Version     *int   `json:"version"`
	ScheduledAt string `json:"scheduled_at"`
}

// publishRequest is a checked publish or unpublish request. Its locale is
// always the one locale, en-us.
type publishRequest struct {
	envs    []*environment
	version int
}

// readPublish checks the body of a publish or unpublish request for an
// object whose targets sit under key ("entry" or "asset") and whose current
// version is current.
func readPublish(c *call, key string, current int) (publishRequest, *apiError) {
	example := fmt.Sprintf(`{"%s":{"environments":["development"],"locales":["en-us"]}}`, key)
	var targets publishTargets
	if err := decodeWrapped(c, key, codeInvalid, example, &targets); err != nil {
		return publishRequest{}, err
	}
	var opts publishOptions
	if err := json.Unmarshal(c.body, &opts); err != nil {
		return publishRequest{}, fieldError(codeInvalid, "version", "is not valid.", "locale must be a string and version a number (%v); send a body like %s.", err, example)
	}
	if opts.ScheduledAt != "" {
		return publishRequest{}, fieldError(codeInvalid, "scheduled_at", "is not supported.", "The sandbox publishes at once and cannot schedule: send the request without scheduled_at.")
	}
	if len(targets.Environments) == 0 {
		return publishRequest{}, fieldError(codeInvalid, "environments", "is required.", "Name at least one environment, like %s.", example)
	}
	p := publishRequest{version: current}
	for _, name := range targets.Environments {
		env := c.stack.environment(name)
		if env == nil {
			return publishRequest{}, environmentNotFound(name)
		}
		if !slices.Contains(p.envs, env) {
			p.envs = append(p.envs, env)
		}
	}
	for _, l := range append(slices.Clone(targets.Locales), opts.Locale) {
		if l != "" && l != masterLocale {
			return publishRequest{}, fieldError(codeInvalid, "locales", "is not valid.", "The sandbox stack has only the locale %s, got %q.", masterLocale, l)
		}
	}
	if v := opts.Version; v != nil {
		if *v < 1 || *v > current {
			return publishRequest{}, fieldError(codeInvalid, "version", "is not valid.", "version must be from 1 to the current version %d, got %d.", current, *v)
		}
		p.version = *v
	}
	return p, nil
}

// publish returns records with one record per environment of p, each
// replacing an earlier one for the same environment and locale.
func (p publishRequest) publish(c *call, records []publishRecord) []publishRecord {
	for _, env := range p.envs {
		rec := publishRecord{Environment: env.uid, Locale: masterLocale, Time: timestamp(c.now), User: c.user, Version: p.version}
		if i := slices.IndexFunc(records, rec.sameTarget); i >= 0 {
			records[i] = rec
		} else {
			records = append(records, rec)
		}
	}
	return records
}

// unpublish returns records without those of the environments of p.
func (p publishRequest) unpublish(records []publishRecord) []publishRecord {
	return slices.DeleteFunc(records, func(r publishRecord) bool {
		return r.Locale == masterLocale && slices.ContainsFunc(p.envs, func(env *environment) bool { return env.uid == r.Environment })
	})
}

// sameTarget says whether o records the same environment and locale as r.
func (r publishRecord) sameTarget(o publishRecord) bool {
	return r.Environment == o.Environment && r.Locale == o.Locale
}

// publishEntry answers POST …/entries/{uid}/publish. As in Contentstack the
// answer is only a notice.
func (s *Sandbox) publishEntry(c *call) reply {
	_, e, err := entryOf(c)
	if err != nil {
		return err.reply()
	}
	p, err := readPublish(c, "entry", e.version)
	if err != nil {
		return err.reply()
	}
	e.published = p.publish(c, e.published)
	return notice("The requested action has been performed.")
}

// unpublishEntry answers POST …/entries/{uid}/unpublish with a notice.
func (s *Sandbox) unpublishEntry(c *call) reply {
	_, e, err := entryOf(c)
	if err != nil {
		return err.reply()
	}
	p, err := readPublish(c, "entry", e.version)
	if err != nil {
		return err.reply()
	}
	e.published = p.unpublish(e.published)
	return notice("The requested action has been performed.")
}

// publishAsset answers POST /v3/assets/{uid}/publish with a notice.
func (s *Sandbox) publishAsset(c *call) reply {
	a, err := assetOf(c)
	if err != nil {
		return err.reply()
	}
	p, err := readPublish(c, "asset", a.version)
	if err != nil {
		return err.reply()
	}
	a.published = p.publish(c, a.published)
	return notice("Asset sent for publishing.")
}

// unpublishAsset answers POST /v3/assets/{uid}/unpublish with a notice.
func (s *Sandbox) unpublishAsset(c *call) reply {
	a, err := assetOf(c)
	if err != nil {
		return err.reply()
	}
	p, err := readPublish(c, "asset", a.version)
	if err != nil {
		return err.reply()
	}
	a.published = p.unpublish(a.published)
	return notice("Asset sent for unpublishing.")
}
