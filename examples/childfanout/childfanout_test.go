package childfanout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"

	"github.com/grainflow/grainflow/examples/childfanout"
	"github.com/grainflow/grainflow/examples/internal/testnode"
	"github.com/grainflow/grainflow/sdk/activity"
	"github.com/grainflow/grainflow/sdk/client"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/testsuite"
	"github.com/grainflow/grainflow/sdk/worker"
)

// The test environment's workflow ID, which names the chunks.
const importID = "default-test-workflow-id"

var c *childfanout.Catalog

type importSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env *testsuite.TestWorkflowEnvironment
}

func TestImportSuite(t *testing.T) { suite.Run(t, new(importSuite)) }

func (s *importSuite) SetupTest() { s.env = s.NewTestWorkflowEnvironment() }

func (s *importSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func (s *importSuite) summary() childfanout.Summary {
	s.True(s.env.IsWorkflowCompleted())
	var got childfanout.Summary
	s.NoError(s.env.GetWorkflowResult(&got))
	return got
}

func (s *importSuite) TestMockedChildrenOneFails() {
	s.env.OnWorkflow(childfanout.ImportChunk, mock.Anything, []string{"SKU-1", "SKU-2"}).
		Return(childfanout.ChunkResult{Imported: 2}, nil).Once()
	s.env.OnWorkflow(childfanout.ImportChunk, mock.Anything, []string{"SKU-3", "SKU-4"}).
		Return(childfanout.ChunkResult{}, errors.New("shard down")).Once()
	s.env.OnWorkflow(childfanout.ImportChunk, mock.Anything, []string{"oops"}).
		Return(childfanout.ChunkResult{Rejected: []string{"oops"}}, nil).Once()

	s.env.ExecuteWorkflow(childfanout.ImportCatalog, childfanout.Import{SKUs: []string{"SKU-1", "SKU-2", "SKU-3", "SKU-4", "oops"}, ChunkSize: 2})

	s.Equal(childfanout.Summary{Imported: 2, Rejected: []string{"oops"}, FailedChunks: []string{importID + "-chunk-2"}}, s.summary())
	s.env.AssertWorkflowNumberOfCalls(s.T(), "ImportChunk", 3)
}

func (s *importSuite) TestChildrenRunInParallel() {
	for _, chunk := range [][]string{{"SKU-1"}, {"SKU-2"}, {"SKU-3"}} {
		s.env.OnWorkflow(childfanout.ImportChunk, mock.Anything, chunk).Return(childfanout.ChunkResult{Imported: 1}, nil).After(time.Hour).Once()
	}
	start := s.env.Now()

	s.env.ExecuteWorkflow(childfanout.ImportCatalog, childfanout.Import{SKUs: []string{"SKU-1", "SKU-2", "SKU-3"}, ChunkSize: 1})

	s.Equal(3, s.summary().Imported)
	s.Equal(start.Add(time.Hour), s.env.Now(), "three one-hour chunks in one hour")
}

func (s *importSuite) TestRealChildrenWithMockedActivities() {
	s.env.RegisterWorkflow(childfanout.ImportChunk)
	s.env.OnActivity(c.ImportProduct, mock.Anything, "SKU-1").Return(nil).Once()
	s.env.OnActivity(c.ImportProduct, mock.Anything, "bad").
		Return(temporal.NewNonRetryableApplicationError("malformed", childfanout.ErrTypeInvalidProduct, nil)).Once()
	s.env.OnActivity(c.ImportProduct, mock.Anything, "SKU-2").Return(nil).Once()
	// SKU-3's shard is down: three attempts, then chunk 2 fails.
	s.env.OnActivity(c.ImportProduct, mock.Anything, "SKU-3").Return(errors.New("shard down")).Times(3)

	s.env.ExecuteWorkflow(childfanout.ImportCatalog, childfanout.Import{SKUs: []string{"SKU-1", "bad", "SKU-2", "SKU-3"}, ChunkSize: 3})

	s.Equal(childfanout.Summary{Imported: 2, Rejected: []string{"bad"}, FailedChunks: []string{importID + "-chunk-2"}}, s.summary())
}

func (s *importSuite) TestCancelingTheImportCancelsIt() {
	s.env.RegisterWorkflow(childfanout.ImportChunk)
	s.env.OnActivity(c.ImportProduct, mock.Anything, mock.Anything).Return(nil).After(time.Hour)
	s.env.RegisterDelayedCallback(s.env.CancelWorkflow, 30*time.Minute)
	activitiesCanceled := 0
	s.env.SetOnActivityCanceledListener(func(*activity.Info) { activitiesCanceled++ })

	s.env.ExecuteWorkflow(childfanout.ImportCatalog, childfanout.Import{SKUs: []string{"SKU-1", "SKU-2"}, ChunkSize: 1})

	s.True(s.env.IsWorkflowCompleted())
	var canceled *temporal.CanceledError
	s.ErrorAs(s.env.GetWorkflowError(), &canceled)
	s.Equal(2, activitiesCanceled, "each chunk was asked to stop and canceled its import")
}

func TestImportOnANode(t *testing.T) {
	catalog := childfanout.NewCatalog("SKU-7")
	cl := testnode.Start(t, childfanout.TaskQueue, childfanout.Register)
	chunks := worker.New(cl, childfanout.ChunkTaskQueue, worker.Options{})
	childfanout.RegisterChunks(chunks, catalog)
	require.NoError(t, chunks.Start())
	t.Cleanup(chunks.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	skus := []string{"SKU-1", "SKU-2", "x3", "SKU-4", "SKU-5", "SKU-6", "SKU-7", "SKU-8", "SKU-9", "SKU-10"}
	run, err := cl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "import-spring", TaskQueue: childfanout.TaskQueue},
		childfanout.ImportCatalog, childfanout.Import{SKUs: skus, ChunkSize: 4})
	require.NoError(t, err)
	var got childfanout.Summary
	require.NoError(t, run.Get(ctx, &got))
	// Chunk 2 (SKU-5..SKU-8) fails at SKU-7 after retrying it: SKU-5 and
	// SKU-6 are stored, SKU-8 never tried.
	require.Equal(t, childfanout.Summary{Imported: 5, Rejected: []string{"x3"}, FailedChunks: []string{"import-spring-chunk-2"}}, got)
	require.Equal(t, 7, catalog.Products())

	// Each chunk is a workflow of its own that can be looked at.
	var chunk1 childfanout.ChunkResult
	require.NoError(t, cl.GetWorkflow(ctx, "import-spring-chunk-1", "").Get(ctx, &chunk1))
	require.Equal(t, childfanout.ChunkResult{Imported: 3, Rejected: []string{"x3"}}, chunk1)
}
