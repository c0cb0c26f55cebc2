package caddymodule

import (
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/cmsevents/caddy-cms-events/events"
)

// parseCustomProfile reads the block of `profile custom { … }`:
//
//	route       <method> <path> [<status>[,<status>…]] <action>
//	type        <name>|{<param>}
//	id          <JSON pointer into the answer>
//	space       <name>|{<param>}
//	environment <name>|{<param>}
//	payload     <JSON pointer into the answer>
func parseCustomProfile(d *caddyfile.Dispenser) (*events.CustomSpec, error) {
	spec := new(events.CustomSpec)
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch name := d.Val(); name {
		case "route":
			r, err := parseCustomRoute(d)
			if err != nil {
				return nil, err
			}
			spec.Routes = append(spec.Routes, r)
		case "type", "id", "space", "environment", "payload":
			if !d.NextArg() || d.CountRemainingArgs() > 0 {
				return nil, d.Errf("want `%s <value>`, e.g. `type {collection}`, `id /data/id` or `payload /data`", name)
			}
			switch name {
			case "type":
				spec.Type = d.Val()
			case "id":
				spec.ID = d.Val()
			case "space":
				spec.Space = d.Val()
			case "environment":
				spec.Environment = d.Val()
			default:
				spec.Payload = d.Val()
			}
		default:
			return nil, d.Errf("unknown custom profile subdirective %q; the subdirectives are route, type, id, space, environment and payload", name)
		}
	}
	if len(spec.Routes) == 0 {
		return nil, d.Errf("`profile custom` needs a block with at least one route, e.g. `route POST /api/{collection} 201 create`")
	}
	if _, err := events.NewCustomProfile(*spec); err != nil {
		return nil, d.Errf("%v", err)
	}
	return spec, nil
}

// parseCustomRoute reads `route <method> <path> [<statuses>] <action>`.
func parseCustomRoute(d *caddyfile.Dispenser) (events.CustomRoute, error) {
	const form = "want `route <method> <path> [<status>[,<status>…]] <action>`, e.g. `route PUT /api/{collection}/{id} 200 save`"
	args := d.RemainingArgs()
	if len(args) != 3 && len(args) != 4 {
		return events.CustomRoute{}, d.Errf("%s", form)
	}
	r := events.CustomRoute{Method: strings.ToUpper(args[0]), Path: args[1], Action: args[len(args)-1]}
	if len(args) == 4 {
		for _, st := range strings.Split(args[2], ",") {
			n, err := strconv.Atoi(st)
			if err != nil {
				return events.CustomRoute{}, d.Errf("%s; the status is a number such as 201, or several such as 200,204, got %q", form, args[2])
			}
			r.Status = append(r.Status, n)
		}
	}
	return r, nil
}
