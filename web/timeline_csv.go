package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/gatehouse/gatehouse/db"
)

// The CSV export is exactly the filtered list (the same filters, rows and words,
// newest first), streamed as it is read: rows go out in chunks, so memory stays
// flat at a million rows, and each flush moves the connection's write deadline
// on, so the server's WriteTimeout bounds a stalled client, not a long export.

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
	buf := bufio.NewWriterSize(c.Response(), 64<<10)
	w := csv.NewWriter(buf)
	e := &csvExport{s: s, v: v, w: w, flush: func() error {
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		if err := buf.Flush(); err != nil {
			return err
		}
		// Past the server's WriteTimeout for as long as rows keep going out.
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		return rc.Flush()
	}}
	if err := w.Write(csvHeader); err != nil {
		return nil // the client went away
	}
	err = s.db.EachTimelineEvent(ctx, v.zones.filter(v.p), asOf, func(ev db.TimelineEvent) error {
		e.chunk = append(e.chunk, ev)
		if len(e.chunk) == csvChunk {
			return e.write(ctx)
		}
		return nil
	})
	if err == nil {
		err = e.write(ctx)
	}
	if err != nil {
		// The status is sent; the client sees a cut-off file.
		if ctx.Err() == nil {
			s.log.Warn("timeline export failed", slog.Any("err", err))
		}
		return nil
	}
	return nil
}

// csvExport writes chunks of events as CSV records.
type csvExport struct {
	s     *Server
	v     *timelineView
	w     *csv.Writer
	flush func() error
	chunk []db.TimelineEvent
	rec   []string
}

// write names the chunk's codes, writes its records and flushes them out.
func (e *csvExport) write(ctx context.Context) error {
	if err := e.v.loadNames(ctx, e.s.db, e.chunk); err != nil {
		return err
	}
	for _, ev := range e.chunk {
		f := e.v.facts(ev)
		e.rec = append(e.rec[:0], strconv.FormatInt(ev.ID, 10), f.day.String(), f.local.Format("15:04:05"), f.zone,
			ev.OccurredAt.UTC().Format(time.RFC3339), cell(f.lock), cell(f.words), ev.Kind, ev.Method, cell(f.who), cell(f.code), f.anomaly)
		if err := e.w.Write(e.rec); err != nil {
			return err
		}
	}
	e.chunk = e.chunk[:0]
	return e.flush()
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
