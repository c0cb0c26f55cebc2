package caddymodule

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
	"github.com/cmsevents/caddy-cms-events/events"
)

// aliasPrefix is the index namespace of the learned alias table, one record
// per space.
const aliasPrefix = "!aliases/"

// aliasRetry is how long the gateway waits before it asks the CMS for a
// space's aliases again after a failed attempt.
const aliasRetry = time.Minute

// resolveAlias tells whether env is an environment alias in space and, if
// so, its target: from the handler's `alias` lines first, then from what the
// gateway learned from the CMS.
func (h *Handler) resolveAlias(space, env string) (target string, isAlias bool) {
	if env == "" {
		return "", false
	}
	if target, ok := h.static.Resolve(space, env); ok {
		return target, true
	}
	return h.app.shared.aliases.Resolve(space, env)
}

// learnAliases asks the CMS for a space's aliases, once per space after the
// store is opened (the aliases stored by an earlier run serve until then,
// and aliases changed outside the gateway meanwhile are caught), through
// the same upstream with the client's credentials. It runs beside the
// client's request and never delays it; a failure is logged and retried on
// a later write after aliasRetry.
func (h *Handler) learnAliases(r *http.Request, space string, next caddyhttp.Handler) {
	sh := h.app.shared
	if _, done := sh.aliasesAsked.Load(space); done {
		return
	}
	now := time.Now()
	if last, loaded := sh.aliasFetches.LoadOrStore(space, now); loaded && now.Sub(last.(time.Time)) < aliasRetry {
		return
	}
	sh.aliasFetches.Store(space, now)

	since := sh.aliases.Changes(space)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	client := r.Clone(ctx) // r is the client's, in use after this returns
	go func() {
		defer cancel()
		rec, err := h.fetch(ctx, client, "/spaces/"+space+"/environment_aliases", "limit=1000", next)
		var aliases map[string]string
		switch {
		case err != nil:
		case rec.status == http.StatusNotFound:
			aliases = map[string]string{} // a CMS without aliases
		case rec.status != http.StatusOK || rec.overflow:
			err = fmt.Errorf("the CMS answered %d", rec.status)
		default:
			aliases, err = events.ParseAliasCollection(rec.body.Bytes())
		}
		if err != nil {
			h.logger.Warn("could not read the space's environment aliases; writes through an alias are taken as their own environment until a later try works",
				zap.String("space", space), zap.Duration("retry_after", aliasRetry), zap.Error(err))
			return
		}
		if !sh.aliases.SetFetched(space, aliases, since) {
			// An alias write passed through meanwhile: its change is
			// newer than this answer. The next write asks again.
			sh.aliasFetches.Delete(space)
			return
		}
		sh.aliasesAsked.Store(space, true)
		if err := sh.store.Enqueue(ctx, sh.aliasRecord(space)); err != nil {
			h.logger.Warn("could not store the space's environment aliases", zap.String("space", space), zap.Error(err))
		}
	}()
}

// applyAlias records an alias change that passed through, in the same batch
// as the change's event.
func (sh *shared) applyAlias(change *events.AliasChange, batch *delivery.Batch) {
	if change.Deleted {
		sh.aliases.Delete(change.Space, change.Alias)
	} else {
		sh.aliases.Set(change.Space, change.Alias, change.Target)
	}
	rec := sh.aliasRecord(change.Space)
	batch.Put = append(batch.Put, rec.Put...)
}

// aliasRecord is the batch that stores a space's learned aliases.
func (sh *shared) aliasRecord(space string) delivery.Batch {
	raw, err := sh.aliases.MarshalSpace(space)
	if err != nil {
		return delivery.Batch{}
	}
	return delivery.Batch{Put: []delivery.KV{{Key: aliasPrefix + space, Value: raw}}}
}

// aliasFeed keeps the learned alias tables as the store holds them: read
// back when the store is opened, then as any gateway sharing it writes them.
func (sh *shared) aliasFeed() indexFeed {
	return indexFeed{prefix: aliasPrefix, apply: func(key string, value []byte) {
		if value == nil {
			return
		}
		space := key[len(aliasPrefix):]
		if err := sh.aliases.LoadSpace(space, value); err != nil {
			sh.logger.Warn("stored environment aliases are unreadable; they will be fetched again", zap.String("space", space), zap.Error(err))
		}
	}}
}
