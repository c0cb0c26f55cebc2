package sandbox

import (
	"fmt"
	"net/http"
)

// apiError is an error answer in Contentful's shape. It is returned by the
// checks a handler makes and turned into a reply by the handler.
type apiError struct {
	status  int
	id      string
	message string
	details any
}

// errorBody is the JSON of an error answer:
// {"sys":{"type":"Error","id":…},"message":…,"details":…,"requestId":…}.
type errorBody struct {
	Sys       errorSys `json:"sys"`
	Message   string   `json:"message"`
	Details   any      `json:"details,omitempty"`
	RequestID string   `json:"requestId"`
}

// errorSys is the sys object of an error answer.
type errorSys struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// reply turns the error into an answer; the request id is filled in when
// the answer is written.
func (e *apiError) reply() reply {
	return reply{status: e.status, body: &errorBody{
		Sys:     errorSys{Type: "Error", ID: e.id},
		Message: e.message,
		Details: e.details,
	}}
}

// newError builds an error with Contentful's error id for status.
func newError(status int, format string, args ...any) *apiError {
	return &apiError{status: status, id: errorID(status), message: fmt.Sprintf(format, args...)}
}

// notFound is Contentful's 404 answer.
func notFound(format string, args ...any) *apiError {
	return newError(http.StatusNotFound, format, args...)
}

// badRequest is Contentful's 400 answer.
func badRequest(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, format, args...)
}

// validationFailed is Contentful's 422 answer; details name the offending
// path as Contentful's validation errors do.
func validationFailed(path []string, format string, args ...any) *apiError {
	e := newError(http.StatusUnprocessableEntity, format, args...)
	e.details = map[string]any{"errors": []map[string]any{{
		"name":    "invalid",
		"path":    path,
		"details": e.message,
	}}}
	return e
}

// errorID maps a status to the error id Contentful uses for it.
func errorID(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "BadRequest"
	case http.StatusUnauthorized:
		return "AccessTokenInvalid"
	case http.StatusForbidden:
		return "AccessDenied"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusConflict:
		return "VersionMismatch"
	case http.StatusRequestEntityTooLarge:
		return "PayloadTooLarge"
	case http.StatusUnsupportedMediaType:
		return "UnsupportedMediaType"
	case http.StatusUnprocessableEntity:
		return "ValidationFailed"
	case http.StatusTooManyRequests:
		return "RateLimitExceeded"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusBadGateway:
		return "BadGateway"
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	}
	if status >= 500 {
		return "ServerError"
	}
	return "BadRequest"
}
