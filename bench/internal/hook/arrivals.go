package hook

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// ReadArrivals parses the /_arrivals answer.
func ReadArrivals(r io.Reader) ([]Arrival, error) {
	var out []Arrival
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		id, ns, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("arrival line %q is not \"<id> <unix ns>\"", sc.Text())
		}
		out = append(out, Arrival{ID: id, At: time.Unix(0, n)})
	}
	return out, sc.Err()
}
