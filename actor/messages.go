package actor

import (
	"errors"
	"time"

	"github.com/grainflow/grainflow/journal"
	"github.com/grainflow/grainflow/journal/journalpb"
)

// Messages a workflow actor receives. Requests from clients carry a reply
// channel with room for one answer, so the actor never blocks on a caller.

type startRequest struct {
	req    *StartWorkflowRequest
	signal *signalInput   // set by SignalWithStart
	update *updateRequest // set by UpdateWithStart: handled right after the start succeeds
	reply  chan startReply
}

type startReply struct {
	runID string
	err   error
}

type signalInput struct {
	name     string
	input    *journalpb.Payloads
	identity string
}

type signalRequest struct {
	runID  string
	signal signalInput
	reply  chan error
}

type queryRequest struct {
	runID     string
	queryType string
	args      *journalpb.Payloads
	reply     chan queryReply
}

type queryReply struct {
	result *journalpb.Payloads
	err    error
}

type cancelRequest struct {
	runID  string
	reason string
	reply  chan error
}

type terminateRequest struct {
	runID   string
	reason  string
	details *journalpb.Payloads
	reply   chan error
}

type describeRequest struct {
	runID string
	reply chan describeReply
}

type describeReply struct {
	desc *WorkflowDescription
	err  error
}

type waitCloseRequest struct {
	runID string
	done  <-chan struct{} // closed when the caller stops waiting
	reply chan closeReply
}

type closeReply struct {
	event *journalpb.Event
	err   error
}

// activityResult is the outcome of one activity attempt.
type activityResult struct {
	taskQueue        string
	runID            string
	scheduledEventID int64
	attempt          int32
	result           *journalpb.Payloads
	failure          *journalpb.Failure // nil on success
	canceled         bool               // the attempt ended because cancellation was requested
	heartbeat        *journalpb.Payloads
	// pending means the activity returned ErrResultPending: a client
	// completes it later, or its deadline (pendingUntil) times it out.
	pending      bool
	pendingUntil time.Time
	deadlineType journalpb.TimeoutType
	// reply, set for completions from a client, is answered once the
	// outcome is recorded (or found stale).
	reply chan error
}

// completeByID completes a pending activity named by its activity ID.
type completeByID struct {
	runID, activityID string
	result            *journalpb.Payloads
	failure           *journalpb.Failure
	canceled          bool
	reply             chan error
}

// timerDue says a journal timer of the workflow is due.
type timerDue struct{ timer journal.Timer }

// workerStarted says a worker for a task queue started on this node.
type workerStarted struct{ taskQueue string }

// workerStopped says a worker stopped: its workflow code no longer runs.
type workerStopped struct{ worker *workerConfig }

// flushInputs asks a workflow to record the activity completions it gathered.
type flushInputs struct{}

// retryTask asks a workflow whose code failed to try again.
type retryTask struct{}

// reloadRequest asks a workflow to rebuild itself from the journal after a
// failed append or activation; delay is how long it waited, for backoff.
type reloadRequest struct{ delay time.Duration }

var errEngineClosed = errors.New("actor: engine is closed")

// failRequest answers a client request that cannot be delivered.
func failRequest(msg any, err error) {
	switch m := msg.(type) {
	case *startRequest:
		m.reply <- startReply{err: err}
	case *signalRequest:
		m.reply <- err
	case *updateRequest:
		m.reply <- updateReply{err: err}
	case *queryRequest:
		m.reply <- queryReply{err: err}
	case *cancelRequest:
		m.reply <- err
	case *terminateRequest:
		m.reply <- err
	case *describeRequest:
		m.reply <- describeReply{err: err}
	case *waitCloseRequest:
		m.reply <- closeReply{err: err}
	case *activityResult:
		if m.reply != nil {
			m.reply <- err
		}
	case *completeByID:
		m.reply <- err
	}
}
