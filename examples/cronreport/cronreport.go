// Package cronreport shows a workflow meant to run on a cron schedule that
// builds on its previous run: each run reads the result the last
// successful run completed with (workflow.GetLastCompletionResult) and
// reports the change since then.
//
// The example is a daily sign-up report: every run counts the sign-ups of
// a product so far, publishes how many are new since the previous report,
// and returns its report, which the next run reads. The very first run has
// nothing to compare with and says so. A run that fails does not replace
// the last result, so the run after it compares with the last good report.
//
// Start it with StartWorkflowOptions.CronSchedule (for example Schedule,
// every morning at seven). Use this pattern for recurring jobs that need a
// little state from one run to the next: a cursor, a total, a timestamp.
// The state travels with the schedule, so no database is needed for it.
package cronreport

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the example's workflow and activities run.
const TaskQueue = "cron-reports"

// Schedule is the cron schedule the report is meant to run on: 07:00 every
// day.
const Schedule = "0 7 * * *"

// Report is the workflow's result, and what the next run starts from.
type Report struct {
	Product string
	At      time.Time // when the run counted
	Total   int64     // sign-ups so far
	// New is the number of sign-ups since Since, the previous report's
	// time. Both are zero in the first report, which has Baseline set.
	New      int64
	Since    time.Time
	Baseline bool
}

// SignupReport counts a product's sign-ups and publishes the change since
// the previous run's report.
func SignupReport(ctx workflow.Context, product string) (Report, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		// A report that cannot be made within a few minutes fails; the
		// next scheduled run compares with the last good one.
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Second, MaximumAttempts: 5},
	})

	var previous Report
	hasPrevious := workflow.HasLastCompletionResult(ctx)
	if hasPrevious {
		if err := workflow.GetLastCompletionResult(ctx, &previous); err != nil {
			return Report{}, err
		}
	}

	var a *Activities
	report := Report{Product: product, At: workflow.Now(ctx), Baseline: !hasPrevious}
	if err := workflow.ExecuteActivity(ctx, a.CountSignups, product).Get(ctx, &report.Total); err != nil {
		return Report{}, err
	}
	if hasPrevious {
		report.New, report.Since = report.Total-previous.Total, previous.At
	}
	if err := workflow.ExecuteActivity(ctx, a.PublishReport, report).Get(ctx, nil); err != nil {
		return Report{}, err
	}
	return report, nil
}

// Activities reads sign-up counts and publishes reports; both ends are
// in-memory fakes.
type Activities struct {
	mu        sync.Mutex
	signups   map[string]int64
	published []string
}

// NewActivities returns activities with no sign-ups yet.
func NewActivities() *Activities { return &Activities{signups: map[string]int64{}} }

// AddSignups records n more sign-ups for product.
func (a *Activities) AddSignups(product string, n int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.signups[product] += n
}

// CountSignups returns the product's sign-ups so far.
func (a *Activities) CountSignups(_ context.Context, product string) (int64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.signups[product], nil
}

// PublishReport posts the report to the team's channel.
func (a *Activities) PublishReport(_ context.Context, r Report) error {
	line := fmt.Sprintf("%s: %d sign-ups", r.Product, r.Total)
	if !r.Baseline {
		line += fmt.Sprintf(", %+d since the last report", r.New)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.published = append(a.published, line)
	return nil
}

// Published returns the lines published so far.
func (a *Activities) Published() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.published...)
}

// Register registers the example's workflow and activities on w.
func Register(w worker.Worker, a *Activities) {
	w.RegisterWorkflow(SignupReport)
	w.RegisterActivity(a.CountSignups)
	w.RegisterActivity(a.PublishReport)
}
