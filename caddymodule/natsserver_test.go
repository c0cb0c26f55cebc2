package caddymodule

import (
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// startNATS starts an in-process NATS server with JetStream on a free port
// of 127.0.0.1, its store in a temporary directory, and shuts it down when
// the test ends. configure, if given, changes the options before the start
// (to require a password, say). Its client URL is ClientURL().
func startNATS(t testing.TB, configure ...func(*server.Options)) *server.Server {
	t.Helper()
	opts := &server.Options{
		Host:      "127.0.0.1",
		Port:      -1,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
	}
	for _, f := range configure {
		f(opts)
	}
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatalf("making the NATS server: %v", err)
	}
	s.Start()
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("the NATS server was not ready for connections within 10s")
	}
	return s
}
