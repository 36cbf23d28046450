package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// logBuffer batches the server's log lines: one line per request written
// straight to stderr was one write system call per request, a sixth of the
// guest page's throughput in the load runs. Lines are written at least every
// logFlushEvery, at once for warnings and errors, and when the server stops;
// a SIGKILL can lose the last fraction of a second of request lines.
type logBuffer struct {
	mu     sync.Mutex
	w      *bufio.Writer
	closed bool // after Close, lines go straight out
	stop   chan struct{}
	done   chan struct{}
}

const logFlushEvery = 200 * time.Millisecond

func newLogBuffer(out io.Writer) *logBuffer { return newLogBufferEvery(out, logFlushEvery) }

func newLogBufferEvery(out io.Writer, every time.Duration) *logBuffer {
	b := &logBuffer{w: bufio.NewWriterSize(out, 32<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(b.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				b.Flush()
			case <-b.stop:
				b.Flush()
				return
			}
		}
	}()
	return b
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.w.Write(p)
	if err == nil && b.closed {
		// Background loops can still log while the server returns.
		err = b.w.Flush()
	}
	return n, err
}

// Flush writes what is buffered.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.w.Flush()
}

// Close flushes, stops the background flushes, and makes later lines go
// straight out.
func (b *logBuffer) Close() {
	close(b.stop)
	<-b.done
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
}

// flushOnWarn is a slog handler that flushes the buffer after every record at
// warning level or above, so problems are seen at once.
type flushOnWarn struct {
	slog.Handler
	buf *logBuffer
}

func (h flushOnWarn) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		h.buf.Flush()
	}
	return err
}

func (h flushOnWarn) WithAttrs(attrs []slog.Attr) slog.Handler {
	return flushOnWarn{h.Handler.WithAttrs(attrs), h.buf}
}

func (h flushOnWarn) WithGroup(name string) slog.Handler {
	return flushOnWarn{h.Handler.WithGroup(name), h.buf}
}
