package caddymodule

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddytest"
)

// TestAdaptGolden adapts every testdata/adapt/*.caddytest Caddyfile and
// compares the JSON with the expected output after the "----------" line.
func TestAdaptGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/adapt/*.caddytest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no adapt golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want, ok := strings.Cut(string(raw), "\n----------\n")
			if *updateGolden {
				writeGolden(t, file, input)
				return
			}
			if !ok {
				t.Fatalf("%s has no ---------- separator", file)
			}
			if !caddytest.CompareAdapt(t, file, input, "caddyfile", strings.TrimSpace(want)) {
				t.Errorf("adapted JSON of %s differs from the golden output (diff above)", file)
			}
		})
	}
}

var updateGolden = flag.Bool("update", false, "rewrite the adapt golden files with the current output")

// writeGolden replaces the expected output of a golden file.
func writeGolden(t *testing.T, file, input string) {
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(input), nil)
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "\t"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(input+"\n----------\n"+pretty.String()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestHandlerCaddyfileErrors checks that bad lines are refused with the
// line number and the expected form.
func TestHandlerCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"args on first line", `cms_events foo`, "want `cms_events {`"},
		{"webhooks_api takes no argument", "cms_events {\n\twebhooks_api yes\n}", "want a bare `webhooks_api` line, at Testfile:2"},
		{"unknown subdirective", "cms_events {\n\tnope\n}", `unknown cms_events subdirective "nope"; the subdirectives are profile, signing_secret, webhooks_file, webhooks_api, alias, auto_save and webhook, at Testfile:2`},
		{"profile without name", "cms_events {\n\tprofile\n}", "want `profile <name>`"},
		{"custom profile without routes", "cms_events {\n\tprofile custom\n}", "needs a block with at least one route"},
		{"custom route arity", "cms_events {\n\tprofile custom {\n\t\troute POST /a\n\t}\n}", "want `route <method> <path> [<status>[,<status>…]] <action>`, e.g. `route PUT /api/{collection}/{id} 200 save`, at Testfile:3"},
		{"custom route status", "cms_events {\n\tprofile custom {\n\t\troute POST /a ok create\n\t}\n}", "the status is a number"},
		{"custom profile check", "cms_events {\n\tprofile custom {\n\t\troute POST /a create\n\t\ttype {collection}\n\t}\n}", "type {collection}: the path has no such parameter"},
		{"custom unknown line", "cms_events {\n\tprofile custom {\n\t\tcolour red\n\t}\n}", `unknown custom profile subdirective "colour"`},
		{"webhook without url", "cms_events {\n\twebhook onlyname\n}", "want `webhook <name> <url> { … }`"},
		{"webhook without topics", "cms_events {\n\twebhook a http://x {\n\t}\n}", "has no `topics` line"},
		{"topics and channels", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\tchannels $all\n\t}\n}", "has both `topics` and `channels`"},
		{"channels without channel", "cms_events {\n\twebhook a http://x {\n\t\tchannels\n\t}\n}", "want `channels <channel...>`, e.g. `channels content_types.entries.publish assets.delete` (Contentstack), at Testfile:3"},
		{"bad retry", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\tretry many\n\t}\n}", "Testfile:4"},
		{"bad retry delay", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\tretry 3 soon\n\t}\n}", "delay must be a duration such as 30s, got \"soon\""},
		{"bad backoff", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\tretry 3 1s linear\n\t}\n}", "the backoff is fixed or exponential"},
		{"bad max delay", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\tretry 3 1s exponential never\n\t}\n}", "maxDelay must be a duration"},
		{"bad timeout", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\ttimeout -\n\t}\n}", "want `timeout <duration>`"},
		{"header arity", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\theader X-Only\n\t}\n}", "want `header <name> <value>`, at Testfile:4"},
		{"bad filter", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\tfilter like sys.id x\n\t}\n}", `unknown filter "like"`},
		{"equals arity", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\tfilter equals sys.id a b\n\t}\n}", "want `filter [not] equals <doc> <value>`"},
		{"unknown webhook subdirective", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\tcolour red\n\t}\n}", `unknown webhook subdirective "colour"`},
		{"transform body not json", "cms_events {\n\twebhook a http://x {\n\t\ttopics *.*\n\t\ttransform {\n\t\t\tbody `{nope`\n\t\t}\n\t}\n}", "transform body is not valid JSON: {nope, at Testfile:5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := new(Handler).UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestAppCaddyfileErrors checks the global option's refusals.
func TestAppCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct {
		name, input, want string
	}{
		{"workers not a number", "cms_events {\n\tworkers lots\n}", "want `workers <n>` with a positive whole number, got \"lots\", at Testfile:2"},
		{"max_body bad size", "cms_events {\n\tmax_body huge\n}", "want `max_body <size>` such as 4MiB"},
		{"max_body too large", "cms_events {\n\tmax_body 9MiB\n}", "max_body can be at most 8MiB (a queued delivery holds the whole answer), got \"9MiB\", at Testfile:2"},
		{"unknown option", "cms_events {\n\tcolour red\n}", `unknown cms_events option "colour"; the options are storage_dir, storage, workers, max_body, retention, durability and deny_private, at Testfile:2`},
		{"storage_dir twice", "cms_events {\n\tstorage_dir a b\n}", "want `storage_dir <path>`"},
		{"storage without name", "cms_events {\n\tstorage\n}", "want `storage badger { … }` or `storage nats { … }`, at Testfile:2"},
		{"unknown storage", "cms_events {\n\tstorage redis {\n\t\taddr x\n\t}\n}", "unknown storage \"redis\"; want `storage badger { … }` or `storage nats { … }`, at Testfile:2"},
		{"storage twice", "cms_events {\n\tstorage badger\n\tstorage nats {\n\t\turl nats://a:4222\n\t}\n}", "storage is given twice; keep one `storage badger { … }` or `storage nats { … }` block, at Testfile:3"},
		{"storage_dir then storage", "cms_events {\n\tstorage_dir /a\n\tstorage badger {\n\t\tdir /b\n\t}\n}", "storage_dir and storage both say where the storage is; keep one: `storage badger { dir <path> }` or `storage_dir <path>` alone, at Testfile:3"},
		{"storage then storage_dir", "cms_events {\n\tstorage nats {\n\t\turl nats://a:4222\n\t}\n\tstorage_dir /a\n}", "storage_dir and storage both say where the storage is; keep one: `storage badger { dir <path> }` or `storage_dir <path>` alone, at Testfile:5"},
		{"badger dir arity", "cms_events {\n\tstorage badger {\n\t\tdir\n\t}\n}", "want `dir <path>`, e.g. `dir /var/lib/caddy/cms_events`, at Testfile:3"},
		{"badger unknown option", "cms_events {\n\tstorage badger {\n\t\tpath /a\n\t}\n}", "unknown badger storage option \"path\"; the only option is dir, as in `storage badger { dir <path> }`, at Testfile:3"},
		{"nats args", "cms_events {\n\tstorage nats nats://a:4222\n}", "want `storage nats {` followed by a block with at least a `url` line, at Testfile:2"},
		{"nats missing url", "cms_events {\n\tstorage nats {\n\t\tstream EVENTS\n\t}\n}", "storage nats needs a `url` line; want `storage nats { url nats://host:4222 }`, at Testfile:2"},
		{"nats bare", "cms_events {\n\tstorage nats\n}", "storage nats needs a `url` line; want `storage nats { url nats://host:4222 }`, at Testfile:2"},
		{"nats empty url", "cms_events {\n\tstorage nats {\n\t\turl ,\n\t}\n}", "want `url <nats url>[,<nats url>…]`, e.g. `url nats://a:4222,nats://b:4222`, at Testfile:3"},
		{"nats replicas word", "cms_events {\n\tstorage nats {\n\t\turl nats://a:4222\n\t\treplicas three\n\t}\n}", "want `replicas <n>` with a whole number from 1 to 5, got \"three\", at Testfile:4"},
		{"nats replicas too many", "cms_events {\n\tstorage nats {\n\t\turl nats://a:4222\n\t\treplicas 7\n\t}\n}", "want `replicas <n>` with a whole number from 1 to 5, got \"7\", at Testfile:4"},
		{"nats replicas missing", "cms_events {\n\tstorage nats {\n\t\turl nats://a:4222\n\t\treplicas\n\t}\n}", "want `replicas <n>`, e.g. `replicas 3`, at Testfile:4"},
		{"nats creds arity", "cms_events {\n\tstorage nats {\n\t\turl nats://a:4222\n\t\tcreds a b\n\t}\n}", "want `creds <path>`, e.g. `creds /etc/nats/gateway.creds`, at Testfile:4"},
		{"nats stream arity", "cms_events {\n\tstorage nats {\n\t\turl nats://a:4222\n\t\tstream\n\t}\n}", "want `stream <name>`, e.g. `stream CMS_EVENTS`, at Testfile:4"},
		{"nats timeout", "cms_events {\n\tstorage nats {\n\t\turl nats://a:4222\n\t\ttimeout soon\n\t}\n}", "want `timeout <duration>` such as 10s or 1m, got \"soon\", at Testfile:4"},
		{"nats unknown option", "cms_events {\n\tstorage nats {\n\t\turl nats://a:4222\n\t\tuser gw\n\t}\n}", "unknown nats storage option \"user\"; the options are url, creds, replicas, stream and timeout, at Testfile:4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := new(App).UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
