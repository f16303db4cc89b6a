// Package mocks holds testify mocks of the client's interfaces, as
// go.temporal.io/sdk/mocks does, for unit tests of code that takes a
// client.Client (a starter, an HTTP handler) without a node:
//
//	c := &mocks.Client{}
//	c.On("SignalWorkflow", mock.Anything, "order-1", "", "approve", mock.Anything).Return(nil)
//
// The mocks are generated with mockery; run go generate in this directory
// after an interface changes (the assertions below fail to compile until
// then).
package mocks

//go:generate go run github.com/vektra/mockery/v2@v2.53.7 --dir ../client --name ^(Client|WorkflowRun|HistoryEventIterator|ScheduleClient|ScheduleHandle|ScheduleListIterator|WorkflowUpdateHandle|WithStartWorkflowOperation)$ --output . --outpkg mocks --case underscore --disable-version-string

import "github.com/grainflow/grainflow/sdk/client"

var (
	_ client.Client                     = (*Client)(nil)
	_ client.WorkflowRun                = (*WorkflowRun)(nil)
	_ client.HistoryEventIterator       = (*HistoryEventIterator)(nil)
	_ client.ScheduleClient             = (*ScheduleClient)(nil)
	_ client.ScheduleHandle             = (*ScheduleHandle)(nil)
	_ client.ScheduleListIterator       = (*ScheduleListIterator)(nil)
	_ client.WorkflowUpdateHandle       = (*WorkflowUpdateHandle)(nil)
	_ client.WithStartWorkflowOperation = (*WithStartWorkflowOperation)(nil)
)
