// Package natstest runs NATS servers with JetStream inside the process, on
// free loopback ports: one server, or a cluster whose nodes can be killed
// and restarted. Tests and benchmarks use it to run the JetStream backend
// against real servers.
package natstest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// readyTimeout bounds the wait for a server, or a cluster's JetStream, to
// be ready.
const readyTimeout = 30 * time.Second

// Cluster is a set of NATS servers with JetStream, routed to each other
// when there are several. Its methods may be called from several
// goroutines.
type Cluster struct {
	mu    sync.Mutex
	name  string
	opts  []*server.Options
	nodes []*server.Server // nil while a node is killed
}

// Start starts one server with JetStream storing under dir.
func Start(dir string) (*Cluster, error) {
	return StartCluster(dir, 1)
}

// StartCluster starts n servers with JetStream, each storing under its own
// folder of dir, and waits until JetStream answers through every one.
func StartCluster(dir string, n int) (*Cluster, error) {
	c := &Cluster{name: "cms-events-test", opts: make([]*server.Options, n), nodes: make([]*server.Server, n)}
	var routes []*url.URL
	var clusterPorts []int
	if n > 1 {
		// A clustered JetStream server needs its routes when it starts,
		// so the cluster ports are chosen first and every server gets
		// all of them.
		var err error
		if clusterPorts, err = freePorts(n); err != nil {
			return nil, err
		}
		for _, p := range clusterPorts {
			routes = append(routes, &url.URL{Scheme: "nats-route", Host: fmt.Sprintf("127.0.0.1:%d", p)})
		}
	}
	for i := range n {
		o := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprintf("n%d", i+1)),
			NoLog:      true,
			NoSigs:     true,
		}
		if n > 1 {
			o.Cluster = server.ClusterOpts{Name: c.name, Host: "127.0.0.1", Port: clusterPorts[i]}
			o.Routes = routes
		}
		c.opts[i] = o
	}
	// The servers of a cluster wait for each other: start them side by
	// side.
	errs := make(chan error, n)
	for i := range n {
		go func() { errs <- c.run(i) }()
	}
	var err error
	for range n {
		err = errors.Join(err, <-errs)
	}
	if err == nil {
		err = c.WaitReady()
	}
	if err != nil {
		c.Shutdown()
		return nil, err
	}
	return c, nil
}

// freePorts returns n loopback TCP ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// run starts node i with its options, keeping the ports it had.
func (c *Cluster) run(i int) error {
	s, err := server.NewServer(c.opts[i])
	if err != nil {
		return fmt.Errorf("start NATS server %d: %w", i+1, err)
	}
	go s.Start()
	if !s.ReadyForConnections(readyTimeout) {
		s.Shutdown()
		return fmt.Errorf("NATS server %d did not start within %s", i+1, readyTimeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Restarts keep the ports, so that clients and routes find it again.
	if a, ok := s.Addr().(*net.TCPAddr); ok {
		c.opts[i].Port = a.Port
	}
	c.nodes[i] = s
	return nil
}

// URLs returns the client URLs of every node, running or not.
func (c *Cluster) URLs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.opts))
	for i, o := range c.opts {
		out[i] = fmt.Sprintf("nats://127.0.0.1:%d", o.Port)
	}
	return out
}

// URL returns the client URLs of every node joined by commas, as the
// nats storage's url option takes them.
func (c *Cluster) URL() string { return strings.Join(c.URLs(), ",") }

// Kill stops node i (from 0) at once, as a crash would, keeping its data.
func (c *Cluster) Kill(i int) {
	c.mu.Lock()
	s := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// Restart starts the killed node i again on its ports and data, and waits
// until JetStream answers through every node.
func (c *Cluster) Restart(i int) error {
	c.mu.Lock()
	running := c.nodes[i] != nil
	c.mu.Unlock()
	if running {
		return fmt.Errorf("NATS server %d is running", i+1)
	}
	if err := c.run(i); err != nil {
		return err
	}
	return c.WaitReady()
}

// WaitReady waits until JetStream answers an account request through every
// running node, and a stream with a replica on every running node can be
// made (the cluster's servers then know each other as peers).
func (c *Cluster) WaitReady() error {
	c.mu.Lock()
	var urls []string
	for i, s := range c.nodes {
		if s != nil {
			urls = append(urls, fmt.Sprintf("nats://127.0.0.1:%d", c.opts[i].Port))
		}
	}
	c.mu.Unlock()
	deadline := time.Now().Add(readyTimeout)
	for _, u := range urls {
		if err := waitJetStream(u, deadline, func(js nats.JetStreamContext) error {
			_, err := js.AccountInfo(nats.MaxWait(time.Second))
			return err
		}); err != nil {
			return err
		}
	}
	return waitJetStream(urls[0], deadline, func(js nats.JetStreamContext) error {
		const name = "NATSTEST_READY"
		_, err := js.AddStream(&nats.StreamConfig{Name: name, Subjects: []string{"natstest.ready"}, Replicas: len(urls), Storage: nats.MemoryStorage}, nats.MaxWait(2*time.Second))
		if err == nil {
			err = js.DeleteStream(name, nats.MaxWait(2*time.Second))
		}
		return err
	})
}

// waitJetStream calls check with JetStream through the server at u until
// it succeeds or the deadline passes.
func waitJetStream(u string, deadline time.Time, check func(js nats.JetStreamContext) error) error {
	nc, err := nats.Connect(u, nats.NoReconnect())
	if err != nil {
		return fmt.Errorf("connect to %s: %w", u, err)
	}
	defer nc.Close()
	js, err := nc.JetStream()
	if err != nil {
		return err
	}
	for {
		err := check(js)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("JetStream at %s not ready within %s: %w", u, readyTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Shutdown stops every node.
func (c *Cluster) Shutdown() {
	for i := range c.nodes {
		c.Kill(i)
	}
}
