package pickfirst_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/examples/pickfirst"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
)

var (
	parcel  = pickfirst.Parcel{From: "Lyon", To: "Ghent", WeightGrams: 2300}
	request = pickfirst.QuoteRequest{Parcel: parcel, Carriers: []string{"parcelpost", "swiftship", "bluebird"}}
)

type quoteSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env      *testsuite.TestWorkflowEnvironment
	start    time.Time
	canceled int
}

func TestQuoteSuite(t *testing.T) { suite.Run(t, new(quoteSuite)) }

func (s *quoteSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.start = time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	s.env.SetStartTime(s.start)
	s.canceled = 0
	s.env.SetOnActivityCanceledListener(func(*activity.Info) { s.canceled++ })
}

func (s *quoteSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

// carrier mocks one carrier's answer, which arrives after latency on the
// virtual clock.
func (s *quoteSuite) carrier(name string, latency time.Duration, q pickfirst.Quote, err error) {
	var c *pickfirst.Carriers
	s.env.OnActivity(c.RequestQuote, mock.Anything, name, parcel).Return(q, err).After(latency).Once()
}

func (s *quoteSuite) TestFirstQuoteWinsAndTheOthersAreCanceled() {
	s.carrier("parcelpost", 3*time.Second, pickfirst.Quote{Carrier: "parcelpost", PriceCents: 900}, nil)
	s.carrier("swiftship", time.Second, pickfirst.Quote{Carrier: "swiftship", PriceCents: 1500}, nil)
	s.carrier("bluebird", 2*time.Second, pickfirst.Quote{Carrier: "bluebird", PriceCents: 1100}, nil)

	s.env.ExecuteWorkflow(pickfirst.FirstQuote, request)

	s.True(s.env.IsWorkflowCompleted())
	var got pickfirst.Quote
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal(pickfirst.Quote{Carrier: "swiftship", PriceCents: 1500}, got, "the fastest, not the cheapest")
	s.Equal(2, s.canceled)
	s.Equal(s.start.Add(time.Second), s.env.Now(), "the workflow must not wait for the slower carriers")
}

func (s *quoteSuite) TestAFailingCarrierDropsOut() {
	s.carrier("swiftship", time.Second, pickfirst.Quote{}, errors.New("503 from swiftship"))
	s.carrier("bluebird", 2*time.Second, pickfirst.Quote{Carrier: "bluebird", PriceCents: 1100}, nil)
	s.carrier("parcelpost", 3*time.Second, pickfirst.Quote{Carrier: "parcelpost", PriceCents: 900}, nil)

	s.env.ExecuteWorkflow(pickfirst.FirstQuote, request)

	var got pickfirst.Quote
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal("bluebird", got.Carrier)
	s.Equal(1, s.canceled, "only parcelpost was still running")
	s.Equal(s.start.Add(2*time.Second), s.env.Now())
	s.env.AssertActivityNumberOfCalls(s.T(), "RequestQuote", 3) // a failed carrier is not retried
}

func (s *quoteSuite) TestNoQuoteWhenEveryCarrierFails() {
	for i, name := range request.Carriers {
		s.carrier(name, time.Duration(i+1)*time.Second, pickfirst.Quote{}, errors.New(name+" is down"))
	}

	s.env.ExecuteWorkflow(pickfirst.FirstQuote, request)

	var appErr *temporal.ApplicationError
	s.Require().ErrorAs(s.env.GetWorkflowError(), &appErr)
	s.Equal(pickfirst.ErrTypeNoQuote, appErr.Type())
	s.ErrorContains(appErr, "bluebird is down")
	s.Equal(0, s.canceled)
}

func (s *quoteSuite) TestCancelingTheWorkflowCancelsEveryRequest() {
	for _, name := range request.Carriers {
		s.carrier(name, time.Minute, pickfirst.Quote{Carrier: name}, nil)
	}
	s.env.RegisterDelayedCallback(s.env.CancelWorkflow, 10*time.Second)

	s.env.ExecuteWorkflow(pickfirst.FirstQuote, request)

	var canceled *temporal.CanceledError
	s.ErrorAs(s.env.GetWorkflowError(), &canceled)
	s.Equal(3, s.canceled)
}

func (s *quoteSuite) TestRealRequestsSeeTheirCancellation() {
	carriers := pickfirst.NewCarriers(time.Millisecond)
	carriers.Add("parcelpost", time.Hour, 300)
	carriers.Add("swiftship", 5*time.Millisecond, 500)
	carriers.Add("bluebird", time.Hour, 400)
	s.env.RegisterActivity(carriers.RequestQuote)
	var beats atomic.Int32
	s.env.SetOnActivityHeartbeatListener(func(*activity.Info, converter.EncodedValues) { beats.Add(1) })

	s.env.ExecuteWorkflow(pickfirst.FirstQuote, request)

	var got pickfirst.Quote
	s.NoError(s.env.GetWorkflowResult(&got))
	s.Equal(pickfirst.Quote{Carrier: "swiftship", PriceCents: 1500}, got, "2.3 kg are three started kilograms")
	s.ElementsMatch([]string{"parcelpost", "bluebird"}, carriers.Canceled())
	s.Positive(beats.Load())
}

func TestFirstQuoteOnANode(t *testing.T) {
	carriers := pickfirst.NewCarriers(5 * time.Millisecond)
	carriers.Add("parcelpost", time.Minute, 300)
	carriers.AddDown("swiftship", 10*time.Millisecond)
	carriers.Add("bluebird", 50*time.Millisecond, 400)
	c := testnode.Start(t, pickfirst.TaskQueue, func(w worker.Worker) { pickfirst.Register(w, carriers) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "quote-1", TaskQueue: pickfirst.TaskQueue}, pickfirst.FirstQuote, request)
	require.NoError(t, err)
	var got pickfirst.Quote
	require.NoError(t, run.Get(ctx, &got))
	require.Equal(t, pickfirst.Quote{Carrier: "bluebird", PriceCents: 1200}, got)
	// The workflow waited for the cancellation, so the slow request has
	// stopped by now rather than running on for a minute.
	require.Equal(t, []string{"parcelpost"}, carriers.Canceled())
}
