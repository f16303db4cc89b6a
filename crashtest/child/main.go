// Command child is the process the crash test kills: it opens a node on a
// data directory, starts the test's workflows if they do not exist yet, and
// waits for all of them to complete. Every activity execution appends a
// synced line to an audit log, so the test can check what ran and when.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/crashtest"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
)

func main() {
	dataDir := flag.String("data-dir", "", "node data directory")
	auditPath := flag.String("audit", "", "activity audit log")
	n := flag.Int("n", 40, "number of workflows")
	flag.Parse()
	if err := run(*dataDir, *auditPath, *n); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	fmt.Println("ALL DONE")
}

func run(dataDir, auditPath string, n int) error {
	auditFile, err := os.OpenFile(auditPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	crashtest.SetAuditLog(auditFile)
	node, err := cluster.Open(cluster.Options{DataDir: dataDir, Partitions: 4})
	if err != nil {
		return err
	}
	defer node.Close()
	c, err := client.Dial(client.Options{Node: node})
	if err != nil {
		return err
	}
	w := worker.New(c, crashtest.TaskQueue, worker.Options{MaxConcurrentActivityExecutionSize: 64})
	w.RegisterWorkflow(crashtest.CrashWorkflow)
	w.RegisterWorkflow(crashtest.ChainWorkflow)
	w.RegisterWorkflow(crashtest.FamilyWorkflow)
	w.RegisterWorkflow(crashtest.ChildWorkflow)
	w.RegisterWorkflow(crashtest.TallyWorkflow)
	w.RegisterWorkflow(crashtest.ScheduledWorkflow)
	w.RegisterActivity(crashtest.Step)
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	ctx := context.Background()
	// A schedule, created by the first child that gets this far.
	_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      crashtest.ScheduleID,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Second}}},
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
		Action: &client.ScheduleWorkflowAction{ID: crashtest.ScheduleActionID, Workflow: crashtest.ScheduledWorkflow,
			Args: []any{crashtest.ScheduleSeed}, TaskQueue: crashtest.TaskQueue},
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create schedule: %w", err)
	}
	for i := range n {
		if err := startOnce(ctx, c, fmt.Sprintf("crash-%d", i), crashtest.CrashWorkflow, i); err != nil {
			return err
		}
	}
	// Chains of runs that continue as new, started the same way.
	for i := range n / 4 {
		if err := startOnce(ctx, c, fmt.Sprintf("chain-%d", i), crashtest.ChainWorkflow, i, 1, 0); err != nil {
			return err
		}
	}
	// Parents whose children live on other partitions.
	for i := range n / 4 {
		if err := startOnce(ctx, c, fmt.Sprintf("family-%d", i), crashtest.FamilyWorkflow, i); err != nil {
			return err
		}
	}
	// Workflows fed by updates, which a restarted child sends again with
	// the same update IDs.
	for i := range n / 4 {
		if err := startOnce(ctx, c, fmt.Sprintf("tally-%d", i), crashtest.TallyWorkflow, i); err != nil {
			return err
		}
	}
	if err := sendUpdates(ctx, c, n/4); err != nil {
		return err
	}
	for i := range n / 4 {
		var got int
		if err := c.GetWorkflow(ctx, fmt.Sprintf("tally-%d", i), "").Get(ctx, &got); err != nil {
			return fmt.Errorf("tally-%d: %w", i, err)
		}
		if got != crashtest.ExpectedTally(i) {
			return fmt.Errorf("tally-%d returned %d, want %d", i, got, crashtest.ExpectedTally(i))
		}
	}
	for i := range n / 4 {
		var got int
		if err := c.GetWorkflow(ctx, fmt.Sprintf("family-%d", i), "").Get(ctx, &got); err != nil {
			return fmt.Errorf("family-%d: %w", i, err)
		}
		if got != crashtest.ExpectedFamily(i) {
			return fmt.Errorf("family-%d returned %d, want %d", i, got, crashtest.ExpectedFamily(i))
		}
	}
	for i := range n / 4 {
		var got int
		// The first run's handle follows the continuations to the last run.
		if err := c.GetWorkflow(ctx, fmt.Sprintf("chain-%d", i), "").Get(ctx, &got); err != nil {
			return fmt.Errorf("chain-%d: %w", i, err)
		}
		if got != crashtest.ExpectedChain(i) {
			return fmt.Errorf("chain-%d returned %d, want %d", i, got, crashtest.ExpectedChain(i))
		}
	}
	for i := range n {
		var got int
		if err := c.GetWorkflow(ctx, fmt.Sprintf("crash-%d", i), "").Get(ctx, &got); err != nil {
			return fmt.Errorf("crash-%d: %w", i, err)
		}
		if got != crashtest.Expected(i) {
			return fmt.Errorf("crash-%d returned %d, want %d", i, got, crashtest.Expected(i))
		}
	}
	return waitForSchedule(ctx, c)
}

// waitForSchedule waits until the actions of the schedule's first
// ScheduleDueTimes due times have completed with the right result.
func waitForSchedule(ctx context.Context, c client.Client) error {
	d, err := c.ScheduleClient().GetHandle(ctx, crashtest.ScheduleID).Describe(ctx)
	if err != nil {
		return fmt.Errorf("describe schedule: %w", err)
	}
	due := d.Info.CreatedAt.Truncate(time.Second)
	for range crashtest.ScheduleDueTimes {
		due = due.Add(time.Second)
		id := crashtest.ScheduledWorkflowID(due)
		for {
			var got int
			err := c.GetWorkflow(ctx, id, "").Get(ctx, &got)
			var notFound *actor.NotFoundError
			if errors.As(err, &notFound) {
				time.Sleep(50 * time.Millisecond) // not started yet
				continue
			}
			if err != nil {
				return fmt.Errorf("%s: %w", id, err)
			}
			if got != crashtest.ExpectedScheduled(crashtest.ScheduleSeed) {
				return fmt.Errorf("%s returned %d, want %d", id, got, crashtest.ExpectedScheduled(crashtest.ScheduleSeed))
			}
			break
		}
	}
	return nil
}

// startOnce starts workflow id unless a run of it exists already, open or
// closed: a restarted child must not start the workflows again.
func startOnce(ctx context.Context, c client.Client, id string, wf any, args ...any) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: crashtest.TaskQueue,
		WorkflowIDReusePolicy:                    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, wf, args...)
	var started *client.WorkflowExecutionAlreadyStartedError
	if err != nil && !errors.As(err, &started) {
		return fmt.Errorf("start %s: %w", id, err)
	}
	return nil
}

// sendUpdates sends every update of the tally workflows that are still open,
// all at once, and checks the results. Update IDs are fixed, so what a
// killed child sent before is not applied twice.
func sendUpdates(ctx context.Context, c client.Client, tallies int) error {
	var wg sync.WaitGroup
	errs := make(chan error, tallies*crashtest.Updates)
	for i := range tallies {
		id := fmt.Sprintf("tally-%d", i)
		desc, err := c.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return err
		}
		if desc.Meta.GetCloseTime() != nil {
			continue // every update completed before an earlier kill
		}
		for k := 1; k <= crashtest.Updates; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateID: fmt.Sprintf("%s-add-%d", id, k),
					UpdateName: "add", Args: []any{k}, WaitForStage: client.WorkflowUpdateStageCompleted})
				var got int
				if err == nil {
					err = h.Get(ctx, &got)
				}
				if err == nil && got != crashtest.ExpectedUpdate(i, k) {
					err = fmt.Errorf("update %d returned %d, want %d", k, got, crashtest.ExpectedUpdate(i, k))
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", id, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	return <-errs
}
