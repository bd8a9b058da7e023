package load

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
)

// clkTck is USER_HZ, the unit of utime/stime in /proc/<pid>/stat; it is 100
// on every Linux architecture Go supports.
const clkTck = 100

// ProcSample is one reading of a process's counters from /proc.
type ProcSample struct {
	CPUSeconds float64 // utime+stime
	RSSKB      int64   // VmRSS
	PeakRSSKB  int64   // VmHWM: the peak resident set since the process started
}

// ReadProc reads the CPU time and resident set of pid from /proc.
func ReadProc(pid int) (ProcSample, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ProcSample{}, err
	}
	ticks, err := parseStatTicks(stat)
	if err != nil {
		return ProcSample{}, fmt.Errorf("pid %d: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ProcSample{}, err
	}
	return ProcSample{
		CPUSeconds: float64(ticks) / clkTck,
		RSSKB:      statusKB(status, "VmRSS:"),
		PeakRSSKB:  statusKB(status, "VmHWM:"),
	}, nil
}

// parseStatTicks returns utime+stime (fields 14 and 15) of a
// /proc/<pid>/stat line. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseStatTicks(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), so utime (14) is f[11] and stime (15) f[12].
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	u, err1 := strconv.ParseUint(string(f[11]), 10, 64)
	s, err2 := strconv.ParseUint(string(f[12]), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return u + s, nil
}

// statusKB returns the kB value of key in a /proc/<pid>/status text, or 0.
func statusKB(b []byte, key string) int64 {
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte(key)); ok {
			f := bytes.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return n
			}
		}
	}
	return 0
}
