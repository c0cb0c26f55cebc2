package cma

import (
	"strconv"
	"strings"
	"time"
)

// EntitySize is the approximate size in bytes of the entity JSON that Entity
// builds: the size of a small real entry.
const EntitySize = 1024

// filler pads entity and request bodies to their size.
var filler = strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 40)

// Entity appends to b the JSON of entry id in space and env at version, as
// the Contentful management API answers a write, padded to about EntitySize
// bytes.
func Entity(b []byte, space, env, id string, version int) []byte {
	now := time.Now().UTC().AppendFormat(nil, "2006-01-02T15:04:05.000Z")
	start := len(b)
	b = append(b, `{"metadata":{"tags":[]},"sys":{"space":{"sys":{"type":"Link","linkType":"Space","id":"`...)
	b = append(b, space...)
	b = append(b, `"}},"id":"`...)
	b = append(b, id...)
	b = append(b, `","type":"Entry","createdAt":"`...)
	b = append(b, now...)
	b = append(b, `","updatedAt":"`...)
	b = append(b, now...)
	b = append(b, `","environment":{"sys":{"id":"`...)
	b = append(b, env...)
	b = append(b, `","type":"Link","linkType":"Environment"}},"createdBy":{"sys":{"type":"Link","linkType":"User","id":"bench-user"}},"updatedBy":{"sys":{"type":"Link","linkType":"User","id":"bench-user"}},"publishedCounter":0,"version":`...)
	b = strconv.AppendInt(b, int64(version), 10)
	b = append(b, `,"automationTags":[],"contentType":{"sys":{"type":"Link","linkType":"ContentType","id":"post"}}},"fields":{"title":{"en-US":"Benchmark entry `...)
	b = append(b, id...)
	b = append(b, `"},"body":{"en-US":"`...)
	const tail = `"}}}`
	pad := max(EntitySize-(len(b)-start)-len(tail), 0)
	b = append(b, filler[:min(pad, len(filler))]...)
	return append(b, tail...)
}

// RequestBody returns an entry write body ({"fields":…}) of size bytes (at
// least the size of its fixed part).
func RequestBody(size int) []byte {
	const head, tail = `{"fields":{"title":{"en-US":"Benchmark entry"},"body":{"en-US":"`, `"}}}`
	pad := max(size-len(head)-len(tail), 0)
	return []byte(head + strings.Repeat("x", pad) + tail)
}
