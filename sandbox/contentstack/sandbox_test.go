package contentstack

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/cmsevents/caddy-cms-events/sandbox"
)

func TestAuthAndAPIKey(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name   string
		header map[string]string
		status int
		want   map[string]any
	}{
		{"no api_key", map[string]string{"api_key": ""}, http.StatusPreconditionFailed, map[string]any{
			"error_code": 109, "errors.api_key": []string{"is not valid."}}},
		{"no token", map[string]string{"authorization": ""}, http.StatusUnauthorized, map[string]any{
			"error_message": "You're not allowed in here unless you're logged in.", "error_code": 105,
			"errors.authorization": []string{"is not valid."}}},
		{"invalid management token", map[string]string{"authorization": sandbox.InvalidTokenPrefix + "-x"}, http.StatusUnauthorized, map[string]any{
			"error_code": 105, "errors.authorization": []string{"is not valid."}}},
		{"invalid bearer token", map[string]string{"authorization": "Bearer " + sandbox.InvalidTokenPrefix}, http.StatusUnauthorized, map[string]any{
			"error_code": 105}},
		{"invalid authtoken", map[string]string{"authorization": "", "authtoken": sandbox.InvalidTokenPrefix + "1"}, http.StatusUnauthorized, map[string]any{
			"error_code": 105, "errors.authtoken": []string{"is not valid."}}},
		{"authtoken", map[string]string{"authorization": "", "authtoken": "a-user-token"}, http.StatusOK, map[string]any{
			"environments.0.name": "development"}},
		{"bearer token", map[string]string{"authorization": "Bearer oauth-token"}, http.StatusOK, map[string]any{
			"environments.1.name": "production"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := h.must(t, request{method: "GET", path: "/v3/environments", header: tc.header}, tc.status)
			expect(t, got, tc.want)
		})
	}
}

func TestUserUID(t *testing.T) {
	if !regexp.MustCompile(`^blt[0-9a-f]{16}$`).MatchString(testUser) {
		t.Fatalf("UserUID = %q, want blt and 16 hex characters", testUser)
	}
	if UserUID(testToken) != testUser || UserUID("other") == testUser {
		t.Fatal("UserUID must be a function of the token")
	}
	h := newHarness(t)
	h.do(t, "POST", "/v3/content_types", blogType, http.StatusCreated)
	got := h.must(t, request{method: "PUT", path: "/v3/content_types/blog", body: `{"content_type":{"title":"B"}}`,
		header: map[string]string{"authorization": "", "authtoken": "someone-else"}}, http.StatusOK)
	expect(t, got, map[string]any{"content_type.created_by": testUser, "content_type.updated_by": UserUID("someone-else")})
}

func TestUnknownRoutes(t *testing.T) {
	h := newHarness(t)
	for _, r := range []request{
		{method: "GET", path: "/v3/nothing"},
		{method: "GET", path: "/v2/content_types"},
		{method: "DELETE", path: "/v3/stacks"},
		{method: "PATCH", path: "/v3/content_types/blog"},
		{method: "GET", path: "/v3/content_types/blog/entries/x/publish"},
		{method: "GET", path: "/v3/assets/a/b/c"},
		{method: "GET", path: "/v3/content_types/b%20log"},
	} {
		got := h.must(t, r, http.StatusNotFound)
		expect(t, got, map[string]any{"error_code": 404})
	}
}

func TestFailHeader(t *testing.T) {
	h := newHarness(t)
	got := h.must(t, request{method: "POST", path: "/v3/content_types", body: blogType, header: map[string]string{sandbox.FailHeader: "503"}}, http.StatusServiceUnavailable)
	expect(t, got, map[string]any{"error_code": 503, "errors": map[string]any{}})
	if !strings.Contains(got.str(t, "error_message"), sandbox.FailHeader) {
		t.Errorf("error_message %q does not name %s", got.str(t, "error_message"), sandbox.FailHeader)
	}
	// The failure comes before the token check and changes nothing.
	h.must(t, request{method: "GET", path: "/v3/content_types", header: map[string]string{sandbox.FailHeader: "429", "authorization": ""}}, http.StatusTooManyRequests)
	expect(t, h.do(t, "GET", "/v3/content_types?include_count=true", "", http.StatusOK), map[string]any{"count": 0})
	for _, bad := range []string{"200", "600", "x"} {
		h.must(t, request{method: "GET", path: "/v3/content_types", header: map[string]string{sandbox.FailHeader: bad}}, http.StatusBadRequest)
	}
}

func TestBodyTooLarge(t *testing.T) {
	h := newHarness(t)
	body := `{"content_type":{"title":"` + strings.Repeat("x", maxBody) + `"}}`
	h.do(t, "POST", "/v3/content_types", body, http.StatusRequestEntityTooLarge)
}

func TestStacksAndBranches(t *testing.T) {
	h := newHarness(t)
	h.clock.set(t, "2025-03-04T05:06:07.89Z")
	stack := h.do(t, "GET", "/v3/stacks", "", http.StatusOK)
	expect(t, stack, map[string]any{
		"stack.api_key": testKey, "stack.master_locale": "en-us", "stack.owner_uid": testUser,
		"stack.created_at": "2025-03-04T05:06:07.890Z",
	})
	expect(t, h.do(t, "GET", "/v3/locales", "", http.StatusOK), map[string]any{
		"locales.0.code": "en-us", "locales.0.name": "English - United States", "locales.0.fallback_locale": nil,
		"locales.0._version": 1, "locales.1": absent,
	})

	h.do(t, "POST", "/v3/content_types", blogType, http.StatusCreated)
	dev := map[string]string{"branch": "dev"}
	expect(t, h.must(t, request{method: "GET", path: "/v3/content_types?include_count=true", header: dev}, http.StatusOK), map[string]any{"count": 0})
	expect(t, h.must(t, request{method: "GET", path: "/v3/content_types?include_count=true", header: map[string]string{"branch": "main"}}, http.StatusOK), map[string]any{"count": 1})
	expect(t, h.do(t, "GET", "/v3/content_types/blog?include_branch=true", "", http.StatusOK), map[string]any{"content_type._branch": "main"})
	expect(t, h.do(t, "GET", "/v3/content_types/blog", "", http.StatusOK), map[string]any{"content_type._branch": absent})

	// Environments belong to the stack: every branch sees the same ones.
	h.do(t, "POST", "/v3/environments", `{"environment":{"name":"staging"}}`, http.StatusCreated)
	expect(t, h.must(t, request{method: "GET", path: "/v3/environments?include_count=true", header: dev}, http.StatusOK), map[string]any{"count": 3})

	// Another api_key is another stack.
	other := map[string]string{"api_key": "blt_other"}
	expect(t, h.must(t, request{method: "GET", path: "/v3/content_types?include_count=true", header: other}, http.StatusOK), map[string]any{"count": 0})
	expect(t, h.must(t, request{method: "GET", path: "/v3/environments?include_count=true", header: other}, http.StatusOK), map[string]any{"count": 2})
}
