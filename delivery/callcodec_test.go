package delivery

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestCallRoundTrip(t *testing.T) {
	dl := NewDelivery("rebuild-site", testEvent("ev1"), time.Now())
	dl.Event.Headers = map[string]string{"x-contentful-bulk-action-id": "b1"}
	at := time.Date(2026, 6, 22, 18, 42, 22, 587_654_321, time.UTC)
	answered := attempt{
		requestAt:  at,
		responseAt: at.Add(15 * time.Millisecond),
		request: CallRequest{Method: "POST", URL: "https://ci.example.com/hook", Body: dl.Event.Payload,
			Header: http.Header{"Content-Type": {"application/json"}, "X-Api-Key": {"[redacted]"}, "X-Multi": {"a", "b"}}},
		response: CallResponse{StatusCode: 503, Header: http.Header{"Retry-After": {"5"}}, Body: []byte("busy")},
	}
	transformed := answered
	transformed.request.Body = []byte(`{"id":"e-ev1"}`)
	unanswered := attempt{requestAt: at, responseAt: at.Add(time.Second), request: CallRequest{Method: "GET", URL: "http://x/"}}
	tests := []struct {
		name      string
		a         attempt
		errName   string
		delivered bool
		wantBody  string
	}{
		{"body is the payload", answered, "", false, string(dl.Event.Payload)},
		{"transformed body", transformed, "", true, `{"id":"e-ev1"}`},
		{"no answer", unanswered, "TimeoutError", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := encodeCall("0123456789abcdef0123456789abcdef", dl, &tt.a, tt.errName, tt.delivered)
			ov, ex, err := decodeCall(v)
			if err != nil {
				t.Fatal(err)
			}
			wantErrors := []string{}
			if tt.errName != "" {
				wantErrors = []string{tt.errName}
			}
			wantOv := CallOverview{
				Sys: CallSys{ID: "0123456789abcdef0123456789abcdef", Type: CallOverviewType, Space: newLink("Space", "sp1"),
					CreatedBy: newLink("WebhookDefinition", "rebuild-site"), CreatedAt: formatCallTime(tt.a.requestAt)},
				StatusCode: tt.a.response.StatusCode, Errors: wantErrors, EventType: "publish", URL: tt.a.request.URL,
				RequestAt: formatCallTime(tt.a.requestAt), ResponseAt: formatCallTime(tt.a.responseAt),
			}
			if !reflect.DeepEqual(ov, wantOv) {
				t.Errorf("overview = %+v\nwant       %+v", ov, wantOv)
			}
			if head, err := decodeOverview(v); err != nil || !reflect.DeepEqual(head, wantOv) {
				t.Errorf("decodeOverview = %+v, %v", head, err)
			}
			wantReq := CallDetailsRequest{URL: tt.a.request.URL, Method: tt.a.request.Method, Headers: map[string]string{}, Body: tt.wantBody}
			for k, vals := range tt.a.request.Header {
				wantReq.Headers[k] = strings.Join(vals, ", ")
			}
			wantResp := CallDetailsResponse{URL: tt.a.request.URL, Headers: map[string]string{}, Body: string(tt.a.response.Body), StatusCode: tt.a.response.StatusCode}
			for k, vals := range tt.a.response.Header {
				wantResp.Headers[k] = strings.Join(vals, ", ")
			}
			if !reflect.DeepEqual(ex.Request, wantReq) || !reflect.DeepEqual(ex.Response, wantResp) {
				t.Errorf("request, response = %+v, %+v\nwant                %+v, %+v", ex.Request, ex.Response, wantReq, wantResp)
			}
			if ex.DeliveryID != dl.ID || ex.Delivered != tt.delivered || ex.Event.ID != "ev1" ||
				string(ex.Event.Payload) != string(dl.Event.Payload) || ex.Event.Headers["x-contentful-bulk-action-id"] != "b1" {
				t.Errorf("extra = %+v", ex)
			}
			// The details keep Contentful's JSON shape: [] and {} rather than null.
			raw, err := json.Marshal(CallDetails{CallOverview: ov, Request: ex.Request, Response: ex.Response})
			if err != nil || strings.Contains(string(raw), "null") {
				t.Errorf("details JSON = %s, %v", raw, err)
			}
		})
	}
}

// TestCallPayloadStoredOnce checks that a request body equal to the event's
// payload is not stored a second time.
func TestCallPayloadStoredOnce(t *testing.T) {
	dl := NewDelivery("w", benchEvent(1), time.Now())
	a := attempt{request: CallRequest{Method: "POST", URL: "http://x/", Body: dl.Event.Payload}}
	v := encodeCall(newCallID(), dl, &a, "", true)
	if n := strings.Count(string(v), string(dl.Event.Payload)); n != 1 {
		t.Fatalf("the payload is stored %d times, want once", n)
	}
}

func TestDecodeCallRejects(t *testing.T) {
	dl := NewDelivery("w", testEvent("1"), time.Now())
	a := attempt{request: CallRequest{Method: "POST", URL: "http://x/", Body: []byte("own body")}, response: CallResponse{StatusCode: 200}}
	valid := encodeCall(newCallID(), dl, &a, "", true)
	for _, v := range [][]byte{nil, []byte(`{"sys":{}}`), append([]byte{7}, valid[1:]...), append(append([]byte(nil), valid...), 1)} {
		if _, _, err := decodeCall(v); err == nil {
			t.Errorf("decodeCall(%q) succeeded", v)
		}
	}
	for n := range len(valid) {
		if _, _, err := decodeCall(valid[:n]); err == nil {
			t.Fatalf("the first %d of %d bytes decoded without error", n, len(valid))
		}
	}
}

// TestCallsSkipUnreadable puts a call in the JSON layout of an earlier
// version in the log: listing leaves it out and logs it, reading or
// redelivering it gives an error that says why.
func TestCallsSkipUnreadable(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	s, err := OpenStore(StoreOptions{Dir: t.TempDir(), Logger: zap.New(core)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	good := recordTestCall(t, s, "w", 200)
	bad := recordTestCall(t, s, "w", 200)
	e, ok := s.calls.find("w", bad, time.Now().Unix())
	if !ok {
		t.Fatal("the call just recorded is not in the index")
	}
	err = s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(callKey("w", e.seq, e.id), []byte(`{"sys":{"id":"`+bad+`"}}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	items, total, err := s.Calls("w", 0, 10)
	if err != nil || total != 2 || len(items) != 1 || items[0].Sys.ID != good {
		t.Fatalf("Calls = %+v, %d, %v; want the readable call only", items, total, err)
	}
	if entries := logs.FilterMessageSnippet("unreadable call-log entry").All(); len(entries) != 1 || entries[0].ContextMap()["call"] != bad {
		t.Fatalf("log entries = %+v; want one naming the call", entries)
	}
	if _, _, err := s.Call("w", bad); err == nil || !strings.Contains(err.Error(), "JSON") {
		t.Errorf("Call = %v; want an error naming the JSON layout", err)
	}
	if err := s.Redeliver("w", bad); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("Redeliver = %v; want an error other than not found", err)
	}
}
