package actor_test

import (
	"testing"

	"github.com/grainflow/grainflow/internal/leakcheck"
)

// TestMain fails the package if goroutines outlive the tests: every test
// closes its engines and journals, which must stop everything they started.
func TestMain(m *testing.M) { leakcheck.Main(m) }
