package delivery

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rawServer accepts connections on loopback and hands each to serve.
func rawServer(t *testing.T, serve func(c *net.TCPConn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c.(*net.TCPConn))
		}
	}()
	return l.Addr().String()
}

// quietTLSServer starts a TLS server (with httptest's certificate when cfg
// is nil) that does not log the handshakes clients refuse.
func quietTLSServer(t *testing.T, cfg *tls.Config) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = cfg
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// expiredCertServer starts a TLS server whose self-signed certificate has
// expired, and returns it with a client that trusts that certificate.
func expiredCertServer(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "expired"},
		NotBefore:             time.Now().Add(-48 * time.Hour),
		NotAfter:              time.Now().Add(-24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	srv := quietTLSServer(t, &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return srv, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// TestCallErrorNames maps the errors of real failed calls, and of failures
// a test cannot provoke on loopback, to Contentful's names.
func TestCallErrorNames(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer plain.Close()
	tlsSrv := quietTLSServer(t, nil)
	expired, expiredClient := expiredCertServer(t)
	hang := make(chan struct{})
	defer close(hang)
	hanging := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-hang:
		}
	}))
	defer hanging.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := l.Addr().String()
	l.Close()
	garbage := rawServer(t, func(c *net.TCPConn) {
		defer c.Close()
		c.Read(make([]byte, 4096))
		c.Write([]byte("GARBAGE\r\n\r\n"))
	})
	reset := rawServer(t, func(c *net.TCPConn) {
		c.Read(make([]byte, 4096))
		c.SetLinger(0)
		c.Close()
	})

	get := func(c *http.Client, u string) func() error {
		return func() error {
			resp, err := c.Get(u)
			if err == nil {
				resp.Body.Close()
				return errors.New("the call succeeded")
			}
			return err
		}
	}
	synthetic := func(err error) func() error {
		return func() error { return &url.Error{Op: "Post", URL: "http://receiver/", Err: err} }
	}
	dialErr := func(errno syscall.Errno) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)}
	}
	trusting := tlsSrv.Client()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"connection refused", get(http.DefaultClient, "http://"+closedAddr+"/"), "ConnectionRefusedError"},
		{"connection reset", get(http.DefaultClient, "http://"+reset+"/"), "ConnectionResetError"},
		{"timeout", get(&http.Client{Timeout: 50 * time.Millisecond}, hanging.URL), "TimeoutError"},
		{"self-signed certificate", get(&http.Client{}, tlsSrv.URL), "SelfSignedCertificateError"},
		{"hostname mismatch", get(trusting, strings.Replace(tlsSrv.URL, "127.0.0.1", "localhost", 1)), "HostnameAltnameMismatchError"},
		{"expired certificate", get(expiredClient, expired.URL), "ExpiredCertificateError"},
		{"plain HTTP answer to https", get(trusting, strings.Replace(plain.URL, "http:", "https:", 1)), "ProtocolError"},
		{"malformed answer", get(http.DefaultClient, "http://"+garbage+"/"), "InvalidResponseError"},
		{"forbidden address", get(NewClient(1, true), "http://10.0.0.1:9/"), "IPForbiddenError"},
		{"other certificate failure", synthetic(&tls.CertificateVerificationError{Err: x509.CertificateInvalidError{Reason: x509.NotAuthorizedToSign}}), "LeafSignatureError"},
		{"name not found", synthetic(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}), "NameResolutionError"},
		{"name server timeout", synthetic(&net.OpError{Op: "dial", Err: &net.DNSError{Err: "i/o timeout", Name: "x.example", IsTimeout: true}}), "TimeoutError"},
		{"host unreachable", synthetic(dialErr(syscall.EHOSTUNREACH)), "HostUnreachableError"},
		{"network unreachable", synthetic(dialErr(syscall.ENETUNREACH)), "NetworkUnreachableError"},
		{"address not available", synthetic(dialErr(syscall.EADDRNOTAVAIL)), "AddressNotAvailableError"},
		{"render failure", func() error { return errors.New("render webhook request: template broke") }, ""},
		{"no error", func() error { return nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if got := callErrorName(err); got != tt.want {
				t.Fatalf("callErrorName(%v) = %q, want %q", err, got, tt.want)
			}
			// The dispatcher wraps timeouts; the name must survive that.
			if err != nil && tt.want != "" {
				if got := callErrorName(fmt.Errorf("no answer within 30s: %w", err)); got != tt.want {
					t.Fatalf("wrapped: callErrorName = %q, want %q", got, tt.want)
				}
			}
		})
	}
}
