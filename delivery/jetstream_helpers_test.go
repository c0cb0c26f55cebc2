package delivery

import (
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/cmsevents/caddy-cms-events/internal/natstest"
)

// startNATS starts one NATS server with JetStream for the test.
func startNATS(t testing.TB) *natstest.Cluster {
	t.Helper()
	c, err := natstest.Start(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Shutdown)
	return c
}

// openTestJetStream opens the JetStream backend on the servers at urls,
// closed at the test's end.
func openTestJetStream(t testing.TB, urls []string) *JetStream {
	t.Helper()
	b, err := OpenJetStream(JetStreamOptions{URLs: urls, Logger: zaptest.NewLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func TestRedactURLs(t *testing.T) {
	got := redactURLs([]string{"nats://a:4222", "nats://gw:s3cret@b:4222", "nats://tok3n@c:4222", "nats://%zz@d"})
	want := "nats://a:4222,nats://gw:xxxxx@b:4222,nats://xxxxx@c:4222,(url 4, unreadable)"
	if got != want {
		t.Fatalf("redactURLs = %q; want %q", got, want)
	}
}
