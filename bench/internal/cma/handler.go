package cma

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// bufs recycles answer buffers.
var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 2*EntitySize); return &b }}

// Handler answers like the management API, without state:
//   - PUT, POST or PATCH of …/entries/{id}: 201 Created with the entity at
//     version 1, or 200 OK with version n+1 when the request carries
//     X-Contentful-Version: n (an update);
//   - DELETE: 204 No Content;
//   - GET and anything else: 200 OK with the entity named by the last path
//     segment.
//
// The space and environment of the answer come from
// /spaces/{space}/environments/{env}/… (legacy paths mean master).
type Handler struct{}

// ServeHTTP answers one request.
func (Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	if r.Method == http.MethodDelete {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	space, env, id := parsePath(r.URL.Path)
	status, version := http.StatusOK, 1
	switch r.Method {
	case http.MethodPut, http.MethodPost, http.MethodPatch:
		status = http.StatusCreated
		if v := r.Header.Get("X-Contentful-Version"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				http.Error(w, `{"sys":{"type":"Error","id":"BadRequest"},"message":"X-Contentful-Version must be a positive number"}`, http.StatusBadRequest)
				return
			}
			status, version = http.StatusOK, n+1
		}
	}
	bp := bufs.Get().(*[]byte)
	body := Entity((*bp)[:0], space, env, id, version)
	h := w.Header()
	h.Set("Content-Type", "application/vnd.contentful.management.v1+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	*bp = body
	bufs.Put(bp)
}

// parsePath reads the space, environment and entity id of path; missing
// parts are "bench", "master" and "entry".
func parsePath(path string) (space, env, id string) {
	space, env, id = "bench", "master", "entry"
	parts := strings.Split(strings.Trim(path, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		switch parts[i] {
		case "spaces":
			space = parts[i+1]
		case "environments":
			env = parts[i+1]
		}
	}
	if last := parts[len(parts)-1]; last != "" {
		id = last
	}
	return space, env, id
}
