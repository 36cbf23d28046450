package main

import (
	"bufio"
	"bytes"
	"io"
	"regexp"
	"sync"
)

// syncBuffer is a bytes.Buffer safe for a server goroutine writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// logWatch is a log writer that keeps every line and sends the first submatch of
// re on found as soon as a line matches: the test waits on the event itself,
// not on a timer. found is closed without a value if the log ends first.
// Close returns once every line written before it is kept.
type logWatch struct {
	syncBuffer
	pw    *io.PipeWriter
	found chan string
	done  chan struct{} // closed when every line is kept
}

func newLogWatch(re *regexp.Regexp) *logWatch {
	pr, pw := io.Pipe()
	w := &logWatch{pw: pw, found: make(chan string, 1), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		sent := false
		sc := bufio.NewScanner(pr)
		sc.Buffer(nil, 1<<20) // a long line is kept too: the secret scan reads them all
		for sc.Scan() {
			w.syncBuffer.Write(append(sc.Bytes(), '\n'))
			if m := re.FindSubmatch(sc.Bytes()); m != nil && !sent {
				w.found <- string(m[1])
				sent = true
			}
		}
		if !sent {
			close(w.found)
		}
		io.Copy(io.Discard, pr)
	}()
	return w
}

func (w *logWatch) Write(p []byte) (int, error) { return w.pw.Write(p) }

func (w *logWatch) Close() error {
	err := w.pw.Close()
	<-w.done
	return err
}
