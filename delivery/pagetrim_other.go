//go:build !linux

package delivery

// trimMappedPages is only available on Linux.
func trimMappedPages(string) (int64, error) { return 0, errTrimUnsupported }
