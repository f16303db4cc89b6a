// Package pickfirst shows how to race activities and keep the first
// answer: the workflow starts the same request at several providers in one
// cancellable context, waits with a Selector for the first success, then
// cancels the rest and waits until they have stopped.
//
// The example asks several carriers for a shipping quote and takes the
// first one that answers, because a checkout page cannot wait for the
// slowest carrier. A carrier that fails drops out of the race; only when
// all of them fail does the workflow fail.
//
// The activities heartbeat while they work and watch their context, so the
// cancellation reaches them. With WaitForCancellation the workflow does not
// finish until every loser has acknowledged it, so no carrier request is
// left running after the workflow has closed. Use this pattern for hedged
// requests to redundant backends, or whenever the first useful answer
// makes the others worthless.
package pickfirst

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflow and activities run.
const TaskQueue = "pickfirst-quotes"

// ErrTypeNoQuote is the error type of a race that every carrier lost.
const ErrTypeNoQuote = "NoQuote"

// Parcel is what is to be shipped.
type Parcel struct {
	From, To    string
	WeightGrams int
}

// QuoteRequest is the workflow's input: the parcel and the carriers to ask.
type QuoteRequest struct {
	Parcel   Parcel
	Carriers []string
}

// Quote is a carrier's offer, and the workflow's result.
type Quote struct {
	Carrier    string
	PriceCents int64
}

// FirstQuote asks every carrier at once and returns the first quote.
func FirstQuote(ctx workflow.Context, req QuoteRequest) (Quote, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		HeartbeatTimeout:    10 * time.Second,
		// Canceled activities' futures resolve only once the activity has
		// stopped, so the losers can be waited for below.
		WaitForCancellation: true,
		// A carrier that fails is out of the race: retrying it would only
		// repeat what the others are already doing.
		RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	raceCtx, cancelRace := workflow.WithCancel(ctx)

	var c *Carriers
	var winner *Quote
	var failures []error
	sel := workflow.NewSelector(ctx)
	futures := make([]workflow.Future, len(req.Carriers))
	for i, carrier := range req.Carriers {
		futures[i] = workflow.ExecuteActivity(raceCtx, c.RequestQuote, carrier, req.Parcel)
		sel.AddFuture(futures[i], func(f workflow.Future) {
			var q Quote
			if err := f.Get(ctx, &q); err != nil {
				failures = append(failures, err)
				return
			}
			winner = &q
		})
	}
	for winner == nil && len(failures) < len(futures) {
		sel.Select(ctx)
	}

	// Stop the others and wait until each has acknowledged; their
	// futures then hold a CanceledError, which is expected.
	cancelRace()
	for _, f := range futures {
		_ = f.Get(ctx, nil)
	}
	switch {
	case winner != nil:
		return *winner, nil
	case ctx.Err() != nil:
		return Quote{}, ctx.Err() // the workflow itself was canceled
	default:
		return Quote{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("none of %d carriers quoted", len(req.Carriers)), ErrTypeNoQuote, errors.Join(failures...))
	}
}

// Carriers is a fake pool of carrier APIs: each answers after its latency
// with its rate per started kilogram, or fails if it is down.
type Carriers struct {
	// HeartbeatEvery is how often a waiting request heartbeats and checks
	// for cancellation.
	HeartbeatEvery time.Duration

	mu       sync.Mutex
	latency  map[string]time.Duration
	rate     map[string]int64 // cents per started kilogram
	down     map[string]bool
	canceled []string
}

// NewCarriers returns a pool without carriers.
func NewCarriers(heartbeatEvery time.Duration) *Carriers {
	return &Carriers{HeartbeatEvery: heartbeatEvery, latency: map[string]time.Duration{}, rate: map[string]int64{}, down: map[string]bool{}}
}

// Add adds a carrier that quotes centsPerKilo for each started kilogram,
// after latency.
func (c *Carriers) Add(name string, latency time.Duration, centsPerKilo int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.latency[name], c.rate[name] = latency, centsPerKilo
}

// AddDown adds a carrier whose API fails after latency.
func (c *Carriers) AddDown(name string, latency time.Duration) {
	c.Add(name, latency, 0)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down[name] = true
}

// Canceled returns the carriers whose requests saw their cancellation, in
// the order they saw it.
func (c *Carriers) Canceled() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.canceled...)
}

// RequestQuote is the activity: it waits for the carrier's answer,
// heartbeating meanwhile, and gives up as soon as it is canceled.
func (c *Carriers) RequestQuote(ctx context.Context, carrier string, p Parcel) (Quote, error) {
	c.mu.Lock()
	latency, rate, down := c.latency[carrier], c.rate[carrier], c.down[carrier]
	c.mu.Unlock()

	answer := time.NewTimer(latency)
	defer answer.Stop()
	beat := time.NewTicker(c.HeartbeatEvery)
	defer beat.Stop()
	for {
		select {
		case <-beat.C:
			activity.RecordHeartbeat(ctx, carrier)
		case <-ctx.Done():
			c.mu.Lock()
			c.canceled = append(c.canceled, carrier)
			c.mu.Unlock()
			return Quote{}, ctx.Err()
		case <-answer.C:
			if down {
				return Quote{}, fmt.Errorf("carrier %s is unavailable", carrier)
			}
			kilos := int64(p.WeightGrams+999) / 1000
			return Quote{Carrier: carrier, PriceCents: kilos * rate}, nil
		}
	}
}

// Register registers the example's workflow and the carriers' activity on w.
func Register(w worker.Worker, c *Carriers) {
	w.RegisterWorkflow(FirstQuote)
	w.RegisterActivity(c.RequestQuote)
}
