package internal

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// RegisterWorkflowOptions configures RegisterWorkflowWithOptions.
type RegisterWorkflowOptions struct {
	// Name registers the workflow under this name instead of its function name.
	Name string
	// DisableAlreadyRegisteredCheck allows replacing an earlier registration.
	DisableAlreadyRegisteredCheck bool
}

// RegisterActivityOptions configures RegisterActivityWithOptions.
type RegisterActivityOptions struct {
	// Name registers a function under this name; for a struct it prefixes
	// every method name.
	Name string
	// DisableAlreadyRegisteredCheck allows replacing an earlier registration.
	DisableAlreadyRegisteredCheck bool
	// SkipInvalidStructFunctions skips struct methods that are not valid
	// activities instead of panicking.
	SkipInvalidStructFunctions bool
}

// Registry maps workflow and activity type names to their implementations.
// Registration mistakes panic: they are programming errors found at start-up.
type Registry struct {
	mu         sync.RWMutex
	workflows  map[string]any
	activities map[string]any
	// workflowNames and activityNames remember registeredName's answers by
	// function code pointer, since workflows ask for every call and finding
	// a function's name is slow. Registering clears them.
	workflowNames map[uintptr]string
	activityNames map[uintptr]string
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{workflows: map[string]any{}, activities: map[string]any{},
		workflowNames: map[uintptr]string{}, activityNames: map[uintptr]string{}}
}

// RegisterWorkflow registers a workflow function under its function name.
func (r *Registry) RegisterWorkflow(fn any) {
	r.RegisterWorkflowWithOptions(fn, RegisterWorkflowOptions{})
}

// RegisterWorkflowWithOptions registers a workflow function.
func (r *Registry) RegisterWorkflowWithOptions(fn any, opts RegisterWorkflowOptions) {
	if err := validateWorkflowFunc(fn); err != nil {
		panic(err)
	}
	name := opts.Name
	if name == "" {
		name = FunctionName(fn)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.workflows[name]; dup && !opts.DisableAlreadyRegisteredCheck {
		panic(fmt.Sprintf("workflow type %q is already registered", name))
	}
	r.workflows[name] = fn
	r.forgetNames()
}

// RegisterActivity registers an activity function, or every exported method
// of a struct pointer, under its name.
func (r *Registry) RegisterActivity(a any) {
	r.RegisterActivityWithOptions(a, RegisterActivityOptions{})
}

// RegisterActivityWithOptions registers activities.
func (r *Registry) RegisterActivityWithOptions(a any, opts RegisterActivityOptions) {
	v := reflect.ValueOf(a)
	if v.Kind() == reflect.Func {
		if err := validateActivityFunc(v.Type()); err != nil {
			panic(fmt.Sprintf("activity %s: %v", FunctionName(a), err))
		}
		name := opts.Name
		if name == "" {
			name = FunctionName(a)
		}
		r.addActivity(name, a, opts.DisableAlreadyRegisteredCheck)
		return
	}
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("activity must be a function or a pointer to a struct, got %T", a))
	}
	registered := 0
	for i := range v.NumMethod() {
		method := v.Type().Method(i)
		if !method.IsExported() {
			continue
		}
		if err := validateActivityFunc(v.Method(i).Type()); err != nil {
			if opts.SkipInvalidStructFunctions {
				continue
			}
			panic(fmt.Sprintf("method %s of %T is not a valid activity: %v", method.Name, a, err))
		}
		r.addActivity(opts.Name+method.Name, v.Method(i).Interface(), opts.DisableAlreadyRegisteredCheck)
		registered++
	}
	if registered == 0 {
		panic(fmt.Sprintf("%T has no exported methods that are activities", a))
	}
}

func (r *Registry) addActivity(name string, fn any, replace bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.activities[name]; dup && !replace {
		panic(fmt.Sprintf("activity type %q is already registered", name))
	}
	r.activities[name] = fn
	r.forgetNames()
}

// forgetNames clears the names registeredName found, which a registration
// may change. The caller holds r.mu for writing.
func (r *Registry) forgetNames() {
	clear(r.workflowNames)
	clear(r.activityNames)
}

// activityNameOf returns the name activity function fn is registered
// under (RegisterActivityWithOptions may have given it another name than
// its function name), or its function name if it is not registered.
func (r *Registry) activityNameOf(fn any) string {
	return r.nameOf(fn, r.activities, r.activityNames)
}

// workflowNameOf is activityNameOf for a workflow function.
func (r *Registry) workflowNameOf(fn any) string {
	return r.nameOf(fn, r.workflows, r.workflowNames)
}

// nameOf returns registeredName(fn, registered), from cache if it was
// found before.
func (r *Registry) nameOf(fn any, registered map[string]any, cache map[uintptr]string) string {
	pc := reflect.ValueOf(fn).Pointer()
	r.mu.RLock()
	name, ok := cache[pc]
	r.mu.RUnlock()
	if ok {
		return name
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	name = registeredName(fn, registered)
	cache[pc] = name
	return name
}

// registeredName returns the name fn is registered under in registered, or
// its function name. Functions are compared by code pointer, which is all
// the answer depends on besides the registrations. The caller holds the
// registry's lock.
func registeredName(fn any, registered map[string]any) string {
	name := FunctionName(fn)
	pc := reflect.ValueOf(fn).Pointer()
	if same, ok := registered[name]; ok && reflect.ValueOf(same).Pointer() == pc {
		return name
	}
	for _, other := range sortedKeys(registered) {
		if reflect.ValueOf(registered[other]).Pointer() == pc {
			return other
		}
	}
	return name
}

// Workflow returns the workflow function registered under name.
func (r *Registry) Workflow(name string) (any, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	fn, ok := r.workflows[name]
	return fn, ok
}

// Activity returns the activity function registered under name.
func (r *Registry) Activity(name string) (any, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	fn, ok := r.activities[name]
	return fn, ok
}

// WorkflowTypes returns the registered workflow names, sorted.
func (r *Registry) WorkflowTypes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return sortedKeys(r.workflows)
}

// ActivityTypes returns the registered activity names, sorted.
func (r *Registry) ActivityTypes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return sortedKeys(r.activities)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// internalPkgPath is this package's import path, where the workflow
// Context interface is declared.
var internalPkgPath = reflect.TypeFor[Registry]().PkgPath()

// isWorkflowContext reports whether t is the workflow Context interface.
// It goes by name so that registration does not depend on how the runtime
// declares Context.
func isWorkflowContext(t reflect.Type) bool {
	return t.Kind() == reflect.Interface && t.Name() == "Context" && t.PkgPath() == internalPkgPath
}

func validateWorkflowFunc(fn any) error {
	t := reflect.TypeOf(fn)
	if t == nil || t.Kind() != reflect.Func {
		return fmt.Errorf("workflow must be a function, got %T", fn)
	}
	if t.NumIn() == 0 || !isWorkflowContext(t.In(0)) {
		return fmt.Errorf("workflow function %s must take workflow.Context as its first parameter", FunctionName(fn))
	}
	if err := validateResults(t); err != nil {
		return fmt.Errorf("workflow function %s: %w", FunctionName(fn), err)
	}
	return nil
}

// validateActivityFunc checks an activity's signature: an optional
// context.Context first, fixed parameters, and `error` or `(T, error)`
// results.
func validateActivityFunc(t reflect.Type) error {
	if t.NumIn() > 0 && isWorkflowContext(t.In(0)) {
		return errors.New("takes workflow.Context; activities take context.Context")
	}
	if t.IsVariadic() {
		return errors.New("is variadic; take a slice instead")
	}
	return validateResults(t)
}

// validateResults checks the shape `error` or `(T, error)`.
func validateResults(t reflect.Type) error {
	errType := reflect.TypeFor[error]()
	switch {
	case t.NumOut() == 1 && t.Out(0) == errType:
		return nil
	case t.NumOut() == 2 && t.Out(1) == errType:
		return nil
	}
	return fmt.Errorf("must return error or (result, error), returns %s", resultsString(t))
}

func resultsString(t reflect.Type) string {
	out := make([]string, t.NumOut())
	for i := range out {
		out[i] = t.Out(i).String()
	}
	return "(" + strings.Join(out, ", ") + ")"
}

// FunctionName returns the type name of a workflow or activity: the string
// itself if fn is a string, otherwise the function's name without its
// package path (and, for a method value, without the receiver), which is
// the name it is registered under by default.
func FunctionName(fn any) string {
	if s, ok := fn.(string); ok {
		return s
	}
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func {
		return ""
	}
	name := runtime.FuncForPC(v.Pointer()).Name()
	name = strings.TrimSuffix(name, "-fm")
	// A generic function's name ends in "[...]", which holds dots.
	name = strings.TrimSuffix(name, "[...]")
	return name[strings.LastIndex(name, ".")+1:]
}

// UnknownTypeError names a workflow or activity type nobody registered.
type UnknownTypeError struct {
	Kind  string // "workflow" or "activity"
	Name  string
	Known []string
}

func (e *UnknownTypeError) Error() string {
	return fmt.Sprintf("unknown %s type %q (registered: %s)", e.Kind, e.Name, strings.Join(e.Known, ", "))
}
