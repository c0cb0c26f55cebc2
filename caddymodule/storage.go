package caddymodule

import (
	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

// stores shares one open Badger database per absolute storage directory
// between configs: Caddy provisions a new config before it cleans up the
// old one, and Badger holds a directory lock.
var stores = caddy.NewUsagePool()

// storeCloser closes a store when the last config using it is cleaned up.
type storeCloser struct{ store *delivery.Store }

// Destruct implements caddy.Destructor.
func (c storeCloser) Destruct() error { return c.store.Close() }

// acquireStore opens the store in dir, or shares the one already open.
func acquireStore(dir string, logger *zap.Logger) (*delivery.Store, error) {
	v, _, err := stores.LoadOrNew(dir, func() (caddy.Destructor, error) {
		s, err := delivery.OpenStore(delivery.StoreOptions{
			Dir:    dir,
			Logger: logger.Named("badger"),
		})
		if err != nil {
			return nil, err
		}
		return storeCloser{s}, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(storeCloser).store, nil
}

// releaseStore drops one use of the store in dir.
func releaseStore(dir string) error {
	_, err := stores.Delete(dir)
	return err
}
