package caddymodule

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/cmsevents/caddy-cms-events/events"
)

// cmaContentType is the media type of the webhooks API's answers, as
// Contentful's management API sends it.
const cmaContentType = "application/vnd.contentful.management.v1+json"

// cmaError is an error answer of the webhooks API in Contentful's shape:
// {"sys":{"type":"Error","id":…},"message":…,"details":…,"requestId":…}.
type cmaError struct {
	status  int
	id      string
	message string
	details any
}

// Error returns the message.
func (e *cmaError) Error() string { return e.message }

// Contentful's error ids, by the status they go with.
const (
	errBadRequest       = "BadRequest"       // 400
	errAccessDenied     = "AccessDenied"     // 403
	errNotFound         = "NotFound"         // 404
	errMethodNotAllowed = "MethodNotAllowed" // 405
	errVersionMismatch  = "VersionMismatch"  // 409
	errValidationFailed = "ValidationFailed" // 422
	errServerError      = "ServerError"      // 500
)

// newCMAError returns an error answer.
func newCMAError(status int, id, format string, args ...any) *cmaError {
	return &cmaError{status: status, id: id, message: fmt.Sprintf(format, args...)}
}

// validationError is one entry of a ValidationFailed answer's
// details.errors.
type validationError struct {
	Name    string `json:"name"`
	Path    []any  `json:"path"`
	Details string `json:"details"`
}

// validationFailed returns a 422 ValidationFailed answer about one field.
func validationFailed(path []any, details string) *cmaError {
	return &cmaError{
		status:  http.StatusUnprocessableEntity,
		id:      errValidationFailed,
		message: "Validation error",
		details: map[string]any{"errors": []validationError{{Name: "invalid", Path: path, Details: details}}},
	}
}

// indexedField matches a field with an index, such as "filters[1]".
var indexedField = regexp.MustCompile(`^(\w+)\[(\d+)\]$`)

// definitionFailed turns an error of events.Compile into a 422 answer that
// names the field: "retry.attempts" becomes the path ["retry","attempts"],
// "filters[1]" becomes ["filters",1].
func definitionFailed(err error) *cmaError {
	var de *events.DefinitionError
	if !errors.As(err, &de) {
		return validationFailed([]any{}, err.Error())
	}
	var path []any
	for _, part := range strings.Split(de.Field, ".") {
		if m := indexedField.FindStringSubmatch(part); m != nil {
			n, _ := strconv.Atoi(m[2])
			path = append(path, m[1], n)
			continue
		}
		path = append(path, part)
	}
	return validationFailed(path, fmt.Sprintf("%s: %v", de.Field, de.Err))
}

// writeCMAError writes err in Contentful's error shape; an error that is
// not a *cmaError is a 500.
func writeCMAError(w http.ResponseWriter, err error) {
	var ce *cmaError
	if !errors.As(err, &ce) {
		ce = newCMAError(http.StatusInternalServerError, errServerError, "%v", err)
	}
	body := map[string]any{
		"sys":       map[string]string{"type": "Error", "id": ce.id},
		"message":   ce.message,
		"requestId": requestID(),
	}
	if ce.details != nil {
		body["details"] = ce.details
	}
	writeCMA(w, ce.status, body)
}

// writeCMA writes v as a JSON answer of the webhooks API.
func writeCMA(w http.ResponseWriter, status int, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		status, raw = http.StatusInternalServerError, []byte(`{"sys":{"type":"Error","id":"ServerError"},"message":"the answer could not be encoded"}`)
	}
	w.Header().Set("Content-Type", cmaContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(raw)))
	w.WriteHeader(status)
	w.Write(raw)
}

// requestID returns a random id for an error answer.
func requestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
