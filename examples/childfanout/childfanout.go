// Package childfanout shows a batch split across child workflows: the
// parent cuts the work into chunks, starts one child workflow per chunk on
// a task queue of its own, waits for all of them, and tells a chunk that
// failed apart from the rest.
//
// The example imports a product catalog. Each chunk of SKUs is imported by
// an ImportChunk child, which gets its own workflow ID (the import's ID and
// the chunk number, so a chunk can be found and re-run on its own) and its
// own history, so the parent's history grows with the number of chunks,
// not of products. A product with bad data is rejected and the chunk goes
// on; a chunk whose storage keeps failing fails as a whole, and the parent
// lists it instead of failing the import. Children run on ChunkTaskQueue,
// so a separate pool of workers, sized for the catalog database, can serve
// them. A canceled import cancels its chunks and ends once they have
// stopped; if it is terminated, the parent close policy asks them to stop.
//
// Use child workflows instead of plain activity fan-out (see fanout) when
// each part is a process of its own, with several steps, retries and state,
// or when the batch is too large for a single history.
package childfanout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/grainflow/grainflow/sdk/enums"
	"github.com/grainflow/grainflow/sdk/temporal"
	"github.com/grainflow/grainflow/sdk/worker"
	"github.com/grainflow/grainflow/sdk/workflow"
)

// TaskQueue is where the parent workflow runs.
const TaskQueue = "catalog-import"

// ChunkTaskQueue is where the children and their activities run.
const ChunkTaskQueue = "catalog-import-chunks"

// ErrTypeInvalidProduct is the error type of a product the catalog
// rejects; it is not retried.
const ErrTypeInvalidProduct = "InvalidProduct"

// DefaultChunkSize is the number of SKUs per child when Import.ChunkSize
// is not positive.
const DefaultChunkSize = 100

// Import is the parent's input.
type Import struct {
	SKUs      []string
	ChunkSize int
}

// ChunkResult is a child's result.
type ChunkResult struct {
	Imported int
	Rejected []string // SKUs with bad data
}

// Summary is the parent's result.
type Summary struct {
	Imported int
	Rejected []string
	// FailedChunks are the workflow IDs of the children that failed; their
	// SKUs were not (all) imported.
	FailedChunks []string
}

// ImportCatalog imports the SKUs in chunks, one child workflow per chunk.
func ImportCatalog(ctx workflow.Context, imp Import) (Summary, error) {
	size := imp.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	importID := workflow.GetInfo(ctx).WorkflowExecution.ID

	var futures []workflow.ChildWorkflowFuture
	for i := 0; i*size < len(imp.SKUs); i++ {
		chunk := imp.SKUs[i*size : min((i+1)*size, len(imp.SKUs))]
		childCtx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:         fmt.Sprintf("%s-chunk-%d", importID, i+1),
			TaskQueue:          ChunkTaskQueue,
			WorkflowRunTimeout: time.Hour,
			ParentClosePolicy:  enums.PARENT_CLOSE_POLICY_REQUEST_CANCEL,
			// When the import is canceled, wait until each chunk has
			// stopped, so nothing is still writing when it reports so.
			WaitForCancellation: true,
		})
		futures = append(futures, workflow.ExecuteChildWorkflow(childCtx, ImportChunk, chunk))
	}

	var summary Summary
	for _, f := range futures {
		var r ChunkResult
		err := f.Get(ctx, &r)
		var childErr *temporal.ChildWorkflowExecutionError
		switch {
		case errors.As(err, &childErr):
			workflow.GetLogger(ctx).Error("chunk failed", "chunk", childErr.WorkflowID(), "error", err)
			summary.FailedChunks = append(summary.FailedChunks, childErr.WorkflowID())
		case err != nil:
			return Summary{}, err
		default:
			summary.Imported += r.Imported
			summary.Rejected = append(summary.Rejected, r.Rejected...)
		}
	}
	if err := ctx.Err(); err != nil {
		return Summary{}, err // canceled; the chunks have all stopped
	}
	return summary, nil
}

// ImportChunk imports its SKUs one by one, rejecting invalid ones.
func ImportChunk(ctx workflow.Context, skus []string) (ChunkResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		// A canceled chunk ends only once its current write has stopped.
		WaitForCancellation: true,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        100 * time.Millisecond,
			MaximumAttempts:        3,
			NonRetryableErrorTypes: []string{ErrTypeInvalidProduct},
		},
	})
	var c *Catalog
	var result ChunkResult
	for _, sku := range skus {
		err := workflow.ExecuteActivity(ctx, c.ImportProduct, sku).Get(ctx, nil)
		var appErr *temporal.ApplicationError
		switch {
		case errors.As(err, &appErr) && appErr.Type() == ErrTypeInvalidProduct:
			result.Rejected = append(result.Rejected, sku)
		case err != nil:
			return ChunkResult{}, fmt.Errorf("import %s: %w", sku, err)
		default:
			result.Imported++
		}
	}
	return result, nil
}

// Catalog is a fake product catalog. SKUs that do not start with "SKU-"
// are invalid; SKUs it was told are unstorable fail on every attempt, as if
// their shard were down.
type Catalog struct {
	mu         sync.Mutex
	unstorable map[string]bool
	products   map[string]bool
}

// NewCatalog returns an empty catalog that fails to store the given SKUs.
func NewCatalog(unstorable ...string) *Catalog {
	c := &Catalog{unstorable: map[string]bool{}, products: map[string]bool{}}
	for _, sku := range unstorable {
		c.unstorable[sku] = true
	}
	return c
}

// ImportProduct is the activity: it stores one product.
func (c *Catalog) ImportProduct(_ context.Context, sku string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !strings.HasPrefix(sku, "SKU-"):
		return temporal.NewNonRetryableApplicationError("malformed SKU "+sku, ErrTypeInvalidProduct, nil)
	case c.unstorable[sku]:
		return errors.New("catalog shard unavailable for " + sku)
	}
	c.products[sku] = true
	return nil
}

// Products returns the number of products stored.
func (c *Catalog) Products() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.products)
}

// Register registers the parent workflow on a worker of TaskQueue.
func Register(w worker.Worker) {
	w.RegisterWorkflow(ImportCatalog)
}

// RegisterChunks registers the child workflow and the catalog's activity
// on a worker of ChunkTaskQueue.
func RegisterChunks(w worker.Worker, c *Catalog) {
	w.RegisterWorkflow(ImportChunk)
	w.RegisterActivity(c.ImportProduct)
}
