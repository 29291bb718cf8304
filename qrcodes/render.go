package qrcodes

import (
	"bytes"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"
	"strings"

	"rsc.io/qr"
)

// quietZone is the white margin, in modules, that scanners need.
const quietZone = 4

func encode(url string) (*qr.Code, error) {
	// Level M survives a scuffed label and keeps the code small.
	c, err := qr.Encode(url, qr.M)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	return c, nil
}

// PNG draws the code for url, scale pixels per module, with its quiet zone.
func PNG(url string, scale int) ([]byte, error) {
	c, err := encode(url)
	if err != nil {
		return nil, err
	}
	side := (c.Size + 2*quietZone) * scale
	img := image.NewGray(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if !c.Black(x, y) {
				continue
			}
			for dy := 0; dy < scale; dy++ {
				for dx := 0; dx < scale; dx++ {
					img.SetGray((x+quietZone)*scale+dx, (y+quietZone)*scale+dy, color.Gray{})
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// SVG draws the code for url as one path, in module units, so that it
// prints sharp at any size.
func SVG(url string) (string, error) {
	c, err := encode(url)
	if err != nil {
		return "", err
	}
	side := c.Size + 2*quietZone
	var path strings.Builder
	for y := 0; y < c.Size; y++ {
		for x := 0; x < c.Size; x++ {
			if c.Black(x, y) {
				fmt.Fprintf(&path, "M%d %dh1v1h-1z", x+quietZone, y+quietZone)
			}
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path d="%s" fill="#000"/></svg>`, side, side, side, side, path.String()), nil
}

// Label is one label of a sheet.
type Label struct {
	Place string // the place's name
	Code  string // its code in the tree
	URL   string
}

// Sheet is a printable A4 page of labels (3 × 7), for a community or zone.
type Sheet struct {
	Street string
	Title  string // the community or zone
	Labels []Label
}

type renderedLabel struct {
	Label
	SVG template.HTML
}

var sheetTemplate = template.Must(template.New("sheet").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{.Street}} {{.Title}} 二维码标签</title>
<style>
@page { size: A4; margin: 10mm 7mm; }
* { box-sizing: border-box; }
body { margin: 0; font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", sans-serif; }
header { font-size: 12pt; margin: 0 0 4mm; }
@media print { header { display: none; } }
.sheet { display: grid; grid-template-columns: repeat(3, 65mm); grid-auto-rows: 39mm; gap: 1mm 2mm; }
.label { border: 0.2mm dashed #999; display: flex; align-items: center; gap: 2mm; padding: 2mm; break-inside: avoid; }
.label svg { width: 32mm; height: 32mm; flex: none; }
.label .text { font-size: 8.5pt; line-height: 1.35; overflow: hidden; }
.label .place { font-weight: 700; font-size: 10pt; }
.label .code { font-family: monospace; font-size: 7pt; color: #444; overflow-wrap: anywhere; }
</style></head>
<body><header>{{.Street}} · {{.Title}} · {{len .Labels}} 个二维码（打印：A4，实际大小）</header>
<div class="sheet">{{range .Labels}}<div class="label">{{.SVG}}<div class="text"><div>{{$.Street}}</div><div class="place">{{.Place}}</div><div class="code">{{.Code}}</div><div>扫码反映问题 · 码上办</div></div></div>{{end}}</div>
</body></html>
`))

// HTML renders the sheet.
func (s Sheet) HTML() ([]byte, error) {
	labels := make([]renderedLabel, len(s.Labels))
	for i, l := range s.Labels {
		svg, err := SVG(l.URL)
		if err != nil {
			return nil, err
		}
		labels[i] = renderedLabel{Label: l, SVG: template.HTML(svg)} // our own markup, from the encoder
	}
	var buf bytes.Buffer
	err := sheetTemplate.Execute(&buf, struct {
		Street, Title string
		Labels        []renderedLabel
	}{s.Street, s.Title, labels})
	if err != nil {
		return nil, fmt.Errorf("render label sheet: %w", err)
	}
	return buf.Bytes(), nil
}
