// Command caddy is Caddy with the cms_events plugin and Caddy's standard
// modules. `xcaddy.sh` builds the same thing through xcaddy; this main
// package lets the tests build it with plain `go build`.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/cmsevents/caddy-cms-events"
)

func main() {
	caddycmd.Main()
}
