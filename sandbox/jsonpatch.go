package sandbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// patchOp is one JSON Patch operation (RFC 6902); the sandbox supports add,
// replace and remove.
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

// applyPatch applies a JSON Patch body to an entry's fields and metadata.
// Paths start with /fields or /metadata.
func applyPatch(fields, metadata json.RawMessage, body []byte) (json.RawMessage, json.RawMessage, *apiError) {
	var ops []patchOp
	if err := json.Unmarshal(body, &ops); err != nil {
		return nil, nil, badRequest("The body is not a JSON Patch array like [{\"op\":\"replace\",\"path\":\"/fields/title/en-US\",\"value\":\"…\"}]: %v", err)
	}
	doc := map[string]any{}
	for name, raw := range map[string]json.RawMessage{"fields": fields, "metadata": metadata} {
		var v any
		if err := decodeJSON(raw, &v); err != nil {
			return nil, nil, badRequest("The stored %s cannot be read; PUT the entry again.", name)
		}
		doc[name] = v
	}
	for i, op := range ops {
		if err := applyOp(doc, op); err != nil {
			return nil, nil, validationFailed([]string{strconv.Itoa(i)}, "JSON Patch operation %d (%s %s): %v", i, op.Op, op.Path, err)
		}
	}
	if _, ok := doc["fields"].(map[string]any); !ok {
		return nil, nil, validationFailed([]string{"fields"}, "The patch must leave fields a JSON object.")
	}
	fields, _ = json.Marshal(doc["fields"])
	rawMetadata, _ := json.Marshal(doc["metadata"])
	md, err := normalizeMetadata(rawMetadata)
	return fields, md, err
}

// applyOp applies one operation to doc, whose top level is fields and
// metadata.
func applyOp(doc map[string]any, op patchOp) error {
	tokens, err := parsePointer(op.Path)
	if err != nil {
		return err
	}
	if len(tokens) == 0 || (tokens[0] != "fields" && tokens[0] != "metadata") {
		return fmt.Errorf("paths start with /fields or /metadata")
	}
	var value any
	switch op.Op {
	case "add", "replace":
		if len(op.Value) == 0 {
			return fmt.Errorf("%s needs a value", op.Op)
		}
		if err := decodeJSON(op.Value, &value); err != nil {
			return fmt.Errorf("the value is not JSON: %v", err)
		}
	case "remove":
	default:
		return fmt.Errorf("the sandbox supports the ops add, replace and remove")
	}
	if len(tokens) == 1 && op.Op == "remove" {
		return fmt.Errorf("/%s cannot be removed", tokens[0])
	}
	_, err = patchNode(doc, tokens, op.Op, value)
	return err
}

// pointerUnescaper undoes the escapes of a JSON Pointer token.
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// parsePointer splits a JSON Pointer (RFC 6901) into unescaped tokens.
func parsePointer(p string) ([]string, error) {
	if p == "" {
		return nil, nil
	}
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("path %q is not a JSON Pointer (it must start with /)", p)
	}
	tokens := strings.Split(p[1:], "/")
	for i, t := range tokens {
		tokens[i] = pointerUnescaper.Replace(t)
	}
	return tokens, nil
}

// patchNode applies op at the path tokens below node and returns the
// changed node (a new slice when an array grows or shrinks).
func patchNode(node any, tokens []string, op string, value any) (any, error) {
	tok, rest := tokens[0], tokens[1:]
	switch n := node.(type) {
	case map[string]any:
		child, exists := n[tok]
		if !exists && (len(rest) > 0 || op != "add") {
			return nil, fmt.Errorf("%q does not exist", tok)
		}
		if len(rest) > 0 {
			changed, err := patchNode(child, rest, op, value)
			n[tok] = changed
			return n, err
		}
		if op == "remove" {
			delete(n, tok)
		} else {
			n[tok] = value
		}
		return n, nil
	case []any:
		if len(rest) == 0 && op == "add" {
			i := len(n)
			if tok != "-" {
				var err error
				if i, err = arrayIndex(tok, len(n)+1); err != nil {
					return nil, err
				}
			}
			return append(n[:i], append([]any{value}, n[i:]...)...), nil
		}
		i, err := arrayIndex(tok, len(n))
		if err != nil {
			return nil, err
		}
		switch {
		case len(rest) > 0:
			n[i], err = patchNode(n[i], rest, op, value)
			return n, err
		case op == "remove":
			return append(n[:i], n[i+1:]...), nil
		}
		n[i] = value
		return n, nil
	}
	return nil, fmt.Errorf("%q is below a value that is neither an object nor an array", tok)
}

// arrayIndex parses an array index token that must be below n.
func arrayIndex(tok string, n int) (int, error) {
	i, err := strconv.Atoi(tok)
	if err != nil || i < 0 || i >= n || (len(tok) > 1 && tok[0] == '0') || tok[0] == '+' {
		return 0, fmt.Errorf("index %q is not in the array of length %d", tok, n)
	}
	return i, nil
}
