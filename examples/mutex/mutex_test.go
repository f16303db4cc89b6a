package mutex_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/examples/mutex"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// Nil receivers that name the activities in mocks.
var (
	ro *mutex.Rollout
	st *mutex.Starter
)

// Rollouts starts the lock of environment "staging" and then one Deploy
// child per service, and returns their results in the order of services.
// It stands in for the separate workflows of production, since a test
// environment runs one workflow and its children.
func Rollouts(ctx workflow.Context, services []string) ([]mutex.DeployResult, error) {
	lockCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        mutex.LockWorkflowID("staging"),
		ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON,
	})
	if err := workflow.ExecuteChildWorkflow(lockCtx, mutex.LockWorkflow, mutex.LockState{Resource: "staging"}).
		GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return nil, err
	}
	var futures []workflow.Future
	for _, svc := range services {
		deployCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "deploy-" + svc})
		futures = append(futures, workflow.ExecuteChildWorkflow(deployCtx, mutex.Deploy, mutex.Deployment{Service: svc, Version: "v2", Environment: "staging"}))
	}
	results := make([]mutex.DeployResult, len(futures))
	for i, f := range futures {
		if err := f.Get(ctx, &results[i]); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// StuckHolder takes the staging lock and never gives it back.
func StuckHolder(ctx workflow.Context) error {
	if _, err := mutex.AcquireLock(ctx, "staging", 15*time.Minute); err != nil {
		return err
	}
	return workflow.Sleep(ctx, 24*time.Hour)
}

// StuckThenDeploy starts the lock, a StuckHolder, and a deployment that
// has to wait for the stuck holder's lease to expire.
func StuckThenDeploy(ctx workflow.Context) (mutex.DeployResult, error) {
	lockCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: mutex.LockWorkflowID("staging"), ParentClosePolicy: enums.PARENT_CLOSE_POLICY_ABANDON,
	})
	workflow.ExecuteChildWorkflow(lockCtx, mutex.LockWorkflow, mutex.LockState{Resource: "staging"})
	stuck := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "stuck"}), StuckHolder)
	if err := stuck.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return mutex.DeployResult{}, err
	}
	var res mutex.DeployResult
	deployCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: "deploy-web"})
	err := workflow.ExecuteChildWorkflow(deployCtx, mutex.Deploy, mutex.Deployment{Service: "web", Version: "v3", Environment: "staging"}).Get(ctx, &res)
	return res, err
}

type lockSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
}

func TestLockSuite(t *testing.T) { suite.Run(t, new(lockSuite)) }

func (s *lockSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.start = time.Date(2026, 8, 3, 14, 0, 0, 0, time.UTC)
	s.env.SetStartTime(s.start)
	s.env.RegisterWorkflow(mutex.LockWorkflow)
	s.env.RegisterWorkflow(mutex.Deploy)
}

func (s *lockSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func (s *lockSuite) at(d time.Duration) time.Time { return s.start.Add(d) }

func (s *lockSuite) TestDeploymentsTakeTurnsInRequestOrder() {
	// Every rollout takes ten minutes; the lock makes them consecutive.
	s.env.OnActivity(ro.RollOut, mock.Anything, mock.Anything).Return(nil).After(10 * time.Minute).Times(3)
	// The lock runs already, so no requester needs to start it.
	s.env.OnActivity(st.SignalWithStartLock, mock.Anything, mock.Anything, mock.Anything).Return(nil).Never()

	s.env.ExecuteWorkflow(Rollouts, []string{"api", "web", "worker"})

	s.True(s.env.IsWorkflowCompleted())
	var got []mutex.DeployResult
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal([]mutex.DeployResult{
		{LeaseID: "staging#1", Started: s.at(0), Finished: s.at(10 * time.Minute)},
		{LeaseID: "staging#2", Started: s.at(10 * time.Minute), Finished: s.at(20 * time.Minute)},
		{LeaseID: "staging#3", Started: s.at(20 * time.Minute), Finished: s.at(30 * time.Minute)},
	}, got)
}

func (s *lockSuite) TestAnExpiredLeaseLetsTheNextRequesterIn() {
	s.env.RegisterWorkflow(StuckHolder)
	s.env.OnActivity(ro.RollOut, mock.Anything, mutex.Deployment{Service: "web", Version: "v3", Environment: "staging"}).
		Return(nil).After(10 * time.Minute).Once()

	s.env.ExecuteWorkflow(StuckThenDeploy)

	var got mutex.DeployResult
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal("staging#2", got.LeaseID)
	s.Equal(s.at(15*time.Minute), got.Started, "the deployment waits for the stuck lease's 15 minutes")
}

func (s *lockSuite) TestARequesterStartsTheLockWhenItIsNotRunning() {
	// Deploy alone: signaling the lock fails, so it starts the lock
	// through the activity; the test plays the lock and grants at 5 min.
	want := mutex.LockRequest{RequesterID: "default-test-workflow-id", LeaseTTL: mutex.DeployLeaseTTL}
	s.env.OnActivity(st.SignalWithStartLock, mock.Anything, "prod", want).Return(nil).Once()
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(mutex.GrantSignal, mutex.Lease{Resource: "prod", ID: "prod#7"})
	}, 5*time.Minute)
	s.env.OnActivity(ro.RollOut, mock.Anything, mock.Anything).Return(nil).After(10 * time.Minute).Once()

	s.env.ExecuteWorkflow(mutex.Deploy, mutex.Deployment{Service: "api", Version: "v9", Environment: "prod"})

	var got mutex.DeployResult
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal(mutex.DeployResult{LeaseID: "prod#7", Started: s.at(5 * time.Minute), Finished: s.at(15 * time.Minute)}, got)
}

func (s *lockSuite) TestTheLockSkipsGoneRequestersAndEndsWhenIdle() {
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(mutex.AcquireSignal, mutex.LockRequest{RequesterID: "long-gone", LeaseTTL: time.Minute})
	}, 30*time.Minute)

	s.env.ExecuteWorkflow(mutex.LockWorkflow, mutex.LockState{Resource: "staging", IdleTimeout: time.Hour})

	s.True(s.env.IsWorkflowCompleted())
	s.NoError(s.env.GetWorkflowError())
	s.Equal(s.at(90*time.Minute), s.env.Now(), "idle for an hour after the request at 30 minutes")
}

func (s *lockSuite) TestTheLockContinuesAsNewWithItsQueue() {
	gone := func(id string) mutex.LockRequest { return mutex.LockRequest{RequesterID: id, LeaseTTL: time.Minute} }
	state := mutex.LockState{Resource: "staging", Queue: []mutex.LockRequest{gone("a"), gone("b"), gone("c")}, Issued: 40, GrantsPerRun: 2}

	s.env.ExecuteWorkflow(mutex.LockWorkflow, state)

	err := s.env.GetWorkflowError()
	s.True(workflow.IsContinueAsNewError(err), "error %v", err)
	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(err, &can))
	var next mutex.LockState
	s.NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.Equal(mutex.LockState{Resource: "staging", Queue: []mutex.LockRequest{gone("c")}, Issued: 42, GrantsPerRun: 2}, next)
}

func TestDeploymentsOnANode(t *testing.T) {
	rollout := &mutex.Rollout{Duration: 20 * time.Millisecond}
	// The activity needs the client, which exists once the node runs; no
	// activity runs before a workflow is started below.
	starter := &mutex.Starter{GrantsPerRun: 2, IdleTimeout: time.Minute}
	c := testnode.Start(t, mutex.TaskQueue, func(w worker.Worker) { mutex.Register(w, starter, rollout) })
	starter.Client = c
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	deploy := func(svc, env string) client.WorkflowRun {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("deploy-%s-%s", svc, env), TaskQueue: mutex.TaskQueue},
			mutex.Deploy, mutex.Deployment{Service: svc, Version: "v1", Environment: env})
		require.NoError(t, err)
		return run
	}
	var staging []client.WorkflowRun
	for _, svc := range []string{"api", "web", "worker", "cron", "search"} {
		staging = append(staging, deploy(svc, "staging"))
	}
	prod := deploy("api", "prod")

	var results []mutex.DeployResult
	for _, run := range staging {
		var res mutex.DeployResult
		require.NoError(t, run.Get(ctx, &res))
		results = append(results, res)
	}
	var prodResult mutex.DeployResult
	require.NoError(t, prod.Get(ctx, &prodResult))

	require.Zero(t, rollout.Overlaps(), "two rollouts to one environment overlapped")
	require.Len(t, rollout.Done(), 6)
	require.Equal(t, "prod#1", prodResult.LeaseID)
	// Five leases over three runs of the lock (two grants per run): the
	// count carried over continue-as-new keeps the IDs unique.
	sort.Slice(results, func(i, j int) bool { return results[i].Started.Before(results[j].Started) })
	for i, res := range results {
		require.Equal(t, fmt.Sprintf("staging#%d", i+1), res.LeaseID)
		if i > 0 {
			require.False(t, res.Started.Before(results[i-1].Finished), "lease %s started before %s ended", res.LeaseID, results[i-1].LeaseID)
		}
	}
}
