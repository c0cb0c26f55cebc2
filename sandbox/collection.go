package sandbox

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
)

// Paging limits of collection answers, as in Contentful.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// collectionJSON is a collection answer.
type collectionJSON struct {
	Sys   arraySys `json:"sys"`
	Total int      `json:"total"`
	Skip  int      `json:"skip"`
	Limit int      `json:"limit"`
	Items []any    `json:"items"`
}

// arraySys is the sys object of a collection answer.
type arraySys struct {
	Type string `json:"type"`
}

// paging reads the skip and limit query parameters.
func paging(c *call) (skip, limit int, err *apiError) {
	skip, limit = 0, defaultLimit
	if v := c.query.Get("skip"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 0 {
			return 0, 0, badRequest("skip must be a whole number >= 0, got %q", v)
		}
		skip = n
	}
	if v := c.query.Get("limit"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 0 || n > maxLimit {
			return 0, 0, badRequest("limit must be a whole number from 0 to %d, got %q", maxLimit, v)
		}
		limit = n
	}
	return skip, limit, nil
}

// page answers a collection: items ordered by creation, cut by skip and
// limit, each rendered by render.
func page[T any](c *call, items []T, seq func(T) int64, render func(T) any) reply {
	skip, limit, err := paging(c)
	if err != nil {
		return err.reply()
	}
	slices.SortFunc(items, func(a, b T) int { return cmp.Compare(seq(a), seq(b)) })
	out := collectionJSON{Sys: arraySys{Type: "Array"}, Total: len(items), Skip: skip, Limit: limit, Items: []any{}}
	for i := skip; i < len(items) && i < skip+limit; i++ {
		out.Items = append(out.Items, render(items[i]))
	}
	return reply{status: 200, body: &out}
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
