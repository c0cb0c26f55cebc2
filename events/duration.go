package events

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that unmarshals from a Go duration string
// ("30s", also "1d" for 24h) or an integer of nanoseconds, like Caddy's, and
// marshals as a duration string.
type Duration time.Duration

// UnmarshalJSON reads "30s", "1.5h", "2d" or 30000000000.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := parseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New(`duration must be a string such as "30s" or an integer of nanoseconds`)
	}
	*d = Duration(n)
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// parseDuration is time.ParseDuration with "d" meaning 24h.
func parseDuration(s string) (time.Duration, error) {
	if len(s) > 1024 {
		return 0, errors.New("duration too long")
	}
	var b strings.Builder
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 'd' {
			days, err := strconv.ParseFloat(s[start:i], 64)
			if err != nil {
				return 0, errors.New("invalid duration " + strconv.Quote(s) + `: use a form such as "30s", "5m" or "1d"`)
			}
			b.WriteString(strconv.FormatFloat(days*24, 'f', -1, 64))
			b.WriteByte('h')
			start = i + 1
			continue
		}
		if !(c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+') {
			b.WriteString(s[start : i+1])
			start = i + 1
		}
	}
	b.WriteString(s[start:])
	v, err := time.ParseDuration(b.String())
	if err != nil {
		return 0, errors.New("invalid duration " + strconv.Quote(s) + `: use a form such as "30s", "5m" or "1d"`)
	}
	return v, nil
}
