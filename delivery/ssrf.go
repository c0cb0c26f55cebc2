package delivery

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is wrapped by the error of a call to an address the
// SSRF guard refuses. Such calls are not retried.
var ErrForbiddenAddress = errors.New("webhook target address is not allowed")

// metadataAddrs are cloud metadata services (AWS, GCP, Azure, OpenStack on
// 169.254.169.254; AWS IPv6; Alibaba Cloud).
var metadataAddrs = map[netip.Addr]bool{
	netip.MustParseAddr("169.254.169.254"): true,
	netip.MustParseAddr("fd00:ec2::254"):   true,
	netip.MustParseAddr("100.100.100.200"): true,
}

// nat64 is the well-known NAT64 prefix, whose addresses embed an IPv4 address.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// CheckIP returns an error wrapping ErrForbiddenAddress when webhooks must not
// be sent to ip: link-local and cloud metadata addresses always, private
// addresses (RFC 1918, IPv6 unique local) when denyPrivate is set. Loopback
// is allowed.
func CheckIP(ip netip.Addr, denyPrivate bool) error {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte(b[12:]))
	}
	switch {
	case metadataAddrs[ip]:
		return fmt.Errorf("%w: %s is a cloud metadata address", ErrForbiddenAddress, ip)
	case ip.IsLinkLocalUnicast():
		return fmt.Errorf("%w: %s is a link-local address", ErrForbiddenAddress, ip)
	case denyPrivate && ip.IsPrivate():
		return fmt.Errorf("%w: %s is a private address and private addresses are refused", ErrForbiddenAddress, ip)
	}
	return nil
}

// DialControl returns a net.Dialer Control function that applies CheckIP to
// every address after DNS resolution, just before connecting.
func DialControl(denyPrivate bool) func(network, address string, c syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: cannot parse %q", ErrForbiddenAddress, address)
		}
		return CheckIP(ap.Addr(), denyPrivate)
	}
}

// NewClient returns the HTTP client dispatchers use by default: keep-alive
// connections (at least workers idle per host), the SSRF guard on every dial,
// no proxy, and redirects returned instead of followed.
func NewClient(workers int, denyPrivate bool) *http.Client {
	dialer := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		Control:   DialControl(denyPrivate),
	}
	return &http.Client{
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          max(100, 2*workers),
			MaxIdleConnsPerHost:   max(workers, http.DefaultMaxIdleConnsPerHost),
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
