package caddymodule

import (
	"fmt"
	"path/filepath"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

func init() {
	caddy.RegisterModule(BadgerStorage{})
}

// BadgerStorage keeps the queue, the failed deliveries, the call log and
// the index in a Badger database in a local directory, for one Caddy
// process. It is the storage the app uses when none is configured.
type BadgerStorage struct {
	// Dir is the directory of the Badger database; it is created (mode
	// 0700) if missing. Default: `{caddy data dir}/cms_events`.
	Dir string `json:"dir,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (BadgerStorage) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "cms_events.storage.badger",
		New: func() caddy.Module { return new(BadgerStorage) },
	}
}

// Provision makes Dir absolute, defaulting it to the Caddy data directory.
func (s *BadgerStorage) Provision(caddy.Context) error {
	if s.Dir == "" {
		s.Dir = filepath.Join(caddy.AppDataDir(), "cms_events")
	}
	dir, err := filepath.Abs(s.Dir)
	if err != nil {
		return fmt.Errorf("cms_events.storage.badger: dir %q: %v", s.Dir, err)
	}
	s.Dir = dir
	return nil
}

// storageKey names the database by its absolute directory: Badger locks
// the directory, so every config using it shares one open store.
func (s *BadgerStorage) storageKey() string { return "badger:" + s.Dir }

// open opens the Badger database.
func (s *BadgerStorage) open(opts storeOptions, logger *zap.Logger) (delivery.Backend, error) {
	return delivery.OpenStore(delivery.StoreOptions{
		Dir:       s.Dir,
		Logger:    logger.Named("badger"),
		Retention: opts.retention,
		Async:     opts.async,
	})
}

// MarshalLogObject names the storage in logs.
func (s *BadgerStorage) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("module", "badger")
	enc.AddString("dir", s.Dir)
	return nil
}

// UnmarshalCaddyfile sets up the storage from the tokens of a `storage
// badger` line of the `cms_events` global option. Syntax:
//
//	storage badger {
//	    dir <path>
//	}
//
// The block is optional.
func (s *BadgerStorage) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the storage name
	if d.NextArg() {
		return d.Errf("want `storage badger {` followed by a block, or a bare `storage badger` line")
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "dir":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `dir <path>`, e.g. `dir /var/lib/caddy/cms_events`")
			}
			s.Dir = d.Val()
		default:
			return d.Errf("unknown badger storage option %q; the only option is dir, as in `storage badger { dir <path> }`", d.Val())
		}
	}
	return nil
}

// Interface guards
var (
	_ Storage               = (*BadgerStorage)(nil)
	_ caddy.Provisioner     = (*BadgerStorage)(nil)
	_ caddyfile.Unmarshaler = (*BadgerStorage)(nil)
)
