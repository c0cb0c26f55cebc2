package delivery

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// trimMappedPages asks the kernel to reclaim the resident pages of the
// database files under dir that are mapped into this process (Badger maps
// its tables and value logs). Their content stays on disk and in the files;
// a later read faults the pages back in. It returns how many bytes of
// mappings it advised.
func trimMappedPages(dir string) (int64, error) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	prefix := dir + string(os.PathSeparator)
	var advised int64
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		start, end, path, ok := parseMapsLine(sc.Text())
		if !ok || !strings.HasPrefix(path, prefix) || !(strings.HasSuffix(path, ".vlog") || strings.HasSuffix(path, ".sst")) {
			continue
		}
		// MADV_PAGEOUT keeps the content in every case: a range that
		// was unmapped or reused since /proc/self/maps was read is at
		// worst paged out too, never lost.
		_, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_PAGEOUT)
		if errno != 0 {
			if errno == unix.EINVAL {
				return advised, errTrimUnsupported
			}
			continue // ENOMEM: unmapped meanwhile
		}
		advised += int64(end - start)
	}
	return advised, sc.Err()
}

// parseMapsLine reads the address range and path of one /proc/self/maps line
// ("7f00-7f80 r--s 00000000 fd:01 123 /path"); only shared mappings count.
func parseMapsLine(line string) (start, end uintptr, path string, ok bool) {
	fields := strings.Fields(line)
	if len(fields) < 6 || len(fields[1]) != 4 || fields[1][3] != 's' {
		return 0, 0, "", false
	}
	lo, hi, found := strings.Cut(fields[0], "-")
	if !found {
		return 0, 0, "", false
	}
	s, err1 := strconv.ParseUint(lo, 16, 64)
	e, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || e <= s {
		return 0, 0, "", false
	}
	return uintptr(s), uintptr(e), strings.Join(fields[5:], " "), true
}
