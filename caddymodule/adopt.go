package caddymodule

import (
	"encoding/json"
	"errors"
	"strings"

	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/autosave"
	"github.com/cmsevents/caddy-cms-events/followup"
)

// adoptOthers makes the auto_save tracker and the action runner take in
// the windows and actions that other gateways sharing the storage record,
// so that a window or action is emitted even when the gateway that saw its
// write stops; of the gateways that then emit it, one wins its record. It
// returns what stops it.
func (sh *shared) adoptOthers() (stop func(), err error) {
	stopHeld, err := sh.store.Follow(heldPrefix, func(_ string, value []byte) {
		if value == nil {
			return // emitted: a gateway whose window ends finds it gone
		}
		var p autosave.Pending
		if err := json.Unmarshal(value, &p); err != nil || p.Event == nil {
			sh.logger.Error("unreadable auto_save window of another gateway left to it", zap.Error(err))
			return
		}
		sh.tracker.Adopt(p)
	})
	if err != nil {
		return nil, err
	}
	stopFollowed, err := sh.store.Follow(followPrefix, func(key string, value []byte) {
		if value == nil {
			// Finished or canceled, here or through another gateway.
			sh.runner.Cancel(strings.TrimPrefix(key, followPrefix))
			return
		}
		var a followup.Action
		err := json.Unmarshal(value, &a)
		if err == nil && a.ID == "" {
			err = errors.New("no action id")
		}
		if err != nil {
			sh.logger.Error("unreadable followed action of another gateway left to it", zap.String("key", key), zap.Error(err))
			return
		}
		sh.runner.Adopt(&a)
	})
	if err != nil {
		stopHeld()
		return nil, err
	}
	return func() {
		stopHeld()
		stopFollowed()
	}, nil
}
