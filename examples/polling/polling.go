// Package polling shows two ways to wait for an external job that can only
// be polled, here a bank-statement export that a provider prepares in the
// background.
//
// Infrequent polling (ExportStatement): the poll is an activity that fails
// with a retryable error while the job is not done, and the activity's
// retry policy does the waiting: a fixed interval (backoff coefficient 1),
// and a ScheduleToCloseTimeout after which the workflow gives up. Between
// polls nothing runs and nothing is held; each poll costs one retry in the
// history. Use it for polls minutes apart.
//
// Frequent polling (ExportStatementFrequent): one long activity polls in a
// loop, heartbeating after each check so that a stuck or lost worker is
// noticed within the heartbeat timeout, and stopping as soon as it is
// canceled. The history records the activity once, however many checks it
// makes. Use it for polls seconds apart.
package polling

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflows and activities run.
const TaskQueue = "statement-exports"

// The error types of the poll: not ready yet (retried), or the provider
// gave up on the job (not retried).
const (
	ErrTypeNotReady     = "ExportNotReady"
	ErrTypeExportFailed = "ExportFailed"
)

// Defaults of ExportRequest.
const (
	DefaultPollEvery   = 5 * time.Minute
	DefaultGiveUpAfter = 24 * time.Hour
)

// ExportRequest is the input of both workflows.
type ExportRequest struct {
	Account string
	Month   string // for example "2026-02"
	// PollEvery is the time between two checks (default DefaultPollEvery).
	PollEvery time.Duration
	// GiveUpAfter bounds the wait for the export (default DefaultGiveUpAfter).
	GiveUpAfter time.Duration
}

func (r ExportRequest) pollEvery() time.Duration {
	if r.PollEvery > 0 {
		return r.PollEvery
	}
	return DefaultPollEvery
}

func (r ExportRequest) giveUpAfter() time.Duration {
	if r.GiveUpAfter > 0 {
		return r.GiveUpAfter
	}
	return DefaultGiveUpAfter
}

// Statement is where a finished export can be downloaded.
type Statement struct {
	JobID string
	URL   string
}

// ExportStatement starts an export and polls for it through the retry
// policy of FetchExport.
func ExportStatement(ctx workflow.Context, req ExportRequest) (Statement, error) {
	jobID, err := startExport(ctx, req)
	if err != nil {
		return Statement{}, err
	}
	pollCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Second,
		ScheduleToCloseTimeout: req.giveUpAfter(),
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        req.pollEvery(),
			BackoffCoefficient:     1, // poll at a steady pace
			MaximumInterval:        req.pollEvery(),
			NonRetryableErrorTypes: []string{ErrTypeExportFailed},
		},
	})
	var a *Activities
	var st Statement
	err = workflow.ExecuteActivity(pollCtx, a.FetchExport, jobID).Get(ctx, &st)
	return st, err
}

// ExportStatementFrequent starts an export and waits for it in one
// activity that polls in a loop.
func ExportStatementFrequent(ctx workflow.Context, req ExportRequest) (Statement, error) {
	jobID, err := startExport(ctx, req)
	if err != nil {
		return Statement{}, err
	}
	waitCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: req.giveUpAfter(),
		// A few missed checks in a row mean the poller is gone: run it
		// again elsewhere rather than wait for the StartToCloseTimeout.
		HeartbeatTimeout: 3*req.pollEvery() + 10*time.Second,
		RetryPolicy:      &temporal.RetryPolicy{NonRetryableErrorTypes: []string{ErrTypeExportFailed}},
	})
	var a *Activities
	var st Statement
	err = workflow.ExecuteActivity(waitCtx, a.WaitForExport, jobID, req.pollEvery()).Get(ctx, &st)
	return st, err
}

func startExport(ctx workflow.Context, req ExportRequest) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	var a *Activities
	var jobID string
	err := workflow.ExecuteActivity(ctx, a.StartExport, req.Account, req.Month).Get(ctx, &jobID)
	return jobID, err
}

// Activities talk to the statement provider.
type Activities struct {
	Provider *Provider
}

// StartExport asks the provider to prepare the statement and returns the
// export's job ID.
func (a *Activities) StartExport(_ context.Context, account, month string) (string, error) {
	return a.Provider.Start(account, month), nil
}

// FetchExport checks the job once: it returns the statement if the export
// is done and a retryable ErrTypeNotReady error if not.
func (a *Activities) FetchExport(_ context.Context, jobID string) (Statement, error) {
	url, done, err := a.Provider.Status(jobID)
	switch {
	case err != nil:
		return Statement{}, err
	case !done:
		return Statement{}, temporal.NewApplicationError("export "+jobID+" is not ready yet", ErrTypeNotReady)
	}
	return Statement{JobID: jobID, URL: url}, nil
}

// WaitForExport checks the job every interval until it is done, and
// heartbeats the number of checks after each one.
func (a *Activities) WaitForExport(ctx context.Context, jobID string, every time.Duration) (Statement, error) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for checks := 1; ; checks++ {
		url, done, err := a.Provider.Status(jobID)
		if err != nil {
			return Statement{}, err
		}
		if done {
			return Statement{JobID: jobID, URL: url}, nil
		}
		activity.RecordHeartbeat(ctx, checks)
		select {
		case <-ctx.Done():
			return Statement{}, ctx.Err()
		case <-tick.C:
		}
	}
}

// Provider is a fake statement provider: an export is done at its
// readyAfter-th status check, or fails for good then if it was told to.
type Provider struct {
	mu         sync.Mutex
	readyAfter int
	failing    bool
	jobs       map[string]*exportJob
	checks     int // of all jobs
}

type exportJob struct {
	url    string
	checks int
}

// NewProvider returns a provider whose exports are done at their
// readyAfter-th status check.
func NewProvider(readyAfter int) *Provider {
	return &Provider{readyAfter: readyAfter, jobs: map[string]*exportJob{}}
}

// FailExports makes the provider's exports fail when they would be done.
func (p *Provider) FailExports() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failing = true
}

// Start registers an export and returns its job ID.
func (p *Provider) Start(account, month string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := fmt.Sprintf("exp-%d", len(p.jobs)+1)
	p.jobs[id] = &exportJob{url: fmt.Sprintf("https://statements.example/%s/%s.pdf", account, month)}
	return id
}

// Status checks an export: its URL once it is done.
func (p *Provider) Status(jobID string) (url string, done bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	job, ok := p.jobs[jobID]
	if !ok {
		return "", false, temporal.NewNonRetryableApplicationError("no export "+jobID, ErrTypeExportFailed, nil)
	}
	p.checks++
	job.checks++
	switch {
	case job.checks < p.readyAfter:
		return "", false, nil
	case p.failing:
		return "", false, temporal.NewNonRetryableApplicationError("the provider could not build "+jobID, ErrTypeExportFailed, nil)
	}
	return job.url, true, nil
}

// Checks returns how many status checks the provider answered.
func (p *Provider) Checks() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.checks
}

// Register registers the example's workflows and activities on w.
func Register(w worker.Worker, a *Activities) {
	w.RegisterWorkflow(ExportStatement)
	w.RegisterWorkflow(ExportStatementFrequent)
	w.RegisterActivity(a)
}
