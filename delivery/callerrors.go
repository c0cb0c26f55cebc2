package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"
	"syscall"
)

// callErrorName returns Contentful's name for the reason a call got no
// answer (the names of its call log's errors[]), or "" when Contentful has
// no name for it (for example a request that could not be rendered).
func callErrorName(err error) string {
	if err == nil {
		return ""
	}
	var (
		unknownAuthority x509.UnknownAuthorityError
		invalidCert      x509.CertificateInvalidError
		hostname         x509.HostnameError
		verification     *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
		dns              *net.DNSError
		protocol         textproto.ProtocolError
		netErr           net.Error
	)
	switch {
	case errors.Is(err, ErrForbiddenAddress):
		return "IPForbiddenError"
	case errors.As(err, &unknownAuthority):
		return "SelfSignedCertificateError"
	case errors.As(err, &invalidCert) && invalidCert.Reason == x509.Expired:
		return "ExpiredCertificateError"
	case errors.As(err, &hostname):
		return "HostnameAltnameMismatchError"
	case errors.As(err, &invalidCert), errors.As(err, &verification):
		return "LeafSignatureError"
	case errors.As(err, &recordHeader), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "ProtocolError"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "ConnectionRefusedError"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "ConnectionResetError"
	case errors.Is(err, syscall.EHOSTUNREACH):
		return "HostUnreachableError"
	case errors.Is(err, syscall.ENETUNREACH):
		return "NetworkUnreachableError"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "AddressNotAvailableError"
	case errors.As(err, &dns) && !dns.IsTimeout:
		return "NameResolutionError"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "TimeoutError"
	case errors.As(err, &protocol), strings.Contains(err.Error(), "malformed HTTP"):
		return "InvalidResponseError"
	}
	return ""
}
