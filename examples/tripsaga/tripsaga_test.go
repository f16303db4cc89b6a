package tripsaga_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/examples/tripsaga"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
)

var (
	g       *tripsaga.Agency
	trip    = tripsaga.Trip{ID: "T1", Traveler: "noor", Destination: "Reykjavik", Nights: 4}
	soldOut = temporal.NewNonRetryableApplicationError("no car left", tripsaga.ErrTypeSoldOut, nil)
)

type tripSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env   *testsuite.TestWorkflowEnvironment
	start time.Time
	// calls are the activity types in the order they started (listeners
	// run one at a time on the test's goroutine, even when the
	// compensations run in parallel).
	calls []string
}

func TestTripSuite(t *testing.T) { suite.Run(t, new(tripSuite)) }

func (s *tripSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.start = time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	s.env.SetStartTime(s.start)
	s.calls = nil
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		s.calls = append(s.calls, info.ActivityType.Name)
	})
}

func (s *tripSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

// bookings mocks the three bookings; car is the car's outcome.
func (s *tripSuite) bookings(t tripsaga.Trip, carErr error) {
	s.env.OnActivity(g.BookFlight, mock.Anything, t).Return("FL-1", nil).Once()
	s.env.OnActivity(g.BookHotel, mock.Anything, t).Return("HO-1", nil).Once()
	car := ""
	if carErr == nil {
		car = "CA-1"
	}
	s.env.OnActivity(g.BookCar, mock.Anything, t).Return(car, carErr).Once()
}

func (s *tripSuite) TestEverythingBooked() {
	s.bookings(trip, nil)
	s.env.OnActivity(g.CancelFlight, mock.Anything, mock.Anything).Return(nil).Never()
	s.env.OnActivity(g.CancelHotel, mock.Anything, mock.Anything).Return(nil).Never()

	s.env.ExecuteWorkflow(tripsaga.BookTrip, trip)

	s.True(s.env.IsWorkflowCompleted())
	var it tripsaga.Itinerary
	s.NoError(s.env.GetWorkflowResult(&it))
	s.Equal(tripsaga.Itinerary{Flight: "FL-1", Hotel: "HO-1", Car: "CA-1"}, it)
}

func (s *tripSuite) TestCarFailureCancelsHotelThenFlight() {
	s.bookings(trip, soldOut)
	s.env.OnActivity(g.CancelHotel, mock.Anything, "HO-1").Return(nil).Once()
	s.env.OnActivity(g.CancelFlight, mock.Anything, "FL-1").Return(nil).Once()

	s.env.ExecuteWorkflow(tripsaga.BookTrip, trip)

	s.True(s.env.IsWorkflowCompleted())
	err := s.env.GetWorkflowError()
	s.ErrorContains(err, "earlier bookings canceled")
	var tripErr *temporal.ApplicationError
	s.Require().ErrorAs(err, &tripErr)
	s.Equal(tripsaga.ErrTypeNotBooked, tripErr.Type())
	// The cause is the car's failure.
	var carErr *temporal.ActivityError
	s.Require().ErrorAs(err, &carErr)
	var soldOutErr *temporal.ApplicationError
	s.Require().ErrorAs(carErr, &soldOutErr)
	s.Equal(tripsaga.ErrTypeSoldOut, soldOutErr.Type())
	s.Equal([]string{"BookFlight", "BookHotel", "BookCar", "CancelHotel", "CancelFlight"}, s.calls)
}

func (s *tripSuite) TestHotelFailureCancelsOnlyTheFlight() {
	s.env.OnActivity(g.BookFlight, mock.Anything, trip).Return("FL-1", nil).Once()
	s.env.OnActivity(g.BookHotel, mock.Anything, trip).Return("", soldOut).Once()
	s.env.OnActivity(g.CancelFlight, mock.Anything, "FL-1").Return(nil).Once()

	s.env.ExecuteWorkflow(tripsaga.BookTrip, trip)

	s.Error(s.env.GetWorkflowError())
	s.Equal([]string{"BookFlight", "BookHotel", "CancelFlight"}, s.calls)
}

func (s *tripSuite) TestCompensationsRunOneAfterTheOther() {
	s.bookings(trip, soldOut)
	// Each cancellation takes an hour; in sequence they take two.
	s.env.OnActivity(g.CancelHotel, mock.Anything, "HO-1").Return(nil).After(time.Hour).Once()
	s.env.OnActivity(g.CancelFlight, mock.Anything, "FL-1").Return(nil).After(time.Hour).Once()

	s.env.ExecuteWorkflow(tripsaga.BookTrip, trip)

	s.Error(s.env.GetWorkflowError())
	s.Equal(s.start.Add(2*time.Hour), s.env.Now())
}

func (s *tripSuite) TestParallelCompensation() {
	parallel := trip
	parallel.CompensateInParallel = true
	s.bookings(parallel, soldOut)
	s.env.OnActivity(g.CancelHotel, mock.Anything, "HO-1").Return(nil).After(time.Hour).Once()
	s.env.OnActivity(g.CancelFlight, mock.Anything, "FL-1").Return(nil).After(time.Hour).Once()

	s.env.ExecuteWorkflow(tripsaga.BookTrip, parallel)

	s.ErrorContains(s.env.GetWorkflowError(), "earlier bookings canceled")
	s.Equal(s.start.Add(time.Hour), s.env.Now(), "both cancellations overlap")
	s.ElementsMatch([]string{"CancelHotel", "CancelFlight"}, s.calls[3:])
}

func (s *tripSuite) TestAFailedCompensationIsReportedAndTheOthersStillRun() {
	s.bookings(trip, soldOut)
	s.env.OnActivity(g.CancelHotel, mock.Anything, "HO-1").Return(errors.New("hotel API down")).Times(10)
	s.env.OnActivity(g.CancelFlight, mock.Anything, "FL-1").Return(nil).Once()

	s.env.ExecuteWorkflow(tripsaga.BookTrip, trip)

	err := s.env.GetWorkflowError()
	s.ErrorContains(err, "could not be canceled")
	s.ErrorContains(err, "hotel API down")
	s.Equal("CancelFlight", s.calls[len(s.calls)-1], "the flight is canceled after the hotel gave up")
}

func TestBookingsOnANode(t *testing.T) {
	agency := tripsaga.NewAgency()
	agency.SellOut("car", "Reykjavik")
	c := testnode.Start(t, tripsaga.TaskQueue, func(w worker.Worker) { tripsaga.Register(w, agency) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	book := func(tr tripsaga.Trip) (tripsaga.Itinerary, error) {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "trip-" + tr.ID, TaskQueue: tripsaga.TaskQueue}, tripsaga.BookTrip, tr)
		require.NoError(t, err)
		var it tripsaga.Itinerary
		err = run.Get(ctx, &it)
		return it, err
	}

	it, err := book(tripsaga.Trip{ID: "ok", Destination: "Lisbon", Nights: 3})
	require.NoError(t, err)
	require.Equal(t, tripsaga.Itinerary{Flight: "flight-ok", Hotel: "hotel-ok", Car: "car-ok"}, it)

	_, err = book(tripsaga.Trip{ID: "ice", Destination: "Reykjavik", Nights: 4})
	var wfErr *temporal.WorkflowExecutionError
	require.ErrorAs(t, err, &wfErr)
	require.ErrorContains(t, err, "no car available in Reykjavik")

	_, err = book(tripsaga.Trip{ID: "ice2", Destination: "Reykjavik", Nights: 2, CompensateInParallel: true})
	require.ErrorContains(t, err, "earlier bookings canceled")

	require.Equal(t, []string{
		"book flight-ok", "book hotel-ok", "book car-ok",
		"book flight-ice", "book hotel-ice", "cancel hotel-ice", "cancel flight-ice",
		"book flight-ice2", "book hotel-ice2",
	}, agency.Log()[:9])
	require.ElementsMatch(t, []string{"cancel hotel-ice2", "cancel flight-ice2"}, agency.Log()[9:])
	require.Equal(t, 3, agency.Active(), "only the Lisbon trip holds bookings")
}
