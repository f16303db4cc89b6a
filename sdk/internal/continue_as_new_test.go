package internal

import (
	"testing"
)

// TestContinueAsNewCarriesUnreadSignals: the run reads one of the two
// signals delivered with its task and continues as new; the close command
// names the next run's input and carries the unread signal.
func TestContinueAsNewCarriesUnreadSignals(t *testing.T) {
	var counter func(ctx Context, total int) (int, error)
	counter = func(ctx Context, total int) (int, error) {
		var add int
		GetSignalChannel(ctx, "add").Receive(ctx, &add)
		if !IsContinueAsNewError(NewContinueAsNewError(ctx, testWorkflowType, total+add)) {
			t.Error("IsContinueAsNewError does not recognise its own error")
		}
		return 0, NewContinueAsNewError(ctx, testWorkflowType, total+add)
	}
	te := newTestEnv(t, counter)
	wantCommands(t, te.start(10))
	cmds := te.decide(signaled(t, "add", 1), signaled(t, "add", 2))
	wantCommands(t, cmds, "WorkflowExecutionContinuedAsNew")
	can := cmds[len(cmds)-1].GetWorkflowExecutionContinuedAsNew()
	if can.GetWorkflowType() != testWorkflowType || decode[int](t, can.GetInput()) != 11 {
		t.Fatalf("continued as %s with input %v", can.GetWorkflowType(), can.GetInput())
	}
	if len(can.GetCarriedSignals()) != 1 || can.GetCarriedSignals()[0].GetSignalName() != "add" ||
		decode[int](t, can.GetCarriedSignals()[0].GetInput()) != 2 {
		t.Fatalf("carried signals %v, want the unread add(2)", can.GetCarriedSignals())
	}
	if replayed := te.replayAll(); !replayed.Closed() {
		t.Fatal("a run that continued as new is not closed after replay")
	}
	te.checkReplayOfEveryTask()
}
