// Package bench_test builds the benchmark tools and runs them once, briefly,
// to keep bench/run.sh working. It measures nothing.
package bench_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// tools are the programs under cmd/ that run.sh builds.
var tools = []string{"bench", "fsync", "load", "nats", "receiver", "upstream"}

func TestRunShBuildsEveryTool(t *testing.T) {
	entries, err := os.ReadDir("cmd")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if strings.Join(dirs, " ") != strings.Join(tools, " ") {
		t.Errorf("cmd/ holds %v, the tests know %v", dirs, tools)
	}
	script, err := os.ReadFile("run.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools {
		if !strings.Contains(string(script), " "+tool) {
			t.Errorf("run.sh does not build %s", tool)
		}
	}
	if info, err := os.Stat("run.sh"); err != nil || info.Mode()&0o111 == 0 {
		t.Errorf("run.sh is not executable")
	}
}

// build compiles every tool into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, tool := range tools {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, tool), "./cmd/"+tool).CombinedOutput()
		if err != nil {
			t.Fatalf("go build ./cmd/%s: %v\n%s", tool, err, out)
		}
	}
	return dir
}

// serve starts a tool server and returns the address it prints.
func serve(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("%s printed no address: %v", bin, err)
	}
	return strings.TrimSpace(line)
}

// loadResult is the part of the load tool's output checked here.
type loadResult struct {
	Sent, OK, Errors int
}

func runLoad(t *testing.T, bin string, args ...string) loadResult {
	t.Helper()
	out, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("load %v: %v", args, err)
	}
	var r loadResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("load printed %q: %v", out, err)
	}
	return r
}

func TestToolsBuildAndRun(t *testing.T) {
	bin := build(t)
	upstream := serve(t, filepath.Join(bin, "upstream"))
	receiver := serve(t, filepath.Join(bin, "receiver"), "-record")

	r := runLoad(t, filepath.Join(bin, "load"), "-url", "http://"+upstream+"/spaces/s/environments/master/entries/{id}",
		"-method", "PUT", "-body-size", "1024", "-c", "2", "-n", "20", "-id-prefix", "t-")
	if r.Sent != 20 || r.OK != 20 || r.Errors != 0 {
		t.Errorf("writes to the upstream: %+v, want 20 ok", r)
	}
	r = runLoad(t, filepath.Join(bin, "load"), "-url", "http://"+receiver+"/hook", "-method", "POST",
		"-H", "X-Contentful-CRN: crn:contentful:::content:spaces/s/environments/master/entries/e1", "-n", "3")
	if r.OK != 3 {
		t.Errorf("calls to the receiver: %+v, want 3 ok", r)
	}
	resp, err := http.Get("http://" + receiver + "/_arrivals")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if lines := strings.Split(strings.TrimSpace(string(body)), "\n"); len(lines) != 3 || !strings.HasPrefix(lines[0], "e1 ") {
		t.Errorf("receiver arrivals: %q", body)
	}

	// Calls with the headers and signature of a cms_events webhook: the
	// receiver finds each one's entity id in its X-Contentful-CRN.
	signedReceiver := serve(t, filepath.Join(bin, "receiver"), "-record")
	signed := exec.Command(filepath.Join(bin, "load"), "-url", "http://"+signedReceiver+"/hook", "-method", "POST",
		"-body-size", "1024", "-contentful-webhook", "bench", "-id-prefix", "s-", "-n", "2")
	signed.Env = append(os.Environ(), "LOAD_SIGNING_SECRET="+strings.Repeat("k", 64))
	out, err := signed.Output()
	if err != nil {
		t.Fatalf("load -contentful-webhook: %v", err)
	}
	if err := json.Unmarshal(out, &r); err != nil || r.OK != 2 {
		t.Errorf("signed calls to the receiver: %s (%v), want 2 ok", out, err)
	}
	resp, err = http.Get("http://" + signedReceiver + "/_arrivals")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if ids := strings.Fields(string(body)); len(ids) != 4 || !strings.HasPrefix(ids[0], "s-") || !strings.HasPrefix(ids[2], "s-") {
		t.Errorf("receiver arrivals of the signed calls: %q", body)
	}

	out, err = exec.Command(filepath.Join(bin, "fsync"), "-dir", t.TempDir(), "-d", "50ms").Output()
	if err != nil {
		t.Fatalf("fsync: %v", err)
	}
	var fs struct{ N int }
	if err := json.Unmarshal(out, &fs); err != nil || fs.N == 0 {
		t.Errorf("fsync printed %q (%v)", out, err)
	}

	for _, nodes := range []string{"1", "3"} {
		urls := serve(t, filepath.Join(bin, "nats"), "-dir", t.TempDir(), "-nodes", nodes)
		n := 0
		for u := range strings.SplitSeq(urls, ",") {
			if !strings.HasPrefix(u, "nats://127.0.0.1:") {
				t.Errorf("nats -nodes %s printed %q, want client URLs on 127.0.0.1", nodes, urls)
			}
			n++
		}
		if strconv.Itoa(n) != nodes {
			t.Errorf("nats -nodes %s printed %d URLs: %q", nodes, n, urls)
		}
	}

	if out, err := exec.Command(filepath.Join(bin, "bench")).CombinedOutput(); err == nil || !strings.Contains(string(out), "-caddy") {
		t.Errorf("bench without flags should explain them; got %v: %s", err, out)
	}
}
