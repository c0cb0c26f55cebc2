package caddymodule

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"
)

// TestReloadUnderLoad reloads the config with changed webhooks while
// clients keep writing, and checks that every write the clients saw
// succeed reaches the webhook that is in every config exactly once.
func TestReloadUnderLoad(t *testing.T) {
	rx := newReceiver(t)
	other := newReceiver(t)
	dir := t.TempDir()
	gwPort, cmsPort := freePort(t), freePort(t)
	config := func(round int) string {
		extra := ""
		if round%2 == 1 {
			extra = fmt.Sprintf(`		webhook "Sometimes" %s/other {
			topics Entry.create
		}
`, other.URL)
		}
		return fmt.Sprintf(`{
	admin localhost:2999
	skip_install_trust
	storage file_system %[1]s/caddy
	cms_events {
		storage_dir %[1]s/events
		workers %[5]d
	}
}

http://127.0.0.1:%[2]d {
	cms_events {
		webhook "Always" %[3]s/hook {
			topics Entry.create
			retry 5 %[6]dms
		}
%[4]s	}
	reverse_proxy 127.0.0.1:%[7]d
}

http://127.0.0.1:%[7]d {
	cms_sandbox
}
`, dir, gwPort, rx.URL, extra, 2+round%3, 100+round, cmsPort)
	}
	tester := caddytest.NewTester(t)
	tester.InitServer(config(0), "caddyfile")
	t.Cleanup(func() { unloadConfig(t) })
	g := &gateway{t: t, base: fmt.Sprintf("http://127.0.0.1:%d", gwPort), client: &http.Client{Timeout: 10 * time.Second}}

	// The sandbox lives in the config, so a reload empties it; every write
	// is a create of a fresh id, which the new sandbox accepts too.
	load := startWriteLoad(g, "w", 4)
	for round := 1; round <= 4; round++ {
		load.waitSucceeded(t, round*20)
		tester.InitServer(config(round), "caddyfile")
	}
	succeeded := load.stop()
	calls := rx.waitDelivered(t, succeeded)
	perKey := map[string]int{}
	for _, c := range calls {
		perKey[c.Header.Get("X-Contentful-Idempotency-Key")]++
	}
	for key, n := range perKey {
		if n > 1 {
			t.Errorf("delivery %s was sent %d times", key, n)
		}
	}
	for _, c := range other.snapshot() {
		if !strings.HasSuffix(c.Path, "/other") {
			t.Errorf("the sometimes-webhook got %s", c.Path)
		}
	}
}
