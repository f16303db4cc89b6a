package worker

import (
	"errors"
	"fmt"
	"os"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/internal"
	"github.com/grainflow/grainflow/sdk/log"
)

// WorkflowReplayer replays recorded histories against the registered
// workflow code, without a node: the check, in a unit test or CI, that a
// code change is compatible with the runs already in progress. A history
// exported with client.WriteHistoryJSON can be replayed from its file.
type WorkflowReplayer interface {
	RegisterWorkflow(w any)
	RegisterWorkflowWithOptions(w any, options RegisterWorkflowOptions)
	// ReplayWorkflowHistory replays history and returns the first
	// non-determinism error, workflow panic or malformed event, if any.
	ReplayWorkflowHistory(logger log.Logger, history *journalpb.History) error
	// ReplayWorkflowHistoryFromJSONFile replays a history stored as
	// protojson (client.WriteHistoryJSON).
	ReplayWorkflowHistoryFromJSONFile(logger log.Logger, jsonfileName string) error
}

// NewWorkflowReplayer returns a replayer with no workflows registered.
func NewWorkflowReplayer() WorkflowReplayer {
	return &replayer{registry: internal.NewRegistry()}
}

type replayer struct{ registry *internal.Registry }

func (r *replayer) RegisterWorkflow(w any) { r.registry.RegisterWorkflow(w) }

func (r *replayer) RegisterWorkflowWithOptions(w any, options RegisterWorkflowOptions) {
	r.registry.RegisterWorkflowWithOptions(w, options)
}

func (r *replayer) ReplayWorkflowHistory(logger log.Logger, history *journalpb.History) error {
	events := history.GetEvents()
	if len(events) == 0 || events[0].GetWorkflowExecutionStarted() == nil {
		return errors.New("worker: a history must start with WorkflowExecutionStarted")
	}
	exec := internal.NewExecution(internal.ExecutionOptions{
		Namespace: "replay", WorkflowID: "replay", RunID: "replay",
		Registry: r.registry, Logger: logger,
	})
	defer exec.Close()
	if err := exec.Replay(events); err != nil {
		return fmt.Errorf("worker: replay of %s: %w", events[0].GetWorkflowExecutionStarted().GetWorkflowType(), err)
	}
	return nil
}

func (r *replayer) ReplayWorkflowHistoryFromJSONFile(logger log.Logger, jsonfileName string) error {
	data, err := os.ReadFile(jsonfileName)
	if err != nil {
		return fmt.Errorf("worker: read history: %w", err)
	}
	history := &journalpb.History{}
	if err := protojson.Unmarshal(data, history); err != nil {
		return fmt.Errorf("worker: history file %s: %w", jsonfileName, err)
	}
	return r.ReplayWorkflowHistory(logger, history)
}
