package delivery

import (
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// Scan calls fn with every index record whose key starts with prefix, in key
// order. It reads a consistent snapshot; fn must not keep value.
func (s *Store) Scan(prefix string, fn func(key string, value []byte) error) error {
	p := indexKey(prefix)
	err := s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: p, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			err := item.Value(func(v []byte) error {
				return fn(string(item.Key()[len(indexPrefix):]), v)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("scan index records %q: %w", prefix, err)
	}
	return nil
}
