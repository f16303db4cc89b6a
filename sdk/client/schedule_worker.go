package client

import (
	"context"
	"errors"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/cluster"
	"github.com/grainflow/grainflow/sdk/internal"
)

// Every node runs the worker of the schedule workflows, from the moment it
// opens until it closes: a schedule must fire after a restart even if the
// program never touches schedules again. The worker is a cluster service,
// so each node starts it exactly once.
func init() {
	cluster.RegisterService("schedules", startScheduleWorker)
}

// startScheduleWorker starts the worker of the schedule task queue on n.
func startScheduleWorker(n *cluster.Node) (stop func(), err error) {
	engine := n.Engine()
	reg := internal.NewRegistry()
	reg.RegisterWorkflowWithOptions(scheduleWorkflow, internal.RegisterWorkflowOptions{Name: scheduleWorkflowType})
	reg.RegisterActivityWithOptions(func(ctx context.Context, namespace, workflowID, runID, reason string) error {
		err := engine.TerminateWorkflow(ctx, namespace, workflowID, runID, reason, nil)
		var notFound *actor.NotFoundError
		if errors.As(err, &notFound) {
			return nil // closed meanwhile
		}
		return err
	}, internal.RegisterActivityOptions{Name: terminateActivityName})
	return engine.StartWorker(scheduleTaskQueue, reg, actor.WorkerOptions{
		DataConverter: schedulesDC,
		Identity:      "grainflow schedules",
	})
}
