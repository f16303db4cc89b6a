package testsuite_test

import (
	"testing"

	"github.com/grainflow/grainflow/internal/leakcheck"
)

// TestMain fails the package if the environments leave goroutines behind
// (workflow coroutines or activity attempts).
func TestMain(m *testing.M) { leakcheck.Main(m) }
