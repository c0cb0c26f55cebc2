package caddymodule

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cmsevents/caddy-cms-events/sandbox"
)

// caddyBinary builds cmd/caddy once per test run and returns its path.
var caddyBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "cms-events-caddy-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "caddy")
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/caddy")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building caddy: %v\n%s", err, out)
	}
	return bin, nil
})

// child is a caddy binary running as a child process.
type child struct {
	t      *testing.T
	cmd    *exec.Cmd
	output *bytes.Buffer
}

// startChild runs the built caddy with a Caddyfile and waits until the
// address ready answers HTTP.
func startChild(t *testing.T, caddyfile, ready string) *child {
	t.Helper()
	bin, err := caddyBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cfg, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	c := &child{t: t, output: new(bytes.Buffer)}
	c.cmd = exec.Command(bin, "run", "--config", cfg, "--adapter", "caddyfile")
	c.cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	c.cmd.Stdout, c.cmd.Stderr = c.output, c.output
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			_ = c.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("caddy output:\n%s", c.output)
		}
	})
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := client.Get(ready)
		if err == nil {
			res.Body.Close()
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("caddy did not answer on %s within 30s: %v\n%s", ready, err, c.output)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL and waits for it.
func (c *child) kill() {
	c.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

// childConfig is a Caddyfile for a child caddy: a gateway with one webhook
// to rx in front of a sandbox, on storage. It returns the gateway's base URL.
func childConfig(t *testing.T, rx *receiver, storage, handler string) (caddyfile, base string) {
	cms := freePort(t)
	caddyfile, base = childConfigTo(t, rx, storage, handler, fmt.Sprintf("127.0.0.1:%d", cms))
	return caddyfile + fmt.Sprintf(`
http://127.0.0.1:%d {
	cms_sandbox
}
`, cms), base
}

// childConfigTo is childConfig with the gateway in front of upstream
// (host:port) instead of a sandbox of its own.
func childConfigTo(t *testing.T, rx *receiver, storage, handler, upstream string) (caddyfile, base string) {
	return childGateway(t, rx, "storage_dir "+storage+"/events", handler, "", upstream)
}

// childGateway is a Caddyfile for a child caddy: a gateway in front of
// upstream (host:port) with the cms_events global options appOptions, the
// handler lines given and one webhook to rx, with webhookLines added to
// its block. It returns the gateway's base URL.
func childGateway(t *testing.T, rx *receiver, appOptions, handler, webhookLines, upstream string) (caddyfile, base string) {
	gw := freePort(t)
	caddyfile = fmt.Sprintf(`{
	admin localhost:%[1]d
	storage file_system %[2]s
	cms_events {
		%[3]s
	}
}

http://127.0.0.1:%[4]d {
	cms_events {
%[5]s
		webhook "hook" %[6]s/hook {
			topics Entry.*
			retry 100 100ms
%[7]s
		}
	}
	reverse_proxy %[8]s
}
`, freePort(t), t.TempDir(), appOptions, gw, handler, rx.URL, webhookLines, upstream)
	return caddyfile, fmt.Sprintf("http://127.0.0.1:%d", gw)
}

// TestCrashKeepsQueuedEvents queues 20 events while the receiver fails,
// kills caddy with SIGKILL, starts it again on the same storage and checks
// that every event arrives, with the idempotency key it had before.
func TestCrashKeepsQueuedEvents(t *testing.T) {
	rx := newReceiver(t)
	rx.status.Store(http.StatusServiceUnavailable)
	caddyfile, base := childConfig(t, rx, t.TempDir(), "")
	g := &gateway{t: t, base: base, client: &http.Client{Timeout: 10 * time.Second}}

	first := startChild(t, caddyfile, base+"/")
	const n = 20
	for i := range n {
		g.write(201, "PUT", fmt.Sprintf("/spaces/sp1/environments/master/entries/e%d", i),
			map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	}
	keys := map[string]string{} // CRN → idempotency key seen while failing
	rx.waitFor(t, 30*time.Second, "a failed attempt of every event", func(calls []call) bool {
		for _, c := range calls {
			keys[c.Header.Get("X-Contentful-CRN")] = c.Header.Get("X-Contentful-Idempotency-Key")
		}
		return len(keys) == n
	})
	first.kill()

	rx.status.Store(http.StatusOK)
	startChild(t, caddyfile, base+"/")
	rx.waitFor(t, 30*time.Second, "every event delivered after the restart", func(calls []call) bool {
		delivered := map[string]bool{}
		for _, c := range calls {
			if c.Status != http.StatusOK {
				continue
			}
			crn := c.Header.Get("X-Contentful-CRN")
			if want := keys[crn]; c.Header.Get("X-Contentful-Idempotency-Key") != want {
				t.Fatalf("%s arrived with idempotency key %q, had %q before the crash", crn, c.Header.Get("X-Contentful-Idempotency-Key"), want)
			}
			delivered[crn] = true
		}
		return len(delivered) == n
	})
}

// TestCrashKeepsAutoSaveWindow kills caddy inside an auto_save window and
// checks that the window's auto_save is emitted after the restart.
func TestCrashKeepsAutoSaveWindow(t *testing.T) {
	rx := newReceiver(t)
	caddyfile, base := childConfig(t, rx, t.TempDir(), "\t\tauto_save {\n\t\t\twindow 3s\n\t\t}")
	g := &gateway{t: t, base: base, client: &http.Client{Timeout: 10 * time.Second}}

	first := startChild(t, caddyfile, base+"/")
	const path = "/spaces/sp1/environments/master/entries/draft"
	e := g.write(201, "PUT", path, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	g.write(200, "PUT", path, map[string]string{"X-Contentful-Version": version(t, e), "X-Contentful-UI-Content-Auto-Save": "true"},
		`{"fields":{"title":{"en-US":"kept"}}}`)
	first.kill()
	if calls := rx.snapshot(); len(calls) > 1 {
		t.Fatalf("the auto_save went out before its window ended: %v", topics(calls))
	}

	startChild(t, caddyfile, base+"/")
	calls := rx.waitFor(t, 30*time.Second, "the auto_save after the restart", func(c []call) bool {
		for _, x := range c {
			if x.topic() == "ContentManagement.Entry.auto_save" {
				return true
			}
		}
		return false
	})
	for _, c := range calls {
		if c.topic() == "ContentManagement.Entry.auto_save" && dig(c.json(t), "fields", "title", "en-US") != "kept" {
			t.Errorf("auto_save body %s, want the held draft", c.Body)
		}
	}
}

// TestKillUnderLoad kills caddy with SIGKILL in the middle of a load of
// concurrent writes, three times, and checks that every write a client saw
// succeed is delivered at least once.
func TestKillUnderLoad(t *testing.T) {
	rx := newReceiver(t)
	caddyfile, base := childConfig(t, rx, t.TempDir(), "")
	g := &gateway{t: t, base: base, client: &http.Client{Timeout: 10 * time.Second}}

	var succeeded []string
	for round := range 3 {
		c := startChild(t, caddyfile, base+"/")
		load := startWriteLoad(g, fmt.Sprintf("r%d", round), 8)
		load.waitSucceeded(t, 200)
		c.kill() // the clients are still writing
		succeeded = append(succeeded, load.stop()...)
	}
	startChild(t, caddyfile, base+"/")
	rx.waitDelivered(t, succeeded)
}

// TestCrashKeepsFollowedAction kills caddy right after a bulk publish went
// through it, before the CMS has run it, and checks that after the restart
// the per-entity publishes are sent once a request to the space brings
// credentials again.
func TestCrashKeepsFollowedAction(t *testing.T) {
	rx := newReceiver(t)
	cms := slowActionCMS(t)
	caddyfile, base := childConfigTo(t, rx, t.TempDir(), "", strings.TrimPrefix(cms, "http://"))
	g := &gateway{t: t, base: base, cms: cms, client: &http.Client{Timeout: 10 * time.Second}}

	first := startChild(t, caddyfile, base+"/")
	bulkID := g.startBulkPublish("e1", "e2")
	first.kill()

	startChild(t, caddyfile, base+"/")
	g.waitBulkRan(masterEnv, bulkID)
	g.write(201, "PUT", masterEnv+"/entries/e3", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	checkBulkPublishes(t, rx, bulkID, "e1", "e2")
}

// masterEnv is the path of the master environment of space sp1.
const masterEnv = "/spaces/sp1/environments/master"

// slowActionCMS starts a sandbox CMS that runs bulk actions a second after
// they are made, and returns its URL.
func slowActionCMS(t *testing.T) string {
	t.Helper()
	sb := sandbox.New(sandbox.WithActionDelay(time.Second))
	cms := httptest.NewServer(sb)
	t.Cleanup(func() {
		cms.Close()
		sb.Close()
	})
	return cms.URL
}

// startBulkPublish makes the entries through g and starts a bulk publish
// of them; it returns the bulk action's id.
func (g *gateway) startBulkPublish(ids ...string) string {
	for _, id := range ids {
		g.write(201, "PUT", masterEnv+"/entries/"+id, map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	}
	bulk := g.write(201, "POST", masterEnv+"/bulk_actions/publish", nil, `{"entities":`+entryLinks(ids...)+`}`)
	return dig(bulk, "sys", "id").(string)
}

// checkBulkPublishes waits for a publish of each entry and checks that
// each names the bulk action.
func checkBulkPublishes(t *testing.T, rx *receiver, bulkID string, ids ...string) {
	t.Helper()
	calls := rx.waitFor(t, 30*time.Second, "the bulk action's publishes", func(calls []call) bool {
		return countTopics(calls, is("ContentManagement.Entry.publish")) == len(ids)
	})
	for _, c := range calls {
		if c.topic() == "ContentManagement.Entry.publish" && c.Header.Get("X-Contentful-Bulk-Action-Id") != bulkID {
			t.Errorf("publish of %s has x-contentful-bulk-action-id %q, want %q", callEntity(c), c.Header.Get("X-Contentful-Bulk-Action-Id"), bulkID)
		}
	}
}
