// Package crashtest holds the crash test: the workflow its child process
// runs (child/), and the test that kills that process with SIGKILL, restarts
// it, and audits the journal and the activity log afterwards.
package crashtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue of the crash workflows.
const TaskQueue = "crash"

// Steps is the number of sequential activities; FanOut the parallel ones.
const (
	Steps  = 4
	FanOut = 3
)

// CrashWorkflow runs Steps sequential activities, a durable timer, then
// FanOut parallel activities, and returns the sum of their results.
func CrashWorkflow(ctx workflow.Context, seed int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 50 * time.Millisecond},
	})
	sum := 0
	for i := 1; i <= Steps; i++ {
		var v int
		if err := workflow.ExecuteActivity(ctx, Step, seed, i).Get(ctx, &v); err != nil {
			return 0, err
		}
		sum += v
	}
	if err := workflow.Sleep(ctx, 300*time.Millisecond); err != nil {
		return 0, err
	}
	var futures []workflow.Future
	for i := 1; i <= FanOut; i++ {
		futures = append(futures, workflow.ExecuteActivity(ctx, Step, seed, 100+i))
	}
	fanned, err := sumOf(ctx, futures)
	if err != nil {
		return 0, err
	}
	return sum + fanned, nil
}

// sumOf waits for futures of ints and adds their values.
func sumOf(ctx workflow.Context, futures []workflow.Future) (int, error) {
	sum := 0
	for _, f := range futures {
		var v int
		if err := f.Get(ctx, &v); err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// Expected is CrashWorkflow's result for seed.
func Expected(seed int) int {
	sum := 0
	for i := 1; i <= Steps; i++ {
		sum += seed*1000 + i
	}
	for i := 1; i <= FanOut; i++ {
		sum += seed*1000 + 100 + i
	}
	return sum
}

var (
	auditMu   sync.Mutex
	auditFile *os.File
)

// SetAuditLog makes Step append its audit lines to f.
func SetAuditLog(f *os.File) {
	auditMu.Lock()
	defer auditMu.Unlock()
	auditFile = f
}

// audit appends one synced line: workflow ID, activity ID, attempt, time, what.
func audit(ctx context.Context, what string) {
	info := activity.GetInfo(ctx)
	auditMu.Lock()
	defer auditMu.Unlock()
	fmt.Fprintf(auditFile, "%s %s %d %d %s\n", info.WorkflowExecution.ID, info.ActivityID, info.Attempt, time.Now().UnixNano(), what)
	_ = auditFile.Sync()
}

// Step is a slow activity: 50–200 ms.
func Step(ctx context.Context, seed, i int) (int, error) {
	audit(ctx, "start")
	select {
	case <-time.After(time.Duration(50+(seed*37+i*53)%150) * time.Millisecond):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	audit(ctx, "done")
	return seed*1000 + i, nil
}

// ChainLength is how many runs a ChainWorkflow spans.
const ChainLength = 4

// ChainWorkflow runs one slow activity per run and continues as new until
// it has run ChainLength times, carrying the sum in its arguments.
func ChainWorkflow(ctx workflow.Context, seed, run, sum int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 50 * time.Millisecond},
	})
	var v int
	if err := workflow.ExecuteActivity(ctx, Step, seed, 200+run).Get(ctx, &v); err != nil {
		return 0, err
	}
	if run < ChainLength {
		return 0, workflow.NewContinueAsNewError(ctx, ChainWorkflow, seed, run+1, sum+v)
	}
	return sum + v, nil
}

// ExpectedChain is ChainWorkflow's final result for seed.
func ExpectedChain(seed int) int {
	sum := 0
	for run := 1; run <= ChainLength; run++ {
		sum += seed*1000 + 200 + run
	}
	return sum
}

// Children is how many child workflows a FamilyWorkflow starts.
const Children = 3

// FamilyWorkflow starts Children child workflows (ChildWorkflow, on IDs
// spread over the partitions), each running two slow activities, and
// returns the sum of their results.
func FamilyWorkflow(ctx workflow.Context, seed int) (int, error) {
	var futures []workflow.Future
	for k := 1; k <= Children; k++ {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: fmt.Sprintf("%s-child-%d", workflow.GetInfo(ctx).WorkflowExecution.ID, k)})
		futures = append(futures, workflow.ExecuteChildWorkflow(cctx, ChildWorkflow, seed, k))
	}
	return sumOf(ctx, futures)
}

// ChildWorkflow runs two sequential slow activities and returns their sum.
func ChildWorkflow(ctx workflow.Context, seed, k int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 50 * time.Millisecond},
	})
	sum := 0
	for i := 1; i <= 2; i++ {
		var v int
		if err := workflow.ExecuteActivity(ctx, Step, seed, 300+10*k+i).Get(ctx, &v); err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// ExpectedFamily is FamilyWorkflow's result for seed.
func ExpectedFamily(seed int) int {
	sum := 0
	for k := 1; k <= Children; k++ {
		for i := 1; i <= 2; i++ {
			sum += seed*1000 + 300 + 10*k + i
		}
	}
	return sum
}

// Updates is how many "add" updates a TallyWorkflow takes before it returns.
const Updates = 3

// TallyWorkflow takes Updates "add" updates; each handler runs a slow
// activity, adds its result to the tally and returns it. The workflow
// returns the tally once every update has completed.
func TallyWorkflow(ctx workflow.Context, seed int) (int, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 50 * time.Millisecond},
	})
	tally, done := 0, 0
	err := workflow.SetUpdateHandler(ctx, "add", func(ctx workflow.Context, k int) (int, error) {
		var v int
		if err := workflow.ExecuteActivity(actx, Step, seed, 400+k).Get(ctx, &v); err != nil {
			return 0, err
		}
		tally += v
		done++
		return v, nil
	})
	if err != nil {
		return 0, err
	}
	if err := workflow.Await(ctx, func() bool { return done == Updates && workflow.AllHandlersFinished(ctx) }); err != nil {
		return 0, err
	}
	return tally, nil
}

// ExpectedUpdate is the result of TallyWorkflow's update k for seed.
func ExpectedUpdate(seed, k int) int { return seed*1000 + 400 + k }

// ExpectedTally is TallyWorkflow's result for seed.
func ExpectedTally(seed int) int {
	sum := 0
	for k := 1; k <= Updates; k++ {
		sum += ExpectedUpdate(seed, k)
	}
	return sum
}

// The schedule the child creates: every second, each action a
// ScheduledWorkflow. The child waits until the actions of the first
// ScheduleDueTimes due times after the schedule's creation have completed.
const (
	ScheduleID       = "crash-schedule"
	ScheduleActionID = "scheduled"
	ScheduleDueTimes = 4
	ScheduleSeed     = 7
)

// ScheduledWorkflow is the schedule's action: one slow activity.
func ScheduledWorkflow(ctx workflow.Context, seed int) (int, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 50 * time.Millisecond},
	})
	var v int
	err := workflow.ExecuteActivity(ctx, Step, seed, 500).Get(ctx, &v)
	return v, err
}

// ExpectedScheduled is ScheduledWorkflow's result for seed.
func ExpectedScheduled(seed int) int { return seed*1000 + 500 }

// ScheduledWorkflowID is the ID of the action due at nominal.
func ScheduledWorkflowID(nominal time.Time) string {
	return ScheduleActionID + "-" + nominal.UTC().Format(time.RFC3339)
}
