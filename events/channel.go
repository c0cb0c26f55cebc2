package events

import (
	"fmt"
	"strings"
)

// AllChannels is the Contentstack channel that subscribes to every event.
const AllChannels = "$all"

// channelPattern is a Contentstack webhook channel such as
// "content_types.entries.publish", split at its dots; a "*" segment matches
// any one segment, and the pattern "$all" matches every channel.
type channelPattern struct {
	all  bool
	segs []string
}

// parseChannel validates a channel: "$all", or dot-separated segments,
// each "*" or a name of letters, digits, "_", "-" and "$".
func parseChannel(s string) (channelPattern, error) {
	if s == AllChannels {
		return channelPattern{all: true}, nil
	}
	segs := strings.Split(s, ".")
	for _, seg := range segs {
		if !channelSegment(seg) {
			return channelPattern{}, fmt.Errorf("channel %q: want dot-separated names or *, e.g. content_types.entries.publish, content_types.blog.entries.*.update, assets.delete or $all", s)
		}
	}
	if len(segs) < 2 {
		return channelPattern{}, fmt.Errorf("channel %q: want a module and an event, e.g. assets.publish", s)
	}
	return channelPattern{segs: segs}, nil
}

// channelSegment reports whether s is "*" or a name.
func channelSegment(s string) bool {
	if s == "*" {
		return true
	}
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$') {
			return false
		}
	}
	return true
}

// matchAny reports whether the pattern fits one of the channels.
func (p channelPattern) matchAny(channels []string) bool {
	if p.all {
		return len(channels) > 0
	}
	for _, c := range channels {
		if p.match(c) {
			return true
		}
	}
	return false
}

// match reports whether the pattern fits a channel segment by segment.
func (p channelPattern) match(channel string) bool {
	for i, seg := range p.segs {
		var part string
		if i == len(p.segs)-1 {
			part, channel = channel, ""
			if strings.IndexByte(part, '.') >= 0 {
				return false
			}
		} else {
			var ok bool
			if part, channel, ok = strings.Cut(channel, "."); !ok {
				return false
			}
		}
		if seg != "*" && seg != part {
			return false
		}
	}
	return true
}
