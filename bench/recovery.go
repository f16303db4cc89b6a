package bench

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// SlowSeq runs three activities that take 100 ms each.
func SlowSeq(ctx workflow.Context, s string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	for range 3 {
		if err := workflow.ExecuteActivity(ctx, Slow, s).Get(ctx, &s); err != nil {
			return "", err
		}
	}
	return s, nil
}

// Slow is an activity that takes 100 ms.
func Slow(ctx context.Context, s string) (string, error) {
	select {
	case <-time.After(100 * time.Millisecond):
		return s, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Lines the recovery child prints on stdout.
const (
	childOpen    = "OPEN"    // node open, worker started: recovery begins
	childStarted = "STARTED" // every workflow's start is durable
	childDone    = "DONE"    // every workflow completed
)

// RunChild is the process the recovery scenario kills and restarts: it
// opens a node on --data-dir, starts -n SlowSeq workflows unless they exist,
// and waits for all of them, printing OPEN, STARTED and DONE on out.
func RunChild(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("bench-child", flag.ContinueOnError)
	dir := fs.String("data-dir", "", "node data directory")
	count := fs.Int("n", 1000, "workflows")
	if err := fs.Parse(args); err != nil {
		return err
	}
	n, err := openNode(Config{}, *dir)
	if err != nil {
		return err
	}
	defer n.close()
	fmt.Fprintln(out, childOpen)
	runs := make([]client.WorkflowRun, *count)
	for i := range runs {
		id := fmt.Sprintf("slow-%d", i)
		runs[i] = n.client.GetWorkflow(ctx, id, "")
		_, err := n.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: taskQueue,
			WorkflowIDReusePolicy: enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, WorkflowIDConflictPolicy: enums.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowExecutionErrorWhenAlreadyStarted: true}, SlowSeq, id)
		var started *client.WorkflowExecutionAlreadyStartedError
		if err != nil && !errors.As(err, &started) {
			return err
		}
	}
	fmt.Fprintln(out, childStarted)
	for i, run := range runs {
		var got string
		if err := run.Get(ctx, &got); err != nil || got != fmt.Sprintf("slow-%d", i) {
			return fmt.Errorf("slow-%d returned %q, %v", i, got, err)
		}
	}
	fmt.Fprintln(out, childDone)
	return nil
}

// recovery starts N slow workflows in a child process, kills it with
// SIGKILL while they run, restarts it on the same data directory, and
// reports how long until every workflow has resumed and completed.
func recovery(ctx context.Context, cfg Config, dir string) (Result, error) {
	if cfg.ChildCommand == nil {
		return Result{}, errors.New("the recovery scenario needs Config.ChildCommand (run it through grainflow bench)")
	}
	count := orDefault(cfg.N, 2000)
	args := []string{"--data-dir", dir, "-n", fmt.Sprint(count)}

	first := cfg.ChildCommand(args...)
	if _, err := startUntil(first, childStarted); err != nil {
		return Result{}, fmt.Errorf("first run: %w", err)
	}
	time.Sleep(300 * time.Millisecond) // activities are in flight
	_ = first.Process.Signal(syscall.SIGKILL)
	_ = first.Wait()

	restart := time.Now()
	second := cfg.ChildCommand(args...)
	lines, err := startUntil(second, childOpen)
	if err != nil {
		return Result{}, fmt.Errorf("restart: %w", err)
	}
	open := time.Since(restart)
	if err := waitFor(lines, childDone); err != nil {
		_ = second.Process.Kill()
		_ = second.Wait()
		return Result{}, fmt.Errorf("restart: %w", err)
	}
	recovered := time.Since(restart)
	if err := second.Wait(); err != nil {
		return Result{}, fmt.Errorf("restarted child: %w", err)
	}
	if err := checkCompleted(ctx, dir, count); err != nil {
		return Result{}, err
	}
	return Result{Count: count, Unit: "workflows recovered", Elapsed: recovered, Throughput: float64(count) / recovered.Seconds(),
		Workflows: count, DiskBytesPerWorkflow: float64(dirSize(dir)) / float64(count),
		Notes: map[string]string{
			"node_open_after":     open.Round(time.Millisecond).String(),
			"all_completed_after": recovered.Round(time.Millisecond).String(),
		}}, nil
}

// startUntil starts cmd and reads its stdout until want; the returned
// channel delivers the lines that follow.
func startUntil(cmd *exec.Cmd, want string) (<-chan string, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- strings.TrimSpace(s.Text())
		}
	}()
	if err := waitFor(lines, want); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, err
	}
	return lines, nil
}

func waitFor(lines <-chan string, want string) error {
	timeout := time.After(10 * time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				return fmt.Errorf("child exited before printing %s", want)
			}
			if l == want {
				return nil
			}
		case <-timeout:
			return fmt.Errorf("no %s from the child in 10 minutes", want)
		}
	}
}

// checkCompleted verifies in the journal that every workflow completed.
func checkCompleted(ctx context.Context, dir string, count int) error {
	j, err := journal.Open(dir, journal.Options{})
	if err != nil {
		return err
	}
	defer j.Close()
	for i := range count {
		meta, err := j.Current(ctx, "default", fmt.Sprintf("slow-%d", i))
		if err != nil {
			return err
		}
		if meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED {
			return fmt.Errorf("slow-%d is %s after recovery", i, meta.GetStatus())
		}
	}
	return nil
}
