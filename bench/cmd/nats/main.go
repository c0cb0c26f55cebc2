// Command nats runs NATS servers with JetStream on loopback, storing under
// -dir: one server, or -nodes servers routed to each other as a cluster
// (internal/natstest). Once JetStream answers through every server, it
// prints their client URLs, comma-separated, as its first line of output;
// it runs until SIGTERM or SIGINT, then stops the servers.
//
// The servers keep NATS's defaults otherwise: JetStream file storage
// synced every 2 minutes (`sync_interval`), a publish acknowledged once a
// majority of the stream's replicas has stored it.
//
//	nats -dir DIR [-nodes 1]
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/cmsevents/caddy-cms-events/internal/natstest"
)

func main() {
	dir := flag.String("dir", "", "directory the servers store their JetStream data under, one folder per server")
	nodes := flag.Int("nodes", 1, "servers to run; more than one form a cluster")
	flag.Parse()
	if *dir == "" || *nodes < 1 {
		log.Fatal("nats: give a data directory with -dir and at least one server with -nodes")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	c, err := natstest.StartCluster(*dir, *nodes)
	if err != nil {
		log.Fatalf("nats: %v", err)
	}
	fmt.Println(c.URL())
	<-ctx.Done()
	c.Shutdown()
}
