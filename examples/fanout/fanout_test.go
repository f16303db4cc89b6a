package fanout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/examples/fanout"
	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
)

type billingSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
}

func TestBillingSuite(t *testing.T) { suite.Run(t, new(billingSuite)) }

func (s *billingSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.start = time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC)
	s.env.SetStartTime(s.start)
}

func (s *billingSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

// usage mocks the meter's answer for one account.
func (s *billingSuite) usage(account string) *testsuite.MockCallWrapper {
	var m *fanout.Meter
	return s.env.OnActivity(m.UsageCharge, mock.Anything, "2026-03", account)
}

func (s *billingSuite) TestActivitiesRunInParallel() {
	// Each account takes a minute to meter; run one after the other they
	// would take four.
	s.usage("ann").Return(int64(1200), nil).After(time.Minute).Once()
	s.usage("bob").Return(int64(300), nil).After(time.Minute).Once()
	s.usage("cy").Return(int64(4500), nil).After(time.Minute).Once()
	s.usage("dee").Return(int64(0), nil).After(time.Minute).Once()

	s.env.ExecuteWorkflow(fanout.BillUsage, fanout.Batch{Period: "2026-03", Accounts: []string{"ann", "bob", "cy", "dee"}})

	s.True(s.env.IsWorkflowCompleted())
	var got fanout.Summary
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal(fanout.Summary{
		Period:       "2026-03",
		TotalCents:   6000,
		ChargesCents: map[string]int64{"ann": 1200, "bob": 300, "cy": 4500, "dee": 0},
	}, got)
	s.Equal(s.start.Add(time.Minute), s.env.Now(), "the four activities should overlap")
}

func (s *billingSuite) TestFailedAccountsAreListedWithinTheLimit() {
	s.usage("ann").Return(int64(1200), nil).Once()
	// bob's meter is busy twice, then answers: the retry policy hides it.
	s.usage("bob").Return(int64(0), errors.New("busy")).Twice()
	s.usage("bob").Return(int64(300), nil).Once()
	// zed is unknown: not retried, and listed as failed.
	s.usage("zed").Return(int64(0), temporal.NewNonRetryableApplicationError("no usage", fanout.ErrTypeUnknownAccount, nil)).Once()

	s.env.ExecuteWorkflow(fanout.BillUsage, fanout.Batch{Period: "2026-03", Accounts: []string{"ann", "zed", "bob"}, MaxFailures: 1})

	var got fanout.Summary
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal([]string{"zed"}, got.Failed)
	s.Equal(int64(1500), got.TotalCents)
	s.Equal(map[string]int64{"ann": 1200, "bob": 300}, got.ChargesCents)
	s.env.AssertActivityNumberOfCalls(s.T(), "UsageCharge", 5)
	// Two retries of bob, 1 s of backoff each: the policy sets no
	// MaximumInterval, and the test environment, as Temporal's, takes the
	// initial interval (a node would back off 1 s, then 2 s).
	s.Equal(s.start.Add(2*time.Second), s.env.Now())
}

func (s *billingSuite) TestTooManyFailuresFailTheBatch() {
	unknown := temporal.NewNonRetryableApplicationError("no usage", fanout.ErrTypeUnknownAccount, nil)
	s.usage("ann").Return(int64(1200), nil).Once()
	s.usage("yan").Return(int64(0), unknown).Once()
	s.usage("zed").Return(int64(0), unknown).Once()

	s.env.ExecuteWorkflow(fanout.BillUsage, fanout.Batch{Period: "2026-03", Accounts: []string{"yan", "ann", "zed"}, MaxFailures: 1})

	s.True(s.env.IsWorkflowCompleted())
	err := s.env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(err, &appErr)
	s.Equal(fanout.ErrTypeTooManyFailures, appErr.Type())
	var failed []string
	s.NoError(appErr.Details(&failed))
	s.Equal([]string{"yan", "zed"}, failed)
}

func (s *billingSuite) TestRealMeterInTheEnvironment() {
	meter := fanout.NewMeter("2026-03", map[string]int64{"ann": 100, "bob": 250})
	meter.FailFirstAttempts("bob", 1)
	s.env.RegisterActivity(meter.UsageCharge)

	s.env.ExecuteWorkflow(fanout.BillUsage, fanout.Batch{Period: "2026-03", Accounts: []string{"ann", "bob", "nobody"}, MaxFailures: 1})

	var got fanout.Summary
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal(int64(350), got.TotalCents)
	s.Equal([]string{"nobody"}, got.Failed)
	s.Equal(4, meter.Calls(), "ann once, bob twice, nobody once")
}

func TestBillingOnANode(t *testing.T) {
	meter := fanout.NewMeter("2026-03", map[string]int64{"a1": 100, "a2": 200, "a3": 300, "a4": 400, "a5": 500})
	c := testnode.Start(t, fanout.TaskQueue, func(w worker.Worker) { fanout.Register(w, meter) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	accounts := []string{"a1", "a2", "ghost", "a3", "a4", "a5"}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "bill-2026-03", TaskQueue: fanout.TaskQueue},
		fanout.BillUsage, fanout.Batch{Period: "2026-03", Accounts: accounts, MaxFailures: 1})
	require.NoError(t, err)
	var got fanout.Summary
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, int64(1500), got.TotalCents)
	require.Equal(t, []string{"ghost"}, got.Failed)
	require.Len(t, got.ChargesCents, 5)
	require.Equal(t, len(accounts), meter.Calls())
}
