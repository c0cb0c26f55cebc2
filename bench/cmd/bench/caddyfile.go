package main

import (
	"bytes"
	"strings"
	"text/template"
)

// side is one of the two configurations compared.
type side int

const (
	plain  side = iota // reverse_proxy only
	plugin             // cms_events + reverse_proxy
)

// String names the side as the results do.
func (s side) String() string {
	if s == plugin {
		return "PLUGIN"
	}
	return "PLAIN"
}

// benchSecret signs the webhook calls, as a production setup would. It is a
// fixed benchmark value, not a credential.
var benchSecret = strings.Repeat("bench-signing-key-", 4)[:64]

// caddyConfig fills the Caddyfile template.
type caddyConfig struct {
	Side     side
	Admin    int    // admin port
	Port     int    // site port
	Upstream string // upstream address
	Storage  string // cms_events storage_dir (Badger), when NATS is empty
	NATS     string // client URLs of the NATS servers for `storage nats`, comma-separated
	Replicas int    // `replicas` of `storage nats`
	Workers  int
	Hook     string // webhook URL
	Retry    string // `retry` arguments
	Timeout  string // `timeout` argument
	Secret   string
	Async    bool // durability async
	// Extra names webhooks configured like the first one.
	Extra []string
}

// IsPlugin tells the template which side it renders.
func (c caddyConfig) IsPlugin() bool { return c.Side == plugin }

var caddyfileTemplate = template.Must(template.New("Caddyfile").Parse(`{
	admin localhost:{{.Admin}}
	auto_https off
	default_bind 127.0.0.1
	persist_config off
{{- if .IsPlugin}}
	cms_events {
{{- if .NATS}}
		storage nats {
			url {{.NATS}}
			replicas {{.Replicas}}
			stream CMS_EVENTS
		}
{{- else}}
		storage_dir {{.Storage}}
{{- end}}
		workers {{.Workers}}
{{- if .Async}}
		durability async
{{- end}}
	}
{{- end}}
}

http://:{{.Port}} {
{{- if .IsPlugin}}
	cms_events {
		signing_secret {{.Secret}}
		webhook bench {{.Hook}} {
			topics Entry.*
			retry {{.Retry}}
			timeout {{.Timeout}}
		}
{{- range .Extra}}
		webhook {{.}} {{$.Hook}} {
			topics Entry.*
			retry {{$.Retry}}
			timeout {{$.Timeout}}
		}
{{- end}}
	}
{{- end}}
	reverse_proxy {{.Upstream}}
}
`))

// render returns the Caddyfile.
func (c caddyConfig) render() []byte {
	var b bytes.Buffer
	if err := caddyfileTemplate.Execute(&b, c); err != nil {
		panic(err) // the template and its data are fixed
	}
	return b.Bytes()
}

// shown returns the Caddyfile for the results, without the signing secret.
func (c caddyConfig) shown() string {
	c.Secret = "<64 characters>"
	return string(c.render())
}
