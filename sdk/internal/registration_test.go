package internal

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

func regWorkflow(ctx Context) error                                  { return nil }
func regWorkflowWithArgs(ctx Context, id string, n int) (int, error) { return 0, nil }
func regActivity(ctx context.Context, n int) (string, error)         { return "", nil }
func regActivityNoContext(n int) error                               { return nil }
func regGenericActivity[T any](v T) error                            { return nil }

type regPayments struct{ charged int }

func (p *regPayments) Charge(ctx context.Context, cents int) (string, error) {
	p.charged += cents
	return "", nil
}
func (p *regPayments) Refund(cents int) error { return nil }
func (p *regPayments) Helper() int            { return 0 }

type regOnlyHelpers struct{}

func (regOnlyHelpers) Helper() int { return 0 }

// mustPanicWith runs f and fails unless it panics with a message holding want.
func mustPanicWith(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		p := recover()
		if p == nil || !strings.Contains(fmt.Sprint(p), want) {
			t.Errorf("panic %v, want one mentioning %q", p, want)
		}
	}()
	f()
}

func samePointer(a, b any) bool { return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer() }

func TestRegisterWorkflow(t *testing.T) {
	r := NewRegistry()
	r.RegisterWorkflow(regWorkflow)
	r.RegisterWorkflow(regWorkflowWithArgs)
	r.RegisterWorkflowWithOptions(regWorkflow, RegisterWorkflowOptions{Name: "Custom"})
	if got := r.WorkflowTypes(); !slices.Equal(got, []string{"Custom", "regWorkflow", "regWorkflowWithArgs"}) {
		t.Fatalf("WorkflowTypes = %v", got)
	}
	if fn, ok := r.Workflow("Custom"); !ok || !samePointer(fn, regWorkflow) {
		t.Errorf("Workflow(Custom) = %v, %v", fn, ok)
	}
	if _, ok := r.Workflow("regActivity"); ok {
		t.Error("an unregistered workflow type was found")
	}

	invalid := []struct {
		name string
		fn   any
		want string
	}{
		{"nil", nil, "workflow must be a function, got <nil>"},
		{"not a function", "regWorkflow", "workflow must be a function, got string"},
		{"no parameters", func() error { return nil }, "must take workflow.Context as its first parameter"},
		{"context.Context first", func(context.Context) error { return nil }, "must take workflow.Context"},
		{"Context not first", func(int, Context) error { return nil }, "must take workflow.Context"},
		{"no results", func(Context) {}, "must return error or (result, error), returns ()"},
		{"no error", func(Context) int { return 0 }, "returns (int)"},
		{"error first", func(Context) (error, int) { return nil, 0 }, "returns (error, int)"},
		{"three results", func(Context) (int, int, error) { return 0, 0, nil }, "returns (int, int, error)"},
	}
	for _, c := range invalid {
		t.Run(c.name, func(t *testing.T) {
			mustPanicWith(t, c.want, func() { NewRegistry().RegisterWorkflow(c.fn) })
		})
	}

	mustPanicWith(t, `workflow type "regWorkflow" is already registered`, func() { r.RegisterWorkflow(regWorkflow) })
	replacement := func(ctx Context) error { return nil }
	r.RegisterWorkflowWithOptions(replacement, RegisterWorkflowOptions{Name: "regWorkflow", DisableAlreadyRegisteredCheck: true})
	if fn, _ := r.Workflow("regWorkflow"); !samePointer(fn, replacement) {
		t.Error("DisableAlreadyRegisteredCheck did not replace the workflow")
	}
}

func TestRegisterActivity(t *testing.T) {
	r := NewRegistry()
	r.RegisterActivity(regActivity)
	r.RegisterActivity(regActivityNoContext)
	r.RegisterActivityWithOptions(regActivity, RegisterActivityOptions{Name: "Renamed"})
	if got := r.ActivityTypes(); !slices.Equal(got, []string{"Renamed", "regActivity", "regActivityNoContext"}) {
		t.Fatalf("ActivityTypes = %v", got)
	}
	if fn, ok := r.Activity("Renamed"); !ok || !samePointer(fn, regActivity) {
		t.Errorf("Activity(Renamed) = %v, %v", fn, ok)
	}

	invalid := []struct {
		name string
		a    any
		want string
	}{
		{"nil", nil, "activity must be a function or a pointer to a struct, got <nil>"},
		{"an int", 3, "got int"},
		{"a struct value", regPayments{}, "got internal.regPayments"},
		{"no results", func() {}, "returns ()"},
		{"no error", func(context.Context) int { return 0 }, "must return error or (result, error)"},
		{"workflow Context", func(Context) error { return nil }, "activities take context.Context"},
		{"variadic", func(ctx context.Context, ids ...string) error { return nil }, "is variadic"},
	}
	for _, c := range invalid {
		t.Run(c.name, func(t *testing.T) {
			mustPanicWith(t, c.want, func() { NewRegistry().RegisterActivity(c.a) })
		})
	}

	mustPanicWith(t, `activity type "regActivity" is already registered`, func() { r.RegisterActivity(regActivity) })
	replacement := func() error { return nil }
	r.RegisterActivityWithOptions(replacement, RegisterActivityOptions{Name: "regActivity", DisableAlreadyRegisteredCheck: true})
	if fn, _ := r.Activity("regActivity"); !samePointer(fn, replacement) {
		t.Error("DisableAlreadyRegisteredCheck did not replace the activity")
	}
}

func TestRegisterActivityStruct(t *testing.T) {
	t.Run("exported methods under the prefix", func(t *testing.T) {
		r := NewRegistry()
		p := &regPayments{}
		r.RegisterActivityWithOptions(p, RegisterActivityOptions{Name: "Payments.", SkipInvalidStructFunctions: true})
		if got := r.ActivityTypes(); !slices.Equal(got, []string{"Payments.Charge", "Payments.Refund"}) {
			t.Fatalf("ActivityTypes = %v", got)
		}
		// The registered function is bound to the registered instance.
		fn, _ := r.Activity("Payments.Charge")
		charge, ok := fn.(func(context.Context, int) (string, error))
		if !ok {
			t.Fatalf("Payments.Charge registered as %T", fn)
		}
		if _, err := charge(context.Background(), 5); err != nil || p.charged != 5 {
			t.Error("the registered method is not bound to the registered struct")
		}
	})
	t.Run("without a prefix", func(t *testing.T) {
		r := NewRegistry()
		r.RegisterActivityWithOptions(&regPayments{}, RegisterActivityOptions{SkipInvalidStructFunctions: true})
		if got := r.ActivityTypes(); !slices.Equal(got, []string{"Charge", "Refund"}) {
			t.Fatalf("ActivityTypes = %v", got)
		}
	})
	t.Run("an invalid method panics naming it", func(t *testing.T) {
		mustPanicWith(t, "method Helper of *internal.regPayments is not a valid activity", func() {
			NewRegistry().RegisterActivity(&regPayments{})
		})
	})
	t.Run("no valid methods", func(t *testing.T) {
		mustPanicWith(t, "has no exported methods that are activities", func() {
			NewRegistry().RegisterActivityWithOptions(&regOnlyHelpers{}, RegisterActivityOptions{SkipInvalidStructFunctions: true})
		})
	})
	t.Run("duplicate method name", func(t *testing.T) {
		r := NewRegistry()
		r.RegisterActivityWithOptions(&regPayments{}, RegisterActivityOptions{SkipInvalidStructFunctions: true})
		mustPanicWith(t, `activity type "Charge" is already registered`, func() {
			r.RegisterActivityWithOptions(&regPayments{}, RegisterActivityOptions{SkipInvalidStructFunctions: true})
		})
	})
}

func TestFunctionName(t *testing.T) {
	closure := func() error { return nil }
	cases := []struct {
		fn   any
		want string
	}{
		{"GivenName", "GivenName"},
		{regActivity, "regActivity"},
		{(&regPayments{}).Charge, "Charge"},
		{(*regPayments).Refund, "Refund"},
		{regGenericActivity[int], "regGenericActivity"},
		{closure, "func1"},
		{42, ""},
	}
	for _, c := range cases {
		if got := FunctionName(c.fn); got != c.want {
			t.Errorf("FunctionName(%T) = %q, want %q", c.fn, got, c.want)
		}
	}
}

func TestRegistryIsSafeForConcurrentUse(t *testing.T) {
	r := NewRegistry()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			r.RegisterActivityWithOptions(regActivity, RegisterActivityOptions{Name: fmt.Sprint("a", i)})
			for range 100 {
				r.Activity("a0")
				r.ActivityTypes()
			}
		})
	}
	wg.Wait()
	if got := len(r.ActivityTypes()); got != 4 {
		t.Errorf("%d activities registered, want 4", got)
	}
}

func TestUnknownTypeError(t *testing.T) {
	err := &UnknownTypeError{Kind: "activity", Name: "Nope", Known: []string{"A", "B"}}
	if want := `unknown activity type "Nope" (registered: A, B)`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
}

func TestRegisteredNamesFollowRegistrations(t *testing.T) {
	r := NewRegistry()
	if got := r.activityNameOf(regActivityNoContext); got != "regActivityNoContext" {
		t.Errorf("unregistered activity: name %q", got)
	}
	r.RegisterActivityWithOptions(regActivityNoContext, RegisterActivityOptions{Name: "Plain"})
	if got := r.activityNameOf(regActivityNoContext); got != "Plain" {
		t.Errorf("after registering it as Plain: name %q", got)
	}
	if got := r.workflowNameOf(regWorkflow); got != "regWorkflow" {
		t.Errorf("unregistered workflow: name %q", got)
	}
	r.RegisterWorkflowWithOptions(regWorkflow, RegisterWorkflowOptions{Name: "Flow"})
	if got := r.workflowNameOf(regWorkflow); got != "Flow" {
		t.Errorf("after registering it as Flow: name %q", got)
	}
	if got := r.activityNameOf(regActivityNoContext); got != "Plain" {
		t.Errorf("after a workflow registration: activity name %q", got)
	}
}
