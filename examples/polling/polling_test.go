package polling_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/examples/polling"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
)

var (
	a         *polling.Activities
	req       = polling.ExportRequest{Account: "FR76-0001", Month: "2026-02"}
	statement = polling.Statement{JobID: "exp-9", URL: "https://statements.example/FR76-0001/2026-02.pdf"}
	notReady  = temporal.NewApplicationError("not yet", polling.ErrTypeNotReady)
)

// infrequentSuite tests ExportStatement, which polls through retries.
type infrequentSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env      *testsuite.TestWorkflowEnvironment
	start    time.Time
	attempts []int32 // of FetchExport
}

func TestInfrequentPolling(t *testing.T) { suite.Run(t, new(infrequentSuite)) }

func (s *infrequentSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.start = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	s.env.SetStartTime(s.start)
	s.attempts = nil
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "FetchExport" {
			s.attempts = append(s.attempts, info.Attempt)
		}
	})
}

func (s *infrequentSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func (s *infrequentSuite) TestPollsAtAFixedIntervalUntilReady() {
	s.env.OnActivity(a.StartExport, mock.Anything, req.Account, req.Month).Return("exp-9", nil).Once()
	s.env.OnActivity(a.FetchExport, mock.Anything, "exp-9").Return(polling.Statement{}, notReady).Times(4)
	s.env.OnActivity(a.FetchExport, mock.Anything, "exp-9").Return(statement, nil).Once()

	s.env.ExecuteWorkflow(polling.ExportStatement, req)

	s.True(s.env.IsWorkflowCompleted())
	var got polling.Statement
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal(statement, got)
	s.Equal([]int32{1, 2, 3, 4, 5}, s.attempts)
	s.Equal(s.start.Add(4*polling.DefaultPollEvery), s.env.Now(), "no backoff growth: four steady intervals")
}

func (s *infrequentSuite) TestGivesUpAfterTheDeadline() {
	r := req
	// Half an hour: within the test environment's bound of 10 attempts for
	// a policy without MaximumAttempts (Temporal's test environment has the
	// same bound), so the deadline, not the bound, ends the polling.
	r.GiveUpAfter = 30 * time.Minute
	s.env.OnActivity(a.StartExport, mock.Anything, mock.Anything, mock.Anything).Return("exp-9", nil).Once()
	s.env.OnActivity(a.FetchExport, mock.Anything, "exp-9").Return(polling.Statement{}, notReady)

	s.env.ExecuteWorkflow(polling.ExportStatement, r)

	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(polling.ErrTypeNotReady, appErr.Type())
	s.Len(s.attempts, 7, "one check at the start and one every 5 minutes for half an hour")
	s.Equal(s.start.Add(30*time.Minute), s.env.Now())
}

func (s *infrequentSuite) TestAFailedExportIsNotPolledAgain() {
	s.env.OnActivity(a.StartExport, mock.Anything, mock.Anything, mock.Anything).Return("exp-9", nil).Once()
	s.env.OnActivity(a.FetchExport, mock.Anything, "exp-9").Return(polling.Statement{}, notReady).Once()
	s.env.OnActivity(a.FetchExport, mock.Anything, "exp-9").
		Return(polling.Statement{}, temporal.NewNonRetryableApplicationError("corrupt", polling.ErrTypeExportFailed, nil)).Once()

	s.env.ExecuteWorkflow(polling.ExportStatement, req)

	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(polling.ErrTypeExportFailed, appErr.Type())
	s.Equal([]int32{1, 2}, s.attempts)
}

func (s *infrequentSuite) TestRealProvider() {
	provider := polling.NewProvider(3)
	s.env.RegisterActivity(&polling.Activities{Provider: provider})

	s.env.ExecuteWorkflow(polling.ExportStatement, req)

	var got polling.Statement
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal(polling.Statement{JobID: "exp-1", URL: statement.URL}, got)
	s.Equal(3, provider.Checks())
	s.Equal(s.start.Add(2*polling.DefaultPollEvery), s.env.Now())
}

func TestFrequentPollingHeartbeatsInOneActivity(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	provider := polling.NewProvider(4)
	env.RegisterActivity(&polling.Activities{Provider: provider})
	var waits, beats atomic.Int32
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "WaitForExport" {
			waits.Add(1)
		}
	})
	var lastBeat atomic.Int32
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var checks int32
		require.NoError(t, details.Get(&checks))
		lastBeat.Store(checks)
		beats.Add(1)
	})
	r := req
	r.PollEvery = time.Millisecond

	env.ExecuteWorkflow(polling.ExportStatementFrequent, r)

	var got polling.Statement
	require.NoError(t, env.GetWorkflowResult(&got))
	require.Equal(t, "exp-1", got.JobID)
	require.Equal(t, 4, provider.Checks())
	require.Equal(t, int32(1), waits.Load(), "all checks happen in one attempt")
	// A heartbeat follows each check that found the export unfinished, but
	// the listener sees them throttled as in Temporal: the first at once,
	// and the two that came within the throttle interval (80% of the
	// heartbeat timeout) dropped when the activity completed.
	require.Equal(t, int32(1), beats.Load())
	require.Equal(t, int32(1), lastBeat.Load())
}

func TestFrequentPollingStopsOnAFailedExport(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	provider := polling.NewProvider(2)
	provider.FailExports()
	env.RegisterActivity(&polling.Activities{Provider: provider})
	r := req
	r.PollEvery = time.Millisecond

	env.ExecuteWorkflow(polling.ExportStatementFrequent, r)

	var appErr *temporal.ApplicationError
	require.ErrorAs(t, env.GetWorkflowError(), &appErr)
	require.Equal(t, polling.ErrTypeExportFailed, appErr.Type())
	require.Equal(t, 2, provider.Checks())
}

func TestPollingOnANode(t *testing.T) {
	provider := polling.NewProvider(4)
	c := testnode.Start(t, polling.TaskQueue, func(w worker.Worker) { polling.Register(w, &polling.Activities{Provider: provider}) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := req
	r.PollEvery = 20 * time.Millisecond

	for i, wf := range []any{polling.ExportStatement, polling.ExportStatementFrequent} {
		before := provider.Checks()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{TaskQueue: polling.TaskQueue}, wf, r)
		require.NoError(t, err)
		var got polling.Statement
		require.NoError(t, run.Get(ctx, &got))
		require.Equal(t, statement.URL, got.URL, "variant %d", i)
		require.Equal(t, 4, provider.Checks()-before, "variant %d: checks until the export was done", i)
	}
}
