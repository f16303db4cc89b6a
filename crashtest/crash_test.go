package crashtest_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grainflow/grainflow/crashtest"
	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/converter"
)

const workflows = 40

// TestSurvivesSIGKILL runs the child process, kills it with SIGKILL at
// several points while workflows are in flight, restarts it on the same data
// directory until it reports completion, and then audits the journal and the
// activity log: every workflow completed with the right result, histories
// have no gaps or duplicates, and no activity ran again once its completion
// was recorded.
func TestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a child process")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "child")
	build := exec.Command("go", "build", "-o", bin, "./child")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build child: %v\n%s", err, out)
	}
	dataDir, auditLog := filepath.Join(tmp, "data"), filepath.Join(tmp, "audit.log")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "-data-dir", dataDir, "-audit", auditLog, "-n", strconv.Itoa(workflows))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}

	for i, delay := range []time.Duration{400 * time.Millisecond, 900 * time.Millisecond, 1500 * time.Millisecond} {
		cmd := start()
		time.Sleep(delay)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		_ = cmd.Wait()
		t.Logf("kill %d after %v: %d activity executions logged, %d updates accepted and %d completed so far",
			i+1, delay, countLines(t, auditLog, "start"), countEvents(t, dataDir, "tally-", isUpdateAccepted), countEvents(t, dataDir, "tally-", isUpdateCompleted))
	}

	cmd := start()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("final run failed: %v", err)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("final run did not finish in 90 s")
	}

	audit(t, dataDir, readAudit(t, auditLog))
}

func isUpdateAccepted(ev *journalpb.Event) bool {
	return ev.GetWorkflowExecutionUpdateAccepted() != nil
}
func isUpdateCompleted(ev *journalpb.Event) bool {
	return ev.GetWorkflowExecutionUpdateCompleted() != nil
}

// countEvents counts the events that match in the latest runs of the
// workflows whose IDs start with prefix (0 until they exist).
func countEvents(t *testing.T, dataDir, prefix string, match func(*journalpb.Event) bool) int {
	j, err := journal.Open(dataDir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ctx := context.Background()
	n := 0
	for i := range workflows / 4 {
		meta, err := j.Current(ctx, "default", fmt.Sprintf("%s%d", prefix, i))
		if err != nil {
			continue
		}
		events, err := j.History(ctx, journal.RunKey{Namespace: "default", WorkflowID: meta.GetWorkflowId(), RunID: meta.GetRunId()})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range events {
			if match(ev) {
				n++
			}
		}
	}
	return n
}

// completedRun checks that the latest run of workflow id completed with
// result want, and returns its history.
func completedRun(t *testing.T, j *journal.DB, id string, want int) []*journalpb.Event {
	t.Helper()
	ctx := context.Background()
	meta, err := j.Current(ctx, "default", id)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	if meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED {
		t.Fatalf("%s is %s", id, meta.GetStatus())
	}
	events, err := j.History(ctx, journal.RunKey{Namespace: "default", WorkflowID: id, RunID: meta.GetRunId()})
	if err != nil {
		t.Fatal(err)
	}
	var result int
	if err := converter.GetDefaultDataConverter().FromPayloads(
		events[len(events)-1].GetWorkflowExecutionCompleted().GetResult(), &result); err != nil || result != want {
		t.Fatalf("%s result %d (%v), want %d", id, result, err, want)
	}
	return events
}

// execution is one line of the audit log.
type execution struct {
	at   time.Time
	what string
}

// readAudit returns the log's executions by "workflowID/activityID".
func readAudit(t *testing.T, path string) map[string][]execution {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]execution{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) != 5 {
			continue // a line torn by SIGKILL
		}
		nanos, err := strconv.ParseInt(fields[3], 10, 64)
		if err != nil {
			continue
		}
		key := fields[0] + "/" + fields[1]
		out[key] = append(out[key], execution{at: time.Unix(0, nanos), what: fields[4]})
	}
	return out
}

func countLines(t *testing.T, path, what string) int {
	n := 0
	for _, execs := range readAudit(t, path) {
		for _, e := range execs {
			if e.what == what {
				n++
			}
		}
	}
	return n
}

func audit(t *testing.T, dataDir string, log map[string][]execution) {
	j, err := journal.Open(dataDir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	reruns := 0
	for i := range workflows {
		id := fmt.Sprintf("crash-%d", i)
		events := completedRun(t, j, id, crashtest.Expected(i))
		activityIDs := map[int64]string{}
		seqs := map[int64]bool{}
		for k, ev := range events {
			if ev.GetEventId() != int64(k+1) {
				t.Fatalf("%s: event %d has ID %d (gap or duplicate)", id, k+1, ev.GetEventId())
			}
			if s := ev.GetActivityTaskScheduled(); s != nil {
				if seqs[s.GetSeq()] {
					t.Fatalf("%s: activity seq %d scheduled twice", id, s.GetSeq())
				}
				seqs[s.GetSeq()] = true
				activityIDs[ev.GetEventId()] = s.GetActivityId()
			}
			c := ev.GetActivityTaskCompleted()
			if c == nil {
				continue
			}
			key := id + "/" + activityIDs[c.GetScheduledEventId()]
			completedAt := ev.GetTime().AsTime()
			doneSeen := false
			for _, e := range log[key] {
				if e.what == "start" && e.at.After(completedAt) {
					t.Fatalf("%s ran again at %v after its completion was recorded at %v", key, e.at, completedAt)
				}
				doneSeen = doneSeen || e.what == "done"
			}
			if !doneSeen {
				t.Fatalf("%s completed without a logged execution", key)
			}
			if starts := len(log[key]) / 2; starts > 1 {
				reruns++
			}
		}
		if len(seqs) != crashtest.Steps+crashtest.FanOut {
			t.Fatalf("%s scheduled %d activities, want %d", id, len(seqs), crashtest.Steps+crashtest.FanOut)
		}
	}
	t.Logf("%d activities were in flight at a kill and ran again (at-least-once); none ran after completing", reruns)
	auditChains(t, j)
	auditFamilies(t, j, log)
	auditTallies(t, j, log)
	auditSchedule(t, j, log)
}

// auditSchedule checks the schedule: across the runs of its workflow, every
// due time from its creation to the last one it acted on started exactly
// one action workflow, named after the due time; no other action was
// started; each action workflow has a single run, started by the schedule;
// the first ScheduleDueTimes completed with the right result; and no
// action's activity ran again after its completion was recorded.
func auditSchedule(t *testing.T, j *journal.DB, log map[string][]execution) {
	ctx := context.Background()
	scheduleWorkflowID := "__schedule/" + crashtest.ScheduleID
	latest, err := j.Current(ctx, "default", scheduleWorkflowID)
	if err != nil {
		t.Fatalf("%s: %v", scheduleWorkflowID, err)
	}
	if latest.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_RUNNING {
		t.Fatalf("%s is %s", scheduleWorkflowID, latest.GetStatus())
	}
	history := func(runID string) []*journalpb.Event {
		events, err := j.History(ctx, journal.RunKey{Namespace: "default", WorkflowID: scheduleWorkflowID, RunID: runID})
		if err != nil {
			t.Fatalf("%s run %s: %v", scheduleWorkflowID, runID, err)
		}
		return events
	}
	var created time.Time
	initiated := map[string]int{}
	runID := history(latest.GetRunId())[0].GetWorkflowExecutionStarted().GetFirstExecutionRunId()
	for runID != "" {
		events := history(runID)
		for _, ev := range events {
			if ev.GetWorkflowTaskCompleted() != nil && created.IsZero() {
				created = ev.GetTime().AsTime() // workflow.Now of the first task: CreatedAt
			}
			if x := ev.GetStartChildWorkflowExecutionInitiated(); x != nil {
				initiated[x.GetWorkflowId()]++
			}
		}
		if runID == latest.GetRunId() {
			break
		}
		runID = events[len(events)-1].GetWorkflowExecutionContinuedAsNew().GetNewExecutionRunId()
	}
	var last time.Time
	for id, n := range initiated {
		if n != 1 {
			t.Fatalf("schedule action %s initiated %d times", id, n)
		}
		due, err := time.Parse(time.RFC3339, strings.TrimPrefix(id, crashtest.ScheduleActionID+"-"))
		if err != nil || !due.After(created) || due.Sub(created) > time.Minute {
			t.Fatalf("schedule action %s is not named after a due time after the creation at %v (%v)", id, created, err)
		}
		if due.After(last) {
			last = due
		}
	}
	want := 0
	for due := created.Truncate(time.Second).Add(time.Second); !due.After(last); due = due.Add(time.Second) {
		want++
		id := crashtest.ScheduledWorkflowID(due)
		if initiated[id] != 1 {
			t.Fatalf("due time %v (creation %v, last action %v): no action workflow %s", due, created, last, id)
		}
		meta, err := j.Current(ctx, "default", id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		h, err := j.History(ctx, journal.RunKey{Namespace: "default", WorkflowID: id, RunID: meta.GetRunId()})
		if err != nil {
			t.Fatal(err)
		}
		st := h[0].GetWorkflowExecutionStarted()
		if st.GetParent().GetWorkflowId() != scheduleWorkflowID || st.GetFirstExecutionRunId() != meta.GetRunId() {
			t.Fatalf("%s: parent %v, first run %s, latest run %s: want one run started by the schedule", id, st.GetParent(), st.GetFirstExecutionRunId(), meta.GetRunId())
		}
		if want <= crashtest.ScheduleDueTimes {
			var got int
			if meta.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED ||
				converter.GetDefaultDataConverter().FromPayloads(h[len(h)-1].GetWorkflowExecutionCompleted().GetResult(), &got) != nil ||
				got != crashtest.ExpectedScheduled(crashtest.ScheduleSeed) {
				t.Fatalf("%s is %s with result %d, want completed with %d", id, meta.GetStatus(), got, crashtest.ExpectedScheduled(crashtest.ScheduleSeed))
			}
		}
		checkNoRunAfterCompletion(t, id, h, log)
	}
	if want < crashtest.ScheduleDueTimes || want != len(initiated) {
		t.Fatalf("schedule: %d due times from %v to %v, %d actions initiated; want at least %d, one per due time",
			want, created, last, len(initiated), crashtest.ScheduleDueTimes)
	}
	t.Logf("schedule: %d due times from %v to %v, one action workflow each", want, created.Format(time.RFC3339Nano), last.Format(time.RFC3339))
}

// auditTallies checks the workflows fed by updates: each completed with the
// right tally, and recorded each of its update IDs as accepted exactly once
// and completed exactly once, although a restarted child sent them again;
// no update's activity ran again after its completion was recorded.
func auditTallies(t *testing.T, j *journal.DB, log map[string][]execution) {
	for i := range workflows / 4 {
		id := fmt.Sprintf("tally-%d", i)
		events := completedRun(t, j, id, crashtest.ExpectedTally(i))
		accepted, completed := map[string]int{}, map[string]int{}
		for _, ev := range events {
			if a := ev.GetWorkflowExecutionUpdateAccepted(); a != nil {
				accepted[a.GetUpdateId()]++
			}
			if c := ev.GetWorkflowExecutionUpdateCompleted(); c != nil {
				completed[c.GetUpdateId()]++
			}
		}
		for k := 1; k <= crashtest.Updates; k++ {
			u := fmt.Sprintf("%s-add-%d", id, k)
			if accepted[u] != 1 || completed[u] != 1 {
				t.Fatalf("%s: update %s accepted %d times and completed %d times, want once each", id, u, accepted[u], completed[u])
			}
		}
		if len(accepted) != crashtest.Updates {
			t.Fatalf("%s: %d distinct updates accepted, want %d", id, len(accepted), crashtest.Updates)
		}
		checkNoRunAfterCompletion(t, id, events, log)
	}
}

// auditFamilies checks the parents and their children: each parent
// completed with the right sum, started each child exactly once and
// recorded exactly one start and one close per child; each child has a
// single run, started by that parent, and completed; no child activity ran
// again after its completion was recorded.
func auditFamilies(t *testing.T, j *journal.DB, log map[string][]execution) {
	ctx := context.Background()
	for i := range workflows / 4 {
		id := fmt.Sprintf("family-%d", i)
		events := completedRun(t, j, id, crashtest.ExpectedFamily(i))
		initiated, started, closed := map[int64]bool{}, map[int64]int{}, map[int64]int{}
		for _, ev := range events {
			switch {
			case ev.GetStartChildWorkflowExecutionInitiated() != nil:
				initiated[ev.GetEventId()] = true
			case ev.GetChildWorkflowExecutionStarted() != nil:
				started[ev.GetChildWorkflowExecutionStarted().GetInitiatedEventId()]++
			case ev.GetChildWorkflowExecutionClosed() != nil:
				closed[ev.GetChildWorkflowExecutionClosed().GetInitiatedEventId()]++
			}
		}
		if len(initiated) != crashtest.Children {
			t.Fatalf("%s initiated %d children, want %d", id, len(initiated), crashtest.Children)
		}
		for ini := range initiated {
			if started[ini] != 1 || closed[ini] != 1 {
				t.Fatalf("%s child of event %d: %d starts and %d closes recorded, want 1 and 1", id, ini, started[ini], closed[ini])
			}
		}
		for k := 1; k <= crashtest.Children; k++ {
			childID := fmt.Sprintf("%s-child-%d", id, k)
			child, err := j.Current(ctx, "default", childID)
			if err != nil {
				t.Fatalf("%s: %v", childID, err)
			}
			if child.GetStatus() != journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED {
				t.Fatalf("%s is %s", childID, child.GetStatus())
			}
			h, err := j.History(ctx, journal.RunKey{Namespace: "default", WorkflowID: childID, RunID: child.GetRunId()})
			if err != nil {
				t.Fatal(err)
			}
			st := h[0].GetWorkflowExecutionStarted()
			if st.GetParent().GetWorkflowId() != id || st.GetFirstExecutionRunId() != child.GetRunId() {
				t.Fatalf("%s: parent %v, first run %s, latest run %s: want one run started by %s", childID,
					st.GetParent(), st.GetFirstExecutionRunId(), child.GetRunId(), id)
			}
			checkNoRunAfterCompletion(t, childID, h, log)
		}
	}
}

// checkNoRunAfterCompletion fails if an activity of the run started again
// after its completion was recorded.
func checkNoRunAfterCompletion(t *testing.T, id string, events []*journalpb.Event, log map[string][]execution) {
	activityIDs := map[int64]string{}
	for _, ev := range events {
		if s := ev.GetActivityTaskScheduled(); s != nil {
			activityIDs[ev.GetEventId()] = s.GetActivityId()
		}
		c := ev.GetActivityTaskCompleted()
		if c == nil {
			continue
		}
		key := id + "/" + activityIDs[c.GetScheduledEventId()]
		for _, e := range log[key] {
			if e.what == "start" && e.at.After(ev.GetTime().AsTime()) {
				t.Fatalf("%s ran again at %v after its completion was recorded at %v", key, e.at, ev.GetTime().AsTime())
			}
		}
	}
}

// auditChains checks the continue-as-new chains: each ends in a completed
// run with the right sum, after ChainLength runs linked by their close
// events, every earlier run closed as CONTINUED_AS_NEW.
func auditChains(t *testing.T, j *journal.DB) {
	ctx := context.Background()
	for i := range workflows / 4 {
		id := fmt.Sprintf("chain-%d", i)
		events := completedRun(t, j, id, crashtest.ExpectedChain(i))
		// Walk from the first run along the close events.
		runID, runs := events[0].GetWorkflowExecutionStarted().GetFirstExecutionRunId(), 0
		for runID != "" {
			runs++
			h, err := j.History(ctx, journal.RunKey{Namespace: "default", WorkflowID: id, RunID: runID})
			if err != nil {
				t.Fatalf("%s run %d: %v", id, runs, err)
			}
			runID = h[len(h)-1].GetWorkflowExecutionContinuedAsNew().GetNewExecutionRunId()
		}
		if runs != crashtest.ChainLength {
			t.Fatalf("%s spans %d runs, want %d", id, runs, crashtest.ChainLength)
		}
	}
}
