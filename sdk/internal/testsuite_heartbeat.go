package internal

import (
	"sync"
	"time"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// Heartbeat throttling of the test environments, as in Temporal's worker
// (which its test environments run activities through): an attempt's first
// heartbeat is reported at once, and the ones that follow within the
// throttle interval are held back, the latest of them being reported when
// the interval ends.
const (
	// defaultHeartbeatThrottleInterval is the interval of an activity
	// without a heartbeat timeout.
	defaultHeartbeatThrottleInterval = 30 * time.Second
	// maxHeartbeatThrottleInterval caps the interval.
	maxHeartbeatThrottleInterval = 60 * time.Second
)

// heartbeatThrottleInterval is 80% of the heartbeat timeout, or 30 s
// without one, and at most 60 s.
func heartbeatThrottleInterval(heartbeatTimeout time.Duration) time.Duration {
	interval := defaultHeartbeatThrottleInterval
	if heartbeatTimeout > 0 {
		interval = time.Duration(0.8 * float64(heartbeatTimeout))
	}
	return min(interval, maxHeartbeatThrottleInterval)
}

// heartbeatThrottle reports an attempt's heartbeats at most once per
// interval of wall-clock time.
type heartbeatThrottle struct {
	interval time.Duration
	report   func(*journalpb.Payloads)

	mu       sync.Mutex
	batching bool // a heartbeat was reported less than interval ago
	held     *journalpb.Payloads
	hasHeld  bool
	closed   bool
	timer    *time.Timer
}

func newHeartbeatThrottle(interval time.Duration, report func(*journalpb.Payloads)) *heartbeatThrottle {
	return &heartbeatThrottle{interval: interval, report: report}
}

// record reports details, or holds them if a heartbeat was reported less
// than the interval ago.
func (h *heartbeatThrottle) record(details *journalpb.Payloads) {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	if h.batching {
		h.held, h.hasHeld = details, true
		h.mu.Unlock()
		return
	}
	h.batching = true
	h.timer = time.AfterFunc(h.interval, h.intervalEnded)
	h.mu.Unlock()
	h.report(details)
}

// intervalEnded reports the details held during the interval, which opens
// the next interval.
func (h *heartbeatThrottle) intervalEnded() {
	h.mu.Lock()
	h.batching = false
	held, hasHeld := h.held, h.hasHeld
	h.held, h.hasHeld = nil, false
	h.mu.Unlock()
	if hasHeld {
		h.record(held)
	}
}

// close ends the attempt's heartbeats. With flush (the attempt did not
// complete successfully), details still held are reported, as Temporal's
// worker does; otherwise they are dropped.
func (h *heartbeatThrottle) close(flush bool) {
	h.mu.Lock()
	h.closed = true
	if h.timer != nil {
		h.timer.Stop()
	}
	held, report := h.held, flush && h.hasHeld
	h.held, h.hasHeld = nil, false
	h.mu.Unlock()
	if report {
		h.report(held)
	}
}
