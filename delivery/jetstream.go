package delivery

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// DefaultStream is the name JetStream gives the delivery stream by default;
// the other streams and the bucket are named after it.
const DefaultStream = "CMS_EVENTS"

// defaultJetStreamTimeout bounds one request to the NATS servers when the
// caller's context sets no deadline.
const defaultJetStreamTimeout = 10 * time.Second

// JetStreamOptions configures OpenJetStream.
type JetStreamOptions struct {
	// URLs are the NATS servers to connect to (nats://host:4222); the
	// client finds the rest of the cluster from them.
	URLs []string
	// CredsFile is a NATS credentials file (JWT and NKey seed); empty
	// connects without one.
	CredsFile string
	// Stream names the delivery stream (default CMS_EVENTS). The failed
	// list is the stream <Stream>_FAILED, the call log <Stream>_CALLS and
	// the index and pauses the key-value bucket <Stream>_INDEX. Gateways
	// that share deliveries use the same name.
	Stream string
	// Replicas is how many servers hold each stream (default 1; 3 on a
	// cluster of three or more keeps working when one server is lost).
	Replicas int
	// Retention is how long a call-log entry is kept; default 168h.
	Retention time.Duration
	// Timeout bounds one request to the servers; default 10s.
	Timeout time.Duration
	// Name is the connection name the servers show.
	Name string
	// Logger receives the backend's messages. Nil means none.
	Logger *zap.Logger
}

// JetStream is a Backend in NATS JetStream, shared by every gateway that
// opens the same stream name on the same cluster:
//
//   - each delivery is a message on <Stream>.d.<webhook>, a work-queue
//     stream, published with Nats-Msg-Id set to the event id and the
//     webhook, so that a repeated publish is stored once; Enqueue returns when the servers
//     acknowledged it (stored on Replicas servers);
//   - one durable pull consumer per webhook hands each delivery to one
//     gateway at a time: its ack wait is the lease, a retry is a
//     negative acknowledgement with the retry delay, a pause stops fetching;
//   - failed deliveries are messages on <Stream>_FAILED.<webhook>, moved
//     back to the queue by a redelivery;
//   - the call log is <Stream>_CALLS.<webhook>, at most MaxCallsPerWebhook
//     messages per webhook, each kept for Retention;
//   - index records and pauses live in the key-value bucket
//     <Stream>_INDEX; a Batch.Take deletes its record only at the revision
//     it read, so one gateway wins.
type JetStream struct {
	nc        *nats.Conn
	js        jetstream.JetStream
	log       *zap.Logger
	timeout   time.Duration
	retention time.Duration
	replicas  int
	name      string // the delivery stream

	queue, failedList, calls jetstream.Stream
	index                    jetstream.KeyValue

	// consumers are the webhooks' consumers by webhook id, with the ack
	// wait they were made with.
	mu        sync.Mutex
	consumers map[string]webhookConsumer
	// retries are when deliveries negatively acknowledged by this process
	// come back, for the dispatchers' next claim.
	retries []time.Time
	// claims counts the claims, to start each at another webhook.
	claims int
	// counts is the last reading of Counts.
	counts jsCounts

	callLog jsCalls

	wakeSub *nats.Subscription
	watch   jetstream.KeyWatcher
	stop    context.CancelFunc
	done    chan struct{}
	// closed is closed once the connection is.
	closed chan struct{}

	subs subscribers
}

// webhookConsumer is a webhook's pull consumer.
type webhookConsumer struct {
	c       jetstream.Consumer
	ackWait time.Duration
}

var _ Backend = (*JetStream)(nil)

// OpenJetStream connects to the NATS servers, makes the streams, the bucket
// and the pause watch if missing, and returns the backend.
func OpenJetStream(opts JetStreamOptions) (*JetStream, error) {
	if len(opts.URLs) == 0 {
		return nil, errors.New("no NATS server URL; give at least one, as nats://host:4222")
	}
	if opts.Stream == "" {
		opts.Stream = DefaultStream
	}
	if !validStreamName(opts.Stream) {
		return nil, fmt.Errorf("stream name %q is invalid; use letters, digits, - and _ only", opts.Stream)
	}
	if opts.Replicas <= 0 {
		opts.Replicas = 1
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultJetStreamTimeout
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	b := &JetStream{
		log:       opts.Logger,
		timeout:   opts.Timeout,
		retention: opts.Retention,
		replicas:  opts.Replicas,
		name:      opts.Stream,
		consumers: make(map[string]webhookConsumer),
		done:      make(chan struct{}),
		closed:    make(chan struct{}),
	}
	if err := b.connect(opts); err != nil {
		return nil, err
	}
	if err := b.setUp(opts); err != nil {
		b.nc.Close()
		return nil, err
	}
	return b, nil
}

// validStreamName reports whether name can name the streams and the bucket.
func validStreamName(name string) bool {
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return name != "" && len(name) <= 200
}

// connect dials the servers; the client reconnects on its own, for ever.
func (b *JetStream) connect(opts JetStreamOptions) error {
	nopts := []nats.Option{
		nats.Name(opts.Name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.Timeout(opts.Timeout),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("disconnected from NATS; reconnecting", zap.Error(err))
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("reconnected to NATS", zap.String("server", nc.ConnectedAddr()))
			b.subs.signal()
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			b.log.Error("NATS client error", zap.Error(err))
		}),
	}
	if opts.CredsFile != "" {
		nopts = append(nopts, nats.UserCredentials(opts.CredsFile))
	}
	nc, err := nats.Connect(strings.Join(opts.URLs, ","), nopts...)
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w; check the url and that the servers run", redactURLs(opts.URLs), err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return fmt.Errorf("open JetStream: %w", err)
	}
	b.nc, b.js = nc, js
	return nil
}

// redactURLs lists urls with any password, or a user name standing alone
// (which NATS reads as a token), replaced.
func redactURLs(urls []string) string {
	out := make([]string, len(urls))
	for i, u := range urls {
		pu, err := url.Parse(u)
		switch {
		case err != nil:
			out[i] = fmt.Sprintf("(url %d, unreadable)", i+1)
		case pu.User == nil:
			out[i] = u
		default:
			if _, ok := pu.User.Password(); !ok {
				pu.User = url.User("xxxxx")
			}
			out[i] = pu.Redacted()
		}
	}
	return strings.Join(out, ",")
}

// ctx returns a context bounded by the backend's timeout.
func (b *JetStream) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), b.timeout)
}

// webhookToken is the subject token of a webhook id: its hex.
func webhookToken(webhookID string) string { return hex.EncodeToString([]byte(webhookID)) }

// webhookOfSubject returns the webhook id of a subject ending in its token.
func webhookOfSubject(subject string) (string, bool) {
	i := strings.LastIndexByte(subject, '.')
	id, err := hex.DecodeString(subject[i+1:])
	return string(id), err == nil && len(id) > 0
}

// consumerName names a webhook's consumer: consumer names are short, so it
// is a hash of the id.
func consumerName(webhookID string) string {
	sum := sha256.Sum256([]byte(webhookID))
	return "webhook_" + hex.EncodeToString(sum[:16])
}

// Subjects of the streams.
func (b *JetStream) queueSubject(webhookID string) string {
	return b.name + ".d." + webhookToken(webhookID)
}
func (b *JetStream) failedSubject(webhookID string) string {
	return b.name + "_FAILED." + webhookToken(webhookID)
}
func (b *JetStream) callSubject(webhookID string) string {
	return b.name + "_CALLS." + webhookToken(webhookID)
}

// wakeSubject is the core NATS subject that tells every gateway new
// deliveries are due.
func (b *JetStream) wakeSubject() string { return b.name + ".wake" }

// subscribers returns the dispatchers running on the backend.
func (b *JetStream) subscribers() *subscribers { return &b.subs }

// Close stops the pause watch and closes the connection, flushing what is
// buffered; dispatchers on the backend must be stopped first.
func (b *JetStream) Close() error {
	b.callLog.follow.Stop()
	b.stop()
	<-b.done
	if b.wakeSub != nil {
		b.wakeSub.Unsubscribe()
	}
	err := b.nc.Drain()
	if err != nil {
		b.nc.Close()
	}
	<-b.closed
	if errors.Is(err, nats.ErrConnectionClosed) {
		return nil
	}
	return err
}
