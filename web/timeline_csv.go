package web

import (
	"bufio"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
)

// The CSV export is exactly the filtered list (the same filters, rows and words,
// newest first), streamed as it is read: rows go out in chunks, so memory stays
// flat at a million rows, and each flush moves the connection's write deadline
// on, so the server's WriteTimeout bounds a stalled client, not a long export.
//
// Reading the rows (SQLite) and writing them (words and CSV) run side by side,
// a chunk apart: one goroutine reads the next chunk while this one writes the
// last. A row is written straight into a reused buffer, its dates and times
// from per-lock caches of the day and the zone's offset, with encoding/csv's
// quoting: no allocation per field.

// csvChunk is how many events are named and written at a time.
const csvChunk = 1000

// csvHeader names the export's columns.
var csvHeader = []string{"event_id", "date", "time", "time_zone", "utc", "lock", "event", "kind", "method", "who", "code", "anomaly"}

// timelineCSV is /timeline.csv: the filtered list as CSV, newest first.
func (s *Server) timelineCSV(c echo.Context) error {
	ctx := c.Request().Context()
	v, _, _, err := s.timelineRequest(c)
	if err != nil {
		return err
	}
	asOf, err := s.db.NewestEventID(ctx)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="gatehouse-timeline-`+v.now.UTC().Format("2006-01-02")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)

	rc := http.NewResponseController(c.Response())
	out := bufio.NewWriterSize(c.Response(), 64<<10)
	e := &csvExport{s: s, v: v, out: out, locks: map[int64]*csvLock{}, flush: func() error {
		if err := out.Flush(); err != nil {
			return err
		}
		// Past the server's WriteTimeout for as long as rows keep going out.
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		return rc.Flush()
	}}
	e.buf = e.record(e.buf[:0], csvHeader...)
	if _, err := out.Write(e.buf); err != nil {
		return nil // the client went away
	}
	if err := e.run(ctx, v.zones.filter(v.p), asOf); err != nil {
		// The status is sent; the client sees a cut-off file.
		if ctx.Err() == nil {
			s.log.Warn("timeline export failed", slog.Any("err", err))
		}
	}
	return nil
}

// csvExport writes chunks of events as CSV records.
type csvExport struct {
	s     *Server
	v     *timelineView
	out   *bufio.Writer
	flush func() error
	buf   []byte
	locks map[int64]*csvLock
	utc   csvDay // the UTC day of the last row
}

// run reads the events of f in one goroutine and writes them in this one, at
// most three chunks in memory: one being read, one waiting, one being written.
func (e *csvExport) run(ctx context.Context, f db.TimelineFilter, asOf int64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan []db.TimelineEvent, 1)
	free := make(chan []db.TimelineEvent, 3)
	for range 3 {
		free <- make([]db.TimelineEvent, 0, csvChunk)
	}
	read := make(chan error, 1)
	go func() {
		defer close(full)
		chunk := <-free
		send := func() error {
			select {
			case full <- chunk:
			case <-ctx.Done():
				return ctx.Err()
			}
			chunk = <-free // never waits long: the writer hands every chunk back
			return nil
		}
		err := e.s.db.EachTimelineEvent(ctx, f, asOf, func(ev db.TimelineEvent) error {
			if chunk = append(chunk, ev); len(chunk) == csvChunk {
				return send()
			}
			return nil
		})
		if err == nil && len(chunk) > 0 {
			err = send()
		}
		read <- err
	}()
	var werr error
	for chunk := range full {
		if werr == nil {
			if werr = e.write(ctx, chunk); werr != nil {
				cancel() // the reader stops at its next row
			}
		}
		free <- chunk[:0]
	}
	if rerr := <-read; werr == nil {
		return rerr
	}
	return werr
}

// write names the chunk's codes, writes its records and flushes them out.
func (e *csvExport) write(ctx context.Context, chunk []db.TimelineEvent) error {
	if err := e.v.loadNames(ctx, e.s.db, chunk); err != nil {
		return err
	}
	for _, ev := range chunk {
		e.buf = e.row(e.buf[:0], ev)
		if _, err := e.out.Write(e.buf); err != nil {
			return err
		}
	}
	return e.flush()
}

// row appends an event's record: what facts and row say of it in the list. The
// words and names are said's; the date and time are facts' local time, from the
// lock's cached offset and day.
func (e *csvExport) row(b []byte, ev db.TimelineEvent) []byte {
	f := e.v.said(ev)
	l := e.lock(f)
	at := ev.OccurredAt.Unix()
	local := l.local(at)

	b = strconv.AppendInt(b, ev.ID, 10)
	b = append(b, ',')
	b = append(b, l.day.at(local)...)
	b = append(b, ',')
	b = appendClock(b, local)
	b = append(b, ',')
	b = appendField(b, f.zone)
	b = append(b, ',')
	b = append(b, e.utc.at(at)...)
	b = append(b, 'T')
	b = appendClock(b, at)
	b = append(b, 'Z', ',')
	b = append(b, l.name...) // already a field
	b = append(b, ',')
	b = appendField(b, cell(f.words))
	b = append(b, ',')
	b = appendField(b, string(ev.Kind))
	b = append(b, ',')
	b = appendField(b, string(ev.Method))
	b = append(b, ',')
	b = appendField(b, cell(f.who))
	b = append(b, ',')
	b = appendField(b, cell(f.code))
	b = append(b, ',')
	b = appendField(b, f.anomaly)
	return append(b, '\n')
}

// record appends a record of fields.
func (e *csvExport) record(b []byte, fields ...string) []byte {
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendField(b, f)
	}
	return append(b, '\n')
}

// csvLock is what the rows of one lock share: its name as a field, its zone's
// offset over the span it holds, and the local day of the last row.
type csvLock struct {
	loc      *time.Location
	name     string // facts' lock name as a CSV field, defused
	from, to int64  // the offset holds for unix times in [from, to)
	offset   int64
	day      csvDay
}

// lock is the lock of an event's facts, set up at its first row.
func (e *csvExport) lock(f timelineFacts) *csvLock {
	if l, ok := e.locks[f.e.LockID]; ok {
		return l
	}
	l := &csvLock{loc: e.v.zones.of(f.e.LockID), name: string(appendField(nil, cell(f.lock))), from: 1, to: 0}
	e.locks[f.e.LockID] = l
	return l
}

// local is unix time at as seconds since 1970-01-01 00:00 local time.
func (l *csvLock) local(at int64) int64 {
	if at < l.from || at >= l.to {
		t := time.Unix(at, 0).In(l.loc)
		_, off := t.Zone()
		start, end := t.ZoneBounds()
		l.offset, l.from, l.to = int64(off), -1<<62, 1<<62
		if !start.IsZero() {
			l.from = start.Unix()
		}
		if !end.IsZero() {
			l.to = end.Unix()
		}
	}
	return at + l.offset
}

// csvDay formats the day of seconds since the epoch (local or UTC), once per day.
type csvDay struct {
	n    int64
	text string
}

func (d *csvDay) at(secs int64) string {
	n := floorDiv(secs, 86400)
	if d.text == "" || n != d.n {
		d.n, d.text = n, time.Unix(n*86400, 0).UTC().Format(domain.DateLayout)
	}
	return d.text
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// appendClock appends the time of day of seconds since the epoch, "15:04:05".
func appendClock(b []byte, secs int64) []byte {
	s := secs - floorDiv(secs, 86400)*86400
	h, m, sec := s/3600, s/60%60, s%60
	return append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+sec/10), byte('0'+sec%10))
}

// appendField appends a field as encoding/csv's Writer writes it (comma, no
// CRLF): quoted when it holds a comma, a quote, a line break, starts with a
// space or is `\.`, with quotes doubled.
func appendField(b []byte, f string) []byte {
	if !csvNeedsQuotes(f) {
		return append(b, f...)
	}
	b = append(b, '"')
	for i := 0; i < len(f); i++ {
		if f[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, f[i])
	}
	return append(b, '"')
}

func csvNeedsQuotes(f string) bool {
	if f == "" {
		return false
	}
	if f == `\.` {
		return true
	}
	for i := 0; i < len(f); i++ {
		switch f[i] {
		case '\n', '\r', '"', ',':
			return true
		}
	}
	r, _ := utf8.DecodeRuneInString(f)
	return unicode.IsSpace(r)
}

// cell defuses text that a spreadsheet would run as a formula: names are the
// owner's, but a guest's name may have come from someone else.
func cell(s string) string {
	if s != "" {
		switch s[0] {
		case '=', '+', '-', '@', '\t', '\r':
			return "'" + s
		}
	}
	return s
}
