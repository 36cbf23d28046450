package views

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// timelineOptions writes a filter's <option>s, the same markup templ would
// write, by hand: an owner with 100 locks gets 100 of them on every timeline
// page, and templ's generated code (an attribute expression resolved per
// option) was a fifth of the page's time.
func timelineOptions(opts []TimelineOption) templ.Component {
	return templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		buf := make([]byte, 0, 48*len(opts))
		for _, o := range opts {
			buf = append(buf, `<option value="`...)
			buf = append(buf, templ.EscapeString(o.Value)...)
			buf = append(buf, '"')
			if o.Selected {
				buf = append(buf, " selected"...)
			}
			buf = append(buf, '>')
			buf = append(buf, templ.EscapeString(o.Label)...)
			buf = append(buf, "</option>"...)
		}
		_, err := w.Write(buf)
		return err
	})
}
