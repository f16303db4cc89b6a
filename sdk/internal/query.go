package internal

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/grainflow/grainflow/internal/lazymap"
	"github.com/grainflow/grainflow/journal/journalpb"
)

// QueryTypeStackTrace is the built-in query that returns the stacks of the
// workflow's coroutines, to see where a workflow is blocked.
const QueryTypeStackTrace = "__stack_trace"

// QueryHandlerOptions configure SetQueryHandlerWithOptions.
type QueryHandlerOptions struct {
	// Description says what the query returns, for people.
	Description string
}

type queryHandler struct {
	ctx Context
	fn  reflect.Value
}

// SetQueryHandler registers handler for queries of type queryType. handler
// is a function that returns a result and an error; its parameters (after
// an optional leading workflow Context) receive the query's arguments.
// Handlers run on the workflow's current state between workflow tasks: they
// must not block or change the workflow (no activities, timers, sleeps or
// channel operations that wait).
func SetQueryHandler(ctx Context, queryType string, handler any) error {
	return SetQueryHandlerWithOptions(ctx, queryType, handler, QueryHandlerOptions{})
}

// SetQueryHandlerWithOptions is SetQueryHandler with options.
func SetQueryHandlerWithOptions(ctx Context, queryType string, handler any, options QueryHandlerOptions) error {
	e := executionOf(ctx, "SetQueryHandler")
	if queryType == "" {
		return errors.New("SetQueryHandler: empty query type")
	}
	if strings.HasPrefix(queryType, "__") {
		return fmt.Errorf("SetQueryHandler: query type %q is reserved: names starting with __ are built in", queryType)
	}
	if err := validateQueryHandler(handler); err != nil {
		return fmt.Errorf("SetQueryHandler %q: %w", queryType, err)
	}
	lazymap.Set(&e.queryHandlers, queryType, &queryHandler{ctx: ctx, fn: reflect.ValueOf(handler)})
	return nil
}

func validateQueryHandler(handler any) error {
	if handler == nil {
		return errors.New("handler is nil")
	}
	t := reflect.TypeOf(handler)
	if t.Kind() != reflect.Func {
		return fmt.Errorf("handler must be a function, got %T", handler)
	}
	if t.NumOut() != 2 || t.Out(1) != errorType {
		return fmt.Errorf("handler must return (result, error), got %v", t)
	}
	return nil
}

// call decodes args into the handler's parameters, runs it and encodes its
// result.
func (h *queryHandler) call(args *journalpb.Payloads, dc DataConverter) (*journalpb.Payloads, error) {
	t := h.fn.Type()
	var in []reflect.Value
	first := 0
	if t.NumIn() > 0 && t.In(0) == contextType {
		in = append(in, reflect.ValueOf(h.ctx))
		first = 1
	}
	values, err := decodeArgs(t, first, args, dc)
	if err != nil {
		return nil, err
	}
	call := h.fn.Call
	if t.IsVariadic() {
		call = h.fn.CallSlice
	}
	out := call(append(in, values...))
	if err, _ := out[1].Interface().(error); err != nil {
		return nil, err
	}
	return dc.ToPayloads(out[0].Interface())
}

// decodeArgs decodes payloads into values for the parameters of fnType from
// index first on. Missing trailing arguments get zero values; extra ones
// are an error.
func decodeArgs(fnType reflect.Type, first int, payloads *journalpb.Payloads, dc DataConverter) ([]reflect.Value, error) {
	n := fnType.NumIn() - first
	if got := len(payloads.GetPayloads()); got > n {
		return nil, fmt.Errorf("takes %d arguments, got %d", n, got)
	}
	values := make([]reflect.Value, n)
	ptrs := make([]any, n)
	for i := range n {
		v := reflect.New(fnType.In(first + i))
		values[i] = v.Elem()
		ptrs[i] = v.Interface()
	}
	if len(payloads.GetPayloads()) > 0 {
		if err := dc.FromPayloads(payloads, ptrs...); err != nil {
			return nil, fmt.Errorf("decoding arguments: %w", err)
		}
	}
	return values, nil
}

// knownQueryTypes lists the query types the workflow answers, sorted.
func (e *Execution) knownQueryTypes() []string {
	types := []string{QueryTypeStackTrace}
	for t := range e.queryHandlers {
		types = append(types, t)
	}
	slices.Sort(types)
	return types
}
