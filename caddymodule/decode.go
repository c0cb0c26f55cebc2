package caddymodule

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"strings"
)

// decodeBody undoes the upstream's content encoding so that the answer can
// be read as JSON. The decoded body may be at most limit bytes.
func decodeBody(encoding string, body []byte, limit int64) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		out, err := io.ReadAll(io.LimitReader(zr, limit+1))
		if err != nil {
			return nil, err
		}
		if int64(len(out)) > limit {
			return nil, fmt.Errorf("decoded answer is larger than max_body (%d bytes)", limit)
		}
		return out, nil
	default:
		return nil, fmt.Errorf("content encoding %q is not supported for reading answers", encoding)
	}
}
