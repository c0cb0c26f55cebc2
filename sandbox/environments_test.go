package sandbox

import "testing"

func TestLegacyAndEnvironmentPaths(t *testing.T) {
	h := newHarness(t)
	ct := hdr(contentTypeHeader, "post")
	masterLink := map[string]any{"sys": map[string]any{"type": "Link", "linkType": "Environment", "id": "master"}}
	h.run(t, []step{
		{name: "legacy create", method: "PUT", path: "/spaces/sp1/entries/a", header: ct, body: `{}`, status: 201, want: []kv{
			{"sys.environment", masterLink}, {"sys.urn", "crn:contentful:::content:spaces/sp1/environments/master/entries/a"},
		}},
		{name: "environment read", method: "GET", path: "/spaces/sp1/environments/master/entries/a", status: 200, want: []kv{{"sys.version", 1}}},
		{name: "environment update", method: "PUT", path: "/spaces/sp1/environments/master/entries/a", header: ver(1), body: `{}`, status: 200},
		{name: "legacy read", method: "GET", path: "/spaces/sp1/entries/a", status: 200, want: []kv{{"sys.version", 2}}},
		{name: "legacy publish", method: "PUT", path: "/spaces/sp1/entries/a/published", header: ver(2), status: 200},
		{name: "other space", method: "GET", path: "/spaces/sp2/entries/a", status: 404},
		{name: "unknown environment", method: "GET", path: "/spaces/sp1/environments/staging/entries/a", status: 404, want: []kv{{"sys.id", "NotFound"}}},
		{name: "write to an unknown environment", method: "PUT", path: "/spaces/sp1/environments/staging/entries/a", header: ct, status: 404},
		{name: "create staging with a version", method: "PUT", path: "/spaces/sp1/environments/staging", header: ver(1), status: 404},
		{name: "create staging", method: "PUT", path: "/spaces/sp1/environments/staging", body: `{"name":"Staging"}`, status: 201, want: []kv{
			{"name", "Staging"}, {"sys.type", "Environment"}, {"sys.id", "staging"}, {"sys.version", 1},
			{"sys.status.sys.id", "ready"}, {"sys.space.sys.id", "sp1"}, {"sys.aliases", absent},
		}},
		{name: "staging starts empty", method: "GET", path: "/spaces/sp1/environments/staging/entries/a", status: 404},
		{name: "write to staging", method: "PUT", path: "/spaces/sp1/environments/staging/entries/b", header: ct, body: `{}`, status: 201, want: []kv{
			{"sys.environment.sys.id", "staging"}, {"sys.urn", "crn:contentful:::content:spaces/sp1/environments/staging/entries/b"},
		}},
		{name: "staging is not master", method: "GET", path: "/spaces/sp1/entries/b", status: 404},
		{name: "create staging again", method: "PUT", path: "/spaces/sp1/environments/staging", status: 409},
		{name: "rename staging", method: "PUT", path: "/spaces/sp1/environments/staging", header: ver(1), body: `{"name":"Stage"}`, status: 200, want: []kv{
			{"name", "Stage"}, {"sys.version", 2},
		}},
		{name: "environment id too long", method: "PUT", path: "/spaces/sp1/environments/a1234567890123456789012345678901234567890", status: 422},
		{name: "get master", method: "GET", path: "/spaces/sp1/environments/master", status: 200, want: []kv{{"name", "master"}, {"sys.id", "master"}}},
		{name: "list environments", method: "GET", path: "/spaces/sp1/environments", status: 200, want: []kv{
			{"sys.type", "Array"}, {"total", 2}, {"items.0.sys.id", "master"}, {"items.1.sys.id", "staging"},
		}},
		{name: "delete master", method: "DELETE", path: "/spaces/sp1/environments/master", status: 400},
		{name: "delete staging with a stale version", method: "DELETE", path: "/spaces/sp1/environments/staging", header: ver(1), status: 409},
		{name: "delete staging", method: "DELETE", path: "/spaces/sp1/environments/staging", status: 204},
		{name: "staging is gone", method: "GET", path: "/spaces/sp1/environments/staging/entries/b", status: 404},
		{name: "delete staging twice", method: "DELETE", path: "/spaces/sp1/environments/staging", status: 404},
		{name: "space", method: "GET", path: "/spaces/sp1", status: 200, want: []kv{
			{"name", "sp1"}, {"sys.type", "Space"}, {"sys.id", "sp1"}, {"sys.createdBy", userLink},
		}},
		{name: "locales", method: "GET", path: "/spaces/sp1/environments/master/locales", status: 200, want: []kv{
			{"total", 1}, {"items.0.code", "en-US"}, {"items.0.default", true}, {"items.0.fallbackCode", nil}, {"items.0.sys.type", "Locale"},
		}},
		{name: "legacy locales", method: "GET", path: "/spaces/sp1/locales", status: 200, want: []kv{{"items.0.code", "en-US"}}},
	})
}

func TestAliases(t *testing.T) {
	h := newHarness(t)
	ct := hdr(contentTypeHeader, "post")
	target := func(env string) string {
		return `{"environment":{"sys":{"type":"Link","linkType":"Environment","id":"` + env + `"}}}`
	}
	h.run(t, []step{
		{name: "no aliases by default", method: "GET", path: "/spaces/sp1/environment_aliases", status: 200, want: []kv{
			{"sys.type", "Array"}, {"total", 0}, {"items", []any{}},
		}},
		{name: "alias to a missing environment", method: "PUT", path: "/spaces/sp1/environment_aliases/prod", body: target("release-1"), status: 422},
		{name: "alias without a target", method: "PUT", path: "/spaces/sp1/environment_aliases/prod", body: `{}`, status: 422},
		{name: "create release-1", method: "PUT", path: "/spaces/sp1/environments/release-1", status: 201},
		{name: "create alias", method: "PUT", path: "/spaces/sp1/environment_aliases/prod", body: target("release-1"), status: 201, want: []kv{
			{"sys.type", "EnvironmentAlias"}, {"sys.id", "prod"}, {"sys.version", 1}, {"sys.space.sys.id", "sp1"},
			{"environment", map[string]any{"sys": map[string]any{"type": "Link", "linkType": "Environment", "id": "release-1"}}},
		}},
		{name: "alias to an alias", method: "PUT", path: "/spaces/sp1/environment_aliases/other", body: target("prod"), status: 422},
		{name: "alias named like an environment", method: "PUT", path: "/spaces/sp1/environment_aliases/release-1", body: target("release-1"), status: 422},
		{name: "write through the alias", method: "PUT", path: "/spaces/sp1/environments/prod/entries/a", header: ct, body: `{}`, status: 201, want: []kv{
			{"sys.environment", map[string]any{"sys": map[string]any{"type": "Link", "linkType": "Environment", "id": "prod"}}},
			{"sys.urn", "crn:contentful:::content:spaces/sp1/environments/prod/entries/a"},
		}},
		{name: "read through the target", method: "GET", path: "/spaces/sp1/environments/release-1/entries/a", status: 200, want: []kv{
			{"sys.environment.sys.id", "release-1"},
		}},
		{name: "master is untouched", method: "GET", path: "/spaces/sp1/entries/a", status: 404},
		{name: "environment through the alias", method: "GET", path: "/spaces/sp1/environments/prod", status: 200, want: []kv{
			{"sys.id", "prod"}, {"sys.aliasedEnvironment.sys.id", "release-1"}, {"name", "release-1"},
		}},
		{name: "target lists its alias", method: "GET", path: "/spaces/sp1/environments/release-1", status: 200, want: []kv{
			{"sys.aliases", []any{map[string]any{"sys": map[string]any{"type": "Link", "linkType": "EnvironmentAlias", "id": "prod"}}}},
			{"sys.aliasedEnvironment", absent},
		}},
		{name: "environment write through the alias", method: "PUT", path: "/spaces/sp1/environments/prod", header: ver(1), status: 400},
		{name: "environment delete through the alias", method: "DELETE", path: "/spaces/sp1/environments/prod", status: 400},
		{name: "retarget without version", method: "PUT", path: "/spaces/sp1/environment_aliases/prod", body: target("master"), status: 409},
		{name: "delete the target", method: "DELETE", path: "/spaces/sp1/environments/release-1", status: 400},
		{name: "retarget", method: "PUT", path: "/spaces/sp1/environment_aliases/prod", header: ver(1), body: target("master"), status: 200, want: []kv{
			{"sys.version", 2}, {"environment.sys.id", "master"},
		}},
		{name: "alias follows the target", method: "GET", path: "/spaces/sp1/environments/prod/entries/a", status: 404},
		{name: "get alias", method: "GET", path: "/spaces/sp1/environment_aliases/prod", status: 200, want: []kv{{"environment.sys.id", "master"}}},
		{name: "list aliases", method: "GET", path: "/spaces/sp1/environment_aliases", status: 200, want: []kv{{"total", 1}, {"items.0.sys.id", "prod"}}},
		{name: "delete alias", method: "DELETE", path: "/spaces/sp1/environment_aliases/prod", status: 204},
		{name: "alias gone", method: "GET", path: "/spaces/sp1/environment_aliases/prod", status: 404},
		{name: "alias path gone", method: "GET", path: "/spaces/sp1/environments/prod/entries/a", status: 404},
		{name: "delete alias twice", method: "DELETE", path: "/spaces/sp1/environment_aliases/prod", status: 404},
		{name: "write to plain master", method: "PUT", path: "/spaces/sp1/entries/m", header: ct, body: `{}`, status: 201},
		{name: "alias master", method: "PUT", path: "/spaces/sp1/environment_aliases/master", body: target("release-1"), status: 201},
		{name: "legacy path uses the master alias", method: "GET", path: "/spaces/sp1/entries/a", status: 200, want: []kv{
			{"sys.environment", map[string]any{"sys": map[string]any{"type": "Link", "linkType": "Environment", "id": "master"}}},
		}},
		{name: "plain master is shadowed", method: "GET", path: "/spaces/sp1/environments/master/entries/m", status: 404},
		{name: "shadowed master is not listed", method: "GET", path: "/spaces/sp1/environments", status: 200, want: []kv{
			{"total", 1}, {"items.0.sys.id", "release-1"}, {"items.0.sys.aliases.0.sys.id", "master"},
		}},
		{name: "delete the master alias", method: "DELETE", path: "/spaces/sp1/environment_aliases/master", status: 204},
		{name: "plain master is back", method: "GET", path: "/spaces/sp1/entries/m", status: 200},
	})
}
