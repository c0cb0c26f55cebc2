// Command upstream is a fast stand-in for a content management API (see
// package cma): entry writes get 201 or 200 with a ~1 KB entity, reads 200.
// It prints the address it listens on as its first line of output.
//
//	upstream [-addr 127.0.0.1:0]
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/cma"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("upstream: %v; give a free loopback address with -addr", err)
	}
	fmt.Println(ln.Addr())
	srv := &http.Server{Handler: cma.Handler{}, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
