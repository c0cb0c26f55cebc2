package events

import "strings"

// WebhookID derives a webhook id from its name: lower-cased, every run of
// characters outside a-z0-9 replaced by one "-", trimmed of "-"
// ("Rebuild site" → "rebuild-site"). It returns "" when the name has no
// letter or digit.
func WebhookID(name string) string {
	var b strings.Builder
	dash := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteByte(c)
			continue
		}
		dash = true
	}
	return b.String()
}
