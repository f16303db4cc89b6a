package client_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/schedule"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// The schedule tests run in parallel, each on its own node; export_test.go
// makes schedule workflows continue as new every few passes, so the tests
// also cross runs of the schedule workflows.

const scheduleQueue = "scheduled"

// Tick is a quick action: it returns its label.
func Tick(ctx workflow.Context, label string) (string, error) { return label, nil }

// SlowTick is an action that runs for d, unless canceled.
func SlowTick(ctx workflow.Context, d time.Duration) error { return workflow.Sleep(ctx, d) }

// FailTick is an action that fails.
func FailTick(ctx workflow.Context) error {
	return temporal.NewNonRetryableApplicationError("tick failed", "TickFailed", nil)
}

// openScheduleNode opens a node on dir with a worker for the actions; the
// returned function closes both.
func openScheduleNode(t *testing.T, dir string) (client.Client, func()) {
	t.Helper()
	node, err := cluster.Open(cluster.Options{DataDir: dir})
	require.NoError(t, err)
	c, err := client.Dial(client.Options{Node: node})
	require.NoError(t, err)
	w := worker.New(c, scheduleQueue, worker.Options{})
	w.RegisterWorkflow(Tick)
	w.RegisterWorkflow(SlowTick)
	w.RegisterWorkflow(FailTick)
	require.NoError(t, w.Start())
	var once sync.Once
	closeNode := func() { once.Do(func() { w.Stop(); c.Close(); _ = node.Close() }) }
	t.Cleanup(closeNode)
	return c, closeNode
}

func everySecond() client.ScheduleSpec {
	return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Second}}}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func describeSchedule(t *testing.T, h client.ScheduleHandle) *client.ScheduleDescription {
	t.Helper()
	d, err := h.Describe(testCtx(t))
	require.NoError(t, err)
	return d
}

// waitForSchedule polls the schedule's description until cond holds.
func waitForSchedule(t *testing.T, h client.ScheduleHandle, what string, timeout time.Duration, cond func(*client.ScheduleDescription) bool) *client.ScheduleDescription {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		d := describeSchedule(t, h)
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule %s: no %s within %v; info %+v", h.GetID(), what, timeout, d.Info)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// actionID is the workflow ID of the action due at nominal.
func actionID(prefix string, nominal time.Time) string {
	return prefix + "-" + nominal.UTC().Format(time.RFC3339)
}

// initiatedActions counts, over every run of the schedule's workflow, the
// action workflows it initiated, by workflow ID.
func initiatedActions(t *testing.T, c client.Client, scheduleID string) map[string]int {
	t.Helper()
	ctx := testCtx(t)
	workflowID := "__schedule/" + scheduleID
	desc, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	require.NoError(t, err)
	latest := desc.Meta.GetRunId()
	first := historyOf(t, c, workflowID, latest)[0].GetWorkflowExecutionStarted().GetFirstExecutionRunId()
	out := map[string]int{}
	for runID := first; runID != ""; {
		events := historyOf(t, c, workflowID, runID)
		for _, ev := range events {
			if x := ev.GetStartChildWorkflowExecutionInitiated(); x != nil {
				out[x.GetWorkflowId()]++
			}
		}
		if runID == latest {
			break
		}
		runID = events[len(events)-1].GetWorkflowExecutionContinuedAsNew().GetNewExecutionRunId()
	}
	return out
}

func historyOf(t *testing.T, c client.Client, workflowID, runID string) []*journalpb.Event {
	t.Helper()
	it := c.GetWorkflowHistory(testCtx(t), workflowID, runID, false, client.HistoryEventFilterTypeAllEvent)
	var events []*journalpb.Event
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(t, err)
		events = append(events, ev)
	}
	require.NotEmpty(t, events)
	return events
}

// requireSingleRun checks that the action workflow exists, has one run and
// was started by the schedule.
func requireSingleRun(t *testing.T, c client.Client, scheduleID, workflowID string) {
	t.Helper()
	events := historyOf(t, c, workflowID, "")
	st := events[0].GetWorkflowExecutionStarted()
	desc, err := c.DescribeWorkflowExecution(testCtx(t), workflowID, "")
	require.NoError(t, err)
	require.Equal(t, desc.Meta.GetRunId(), st.GetFirstExecutionRunId(), "%s has more than one run", workflowID)
	require.Equal(t, "__schedule/"+scheduleID, st.GetParent().GetWorkflowId(), "%s was not started by the schedule", workflowID)
}

func listSchedules(t *testing.T, c client.Client) map[string]*client.ScheduleListEntry {
	t.Helper()
	it, err := c.ScheduleClient().List(testCtx(t), client.ScheduleListOptions{PageSize: 2})
	require.NoError(t, err)
	out := map[string]*client.ScheduleListEntry{}
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		out[e.ID] = e
	}
	return out
}

func TestScheduleFiresEveryIntervalDescribeListDelete(t *testing.T) {
	t.Parallel()
	c, _ := openScheduleNode(t, t.TempDir())
	ctx := testCtx(t)
	sc := c.ScheduleClient()
	h, err := sc.Create(ctx, client.ScheduleOptions{
		ID:     "every-second",
		Spec:   everySecond(),
		Action: &client.ScheduleWorkflowAction{ID: "tick", Workflow: Tick, Args: []any{"hello"}, TaskQueue: scheduleQueue, Memo: map[string]any{"kind": "tick"}},
		Note:   "created by the test",
		Memo:   map[string]any{"owner": "tests"},
	})
	require.NoError(t, err)
	require.Equal(t, "every-second", h.GetID())
	// Another node-side schedule, to see that List returns both.
	_, err = sc.Create(ctx, client.ScheduleOptions{ID: "hourly", Spec: client.ScheduleSpec{CronExpressions: []string{"0 * * * *"}},
		Action: &client.ScheduleWorkflowAction{Workflow: "Tick", Args: []any{"h"}, TaskQueue: scheduleQueue}})
	require.NoError(t, err)

	d := waitForSchedule(t, h, "6 actions", 20*time.Second, func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= 6 })
	recent := d.Info.RecentActions
	require.Len(t, recent, min(d.Info.NumActions, 10))
	for i, a := range recent {
		require.True(t, a.ScheduleTime.Equal(a.ScheduleTime.Truncate(time.Second)), "due time %v is not on the second", a.ScheduleTime)
		require.Equal(t, actionID("tick", a.ScheduleTime), a.StartWorkflowResult.WorkflowID)
		require.False(t, a.ActualTime.Before(a.ScheduleTime), "action %d taken at %v before it was due at %v", i, a.ActualTime, a.ScheduleTime)
		require.Less(t, a.ActualTime.Sub(a.ScheduleTime), 5*time.Second)
		if i > 0 {
			require.Equal(t, time.Second, a.ScheduleTime.Sub(recent[i-1].ScheduleTime), "due times %d and %d", i-1, i)
		}
		var got string
		require.NoError(t, c.GetWorkflow(ctx, a.StartWorkflowResult.WorkflowID, "").Get(ctx, &got))
		require.Equal(t, "hello", got)
		requireSingleRun(t, c, "every-second", a.StartWorkflowResult.WorkflowID)
	}
	// The actions' runs carry Temporal's scheduler attributes, which
	// visibility queries select them by.
	listed, err := c.ListWorkflow(ctx, &client.ListWorkflowExecutionsRequest{Query: "TemporalScheduledById = 'every-second'"})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(listed.Executions), len(recent))
	scheduledAt := temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")
	for _, info := range listed.Executions {
		due, ok := info.SearchAttributes.GetTime(scheduledAt)
		require.True(t, ok, "%s has no TemporalScheduledStartTime", info.Execution.ID)
		require.Equal(t, actionID("tick", due), info.Execution.ID)
	}
	require.Zero(t, d.Info.NumActionsSkippedOverlap)
	require.Zero(t, d.Info.NumActionsMissedCatchupWindow)
	require.False(t, d.Info.CreatedAt.IsZero())
	require.False(t, d.Info.CreatedAt.After(recent[0].ScheduleTime))
	require.True(t, d.Info.LastUpdateAt.IsZero())
	require.Len(t, d.Info.NextActionTimes, 10)
	require.True(t, d.Info.NextActionTimes[0].After(recent[len(recent)-1].ScheduleTime))
	for i := 1; i < len(d.Info.NextActionTimes); i++ {
		require.Equal(t, time.Second, d.Info.NextActionTimes[i].Sub(d.Info.NextActionTimes[i-1]))
	}

	// The definition reads back as given.
	require.Equal(t, []client.ScheduleIntervalSpec{{Every: time.Second}}, d.Schedule.Spec.Intervals)
	action, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	require.Equal(t, "Tick", action.Workflow)
	require.Equal(t, "tick", action.ID)
	require.Equal(t, scheduleQueue, action.TaskQueue)
	require.Len(t, action.Args, 1)
	var arg string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(action.Args[0].(*journalpb.Payload), &arg))
	require.Equal(t, "hello", arg)
	require.Contains(t, action.Memo, "kind")
	require.Equal(t, "created by the test", d.Schedule.State.Note)
	require.False(t, d.Schedule.State.Paused)
	require.Equal(t, schedule.DefaultCatchupWindow, d.Schedule.Policy.CatchupWindow)
	var owner string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(d.Memo["owner"], &owner))
	require.Equal(t, "tests", owner)

	// The schedule workflow continued as new on the way (export_test.go),
	// and no due time was acted on twice across its runs.
	initiated := initiatedActions(t, c, "every-second")
	for id, n := range initiated {
		require.Equal(t, 1, n, "action workflow %s initiated %d times", id, n)
	}
	for _, a := range recent {
		require.Contains(t, initiated, a.StartWorkflowResult.WorkflowID)
	}
	latest, err := c.DescribeWorkflowExecution(ctx, "__schedule/every-second", "")
	require.NoError(t, err)
	require.NotEqual(t, historyOf(t, c, "__schedule/every-second", "")[0].GetWorkflowExecutionStarted().GetFirstExecutionRunId(),
		latest.Meta.GetRunId(), "the schedule workflow never continued as new")

	entries := listSchedules(t, c)
	require.Len(t, entries, 2)
	e := entries["every-second"]
	require.NotNil(t, e)
	require.Equal(t, "Tick", e.WorkflowType.Name)
	require.Equal(t, time.Second, e.Spec.Intervals[0].Every)
	require.Equal(t, "created by the test", e.Note)
	require.Len(t, e.NextActionTimes, 5)
	require.NotEmpty(t, e.RecentActions)
	require.LessOrEqual(t, len(e.RecentActions), 5)
	require.Contains(t, e.Memo, "owner")
	require.Equal(t, []string{"0 * * * *"}, entries["hourly"].Spec.CronExpressions)

	// Delete: the schedule is gone and takes no further actions.
	require.NoError(t, h.Delete(ctx))
	deletedAt := time.Now()
	_, err = h.Describe(ctx)
	require.Error(t, err)
	require.Error(t, h.Delete(ctx))
	require.Error(t, h.Pause(ctx, client.SchedulePauseOptions{}))
	require.NotContains(t, listSchedules(t, c), "every-second")
	time.Sleep(2200 * time.Millisecond)
	for due := deletedAt.Truncate(time.Second).Add(time.Second); due.Before(deletedAt.Add(2 * time.Second)); due = due.Add(time.Second) {
		_, err := c.DescribeWorkflowExecution(ctx, actionID("tick", due), "")
		require.Error(t, err, "an action due at %v ran after the schedule was deleted", due)
	}
	// The ID is free again.
	h, err = sc.Create(ctx, client.ScheduleOptions{ID: "every-second", Spec: everySecond(), Paused: true,
		Action: &client.ScheduleWorkflowAction{Workflow: Tick, TaskQueue: scheduleQueue}})
	require.NoError(t, err)
	require.NoError(t, h.Delete(ctx))
}

func TestSchedulePauseTriggerUnpause(t *testing.T) {
	t.Parallel()
	c, _ := openScheduleNode(t, t.TempDir())
	ctx := testCtx(t)
	sc := c.ScheduleClient()
	h, err := sc.Create(ctx, client.ScheduleOptions{ID: "paused", Spec: everySecond(), Paused: true, Note: "created paused",
		Action: &client.ScheduleWorkflowAction{ID: "p", Workflow: Tick, Args: []any{"x"}, TaskQueue: scheduleQueue}})
	require.NoError(t, err)
	fragile, err := sc.Create(ctx, client.ScheduleOptions{ID: "fragile", Spec: everySecond(), PauseOnFailure: true,
		Action: &client.ScheduleWorkflowAction{ID: "f", Workflow: FailTick, TaskQueue: scheduleQueue}})
	require.NoError(t, err)
	jitterSpec := everySecond()
	jitterSpec.Jitter = 800 * time.Millisecond
	jittered, err := sc.Create(ctx, client.ScheduleOptions{ID: "jittered", Spec: jitterSpec, Overlap: enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
		Action: &client.ScheduleWorkflowAction{ID: "j", Workflow: Tick, TaskQueue: scheduleQueue}})
	require.NoError(t, err)

	time.Sleep(1500 * time.Millisecond)
	d := describeSchedule(t, h)
	require.Zero(t, d.Info.NumActions, "a paused schedule took an action")
	require.True(t, d.Schedule.State.Paused)
	require.Equal(t, "created paused", d.Schedule.State.Note)

	// A trigger acts at once, also while paused.
	triggered := time.Now()
	require.NoError(t, h.Trigger(ctx, client.ScheduleTriggerOptions{}))
	d = describeSchedule(t, h)
	require.Equal(t, 1, d.Info.NumActions)
	a := d.Info.RecentActions[0]
	require.Equal(t, actionID("p", a.ScheduleTime.Truncate(time.Second)), a.StartWorkflowResult.WorkflowID)
	require.WithinDuration(t, triggered, a.ActualTime, 5*time.Second)
	require.NoError(t, c.GetWorkflow(ctx, a.StartWorkflowResult.WorkflowID, "").Get(ctx, nil))

	// Unpaused, it acts from then on, without catching up the paused time.
	time.Sleep(time.Second) // so that no scheduled action shares the trigger's second
	unpaused := time.Now()
	require.NoError(t, h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: "go"}))
	d = waitForSchedule(t, h, "2 scheduled actions", 10*time.Second, func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= 3 })
	require.False(t, d.Schedule.State.Paused)
	require.Equal(t, "go", d.Schedule.State.Note)
	require.False(t, d.Info.LastUpdateAt.Before(unpaused))
	for _, a := range d.Info.RecentActions[1:] {
		require.True(t, a.ScheduleTime.After(unpaused), "action due at %v, before the unpause at %v", a.ScheduleTime, unpaused)
	}

	require.NoError(t, h.Pause(ctx, client.SchedulePauseOptions{}))
	d = describeSchedule(t, h)
	require.True(t, d.Schedule.State.Paused)
	require.Equal(t, "Paused via the grainflow client", d.Schedule.State.Note)
	n := d.Info.NumActions
	time.Sleep(1500 * time.Millisecond)
	require.Equal(t, n, describeSchedule(t, h).Info.NumActions, "a paused schedule took an action")

	// PauseOnFailure: the first failing action pauses the schedule.
	d = waitForSchedule(t, fragile, "pause on failure", 10*time.Second, func(d *client.ScheduleDescription) bool { return d.Schedule.State.Paused })
	require.Contains(t, d.Schedule.State.Note, "failed")
	n = d.Info.NumActions
	require.LessOrEqual(t, n, 2)
	time.Sleep(1500 * time.Millisecond)
	require.Equal(t, n, describeSchedule(t, fragile).Info.NumActions)

	// Jitter delays actions by up to 800 ms; their IDs keep the nominal
	// second.
	d = describeSchedule(t, jittered)
	require.GreaterOrEqual(t, d.Info.NumActions, 3)
	offsets := map[time.Duration]bool{}
	for _, a := range d.Info.RecentActions {
		nominal := a.ScheduleTime.Truncate(time.Second)
		offset := a.ScheduleTime.Sub(nominal)
		require.Less(t, offset, 800*time.Millisecond)
		require.Equal(t, actionID("j", nominal), a.StartWorkflowResult.WorkflowID)
		require.False(t, a.ActualTime.Before(a.ScheduleTime))
		offsets[offset] = true
	}
	require.Greater(t, len(offsets), 1, "jitter delayed every action by the same amount")
	for _, next := range d.Info.NextActionTimes {
		require.Less(t, next.Sub(next.Truncate(time.Second)), 800*time.Millisecond)
	}
}

func TestScheduleUpdateAndBackfill(t *testing.T) {
	t.Parallel()
	c, _ := openScheduleNode(t, t.TempDir())
	ctx := testCtx(t)
	sc := c.ScheduleClient()
	h, err := sc.Create(ctx, client.ScheduleOptions{ID: "upd", Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}},
		Action: &client.ScheduleWorkflowAction{ID: "a", Workflow: Tick, Args: []any{"before"}, TaskQueue: scheduleQueue}})
	require.NoError(t, err)

	// Change the spec and the action; the arguments DoUpdate leaves alone
	// would pass through as payloads.
	require.NoError(t, h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		s := in.Description.Schedule
		spec := everySecond()
		s.Spec = &spec
		a := s.Action.(*client.ScheduleWorkflowAction)
		a.ID = "b"
		a.Args = []any{"after"}
		return &client.ScheduleUpdate{Schedule: &s}, nil
	}}))
	d := waitForSchedule(t, h, "an action of the updated schedule", 10*time.Second, func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= 1 })
	first := d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
	require.True(t, strings.HasPrefix(first, "b-"), "action workflow %s", first)
	var got string
	require.NoError(t, c.GetWorkflow(ctx, first, "").Get(ctx, &got))
	require.Equal(t, "after", got)
	require.False(t, d.Info.LastUpdateAt.IsZero())

	// ErrSkipScheduleUpdate changes nothing.
	require.NoError(t, h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		return nil, temporal.ErrSkipScheduleUpdate
	}}))
	// A change between Update's read and write makes Update fail.
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		if err := h.Pause(ctx, client.SchedulePauseOptions{Note: "paused meanwhile"}); err != nil {
			return nil, err
		}
		s := in.Description.Schedule
		s.Spec = &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: time.Hour}}}
		return &client.ScheduleUpdate{Schedule: &s}, nil
	}})
	require.ErrorContains(t, err, "changed")
	d = describeSchedule(t, h)
	require.Equal(t, time.Second, d.Schedule.Spec.Intervals[0].Every)
	require.Equal(t, "paused meanwhile", d.Schedule.State.Note)
	// A bad spec is refused before anything is sent.
	err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		s := in.Description.Schedule
		s.Spec = &client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: -time.Second}}}
		return &client.ScheduleUpdate{Schedule: &s}, nil
	}})
	var specErr *schedule.SpecError
	require.ErrorAs(t, err, &specErr)

	// Backfill acts on past due times now, also while paused.
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	require.NoError(t, h.Backfill(ctx, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{
		{Start: from, End: from.Add(2 * time.Second), Overlap: enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL}}}))
	for i := range 3 {
		id := actionID("b", from.Add(time.Duration(i)*time.Second))
		require.NoError(t, c.GetWorkflow(ctx, id, "").Get(ctx, &got), id)
		requireSingleRun(t, c, "upd", id)
	}
	require.Error(t, h.Backfill(ctx, client.ScheduleBackfillOptions{Backfill: []client.ScheduleBackfill{{Start: from, End: from.Add(-time.Second)}}}))
}

// TestScheduleOverlapPolicies runs actions that outlast the interval.
func TestScheduleOverlapPolicies(t *testing.T) {
	t.Parallel()
	c, _ := openScheduleNode(t, t.TempDir())
	ctx := testCtx(t)
	sc := c.ScheduleClient()
	policies := map[string]enums.ScheduleOverlapPolicy{
		"skip":      enums.SCHEDULE_OVERLAP_POLICY_SKIP,
		"allow":     enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
		"bufferone": enums.SCHEDULE_OVERLAP_POLICY_BUFFER_ONE,
		"cancel":    enums.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER,
		"terminate": enums.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER,
	}
	handles := map[string]client.ScheduleHandle{}
	for id, p := range policies {
		d := 2500 * time.Millisecond
		if p == enums.SCHEDULE_OVERLAP_POLICY_CANCEL_OTHER || p == enums.SCHEDULE_OVERLAP_POLICY_TERMINATE_OTHER {
			d = time.Minute
		}
		h, err := sc.Create(ctx, client.ScheduleOptions{ID: id, Spec: everySecond(), Overlap: p,
			Action: &client.ScheduleWorkflowAction{ID: id, Workflow: SlowTick, Args: []any{d}, TaskQueue: scheduleQueue}})
		require.NoError(t, err)
		handles[id] = h
	}
	maxRunning := map[string]int{}
	final := map[string]*client.ScheduleDescription{}
	for end := time.Now().Add(6 * time.Second); time.Now().Before(end); time.Sleep(150 * time.Millisecond) {
		for id, h := range handles {
			d := describeSchedule(t, h)
			maxRunning[id] = max(maxRunning[id], len(d.Info.RunningWorkflows))
			final[id] = d
		}
	}
	t.Logf("max running %v", maxRunning)
	for id, d := range final {
		t.Logf("%s: %d actions, %d skipped", id, d.Info.NumActions, d.Info.NumActionsSkippedOverlap)
	}

	require.LessOrEqual(t, maxRunning["skip"], 1)
	require.GreaterOrEqual(t, final["skip"].Info.NumActionsSkippedOverlap, 2)
	require.GreaterOrEqual(t, final["skip"].Info.NumActions, 2)

	require.GreaterOrEqual(t, maxRunning["allow"], 2)
	require.Zero(t, final["allow"].Info.NumActionsSkippedOverlap)
	require.GreaterOrEqual(t, final["allow"].Info.NumActions, 4)

	require.LessOrEqual(t, maxRunning["bufferone"], 1)
	require.GreaterOrEqual(t, final["bufferone"].Info.NumActionsSkippedOverlap, 1)
	delayed := false
	for _, a := range final["bufferone"].Info.RecentActions {
		delayed = delayed || a.ActualTime.Sub(a.ScheduleTime) >= time.Second
	}
	require.True(t, delayed, "no buffered action started after the running one: %+v", final["bufferone"].Info.RecentActions)

	// CancelOther and TerminateOther end the running workflow, then start
	// the next one.
	for id, status := range map[string]journalpb.WorkflowStatus{
		"cancel":    journalpb.WorkflowStatus_WORKFLOW_STATUS_CANCELED,
		"terminate": journalpb.WorkflowStatus_WORKFLOW_STATUS_TERMINATED,
	} {
		d := final[id]
		require.LessOrEqual(t, maxRunning[id], 1, id)
		require.GreaterOrEqual(t, d.Info.NumActions, 3, id)
		replaced := d.Info.RecentActions[0].StartWorkflowResult.WorkflowID
		desc, err := c.DescribeWorkflowExecution(ctx, replaced, "")
		require.NoError(t, err)
		require.Equal(t, status, desc.Meta.GetStatus(), "%s: %s", id, replaced)
	}
	for _, h := range handles {
		require.NoError(t, h.Delete(ctx))
	}
}

// TestScheduleCatchUpAfterDowntime closes the node across due times: on
// reopening, the due times within the catch-up window are acted on, each
// once, and the older ones are counted as missed.
func TestScheduleCatchUpAfterDowntime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, closeNode := openScheduleNode(t, dir)
	ctx := testCtx(t)
	const window = 2 * time.Second
	h, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{ID: "catchup", Spec: everySecond(),
		Overlap: enums.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL, CatchupWindow: window,
		Action: &client.ScheduleWorkflowAction{ID: "cu", Workflow: Tick, TaskQueue: scheduleQueue}})
	require.NoError(t, err)
	waitForSchedule(t, h, "a first action", 10*time.Second, func(d *client.ScheduleDescription) bool { return d.Info.NumActions >= 1 })
	closeNode()
	closedAt := time.Now()
	time.Sleep(4500 * time.Millisecond)

	// Reopening the node is enough, without touching the schedule client:
	// the node's schedule worker starts with it.
	c, _ = openScheduleNode(t, dir)
	reopenedAt := time.Now()
	after := actionID("cu", reopenedAt.Truncate(time.Second).Add(2*time.Second))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := c.DescribeWorkflowExecution(ctx, after, ""); err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "no action %s after the restart", after)
	}
	h = c.ScheduleClient().GetHandle(ctx, "catchup")
	d := describeSchedule(t, h)

	initiated := initiatedActions(t, c, "catchup")
	var dues []time.Time
	for id, n := range initiated {
		require.Equal(t, 1, n, "action workflow %s initiated %d times", id, n)
		due, err := time.Parse(time.RFC3339, strings.TrimPrefix(id, "cu-"))
		require.NoError(t, err)
		dues = append(dues, due)
		requireSingleRun(t, c, "catchup", id)
	}
	sort.Slice(dues, func(i, j int) bool { return dues[i].Before(dues[j]) })
	// Before the close and after the catch-up, every second has its action;
	// in between, the missed ones come first and all others are acted on.
	var missed, caughtUp int
	for i := 1; i < len(dues); i++ {
		gap := int(dues[i].Sub(dues[i-1]) / time.Second)
		if gap > 1 {
			require.Zero(t, missed, "two gaps in the due times acted on: %v", dues)
			missed = gap - 1
			for _, due := range dues[i:] {
				if due.Before(reopenedAt) {
					caughtUp++
				}
			}
			require.True(t, dues[i-1].Before(closedAt) && dues[i].After(closedAt), "gap %v-%v is not at the close %v", dues[i-1], dues[i], closedAt)
		}
	}
	t.Logf("%d due times acted on, %d missed, %d caught up; missed counter %d", len(dues), missed, caughtUp, d.Info.NumActionsMissedCatchupWindow)
	require.GreaterOrEqual(t, missed, 2)
	require.GreaterOrEqual(t, caughtUp, 2)
	require.Equal(t, missed, describeSchedule(t, h).Info.NumActionsMissedCatchupWindow)
}

func TestScheduleBadInput(t *testing.T) {
	t.Parallel()
	c, _ := openScheduleNode(t, t.TempDir())
	ctx := testCtx(t)
	sc := c.ScheduleClient()
	action := &client.ScheduleWorkflowAction{Workflow: Tick, TaskQueue: scheduleQueue}

	_, err := sc.Create(ctx, client.ScheduleOptions{ID: "bad", Action: action,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: 0}}}})
	var specErr *schedule.SpecError
	require.ErrorAs(t, err, &specErr)
	require.Equal(t, "Intervals[0].Every", specErr.Field)
	_, err = sc.Create(ctx, client.ScheduleOptions{ID: "bad", Action: action,
		Spec: client.ScheduleSpec{CronExpressions: []string{"61 * * * *"}}})
	require.ErrorAs(t, err, &specErr)
	_, err = sc.Create(ctx, client.ScheduleOptions{ID: "bad", Action: action, Spec: client.ScheduleSpec{}})
	require.ErrorAs(t, err, &specErr)
	_, err = sc.Create(ctx, client.ScheduleOptions{ID: "bad", Spec: everySecond()})
	require.ErrorContains(t, err, "Action")
	_, err = sc.Create(ctx, client.ScheduleOptions{ID: "bad", Spec: everySecond(), Action: &client.ScheduleWorkflowAction{Workflow: Tick}})
	require.ErrorContains(t, err, "TaskQueue")
	_, err = sc.Create(ctx, client.ScheduleOptions{Spec: everySecond(), Action: action})
	require.Error(t, err)
	// Nothing was started.
	_, err = sc.GetHandle(ctx, "bad").Describe(ctx)
	require.Error(t, err)
	_, err = c.DescribeWorkflowExecution(ctx, "__schedule/bad", "")
	require.Error(t, err)
	require.Empty(t, listSchedules(t, c))

	h, err := sc.Create(ctx, client.ScheduleOptions{ID: "dup", Spec: everySecond(), Action: action, Paused: true, Note: "first"})
	require.NoError(t, err)
	_, err = sc.Create(ctx, client.ScheduleOptions{ID: "dup", Spec: everySecond(), Action: action, Note: "second"})
	require.True(t, errors.Is(err, temporal.ErrScheduleAlreadyRunning), "duplicate create: %v", err)
	require.Equal(t, "first", describeSchedule(t, h).Schedule.State.Note)

	_, err = sc.List(ctx, client.ScheduleListOptions{Query: "ScheduleId = 'dup'"})
	require.Error(t, err)
	err = sc.GetHandle(ctx, "nope").Trigger(ctx, client.ScheduleTriggerOptions{})
	require.Error(t, err)
	require.Error(t, h.Trigger(ctx, client.ScheduleTriggerOptions{Overlap: 42}))
	require.Error(t, h.Update(ctx, client.ScheduleUpdateOptions{}))
	require.ErrorContains(t, h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
		return nil, fmt.Errorf("no thanks")
	}}), "no thanks")
	require.NoError(t, h.Delete(ctx))
}
