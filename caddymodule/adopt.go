package caddymodule

import (
	"encoding/json"
	"errors"
	"strings"

	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/autosave"
	"github.com/cmsevents/caddy-cms-events/followup"
)

// heldFeed hands the auto_save tracker the windows held in the store: read
// back when the store is opened, then as any gateway sharing it holds them,
// so that a window is emitted even when the gateway that saw its saves
// stops. Of the gateways that then emit it, one wins its record.
func (sh *shared) heldFeed() indexFeed {
	return indexFeed{prefix: heldPrefix, apply: func(key string, value []byte) {
		if value == nil {
			return // emitted: a gateway whose window ends finds it gone
		}
		var p autosave.Pending
		if err := json.Unmarshal(value, &p); err != nil || p.Event == nil {
			sh.logger.Error("unreadable pending auto_save window left alone", zap.String("key", key), zap.Error(err))
			return
		}
		sh.tracker.Adopt(p)
	}}
}

// followedFeed hands the action runner the actions recorded in the store:
// read back when the store is opened, then as any gateway sharing it
// records, finishes or cancels them. Of the gateways that finish one, one
// wins its record.
func (sh *shared) followedFeed() indexFeed {
	return indexFeed{prefix: followPrefix, apply: func(key string, value []byte) {
		if value == nil {
			sh.runner.Cancel(strings.TrimPrefix(key, followPrefix))
			return
		}
		var a followup.Action
		err := json.Unmarshal(value, &a)
		if err == nil && a.ID == "" {
			err = errors.New("no action id")
		}
		if err != nil {
			sh.logger.Error("unreadable followed action left alone", zap.String("key", key), zap.Error(err))
			return
		}
		sh.runner.Adopt(&a)
	}}
}
