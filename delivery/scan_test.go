package delivery

import (
	"context"
	"testing"
)

func TestScan(t *testing.T) {
	s, err := OpenStore(StoreOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Enqueue(context.Background(), Batch{Put: []KV{
		{Key: "!a/2", Value: []byte("two")},
		{Key: "!a/1", Value: []byte("one")},
		{Key: "!b/1", Value: []byte("other")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = s.Scan("!a/", func(key string, value []byte) error {
		got = append(got, key+"="+string(value))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "!a/1=one" || got[1] != "!a/2=two" {
		t.Fatalf("scan of !a/ gave %v", got)
	}
}
