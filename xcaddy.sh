#!/usr/bin/env bash
# Builds ./caddy with the cms_events plugin from this checkout, using a pinned
# xcaddy and the Caddy version pinned in go.mod. Arguments, if any, are then
# passed to the new binary:  ./xcaddy.sh run --config Caddyfile.example
set -euo pipefail
cd "$(dirname "$0")"

XCADDY_VERSION=v0.4.5
CADDY_VERSION=$(go list -m -f '{{.Version}}' github.com/caddyserver/caddy/v2)
MODULE=$(go list -m)

# The plugin is replaced by this checkout; the placeholder version keeps go
# from looking the module up on the module proxy.
go run "github.com/caddyserver/xcaddy/cmd/xcaddy@${XCADDY_VERSION}" build "${CADDY_VERSION}" \
	--output ./caddy \
	--with "${MODULE}@v0.0.0=."

if [ "$#" -gt 0 ]; then
	exec ./caddy "$@"
fi
