package delivery

import (
	"errors"
	"net/netip"
	"testing"
)

func TestCheckIP(t *testing.T) {
	tests := []struct {
		ip          string
		denyPrivate bool
		allowed     bool
	}{
		{"127.0.0.1", true, true},
		{"::1", true, true},
		{"93.184.216.34", true, true},
		{"2606:2800:220:1::", true, true},
		{"10.1.2.3", false, true},
		{"10.1.2.3", true, false},
		{"172.16.0.1", true, false},
		{"192.168.1.1", true, false},
		{"fd12::1", false, true},
		{"fd12::1", true, false},
		{"169.254.169.254", false, false},
		{"169.254.1.1", false, false},
		{"fe80::1", false, false},
		{"fd00:ec2::254", false, false},
		{"100.100.100.200", false, false},
		{"100.100.100.201", false, true},
		{"::ffff:169.254.169.254", false, false},
		{"64:ff9b::a9fe:a9fe", false, false},
		{"64:ff9b::7f00:1", false, true},
	}
	for _, tt := range tests {
		err := CheckIP(netip.MustParseAddr(tt.ip), tt.denyPrivate)
		if (err == nil) != tt.allowed {
			t.Errorf("CheckIP(%s, denyPrivate=%v) = %v, want allowed=%v", tt.ip, tt.denyPrivate, err, tt.allowed)
		}
		if err != nil && !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("CheckIP(%s) error does not wrap ErrForbiddenAddress", tt.ip)
		}
	}
}

func TestDialControl(t *testing.T) {
	control := DialControl(false)
	if err := control("tcp4", "127.0.0.1:80", nil); err != nil {
		t.Errorf("loopback refused: %v", err)
	}
	if err := control("tcp4", "169.254.169.254:80", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("metadata address: %v", err)
	}
	if err := control("tcp", "not-an-address", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("unparsable address: %v", err)
	}
}
