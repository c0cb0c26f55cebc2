// Command receiver is a fast webhook receiver (see package hook): it counts
// calls and answers them, optionally holding them until POST /_open and
// keeping each call's arrival time for GET /_arrivals. It prints the address
// it listens on as its first line of output.
//
//	receiver [-addr 127.0.0.1:0] [-status 200] [-closed] [-record]
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/cmsevents/caddy-cms-events/bench/internal/hook"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	status := flag.Int("status", http.StatusOK, "status code answered to every call")
	closed := flag.Bool("closed", false, "hold every call until POST /_open")
	record := flag.Bool("record", false, "keep each call's entity id and arrival time for GET /_arrivals")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("receiver: %v; give a free loopback address with -addr", err)
	}
	fmt.Println(ln.Addr())
	r := hook.New(hook.Options{Status: *status, Closed: *closed, Record: *record})
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
