package internal

// Mutex is a mutual-exclusion lock for workflow coroutines; NewMutex makes
// one. Workflow code must use it instead of sync.Mutex, which would block
// the whole workflow (coroutines run one at a time, so a goroutine lock
// taken by one coroutine and awaited by another is a deadlock).
type Mutex interface {
	// Lock blocks the calling coroutine until it holds the mutex. It
	// returns ctx.Err() if ctx is canceled while the mutex is held by
	// another; a free mutex is taken even when ctx is already canceled, as
	// in Temporal, so cleanup code with a canceled context can still lock.
	Lock(ctx Context) error
	// TryLock takes the mutex if it is free and reports whether it did,
	// without blocking.
	TryLock(ctx Context) bool
	// Unlock releases the mutex. Unlocking a mutex that is not locked
	// panics (the workflow task fails), as in Temporal. Any coroutine may
	// unlock it, not only the one that locked it.
	Unlock()
	// IsLocked reports whether the mutex is held.
	IsLocked() bool
}

// Semaphore is a weighted counting semaphore for workflow coroutines;
// NewSemaphore makes one with a capacity.
type Semaphore interface {
	// Acquire blocks until n units are free and takes them. It returns
	// ctx.Err() and takes nothing if ctx is canceled first. Asking for more
	// than the capacity blocks until ctx is canceled.
	Acquire(ctx Context, n int64) error
	// TryAcquire takes n units if they are free and reports whether it
	// did, without blocking.
	TryAcquire(ctx Context, n int64) bool
	// Release gives back n units. Releasing more than are held panics.
	Release(n int64)
}

// NewMutex returns an unlocked Mutex.
func NewMutex(ctx Context) Mutex {
	executionOf(ctx, "NewMutex").mustBeInTask("NewMutex")
	return &workflowMutex{}
}

// NewSemaphore returns a Semaphore with n units, all free.
func NewSemaphore(ctx Context, n int64) Semaphore {
	executionOf(ctx, "NewSemaphore").mustBeInTask("NewSemaphore")
	return &workflowSemaphore{capacity: n}
}

// A mutex is a semaphore of one unit. Both are plain fields: coroutines run
// one at a time, and a blocked one is resumed by the dispatcher, in
// coroutine creation order, whenever its condition holds, so which waiter
// wins is decided by the code alone and the same on replay.
type workflowMutex struct{ locked bool }

func (m *workflowMutex) Lock(ctx Context) error {
	co := currentCoroutine(ctx, "Mutex.Lock")
	co.waitUntil("Mutex.Lock", func() bool { return !m.locked || ctx.Err() != nil })
	if m.locked {
		return ctx.Err()
	}
	m.locked = true
	return nil
}

func (m *workflowMutex) TryLock(ctx Context) bool {
	executionOf(ctx, "Mutex.TryLock").mustBeInTask("Mutex.TryLock")
	if m.locked {
		return false
	}
	m.locked = true
	return true
}

func (m *workflowMutex) Unlock() {
	if !m.locked {
		panic("workflow: Mutex.Unlock of an unlocked mutex")
	}
	m.locked = false
}

func (m *workflowMutex) IsLocked() bool { return m.locked }

type workflowSemaphore struct{ capacity, held int64 }

func (s *workflowSemaphore) free(n int64) bool { return s.capacity-s.held >= n }

func (s *workflowSemaphore) Acquire(ctx Context, n int64) error {
	co := currentCoroutine(ctx, "Semaphore.Acquire")
	co.waitUntil("Semaphore.Acquire", func() bool { return s.free(n) || ctx.Err() != nil })
	if !s.free(n) {
		return ctx.Err()
	}
	s.held += n
	return nil
}

func (s *workflowSemaphore) TryAcquire(ctx Context, n int64) bool {
	executionOf(ctx, "Semaphore.TryAcquire").mustBeInTask("Semaphore.TryAcquire")
	if !s.free(n) {
		return false
	}
	s.held += n
	return true
}

func (s *workflowSemaphore) Release(n int64) {
	if n > s.held {
		panic("workflow: Semaphore.Release of more units than are held")
	}
	s.held -= n
}
