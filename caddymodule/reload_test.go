package caddymodule

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
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
	var (
		mu      sync.Mutex
		ok      = map[string]bool{}
		stop    = make(chan struct{})
		writers sync.WaitGroup
	)
	for w := range 4 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, i)
				res, _ := g.try("PUT", "/spaces/sp1/environments/master/entries/"+id, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
				if res == http.StatusCreated {
					mu.Lock()
					ok[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	for round := 1; round <= 4; round++ {
		rx.waitFor(t, 15*time.Second, "writes between reloads", func(c []call) bool { return len(c) >= round*20 })
		tester.InitServer(config(round), "caddyfile")
	}
	close(stop)
	writers.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(ok) < 80 {
		t.Fatalf("only %d writes succeeded under reloads", len(ok))
	}
	calls := rx.waitFor(t, 30*time.Second, fmt.Sprintf("a call for each of the %d writes", len(ok)), func(c []call) bool {
		seen := map[string]bool{}
		for _, x := range c {
			seen[x.Header.Get("X-Contentful-CRN")] = true
		}
		for id := range ok {
			if !seen["crn:contentful:::content:spaces/sp1/environments/master/entries/"+id] {
				return false
			}
		}
		return true
	})
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

// try sends a write and returns its status, or 0 when the request failed.
func (g *gateway) try(method, path string, header map[string]string, body string) (int, error) {
	req, err := http.NewRequest(method, g.base+path, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer test-token")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := g.client.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}
