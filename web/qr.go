package web

import (
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/gatehouse/gatehouse/views"
)

// qrSVG draws a QR code of text as one SVG path, rendered on the server. An
// inline SVG with fill attributes needs no script, no image request and no
// inline style, so it passes our CSP; one path of merged runs keeps it small.
func qrSVG(text string) (views.QR, error) {
	q, err := qrcode.New(text, qrcode.Medium)
	if err != nil {
		return views.QR{}, err
	}
	bits := q.Bitmap() // includes the 4-module quiet zone scanners need
	var d strings.Builder
	for y, row := range bits {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			d.WriteString("M" + strconv.Itoa(x) + " " + strconv.Itoa(y) + "h" + strconv.Itoa(run) + "v1h-" + strconv.Itoa(run) + "z")
			x += run
		}
	}
	return views.QR{Size: len(bits), Path: d.String()}, nil
}
