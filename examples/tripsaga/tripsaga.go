// Package tripsaga shows the saga pattern with the sdk/saga helper: a
// business transaction made of steps in separate systems, where each step
// that succeeds registers the step that undoes it, and a failure later on
// runs those compensations (newest first, or all at once).
//
// The example books a trip: a flight, then a hotel, then a rental car.
// Three companies, no shared transaction. If the car cannot be booked, the
// hotel and then the flight are canceled, and the workflow fails saying
// why. A step that failed for good left nothing behind, so it registers no
// compensation; the cancellations retry harder than the bookings, because
// a booking nobody travels on costs money.
//
// Use this pattern when a process must be all or nothing across services
// that cannot share a transaction. Compensate in parallel when the
// compensations do not depend on each other and finishing sooner matters.
package tripsaga

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/saga"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflow and activities run.
const TaskQueue = "trip-bookings"

// ErrTypeSoldOut is the error type of a booking that cannot be made; it is
// not retried.
const ErrTypeSoldOut = "SoldOut"

// ErrTypeNotBooked is the error type the workflow fails with; its cause is
// the failed booking's error.
const ErrTypeNotBooked = "TripNotBooked"

// Trip is the workflow's input.
type Trip struct {
	ID          string
	Traveler    string
	Destination string
	Nights      int
	// CompensateInParallel cancels the earlier bookings all at once
	// instead of newest first.
	CompensateInParallel bool
}

// Itinerary holds the confirmation codes of a booked trip.
type Itinerary struct {
	Flight, Hotel, Car string
}

// BookTrip books the flight, the hotel and the car, or none of them.
func BookTrip(ctx workflow.Context, trip Trip) (Itinerary, error) {
	bookCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			MaximumAttempts:        3,
			NonRetryableErrorTypes: []string{ErrTypeSoldOut},
		},
	})
	cancelCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second,
			MaximumInterval: time.Minute,
			MaximumAttempts: 10,
		},
	})
	// ContinueWithError: one cancellation that fails must not keep the
	// others from running.
	s := saga.New(saga.Options{ParallelCompensation: trip.CompensateInParallel, ContinueWithError: true})

	var a *Agency
	var it Itinerary
	if err := workflow.ExecuteActivity(bookCtx, a.BookFlight, trip).Get(ctx, &it.Flight); err != nil {
		return Itinerary{}, notBooked("trip "+trip.ID+" not booked", err)
	}
	s.AddCompensation(cancelCtx, a.CancelFlight, it.Flight)
	if err := workflow.ExecuteActivity(bookCtx, a.BookHotel, trip).Get(ctx, &it.Hotel); err != nil {
		return Itinerary{}, undo(ctx, s, trip, err)
	}
	s.AddCompensation(cancelCtx, a.CancelHotel, it.Hotel)
	if err := workflow.ExecuteActivity(bookCtx, a.BookCar, trip).Get(ctx, &it.Car); err != nil {
		return Itinerary{}, undo(ctx, s, trip, err)
	}
	return it, nil
}

// undo runs the compensations after a booking failed with cause and
// returns the workflow's error, which also names the compensations that
// failed, if any.
func undo(ctx workflow.Context, s *saga.Saga, trip Trip, cause error) error {
	if err := s.Compensate(ctx); err != nil {
		return notBooked(fmt.Sprintf("trip %s not booked, and some bookings could not be canceled: %v", trip.ID, err), cause)
	}
	return notBooked("trip "+trip.ID+" not booked, earlier bookings canceled", cause)
}

// notBooked is the workflow's failure: retrying the whole trip would not
// help, and the caller finds the failed booking as its cause.
func notBooked(msg string, cause error) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeNotBooked, cause)
}

// Agency is a fake travel agency in front of the airline, the hotel and the
// car rental. It keeps a log of what it did, in order.
type Agency struct {
	mu      sync.Mutex
	soldOut map[string]bool // "car/Reykjavik"
	active  map[string]bool // confirmation codes not canceled
	log     []string
}

// NewAgency returns an agency where everything can be booked.
func NewAgency() *Agency { return &Agency{soldOut: map[string]bool{}, active: map[string]bool{}} }

// SellOut makes bookings of kind ("flight", "hotel" or "car") to
// destination fail with ErrTypeSoldOut.
func (g *Agency) SellOut(kind, destination string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.soldOut[kind+"/"+destination] = true
}

// BookFlight books a return flight and returns its confirmation code.
func (g *Agency) BookFlight(_ context.Context, trip Trip) (string, error) {
	return g.book("flight", trip)
}

// BookHotel books the nights and returns the confirmation code.
func (g *Agency) BookHotel(_ context.Context, trip Trip) (string, error) {
	return g.book("hotel", trip)
}

// BookCar books a car and returns the confirmation code. It is the last
// step, so it needs no compensation.
func (g *Agency) BookCar(_ context.Context, trip Trip) (string, error) {
	return g.book("car", trip)
}

// CancelFlight cancels a flight booking.
func (g *Agency) CancelFlight(_ context.Context, code string) error { return g.cancel(code) }

// CancelHotel cancels a hotel booking.
func (g *Agency) CancelHotel(_ context.Context, code string) error { return g.cancel(code) }

func (g *Agency) book(kind string, trip Trip) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.soldOut[kind+"/"+trip.Destination] {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("no %s available in %s", kind, trip.Destination), ErrTypeSoldOut, nil)
	}
	code := fmt.Sprintf("%s-%s", kind, trip.ID)
	g.active[code] = true
	g.log = append(g.log, "book "+code)
	return code, nil
}

// cancel cancels a booking; canceling twice is harmless, as a retried
// compensation may do.
func (g *Agency) cancel(code string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.active[code] {
		delete(g.active, code)
		g.log = append(g.log, "cancel "+code)
	}
	return nil
}

// Log returns what the agency did, in order.
func (g *Agency) Log() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.log...)
}

// Active returns how many bookings are held.
func (g *Agency) Active() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.active)
}

// Register registers the example's workflow and the agency's activities on w.
func Register(w worker.Worker, g *Agency) {
	w.RegisterWorkflow(BookTrip)
	for _, fn := range []any{g.BookFlight, g.BookHotel, g.BookCar, g.CancelFlight, g.CancelHotel} {
		w.RegisterActivity(fn)
	}
}
