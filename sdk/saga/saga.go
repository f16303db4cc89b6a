// Package saga helps workflow code undo completed steps when a later step
// fails: register a compensation after each step succeeds, and on failure
// call Compensate, which runs the compensations in reverse order (or all at
// once) as activities, each with the retry policy of the context it was
// added with. Temporal's Go SDK has no such helper; it follows the shape of
// Temporal's Java Saga class.
//
//	s := saga.New(saga.Options{})
//	if err := workflow.ExecuteActivity(ctx, a.Charge, order).Get(ctx, &chargeID); err != nil {
//		return err
//	}
//	s.AddCompensation(ctx, a.Refund, chargeID)
//	if err := workflow.ExecuteActivity(ctx, a.Ship, order).Get(ctx, nil); err != nil {
//		return errors.Join(err, s.Compensate(ctx))
//	}
package saga

import (
	"errors"

	"github.com/grainflow/grainflow/sdk/workflow"
)

// Options configures a Saga.
type Options struct {
	// ParallelCompensation runs all compensations at once instead of in
	// reverse order, one after the other.
	ParallelCompensation bool
	// ContinueWithError goes on with the remaining compensations after one
	// fails (in sequential mode); Compensate then returns all the errors.
	ContinueWithError bool
}

// compensation is an activity to run if the saga fails.
type compensation struct {
	ctx      workflow.Context
	activity any
	args     []any
}

// Saga collects compensations. It is used from one workflow coroutine.
type Saga struct {
	options       Options
	compensations []compensation
}

// New returns an empty Saga.
func New(options Options) *Saga { return &Saga{options: options} }

// AddCompensation registers activity(args...) to undo a step that has just
// succeeded. It runs with the activity options of ctx (timeouts, retry
// policy), so each compensation can have its own.
func (s *Saga) AddCompensation(ctx workflow.Context, activity any, args ...any) {
	s.compensations = append(s.compensations, compensation{ctx: ctx, activity: activity, args: args})
}

// Compensate runs the registered compensations: newest first, one at a
// time (stopping at the first failure unless ContinueWithError), or all at
// once with ParallelCompensation. It runs in a disconnected context, so a
// canceled workflow still compensates, and returns the compensations'
// errors joined.
func (s *Saga) Compensate(ctx workflow.Context) error {
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	if s.options.ParallelCompensation {
		futures := make([]workflow.Future, len(s.compensations))
		for i, c := range s.compensations {
			futures[i] = s.run(c)
		}
		var errs []error
		for _, f := range futures {
			errs = append(errs, f.Get(ctx, nil))
		}
		return errors.Join(errs...)
	}
	var errs []error
	for i := len(s.compensations) - 1; i >= 0; i-- {
		if err := s.run(s.compensations[i]).Get(ctx, nil); err != nil {
			errs = append(errs, err)
			if !s.options.ContinueWithError {
				break
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Saga) run(c compensation) workflow.Future {
	ctx, _ := workflow.NewDisconnectedContext(c.ctx)
	return workflow.ExecuteActivity(ctx, c.activity, c.args...)
}
