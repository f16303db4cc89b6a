package approvaltimeout_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/examples/approvaltimeout"
	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
)

var po = approvaltimeout.PurchaseOrder{
	ID: "PO-7", Requester: "ida", Item: "standing desk", AmountCents: 64900, Approver: "ana", Manager: "max",
}

type escalationSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
	calls []string // activity calls in order, with the recipient for AskForApproval
	a     *approvaltimeout.Activities
}

func TestEscalationSuite(t *testing.T) { suite.Run(t, new(escalationSuite)) }

func (s *escalationSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.start = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	s.env.SetStartTime(s.start)
	s.calls = nil
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		call := info.ActivityType.Name
		if call == "AskForApproval" {
			var order approvaltimeout.PurchaseOrder
			var who string
			s.NoError(args.Get(&order, &who))
			call += " " + who
		}
		s.calls = append(s.calls, call)
	})
	s.a = nil
	s.env.OnActivity(s.a.AskForApproval, mock.Anything, po, mock.Anything).Return(nil)
}

func (s *escalationSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

// decide sends a decision after delay (measured from the workflow's start).
func (s *escalationSuite) decide(delay time.Duration, d approvaltimeout.Decision) {
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(approvaltimeout.DecisionSignal, d) }, delay)
}

// statusAt queries the status at delay and stores it in *status.
func (s *escalationSuite) statusAt(delay time.Duration, status *string) {
	s.env.RegisterDelayedCallback(func() {
		v, err := s.env.QueryWorkflow(approvaltimeout.StatusQuery)
		s.NoError(err)
		s.NoError(v.Get(status))
	}, delay)
}

func (s *escalationSuite) result() approvaltimeout.Outcome {
	s.True(s.env.IsWorkflowCompleted())
	var out approvaltimeout.Outcome
	s.NoError(s.env.GetWorkflowResult(&out))
	return out
}

func (s *escalationSuite) TestApprovedBeforeTheDeadline() {
	s.env.OnActivity(s.a.PlaceOrder, mock.Anything, po).Return("SUP-1", nil).Once()
	s.env.OnActivity(s.a.NotifyRequester, mock.Anything, po, mock.Anything).Return(nil).Once()
	s.decide(3*time.Hour, approvaltimeout.Decision{By: "ana", Approved: true})

	s.env.ExecuteWorkflow(approvaltimeout.ApprovePurchase, po)

	s.Equal(approvaltimeout.Outcome{Status: approvaltimeout.StatusApproved, DecidedBy: "ana", OrderRef: "SUP-1"}, s.result())
	s.Equal([]string{"AskForApproval ana", "PlaceOrder", "NotifyRequester"}, s.calls)
	s.Equal(s.start.Add(3*time.Hour), s.env.Now())
}

func (s *escalationSuite) TestEscalatedAndApprovedByTheManager() {
	s.env.OnActivity(s.a.PlaceOrder, mock.Anything, po).Return("SUP-2", nil).Once()
	s.env.OnActivity(s.a.NotifyRequester, mock.Anything, po, mock.Anything).Return(nil).Once()
	var before, after string
	s.statusAt(23*time.Hour, &before)
	s.statusAt(25*time.Hour, &after)
	s.decide(30*time.Hour, approvaltimeout.Decision{By: "max", Approved: true, Comment: "ok, ana is on leave"})
	var timers []time.Duration
	s.env.SetOnTimerScheduledListener(func(_ string, d time.Duration) { timers = append(timers, d) })

	s.env.ExecuteWorkflow(approvaltimeout.ApprovePurchase, po)

	s.Equal(approvaltimeout.Outcome{Status: approvaltimeout.StatusApproved, DecidedBy: "max", Escalated: true, OrderRef: "SUP-2"}, s.result())
	s.Equal(approvaltimeout.StatusAwaitingApprover, before)
	s.Equal(approvaltimeout.StatusEscalated, after)
	s.Equal([]string{"AskForApproval ana", "AskForApproval max", "PlaceOrder", "NotifyRequester"}, s.calls)
	s.Equal([]time.Duration{24 * time.Hour, 24 * time.Hour}, timers)
	s.Equal(s.start.Add(30*time.Hour), s.env.Now())
}

func (s *escalationSuite) TestExpiresWhenNobodyAnswers() {
	s.env.OnActivity(s.a.PlaceOrder, mock.Anything, mock.Anything).Return("", nil).Never()
	expired := approvaltimeout.Outcome{Status: approvaltimeout.StatusExpired, Escalated: true}
	s.env.OnActivity(s.a.NotifyRequester, mock.Anything, po, expired).Return(nil).Once()

	s.env.ExecuteWorkflow(approvaltimeout.ApprovePurchase, po)

	s.Equal(expired, s.result())
	s.Equal(s.start.Add(48*time.Hour), s.env.Now(), "a day for the approver, a day for the manager")
	v, err := s.env.QueryWorkflow(approvaltimeout.StatusQuery)
	s.NoError(err)
	var status string
	s.NoError(v.Get(&status))
	s.Equal(approvaltimeout.StatusExpired, status)
}

func (s *escalationSuite) TestOutsidersAreIgnoredAndRejectionsEndTheWait() {
	s.env.OnActivity(s.a.PlaceOrder, mock.Anything, mock.Anything).Return("", nil).Never()
	s.env.OnActivity(s.a.NotifyRequester, mock.Anything, po, mock.Anything).Return(nil).Once()
	s.decide(time.Hour, approvaltimeout.Decision{By: "ida", Approved: true, Comment: "approving my own desk"})
	s.decide(2*time.Hour, approvaltimeout.Decision{By: "ana", Comment: "we have desks"})

	s.env.ExecuteWorkflow(approvaltimeout.ApprovePurchase, po)

	s.Equal(approvaltimeout.Outcome{Status: approvaltimeout.StatusRejected, DecidedBy: "ana"}, s.result())
	s.Equal(s.start.Add(2*time.Hour), s.env.Now())
	s.Equal([]string{"AskForApproval ana", "NotifyRequester"}, s.calls)
}

func TestApprovalsOnANode(t *testing.T) {
	acts := &approvaltimeout.Activities{}
	c := testnode.Start(t, approvaltimeout.TaskQueue, func(w worker.Worker) { approvaltimeout.Register(w, acts) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := func(id string, window time.Duration) client.WorkflowRun {
		order := po
		order.ID, order.Window = id, window
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: approvaltimeout.TaskQueue}, approvaltimeout.ApprovePurchase, order)
		require.NoError(t, err)
		return run
	}
	outcome := func(run client.WorkflowRun) approvaltimeout.Outcome {
		var out approvaltimeout.Outcome
		require.NoError(t, run.Get(ctx, &out))
		return out
	}

	// PO-1 is approved at once; PO-2 waits for escalation and is then
	// approved by the manager; PO-3 expires.
	approved := start("PO-1", time.Minute)
	escalated := start("PO-2", 250*time.Millisecond)
	expired := start("PO-3", 50*time.Millisecond)
	require.NoError(t, c.SignalWorkflow(ctx, "PO-1", "", approvaltimeout.DecisionSignal, approvaltimeout.Decision{By: "ana", Approved: true}))
	require.Eventually(t, func() bool {
		v, err := c.QueryWorkflow(ctx, "PO-2", "", approvaltimeout.StatusQuery)
		var status string
		return err == nil && v.Get(&status) == nil && status == approvaltimeout.StatusEscalated
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, c.SignalWorkflow(ctx, "PO-2", "", approvaltimeout.DecisionSignal, approvaltimeout.Decision{By: "max", Approved: true}))

	require.Equal(t, approvaltimeout.Outcome{Status: approvaltimeout.StatusApproved, DecidedBy: "ana", OrderRef: "SUP-1"}, outcome(approved))
	require.Equal(t, approvaltimeout.Outcome{Status: approvaltimeout.StatusApproved, DecidedBy: "max", Escalated: true, OrderRef: "SUP-2"}, outcome(escalated))
	require.Equal(t, approvaltimeout.Outcome{Status: approvaltimeout.StatusExpired, Escalated: true}, outcome(expired))
	require.Equal(t, []string{"PO-1", "PO-2"}, acts.Orders())
	require.Contains(t, acts.Mail(), "max: please approve PO-3: standing desk for 64900 cents")
	require.Contains(t, acts.Mail(), "ida: PO-3 is EXPIRED")
}
