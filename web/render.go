package web

import (
	"bytes"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// render writes a component with a status. It renders into a buffer first so that
// a failing component still becomes a clean 500 instead of half a page. The
// buffers are reused: growing a fresh one for every page was a tenth of a
// timeline page's CPU.
func render(c echo.Context, status int, comp templ.Component) error {
	buf := pagePool.Get().(*bytes.Buffer)
	defer putPage(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	// With its length known, net/http sends the page in one piece instead of
	// chunked: a page over 4 KB (the timeline) took several writes.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes()) // written before it returns
}

var pagePool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 32<<10)) }}

func putPage(buf *bytes.Buffer) {
	if buf.Cap() > 1<<20 { // a rare huge page is not kept
		return
	}
	buf.Reset()
	pagePool.Put(buf)
}

// redirect sends the browser elsewhere after a change: HX-Redirect for htmx, a
// 303 See Other for plain forms so the next request is a GET.
func redirect(c echo.Context, to string) error {
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", to)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, to)
}
