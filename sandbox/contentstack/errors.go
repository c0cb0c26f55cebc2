package contentstack

import (
	"fmt"
	"net/http"
)

// Contentstack's error codes the sandbox answers with (error_code). Codes
// marked "as observed" were read in Contentstack's SDKs and docs; the others
// are the sandbox's best guess.
const (
	codeNotLoggedIn         = 105 // bad or missing token, as observed
	codeAPIKeyInvalid       = 109 // missing api_key
	codeContentTypeInvalid  = 115 // content type create or update refused, as observed
	codeContentTypeNotFound = 118 // as observed
	codeEntryInvalid        = 119 // entry create or update refused
	codeInvalid             = 141 // unknown object or invalid parameters, as observed
	codeEnvironmentNotFound = 161 // publishing to an unknown environment, as observed
)

// apiError is an error answer in Contentstack's shape. It is returned by
// the checks a handler makes and turned into a reply by the handler.
type apiError struct {
	status  int
	code    int
	message string
	// errors maps a field to what is wrong with it.
	errors map[string][]string
}

// errorBody is the JSON of an error answer:
// {"error_message":…,"error_code":…,"errors":{…}}.
type errorBody struct {
	ErrorMessage string              `json:"error_message"`
	ErrorCode    int                 `json:"error_code"`
	Errors       map[string][]string `json:"errors"`
}

// reply turns the error into an answer.
func (e *apiError) reply() reply {
	errs := e.errors
	if errs == nil {
		errs = map[string][]string{}
	}
	return reply{status: e.status, body: errorBody{ErrorMessage: e.message, ErrorCode: e.code, Errors: errs}}
}

// newError builds an error answer with no field errors.
func newError(status, code int, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// fieldError builds a 422 answer that names what is wrong with field.
func fieldError(code int, field, problem, format string, args ...any) *apiError {
	e := newError(http.StatusUnprocessableEntity, code, format, args...)
	e.errors = map[string][]string{field: {problem}}
	return e
}

// notLoggedIn is Contentstack's answer to a missing or refused token; header
// names the token header that was sent (or is expected).
func notLoggedIn(header string) *apiError {
	e := newError(http.StatusUnauthorized, codeNotLoggedIn, "You're not allowed in here unless you're logged in.")
	e.errors = map[string][]string{header: {"is not valid."}}
	return e
}

// missingAPIKey is the answer to a request without the api_key header.
func missingAPIKey() *apiError {
	e := newError(http.StatusPreconditionFailed, codeAPIKeyInvalid, "The api_key header is missing: send the stack's API key in it (any value names a sandbox stack).")
	e.errors = map[string][]string{"api_key": {"is not valid."}}
	return e
}

// contentTypeNotFound is Contentstack's answer for an unknown content type.
func contentTypeNotFound(uid string) *apiError {
	return fieldError(codeContentTypeNotFound, "uid", "is not valid.", "The Content Type '%s' was not found. Please try again.", uid)
}

// objectNotFound is Contentstack's answer for an unknown entry, asset or
// environment; what says which and how to list the existing ones.
func objectNotFound(what string) *apiError {
	return fieldError(codeInvalid, "uid", "is not valid.", "The requested object doesn't exist. (The sandbox has no %s.)", what)
}

// environmentNotFound is Contentstack's answer to publishing to an
// environment that does not exist.
func environmentNotFound(name string) *apiError {
	e := newError(http.StatusUnauthorized, codeEnvironmentNotFound, "Environment doesn't exists or insufficient permission to access it. (The sandbox has no environment %q: create it with POST /v3/environments.)", name)
	e.errors = map[string][]string{"environments": {"is not valid."}}
	return e
}
