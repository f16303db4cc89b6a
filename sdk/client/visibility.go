package client

import (
	"context"
	"errors"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
	"github.com/grainflow/grainflow/sdk/converter"
	"github.com/grainflow/grainflow/sdk/internal"
	"github.com/grainflow/grainflow/sdk/temporal"
)

// ListWorkflowExecutionsRequest asks ListWorkflow for a page of runs. It
// has the fields of Temporal's workflowservice request of the same name.
type ListWorkflowExecutionsRequest struct {
	// Namespace defaults to the client's.
	Namespace string
	// PageSize bounds the runs of one page (default 1,000).
	PageSize int32
	// NextPageToken continues from the previous response's token.
	NextPageToken []byte
	// Query is the filter, in Temporal's list-filter language; empty lists
	// every run.
	Query string
}

// ListWorkflowExecutionsResponse is one page of runs.
type ListWorkflowExecutionsResponse struct {
	Executions []*WorkflowExecutionInfo
	// NextPageToken is nil on the last page.
	NextPageToken []byte
}

// CountWorkflowExecutionsRequest asks CountWorkflow how many runs a query
// selects.
type CountWorkflowExecutionsRequest struct {
	Namespace string
	Query     string
}

// CountWorkflowExecutionsResponse is CountWorkflow's answer.
type CountWorkflowExecutionsResponse struct {
	Count int64
}

// WorkflowExecutionInfo describes one run found by ListWorkflow.
type WorkflowExecutionInfo struct {
	Execution     internal.WorkflowExecution
	Type          internal.WorkflowType
	TaskQueue     string
	Status        journalpb.WorkflowStatus
	StartTime     time.Time
	ExecutionTime time.Time
	// CloseTime is zero while the run is open.
	CloseTime     time.Time
	HistoryLength int64
	// Memo holds the run's memo fields; decode one with DecodeMemo.
	Memo map[string]*journalpb.Payload
	// SearchAttributes are the run's current indexed attributes.
	SearchAttributes temporal.SearchAttributes

	dc converter.DataConverter
}

// DecodeMemo decodes the memo field key into valuePtr; it reports false
// when the run has no such field.
func (info *WorkflowExecutionInfo) DecodeMemo(key string, valuePtr any) (bool, error) {
	p, ok := info.Memo[key]
	if !ok {
		return false, nil
	}
	return true, info.dc.FromPayload(p, valuePtr)
}

func (c *embeddedClient) ListWorkflow(ctx context.Context, request *ListWorkflowExecutionsRequest) (*ListWorkflowExecutionsResponse, error) {
	if request == nil {
		return nil, errors.New("client: ListWorkflow: nil request")
	}
	ns := request.Namespace
	if ns == "" {
		ns = c.opts.Namespace
	}
	runs, next, err := c.engine.QueryRuns(ctx, ns, request.Query, int(request.PageSize), request.NextPageToken)
	if err != nil {
		return nil, err
	}
	resp := &ListWorkflowExecutionsResponse{NextPageToken: next}
	for _, m := range runs {
		info := &WorkflowExecutionInfo{
			Execution:        internal.WorkflowExecution{ID: m.GetWorkflowId(), RunID: m.GetRunId()},
			Type:             internal.WorkflowType{Name: m.GetWorkflowType()},
			TaskQueue:        m.GetTaskQueue(),
			Status:           m.GetStatus(),
			StartTime:        m.GetStartTime().AsTime(),
			ExecutionTime:    m.GetStartTime().AsTime(),
			HistoryLength:    m.GetNextEventId() - 1,
			Memo:             m.GetMemo(),
			SearchAttributes: internal.DecodeSearchAttributes(m.GetSearchAttributes()),
			dc:               c.opts.DataConverter,
		}
		if m.GetExecutionTime() != nil {
			info.ExecutionTime = m.GetExecutionTime().AsTime()
		}
		if m.GetCloseTime() != nil {
			info.CloseTime = m.GetCloseTime().AsTime()
		}
		resp.Executions = append(resp.Executions, info)
	}
	return resp, nil
}

func (c *embeddedClient) CountWorkflow(ctx context.Context, request *CountWorkflowExecutionsRequest) (*CountWorkflowExecutionsResponse, error) {
	if request == nil {
		return nil, errors.New("client: CountWorkflow: nil request")
	}
	ns := request.Namespace
	if ns == "" {
		ns = c.opts.Namespace
	}
	n, err := c.engine.CountRuns(ctx, ns, request.Query)
	if err != nil {
		return nil, err
	}
	return &CountWorkflowExecutionsResponse{Count: n}, nil
}
