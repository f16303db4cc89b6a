package actor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grainflow/grainflow/actor"
	"github.com/grainflow/grainflow/sdk/activity"
	internal "github.com/grainflow/grainflow/sdk/internalbindings"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// lockedBuffer is a log destination that engine goroutines and the test
// can share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// IntrospectingActivity logs an entry and returns its task token.
func IntrospectingActivity(ctx context.Context) (string, error) {
	activity.GetLogger(ctx).Info("activity running")
	return string(activity.GetInfo(ctx).TaskToken), nil
}

func IntrospectingWorkflow(ctx workflow.Context) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	var token string
	err := workflow.ExecuteActivity(ctx, IntrospectingActivity).Get(ctx, &token)
	return token, err
}

// The logger and the task token, which the engine builds only when an
// activity asks, identify the attempt.
func TestActivityLoggerAndTaskToken(t *testing.T) {
	var logs lockedBuffer
	n := newNode(t, t.TempDir(), actor.EngineOptions{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	reg := internal.NewRegistry()
	reg.RegisterWorkflow(IntrospectingWorkflow)
	reg.RegisterActivity(IntrospectingActivity)
	n.startWorker(reg)
	n.start("intro", IntrospectingWorkflow)
	var token string
	if err := n.result("intro", &token); err != nil {
		t.Fatal(err)
	}
	const entry = `msg="activity running" workflow_id=intro activity_id=1 activity_type=IntrospectingActivity attempt=1`
	if !strings.Contains(logs.String(), entry) {
		t.Errorf("logs lack %q:\n%s", entry, logs.String())
	}
	var fields struct {
		Namespace, WorkflowID, RunID, TaskQueue string
		ScheduledEventID                        int64
		Attempt                                 int32
	}
	if err := json.Unmarshal([]byte(token), &fields); err != nil {
		t.Fatalf("task token %q: %v", token, err)
	}
	if fields.WorkflowID != "intro" || fields.RunID == "" || fields.TaskQueue != "q" || fields.ScheduledEventID == 0 || fields.Attempt != 1 {
		t.Errorf("task token %q", token)
	}
}
