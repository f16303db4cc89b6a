package internal

import (
	"slices"
	"strings"
	"testing"

	"github.com/grainflow/grainflow/journal/journalpb"
	"google.golang.org/protobuf/proto"
)

// suggestionSeen is what the workflow saw at the start of one task.
type suggestionSeen struct {
	length, size int
	suggested    bool
	reasons      []ContinueAsNewSuggestedReason
}

// loopUntilSuggested receives "tick" signals until continue-as-new is
// suggested, then continues as new; seen records each task's view.
func loopUntilSuggested(seen *[]suggestionSeen) func(ctx Context) error {
	return func(ctx Context) error {
		ticks := GetSignalChannel(ctx, "tick")
		for {
			info := GetInfo(ctx)
			*seen = append(*seen, suggestionSeen{info.GetCurrentHistoryLength(), info.GetCurrentHistorySize(),
				info.GetContinueAsNewSuggested(), info.GetContinueAsNewSuggestedReasons()})
			if info.GetContinueAsNewSuggested() {
				return NewContinueAsNewError(ctx, testWorkflowType)
			}
			ticks.Receive(ctx, nil)
		}
	}
}

// TestContinueAsNewSuggestedAfterTooManyEvents: the suggestion turns on at
// the first task whose history has 4,096 events, the size is the sum of the
// events' encoded sizes, and a replay makes the same decision.
func TestContinueAsNewSuggestedAfterTooManyEvents(t *testing.T) {
	var seen []suggestionSeen
	te := newTestEnv(t, loopUntilSuggested(&seen))
	te.start()
	for i := 0; !te.e.Closed(); i++ {
		if i > SuggestContinueAsNewEvents {
			t.Fatal("the workflow never saw the suggestion")
		}
		var batch []*journalpb.Event
		for range 9 {
			batch = append(batch, signaled(t, "tick", i))
		}
		te.decide(batch...)
	}
	last := te.history[len(te.history)-1]
	if last.GetWorkflowExecutionContinuedAsNew() == nil {
		t.Fatalf("the run closed with %s, want a continue-as-new", describeEvent(last))
	}
	// Each task but the last received the signals delivered before it, so
	// the workflow looks again at every task.
	sizes := make([]int, len(te.history)+1) // sizes[n]: the first n events
	for i, ev := range te.history {
		sizes[i+1] = sizes[i] + proto.Size(ev)
	}
	for i, s := range seen {
		wantSuggested := s.length >= SuggestContinueAsNewEvents
		if s.suggested != wantSuggested || s.suggested != (i == len(seen)-1) {
			t.Fatalf("task %d: history of %d events, suggested %v", i, s.length, s.suggested)
		}
		if want := sizes[s.length]; s.size != want {
			t.Fatalf("task %d: history size %d, want %d (the sum of the first %d events' sizes)", i, s.size, want, s.length)
		}
	}
	if r := seen[len(seen)-1].reasons; !slices.Equal(r, []ContinueAsNewSuggestedReason{ContinueAsNewSuggestedReasonTooManyHistoryEvents}) {
		t.Fatalf("reasons %v, want TooManyHistoryEvents", r)
	}
	live := len(seen)
	if replayed := te.replayAll(); !replayed.Closed() {
		t.Fatal("the replayed run is not closed")
	}
	if again := seen[live:]; !slices.EqualFunc(again, seen[:live], func(a, b suggestionSeen) bool {
		return a.length == b.length && a.size == b.size && a.suggested == b.suggested
	}) {
		t.Fatal("the replay saw other history lengths, sizes or suggestions than the live run")
	}
}

// TestContinueAsNewSuggestedAfterTooManyBytes: a few large signals push the
// history past 4 MiB long before 4,096 events.
func TestContinueAsNewSuggestedAfterTooManyBytes(t *testing.T) {
	var seen []suggestionSeen
	te := newTestEnv(t, loopUntilSuggested(&seen))
	te.start()
	big := strings.Repeat("x", 512*1024)
	for i := 0; !te.e.Closed(); i++ {
		if i > 20 {
			t.Fatal("the workflow never saw the suggestion")
		}
		te.decide(signaled(t, "tick", big))
	}
	final := seen[len(seen)-1]
	if !final.suggested || final.size < SuggestContinueAsNewBytes || seen[len(seen)-2].size >= SuggestContinueAsNewBytes {
		t.Fatalf("suggested %v at %d bytes (the task before saw %d)", final.suggested, final.size, seen[len(seen)-2].size)
	}
	if !slices.Equal(final.reasons, []ContinueAsNewSuggestedReason{ContinueAsNewSuggestedReasonHistorySizeTooLarge}) {
		t.Fatalf("reasons %v, want HistorySizeTooLarge", final.reasons)
	}
	te.checkReplayOfEveryTask()
}
