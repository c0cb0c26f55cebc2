package caddymodule

import (
	"bytes"
	"io"
	"net/http"
	"sync"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// captureWriter holds back a successful upstream answer to a write route so
// that the events it makes are on disk before the client sees it.
//
// Non-2xx answers stream straight through. A 2xx answer is buffered up to
// limit bytes; when it grows past that, commit is called once with no body
// (a thin event) before anything reaches the client, and the rest streams.
// Whatever is still held at the end is released by finish.
type captureWriter struct {
	*caddyhttp.ResponseWriterWrapper
	buf    *bytes.Buffer
	limit  int64
	commit func(status int, body []byte, truncated bool)

	status    int
	holding   bool // a 2xx answer is being held back
	committed bool
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func newCaptureWriter(w http.ResponseWriter, limit int64, commit func(int, []byte, bool)) *captureWriter {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	return &captureWriter{
		ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w},
		buf:                   buf,
		limit:                 limit,
		commit:                commit,
	}
}

// WriteHeader records the status; only a final 2xx answer is held back.
func (cw *captureWriter) WriteHeader(status int) {
	if cw.status != 0 {
		return
	}
	if status < 200 {
		cw.ResponseWriterWrapper.WriteHeader(status)
		return
	}
	cw.status = status
	if status < 300 {
		cw.holding = true
		return
	}
	cw.ResponseWriterWrapper.WriteHeader(status)
}

// Write buffers a held answer, or passes the bytes through.
func (cw *captureWriter) Write(p []byte) (int, error) {
	if cw.status == 0 {
		cw.WriteHeader(http.StatusOK)
	}
	if !cw.holding {
		return cw.ResponseWriterWrapper.Write(p)
	}
	if int64(cw.buf.Len()+len(p)) <= cw.limit {
		return cw.buf.Write(p)
	}
	// Too large to hold: commit a thin event now, then stream.
	if err := cw.release(nil, true); err != nil {
		return 0, err
	}
	return cw.ResponseWriterWrapper.Write(p)
}

// ReadFrom buffers a held answer, or passes the reader through.
func (cw *captureWriter) ReadFrom(r io.Reader) (int64, error) {
	if cw.status == 0 {
		cw.WriteHeader(http.StatusOK)
	}
	if !cw.holding {
		return cw.ResponseWriterWrapper.ReadFrom(r)
	}
	return io.Copy(writeOnly{cw}, r)
}

// writeOnly hides ReadFrom so that io.Copy goes through Write.
type writeOnly struct{ io.Writer }

// FlushError keeps a held answer held; otherwise it flushes.
func (cw *captureWriter) FlushError() error {
	if cw.holding {
		return nil
	}
	return http.NewResponseController(cw.ResponseWriterWrapper).Flush()
}

// finish commits a held answer's events and writes it to the client. It
// returns the buffer to the pool; cw must not be used afterwards.
func (cw *captureWriter) finish() error {
	defer cw.recycle()
	if !cw.holding {
		return nil
	}
	return cw.release(cw.buf.Bytes(), false)
}

// discard drops a held answer without committing (the upstream broke off)
// and reports whether there was one. cw must not be used afterwards.
func (cw *captureWriter) discard() bool {
	held := cw.holding
	cw.holding = false
	cw.recycle()
	return held
}

func (cw *captureWriter) recycle() {
	if cw.buf.Cap() <= 64<<10 {
		bufPool.Put(cw.buf)
	}
	cw.buf = nil
}

// release commits (once) and writes the held status and bytes.
func (cw *captureWriter) release(body []byte, truncated bool) error {
	cw.holding = false
	if !cw.committed {
		cw.committed = true
		cw.commit(cw.status, body, truncated)
	}
	cw.ResponseWriterWrapper.WriteHeader(cw.status)
	if cw.buf.Len() == 0 {
		return nil
	}
	_, err := cw.ResponseWriterWrapper.Write(cw.buf.Bytes())
	cw.buf.Reset()
	return err
}

// Interface guards
var _ http.ResponseWriter = (*captureWriter)(nil)
