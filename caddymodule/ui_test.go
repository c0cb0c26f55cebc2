package caddymodule

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The activity page and its API are served on a site path, from the admin
// API's code, without secrets, and refuse changes without the page's header.
func TestActivityPageAPI(t *testing.T) {
	rx := newReceiver(t)
	uiPort, authPort := freePort(t), freePort(t)
	g := startGateway(t, gatewayConfig{
		handler: `		webhook "Hook" ` + rx.URL + `/hook {
			topics *.*
			secret_header X-Key key-secret-value
		}`,
		extra: fmt.Sprintf("http://127.0.0.1:%d {\n\thandle /cms-events/* {\n\t\tcms_events_ui\n\t}\n}\n", uiPort) +
			fmt.Sprintf("http://127.0.0.1:%d {\n\thandle /cms-events/* {\n\t\tbasic_auth {\n\t\t\tops %s\n\t\t}\n\t\tcms_events_ui\n\t}\n}\n", authPort, opsHash),
	})
	ui := fmt.Sprintf("http://127.0.0.1:%d/cms-events/", uiPort)
	g.write(201, "PUT", "/spaces/sp1/environments/master/entries/e1", map[string]string{"X-Contentful-Content-Type": "post"}, `{"fields":{}}`)
	rx.waitCalls(t, 1)

	get := func(path string) (int, http.Header, string) {
		t.Helper()
		res, err := http.Get(ui + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(body)
	}
	status, h, page := get("")
	if status != 200 || !strings.Contains(h.Get("Content-Type"), "text/html") || h.Get("Content-Security-Policy") == "" || !strings.Contains(page, "app.js") {
		t.Fatalf("page: %d %v", status, h)
	}
	for _, asset := range []string{"app.js", "style.css"} {
		if status, _, _ := get(asset); status != 200 {
			t.Fatalf("%s: %d", asset, status)
		}
	}

	// The call is logged once its outcome is recorded, just after the
	// receiver answered.
	var body string
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _, body = get("api/webhooks")
		if status != 200 || strings.Contains(body, "key-secret-value") {
			t.Fatalf("overview: %d %s", status, body)
		}
		var overview struct {
			Webhooks []struct {
				ID     string
				Health struct{ Total, Healthy int }
			}
		}
		json.Unmarshal([]byte(body), &overview)
		if len(overview.Webhooks) == 1 && overview.Webhooks[0].ID == "hook" && overview.Webhooks[0].Health.Total == 1 && overview.Webhooks[0].Health.Healthy == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("overview: %s", body)
		}
		time.Sleep(20 * time.Millisecond)
	}

	status, _, body = get("api/webhooks/hook/activity?limit=5")
	var activity struct {
		Items []struct {
			Sys           struct{ ID string }
			Topic, Entity string
			Attempt       int
			Delivered     bool
			StatusCode    int
		}
		Total int
	}
	json.Unmarshal([]byte(body), &activity)
	if status != 200 || activity.Total != 1 || activity.Items[0].Topic != "ContentManagement.Entry.create" || activity.Items[0].Entity != "e1" ||
		activity.Items[0].Attempt != 1 || !activity.Items[0].Delivered || activity.Items[0].StatusCode != 200 {
		t.Fatalf("activity: %d %s", status, body)
	}
	status, _, body = get("api/webhooks/hook/calls/" + activity.Items[0].Sys.ID)
	if status != 200 || strings.Contains(body, "key-secret-value") || !strings.Contains(body, "[redacted]") {
		t.Fatalf("call details: %d %s", status, body)
	}
	status, _, body = get("api/webhooks/hook/chart")
	var chart struct{ Minutes []struct{ Delivered int } }
	json.Unmarshal([]byte(body), &chart)
	delivered := 0
	for _, m := range chart.Minutes {
		delivered += m.Delivered
	}
	if status != 200 || len(chart.Minutes) != 60 || delivered != 1 {
		t.Fatalf("chart: %d %s", status, body)
	}
	if status, _, body := get("api/webhooks/nope/activity"); status != 404 || !strings.Contains(body, `"error"`) {
		t.Fatalf("unknown webhook: %d %s", status, body)
	}

	post := func(path string, header bool) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", ui+path, nil)
		if header {
			req.Header.Set(uiHeader, "1")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if status, body := post("api/webhooks/hook/pause", false); status != http.StatusForbidden {
		t.Fatalf("a pause without the page's header: %d %s", status, body)
	}
	if status, body := post("api/webhooks/hook/pause", true); status != 200 || !strings.Contains(body, `"paused":true`) {
		t.Fatalf("pause: %d %s", status, body)
	}
	if status, body := post("api/webhooks/hook/resume", true); status != 200 || !strings.Contains(body, `"paused":false`) {
		t.Fatalf("resume: %d %s", status, body)
	}

	// Behind Caddy's basic_auth the page needs the site's credentials and
	// nothing else.
	protected := fmt.Sprintf("http://127.0.0.1:%d/cms-events/api/webhooks", authPort)
	res, err := http.Get(protected)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without credentials: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", protected, nil)
	req.SetBasicAuth("ops", "ops-password")
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("with credentials: %d", res.StatusCode)
	}
}

// opsHash is the bcrypt hash (cost 4, `caddy hash-password --bcrypt-cost 4`)
// of "ops-password", the basic_auth password of the activity page test.
const opsHash = "$2a$04$hbUfrKfA.br5uAsa4u26R.B1Xvoveal4ikpZxnippV5Jrpedm0D76"
