package delivery

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"time"
)

// The stored deliveries and calls are a version byte followed by fields in
// a fixed order: integers as (u)varints, strings and byte strings as a
// uvarint length and the bytes, times as a varint of Unix seconds and a
// uvarint of nanoseconds. These helpers write and read those fields.

// errTruncated is the error of a stored value that ends inside a field.
var errTruncated = errors.New("stored value is truncated or malformed")

// appendString appends s with its length.
func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendBytes appends v with its length.
func appendBytes(b, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

// appendTime appends t (its instant; the location is not kept).
func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// appendBool appends v as one byte.
func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

// stringSize is what appendString adds for a string of n bytes.
func stringSize(n int) int { return uvarintSize(uint64(n)) + n }

// uvarintSize is the length of x as a uvarint.
func uvarintSize(x uint64) int { return (bits.Len64(x|1) + 6) / 7 }

// timeSize is what appendTime adds at most.
const timeSize = 2 * binary.MaxVarintLen64

// reader reads fields from a stored value. The first error sticks: later
// reads return zero values, and err reports it.
type reader struct {
	b   []byte
	err error
}

// fail records errTruncated and empties the reader.
func (r *reader) fail() {
	if r.err == nil {
		r.err = errTruncated
	}
	r.b = nil
}

// byte reads one byte.
func (r *reader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

// bool reads a byte written by appendBool.
func (r *reader) bool() bool { return r.byte() != 0 }

// uvarint reads an unsigned varint.
func (r *reader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// varint reads a signed varint.
func (r *reader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// int reads an unsigned varint that must fit in an int.
func (r *reader) int() int {
	v := r.uvarint()
	if v > math.MaxInt32 {
		r.fail()
		return 0
	}
	return int(v)
}

// raw reads a length-prefixed byte string; the result aliases the value.
func (r *reader) raw() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// string reads a length-prefixed string.
func (r *reader) string() string { return string(r.raw()) }

// time reads a time written by appendTime, in UTC.
func (r *reader) time() time.Time {
	sec := r.varint()
	nsec := r.uvarint()
	if nsec >= uint64(time.Second) {
		r.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

// count reads a number of items that follow, each taking at least each
// bytes, so a malformed count cannot make the caller allocate much.
func (r *reader) count(each int) int {
	n := r.int()
	if n*each > len(r.b) {
		r.fail()
		return 0
	}
	return n
}
