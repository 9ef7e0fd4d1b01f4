//go:build !unix

package query

import "time"

// cpuTime is not measured on this platform: benchmarks skip the per-CPU
// figure.
func cpuTime() time.Duration { return 0 }
