package caddymodule

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/cmsevents/caddy-cms-events/delivery"
)

func init() {
	caddy.RegisterModule(NATSStorage{})
}

// maxReplicas is the most servers JetStream keeps a stream on.
const maxReplicas = 5

// NATSStorage keeps the queue, the failed deliveries, the call log and the
// index in NATS JetStream: streams named after Stream and a key-value
// bucket. Every gateway connected to the same servers with the same Stream
// shares them: a delivery is sent by one of them, and the call log,
// pauses and redeliveries are the same everywhere.
//
// Every write is acknowledged by the servers before the client gets its
// answer, so the app's `durability async` does not apply and is refused.
//
// Configs with the same servers and stream share one connection across
// reloads: a reload that changes only creds, replicas, timeout or the
// app's retention keeps the open connection, and the change takes effect
// when the connection is next opened (after a restart).
type NATSStorage struct {
	// URLs are the NATS servers to connect to, such as
	// `nats://nats-1:4222` (`tls://…` for TLS,
	// `nats://user:password@host:4222` to log in with a password); the
	// client learns the rest of the cluster from them. An entry may hold
	// several URLs separated by commas, and placeholders such as
	// `{env.NATS_URL}` are replaced. Passwords are never logged. Required;
	// no default.
	URLs []string `json:"url,omitempty"`

	// Creds is the path of a NATS credentials file (a user JWT and its
	// NKey seed) to log in with; placeholders are replaced. Default: none.
	Creds string `json:"creds,omitempty"`

	// Replicas is how many servers hold each stream, from 1 to 5: 3 on a
	// cluster of three or more servers keeps the queue when one is lost.
	// Default: 1.
	Replicas int `json:"replicas,omitempty"`

	// Stream names the delivery stream; the failed list, the call log and
	// the index are named after it (`<stream>_FAILED`, `<stream>_CALLS`,
	// `<stream>_INDEX`). Letters, digits, `-` and `_`. Gateways that share
	// their deliveries use the same name. Default: `CMS_EVENTS`.
	Stream string `json:"stream,omitempty"`

	// Timeout bounds one request to the servers (connecting, a publish, a
	// read). Default: 10s.
	Timeout caddy.Duration `json:"timeout,omitempty"`

	// urls are URLs after replacement, split and parsed.
	urls []*url.URL
}

// CaddyModule returns the Caddy module information.
func (NATSStorage) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "cms_events.storage.nats",
		New: func() caddy.Module { return new(NATSStorage) },
	}
}

// Provision replaces placeholders, checks the URLs and sets the defaults.
func (s *NATSStorage) Provision(caddy.Context) error {
	repl := caddy.NewReplacer()
	s.urls = nil
	for i, raw := range s.URLs {
		for _, one := range splitURLs(repl.ReplaceKnown(raw, "")) {
			u, err := parseNATSURL(one)
			if err != nil {
				// The URL may hold a password: name it by position only.
				return fmt.Errorf("cms_events.storage.nats: url entry %d: %v", i+1, err)
			}
			s.urls = append(s.urls, u)
		}
	}
	if len(s.urls) == 0 {
		return errors.New("cms_events.storage.nats: no NATS server URL; give at least one (Caddyfile: `url nats://host:4222` in the `storage nats` block, JSON: \"url\": [\"nats://host:4222\"])")
	}
	s.Creds = repl.ReplaceKnown(s.Creds, "")
	if s.Replicas == 0 {
		s.Replicas = 1
	}
	if s.Replicas < 0 || s.Replicas > maxReplicas {
		return fmt.Errorf("cms_events.storage.nats: replicas must be between 1 and %d, got %d", maxReplicas, s.Replicas)
	}
	if s.Stream == "" {
		s.Stream = delivery.DefaultStream
	}
	if s.Timeout < 0 {
		return fmt.Errorf("cms_events.storage.nats: timeout must be positive, got %v", time.Duration(s.Timeout))
	}
	return nil
}

// splitURLs splits a comma-separated list of URLs, dropping empty entries.
func splitURLs(list string) []string {
	var out []string
	for u := range strings.SplitSeq(list, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// parseNATSURL parses a server URL; a bare host:port means nats://. Its
// error never quotes the URL, which may hold a password.
func parseNATSURL(raw string) (*url.URL, error) {
	if !strings.Contains(raw, "://") {
		raw = "nats://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, errors.New("not a NATS server URL; want nats://host:4222 (or tls://, ws://, wss://)")
	}
	switch u.Scheme {
	case "nats", "tls", "ws", "wss":
	default:
		return nil, fmt.Errorf("scheme %q is not a NATS one; want nats://host:4222 (or tls://, ws://, wss://)", u.Scheme)
	}
	return u, nil
}

// redactURL returns u with its password, or a user name standing alone
// (which NATS reads as a token), replaced.
func redactURL(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	if _, ok := u.User.Password(); ok {
		return u.Redacted()
	}
	c := *u
	c.User = url.User("xxxxx")
	return c.String()
}

// redactedURLs returns the URLs as they may be logged.
func (s *NATSStorage) redactedURLs() []string {
	out := make([]string, len(s.urls))
	for i, u := range s.urls {
		out[i] = redactURL(u)
	}
	return out
}

// storageKey names the stream by its servers and its name: every config
// using them shares one connection.
func (s *NATSStorage) storageKey() string {
	urls := make([]string, len(s.urls))
	for i, u := range s.urls {
		urls[i] = u.String()
	}
	slices.Sort(urls)
	return "nats:" + strings.Join(slices.Compact(urls), ",") + "/" + s.Stream
}

// open connects to the servers and sets up the streams and the bucket.
func (s *NATSStorage) open(opts storeOptions, logger *zap.Logger) (delivery.Backend, error) {
	urls := make([]string, len(s.urls))
	for i, u := range s.urls {
		urls[i] = u.String()
	}
	b, err := delivery.OpenJetStream(delivery.JetStreamOptions{
		URLs:      urls,
		CredsFile: s.Creds,
		Stream:    s.Stream,
		Replicas:  s.Replicas,
		Retention: opts.retention,
		Timeout:   time.Duration(s.Timeout),
		Name:      connectionName(),
		Logger:    logger.Named("nats"),
	})
	if err != nil {
		return nil, fmt.Errorf("cms_events.storage.nats: %w", err)
	}
	return b, nil
}

// connectionName is the name the NATS servers show for the gateway's
// connection.
func connectionName() string {
	if host, err := os.Hostname(); err == nil {
		return "caddy cms_events on " + host
	}
	return "caddy cms_events"
}

// MarshalLogObject names the storage in logs: the servers without
// passwords, the stream, and the path (not the content) of the
// credentials file.
func (s *NATSStorage) MarshalLogObject(enc zapcore.ObjectEncoder) error {
	enc.AddString("module", "nats")
	err := enc.AddArray("url", zapcore.ArrayMarshalerFunc(func(arr zapcore.ArrayEncoder) error {
		for _, u := range s.redactedURLs() {
			arr.AppendString(u)
		}
		return nil
	}))
	enc.AddString("stream", s.Stream)
	enc.AddInt("replicas", s.Replicas)
	if s.Creds != "" {
		enc.AddString("creds", s.Creds)
	}
	return err
}

// UnmarshalCaddyfile sets up the storage from the tokens of a `storage
// nats` block of the `cms_events` global option. Syntax:
//
//	storage nats {
//	    url      <nats url>[,<nats url>…] [<nats url>…]
//	    creds    <path>
//	    replicas <n>
//	    stream   <name>
//	    timeout  <duration>
//	}
//
// `url` is required and may be given more than once.
func (s *NATSStorage) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume the storage name
	if d.NextArg() {
		return d.Errf("want `storage nats {` followed by a block with at least a `url` line")
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "url":
			var urls []string
			for _, arg := range d.RemainingArgs() {
				urls = append(urls, splitURLs(arg)...)
			}
			if len(urls) == 0 {
				return d.Errf("want `url <nats url>[,<nats url>…]`, e.g. `url nats://a:4222,nats://b:4222`")
			}
			s.URLs = append(s.URLs, urls...)
		case "creds":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `creds <path>`, e.g. `creds /etc/nats/gateway.creds`")
			}
			s.Creds = d.Val()
		case "replicas":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `replicas <n>`, e.g. `replicas 3`")
			}
			n, err := strconv.Atoi(d.Val())
			if err != nil || n < 1 || n > maxReplicas {
				return d.Errf("want `replicas <n>` with a whole number from 1 to %d, got %q", maxReplicas, d.Val())
			}
			s.Replicas = n
		case "stream":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `stream <name>`, e.g. `stream CMS_EVENTS`")
			}
			s.Stream = d.Val()
		case "timeout":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return d.Errf("want `timeout <duration>`, e.g. `timeout 10s`")
			}
			t, err := caddy.ParseDuration(d.Val())
			if err != nil || t <= 0 {
				return d.Errf("want `timeout <duration>` such as 10s or 1m, got %q", d.Val())
			}
			s.Timeout = caddy.Duration(t)
		default:
			return d.Errf("unknown nats storage option %q; the options are url, creds, replicas, stream and timeout", d.Val())
		}
	}
	if len(s.URLs) == 0 {
		d.Reset()
		d.Next()
		return d.Errf("storage nats needs a `url` line; want `storage nats { url nats://host:4222 }`")
	}
	return nil
}

// Interface guards
var (
	_ Storage               = (*NATSStorage)(nil)
	_ caddy.Provisioner     = (*NATSStorage)(nil)
	_ caddyfile.Unmarshaler = (*NATSStorage)(nil)
)
