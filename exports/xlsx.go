package exports

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/fengqiao/fengqiao"
)

// excelEpoch is day 0 of Excel's 1900 date system (as Excel counts, with its
// phantom 29 February 1900, valid for every date after March 1900).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelDate is t's Beijing wall-clock time as an Excel date number.
func excelDate(t time.Time) float64 {
	w := t.In(fengqiao.China)
	wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC)
	return wall.Sub(excelEpoch).Hours() / 24
}

// rowsPerSheet is how many rows, the header included, go into one sheet:
// Excel's limit. A longer export continues in "title (2)", and so on.
var rowsPerSheet = excelize.TotalRows

// sheetWriter streams rows into an XLSX file with excelize's StreamWriter:
// a bold, frozen header row, column widths, numbers as numbers and dates as
// date numbers with a date format. Rows past the StreamWriter's in-memory
// threshold go to a temporary file, so memory stays flat whatever the row
// count.
type sheetWriter struct {
	f       *excelize.File
	sw      *excelize.StreamWriter
	title   string
	columns []Column
	styles  map[ColumnType]int
	header  int // the header row's style
	sheets  int
	row     int // the last row written in the current sheet
	cells   []any
}

// newSheetWriter starts a workbook with one sheet named title and writes
// the header row.
func newSheetWriter(title string, columns []Column) (*sheetWriter, error) {
	f := excelize.NewFile()
	w := &sheetWriter{f: f, title: title, columns: columns, styles: map[ColumnType]int{}, cells: make([]any, len(columns))}
	fail := func(err error) (*sheetWriter, error) {
		_ = f.Close()
		return nil, fmt.Errorf("start sheet: %w", err)
	}
	if err := f.SetSheetName("Sheet1", title); err != nil {
		return fail(err)
	}
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "Fengqiao 枫桥", Title: title, Language: "zh-CN"}); err != nil {
		return fail(err)
	}
	var err error
	w.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF7"}},
		Alignment: &excelize.Alignment{Vertical: "center"}})
	if err != nil {
		return fail(err)
	}
	for typ, format := range map[ColumnType]string{DateTime: "yyyy-mm-dd hh:mm", Date: "yyyy-mm-dd", Number: "0", Percent: "0.0%"} {
		if w.styles[typ], err = f.NewStyle(&excelize.Style{CustomNumFmt: &format}); err != nil {
			return fail(err)
		}
	}
	if err := w.startSheet(); err != nil {
		return fail(err)
	}
	return w, nil
}

// startSheet begins the next sheet (the first is the workbook's own) with
// the column widths and styles and the header row; the sheet before it is
// finished first.
func (w *sheetWriter) startSheet() error {
	name := w.title
	if w.sheets > 0 {
		if err := w.sw.Flush(); err != nil {
			return fmt.Errorf("flush sheet %d: %w", w.sheets, err)
		}
		name = fmt.Sprintf("%s (%d)", w.title, w.sheets+1)
		if _, err := w.f.NewSheet(name); err != nil {
			return err
		}
	}
	w.sheets++
	var err error
	if w.sw, err = w.f.NewStreamWriter(name); err != nil {
		return err
	}
	for i, c := range w.columns {
		width := c.Width
		if width == 0 {
			width = 12
		}
		if err := w.sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
		// A column's style formats its numbers and dates: cells then go
		// in as bare values, without a Cell each.
		if style, ok := w.styles[c.Type]; ok {
			if err := w.sw.SetColStyle(i+1, i+1, style); err != nil {
				return err
			}
		}
	}
	if err := w.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	head := make([]any, len(w.columns))
	for i, c := range w.columns {
		head[i] = excelize.Cell{StyleID: w.header, Value: c.Header}
	}
	if err := w.sw.SetRow("A1", head, excelize.RowOpts{Height: 20}); err != nil {
		return err
	}
	w.row = 1
	return nil
}

// write adds one row; values match the columns' types (nil leaves a cell blank).
func (w *sheetWriter) write(values []any) error {
	if len(values) != len(w.columns) {
		return fmt.Errorf("row of %d values for %d columns", len(values), len(w.columns))
	}
	if w.row == rowsPerSheet {
		if err := w.startSheet(); err != nil {
			return fmt.Errorf("start sheet %d: %w", w.sheets+1, err)
		}
	}
	for i, v := range values {
		w.cells[i] = w.cell(w.columns[i].Type, v)
	}
	w.row++
	cell, err := excelize.CoordinatesToCellName(1, w.row)
	if err != nil {
		return err
	}
	return w.sw.SetRow(cell, w.cells)
}

func (w *sheetWriter) cell(typ ColumnType, v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		if x == "" {
			return nil // an empty cell: excelize writes nothing for it
		}
		return v
	case *time.Time:
		if x == nil {
			return nil
		}
		return w.cell(typ, *x)
	case time.Time:
		if x.IsZero() {
			return nil
		}
		return excelDate(x) // the column's date format shows it
	}
	return v
}

// finish ends the sheet and writes the whole file to out. excelize's
// WriteTo builds the zip in a bytes.Buffer first (tens of MB for a million
// rows); its zip writer hook lets the archive go straight to out instead,
// compressed at deflate's best speed.
func (w *sheetWriter) finish(out io.Writer) error {
	if err := w.sw.Flush(); err != nil {
		return fmt.Errorf("flush sheet: %w", err)
	}
	w.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(out)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		return zw
	})
	if _, err := w.f.WriteTo(io.Discard); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// close removes the StreamWriter's temporary files.
func (w *sheetWriter) close() { _ = w.f.Close() }
