package contentstack

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// Paging limits of collection answers, as in Contentstack.
const (
	defaultLimit = 100
	maxLimit     = 100
)

// decodeWrapped decodes the object under key of a JSON body such as
// {"entry":{…}} into v. code is the error code of a refusal and example
// the body to suggest.
func decodeWrapped(c *call, key string, code int, example string, v any) *apiError {
	var outer map[string]json.RawMessage
	if err := json.Unmarshal(c.body, &outer); err != nil {
		return newError(http.StatusBadRequest, code, "The body must be a JSON object like %s: %v.", example, err)
	}
	inner := outer[key]
	if len(inner) == 0 || string(inner) == "null" {
		return fieldError(code, key, "is required.", "The body needs the %q object, like %s.", key, example)
	}
	if err := json.Unmarshal(inner, v); err != nil {
		return fieldError(code, key, "is not valid.", "The %q object is not valid (%v); send a body like %s.", key, err, example)
	}
	return nil
}

// flag says whether the query parameter name is "true".
func flag(c *call, name string) bool {
	return c.query.Get(name) == "true"
}

// listAnswer answers a collection under key: {key:[…]} in creation order,
// paged by the skip and limit query parameters, with "count" when
// include_count=true; with count=true the answer is only {key: total}.
func listAnswer[T any](c *call, key string, items []*T, view func(*T) any) reply {
	if flag(c, "count") {
		return ok(map[string]int{key: len(items)})
	}
	skip, err := intParam(c, "skip", 0, len(items))
	if err != nil {
		return err.reply()
	}
	limit, err := intParam(c, "limit", defaultLimit, maxLimit)
	if err != nil {
		return err.reply()
	}
	page := items[skip:min(len(items), skip+limit)]
	views := make([]any, len(page))
	for i, it := range page {
		views[i] = view(it)
	}
	body := map[string]any{key: views}
	if flag(c, "include_count") {
		body["count"] = len(items)
	}
	return ok(body)
}

// intParam reads the integer query parameter name, def when absent; values
// above most are lowered to most.
func intParam(c *call, name string, def, most int) (int, *apiError) {
	v := c.query.Get(name)
	if v == "" {
		return min(def, most), nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fieldError(codeInvalid, name, "is not valid.", "The %s query parameter must be a whole number of 0 or more, got %q.", name, v)
	}
	return min(n, most), nil
}

// checkLocale refuses a locale query parameter other than the branch's one
// locale.
func checkLocale(c *call) *apiError {
	if l := c.query.Get("locale"); l != "" && l != masterLocale {
		return fieldError(codeInvalid, "locale", "is not valid.", "The sandbox stack has only the locale %s: drop the locale parameter or send locale=%s.", masterLocale, masterLocale)
	}
	return nil
}

// branchName is the _branch member of an answer: the branch name with
// include_branch=true, else "" (omitted).
func branchName(c *call) string {
	if flag(c, "include_branch") {
		return c.branch.name
	}
	return ""
}
