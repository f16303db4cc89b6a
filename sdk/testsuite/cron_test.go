package testsuite_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// cronRun is what one run of CronCounter saw.
type cronRun struct {
	At   time.Time
	Last int
}

// CronCounter counts its runs through the last completion result; its
// third run fails, so the fourth sees the second run's result.
func CronCounter(ctx workflow.Context, runs *[]cronRun) (int, error) {
	last := 0
	if workflow.HasLastCompletionResult(ctx) {
		if err := workflow.GetLastCompletionResult(ctx, &last); err != nil {
			return 0, err
		}
	}
	*runs = append(*runs, cronRun{At: workflow.Now(ctx), Last: last})
	if len(*runs) == 3 {
		return 0, errors.New("third run fails")
	}
	return last + 1, nil
}

// A child started with a cron schedule runs at once, then again at each
// time of the schedule on the virtual clock, with the last completion
// result carried (a failed run does not replace it); the parent's future
// does not resolve while the schedule goes on. As in Temporal.
func TestCronChildIsRescheduled(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	start := time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC)
	env.SetStartTime(start)
	var runs []cronRun
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context) (int, error) { return CronCounter(ctx, &runs) },
		workflow.RegisterOptions{Name: "CronCounter"})

	env.ExecuteWorkflow(func(ctx workflow.Context) (bool, error) {
		ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "cron-child", CronSchedule: "0 * * * *"})
		child := workflow.ExecuteChildWorkflow(ctx, "CronCounter")
		if err := workflow.Sleep(ctx, 3*time.Hour+time.Minute); err != nil {
			return false, err
		}
		return child.IsReady(), nil
	})

	var ready bool
	require.NoError(t, env.GetWorkflowResult(&ready))
	require.False(t, ready)
	hour := func(h int) time.Time { return time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC) }
	require.Equal(t, []cronRun{{start, 0}, {hour(1), 1}, {hour(2), 2}, {hour(3), 2}}, normalize(runs))
}

// normalize puts the run times in UTC for comparison.
func normalize(runs []cronRun) []cronRun {
	out := make([]cronRun, len(runs))
	for i, r := range runs {
		out[i] = cronRun{At: r.At.UTC(), Last: r.Last}
	}
	return out
}
