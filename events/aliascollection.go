package events

import (
	"encoding/json"
	"fmt"
)

// aliasCollection is the CMA answer of GET /spaces/{s}/environment_aliases.
type aliasCollection struct {
	Sys struct {
		Type string `json:"type"`
	} `json:"sys"`
	Items []struct {
		Sys         idSys `json:"sys"`
		Environment struct {
			Sys idSys `json:"sys"`
		} `json:"environment"`
	} `json:"items"`
}

// idSys is a sys object read for its id.
type idSys struct {
	ID string `json:"id"`
}

// ParseAliasCollection reads the answer of GET
// /spaces/{space}/environment_aliases, {"sys":{"type":"Array"},"items":[…]}
// with each item's sys.id and environment.sys.id, into a map from alias id
// to target environment id. Only the items in the answer are read: ask for a
// page that holds them all (Contentful allows limit=1000).
func ParseAliasCollection(body []byte) (map[string]string, error) {
	const hint = "check that the upstream answers GET /spaces/{space}/environment_aliases like Contentful's management API"
	var c aliasCollection
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, fmt.Errorf("environment alias list cannot be read (%v): %s", err, hint)
	}
	if c.Sys.Type != "Array" {
		return nil, fmt.Errorf("environment alias list has sys.type %q, want \"Array\": %s", c.Sys.Type, hint)
	}
	aliases := make(map[string]string, len(c.Items))
	for i, it := range c.Items {
		alias, target := it.Sys.ID, it.Environment.Sys.ID
		if !ValidID(alias) || !ValidID(target) {
			return nil, fmt.Errorf("environment alias list item %d: sys.id %q or environment.sys.id %q is not a valid id: %s", i, alias, target, hint)
		}
		aliases[alias] = target
	}
	return aliases, nil
}
