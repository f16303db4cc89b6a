package cronreport_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/grainflow/grainflow/examples/cronreport"
	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
)

var (
	a          *cronreport.Activities
	monday7am  = time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	tuesday7am = monday7am.Add(24 * time.Hour)
)

func TestFirstRunIsTheBaseline(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(monday7am)
	env.OnActivity(a.CountSignups, mock.Anything, "notes").Return(int64(120), nil).Once()
	want := cronreport.Report{Product: "notes", At: monday7am, Total: 120, Baseline: true}
	env.OnActivity(a.PublishReport, mock.Anything, want).Return(nil).Once()

	env.ExecuteWorkflow(cronreport.SignupReport, "notes")

	require.True(t, env.IsWorkflowCompleted())
	var got cronreport.Report
	require.NoError(t, env.GetWorkflowResult(&got))
	require.True(t, got.Baseline)
	require.Equal(t, int64(120), got.Total)
	require.Zero(t, got.New)
	env.AssertExpectations(t)
}

func TestLaterRunReportsTheChangeSinceTheLastResult(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(tuesday7am)
	env.SetLastCompletionResult(cronreport.Report{Product: "notes", At: monday7am, Total: 120, Baseline: true})
	env.OnActivity(a.CountSignups, mock.Anything, "notes").Return(int64(151), nil).Once()
	var published cronreport.Report
	env.OnActivity(a.PublishReport, mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		published = args.Get(1).(cronreport.Report)
	}).Return(nil).Once()

	env.ExecuteWorkflow(cronreport.SignupReport, "notes")

	var got cronreport.Report
	require.NoError(t, env.GetWorkflowResult(&got))
	require.False(t, got.Baseline)
	require.Equal(t, int64(31), got.New)
	require.True(t, got.Since.Equal(monday7am), "since %v", got.Since)
	require.True(t, got.At.Equal(tuesday7am), "at %v", got.At)
	require.Equal(t, got, published)
	env.AssertExpectations(t)
}

func TestAFailedCountPublishesNothing(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(tuesday7am)
	env.SetLastCompletionResult(cronreport.Report{Product: "notes", At: monday7am, Total: 120})
	env.OnActivity(a.CountSignups, mock.Anything, "notes").Return(int64(0), errors.New("warehouse offline"))
	env.OnActivity(a.PublishReport, mock.Anything, mock.Anything).Return(nil).Never()

	env.ExecuteWorkflow(cronreport.SignupReport, "notes")

	require.True(t, env.IsWorkflowCompleted())
	require.ErrorContains(t, env.GetWorkflowError(), "warehouse offline")
	env.AssertExpectations(t)
	env.AssertActivityNumberOfCalls(t, "CountSignups", 5)
	// The policy sets no MaximumInterval: the test environment, as
	// Temporal's, takes the initial interval (a node would double it).
	require.Equal(t, tuesday7am.Add(4*10*time.Second), env.Now(), "four backoffs of 10 s")
}

func TestCronRunsOnANode(t *testing.T) {
	acts := cronreport.NewActivities()
	acts.AddSignups("notes", 10)
	c := testnode.Start(t, cronreport.TaskQueue, func(w worker.Worker) { cronreport.Register(w, acts) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Every second instead of every morning, so the test sees two runs.
	first, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "signups-notes", TaskQueue: cronreport.TaskQueue, CronSchedule: "@every 1s"},
		cronreport.SignupReport, "notes")
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.TerminateWorkflow(context.Background(), "signups-notes", "", "test over") })
	var r1 cronreport.Report
	require.NoError(t, first.Get(ctx, &r1))
	require.True(t, r1.Baseline)
	require.Equal(t, int64(10), r1.Total)

	// The next run is already scheduled, a second after the first one.
	acts.AddSignups("notes", 15)
	var r2 cronreport.Report
	require.NoError(t, c.GetWorkflow(ctx, "signups-notes", "").Get(ctx, &r2))
	require.False(t, r2.Baseline)
	require.Equal(t, int64(25), r2.Total)
	require.Equal(t, int64(15), r2.New)
	require.True(t, r2.Since.Equal(r1.At), "since %v, want the first run's %v", r2.Since, r1.At)
	require.Equal(t, []string{"notes: 10 sign-ups", "notes: 25 sign-ups, +15 since the last report"}, acts.Published())
}
