package journal

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/grainflow/grainflow/journal/journalpb"
)

// walBytes is how many bytes of records Pebble has written to its WAL:
// the batches' keys, values and headers, the volume that flushes and
// compactions then rewrite.
func walBytes(db *DB) float64 { return float64(db.pebble.Metrics().WAL.BytesIn) }

// BenchmarkAppendSingle measures one appender: every append waits for its own fsync.
func BenchmarkAppendSingle(b *testing.B) {
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r := run("bench")
	ctx := context.Background()
	if err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}}); err != nil {
		b.Fatal(err)
	}
	wal := walBytes(db)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(int64(i)+2, "s")}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	b.ReportMetric((walBytes(db)-wal)/float64(b.N), "WAL-B/op")
}

// BenchmarkAppendParallel measures 64 appenders on distinct workflows, whose
// appends are group-committed into shared fsyncs.
func BenchmarkAppendParallel(b *testing.B) {
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var next atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS(2) = 64 appenders
	wal := walBytes(db)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := run(fmt.Sprintf("wf-%d", next.Add(1)))
		ctx := context.Background()
		if err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}}); err != nil {
			b.Error(err)
			return
		}
		for id := int64(2); pb.Next(); id++ {
			if err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(id, "s")}}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "appends/s")
	b.ReportMetric((walBytes(db)-wal)/float64(b.N), "WAL-B/op")
}

// BenchmarkAppendRunLife measures the appends of whole runs, shaped like
// the seq3 scenario's: a start, two appends in the middle and a close, of
// three events each, from 64 appenders. One op is one run.
func BenchmarkAppendRunLife(b *testing.B) {
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	events := []*journalpb.Event{started(1)}
	for id := int64(2); id < 12; id++ {
		events = append(events, signaled(id, "s"))
	}
	events = append(events, completed(12))
	wake := true
	var next atomic.Int64
	b.SetParallelism(32) // 32 × GOMAXPROCS(2) = 64 appenders
	wal := walBytes(db)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		ctx := context.Background()
		for pb.Next() {
			r := run(fmt.Sprintf("wf-%d", next.Add(1)))
			reqs := []*AppendRequest{
				{Run: r, Events: events[0:3], Wake: &wake},
				{Run: r, Events: events[3:6]},
				{Run: r, Events: events[6:9]},
				{Run: r, Events: events[9:12], Status: journalpb.WorkflowStatus_WORKFLOW_STATUS_COMPLETED},
			}
			for _, req := range reqs {
				if err := db.Append(ctx, req); err != nil {
					b.Error(err)
					return
				}
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "runs/s")
	b.ReportMetric((walBytes(db)-wal)/float64(b.N), "WAL-B/op")
}

// BenchmarkRun measures Run, the read behind Current, List and ListRuns,
// of a run of 20 events written by 20 appends and flushed to an sstable.
func BenchmarkRun(b *testing.B) {
	db, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	r := run("bench")
	ctx := context.Background()
	if err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{started(1)}}); err != nil {
		b.Fatal(err)
	}
	for id := int64(2); id <= 20; id++ {
		if err := db.Append(ctx, &AppendRequest{Run: r, Events: []*journalpb.Event{signaled(id, "s")}}); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.pebble.Flush(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		meta, err := db.Run(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		if meta.GetNextEventId() != 21 {
			b.Fatalf("next event ID %d, want 21", meta.GetNextEventId())
		}
	}
}
