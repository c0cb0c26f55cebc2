package caddymodule

import (
	"bytes"
	"sync"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

// indexFeed is an index namespace that a registry keeps in memory: prefix
// ends in its only "/", and apply applies one record of it, or its removal
// (value nil). apply may keep value.
type indexFeed struct {
	prefix string
	apply  func(key string, value []byte)
}

// followIndex loads the records of each feed and then applies, in order,
// every change that any gateway sharing the store makes to them, its own
// included. stop ends it. On an error nothing is left running.
func followIndex(store delivery.Backend, feeds ...indexFeed) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for _, s := range stops {
			s()
		}
	}
	for _, f := range feeds {
		s, err := followFeed(store, f)
		if err != nil {
			stop()
			return nil, err
		}
		stops = append(stops, s)
	}
	return stop, nil
}

// followFeed follows the feed's records from before they are read, so that
// no change falls between the read and the following: changes that come
// while they are read wait, and apply in order once they are.
func followFeed(store delivery.Backend, f indexFeed) (stop func(), err error) {
	var (
		mu      sync.Mutex
		loaded  bool
		waiting []delivery.KV
	)
	stop, err = store.Follow(f.prefix, func(key string, value []byte) {
		mu.Lock()
		defer mu.Unlock()
		if !loaded {
			waiting = append(waiting, delivery.KV{Key: key, Value: value})
			return
		}
		f.apply(key, value)
	})
	if err != nil {
		return nil, err
	}
	err = store.Scan(f.prefix, func(key string, value []byte) error {
		f.apply(key, bytes.Clone(value)) // value is the store's only during the call
		return nil
	})
	if err != nil {
		stop()
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range waiting {
		f.apply(c.Key, c.Value)
	}
	waiting, loaded = nil, true
	return stop, nil
}
