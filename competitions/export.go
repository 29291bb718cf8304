package competitions

import (
	"bytes"
	"context"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/fengqiao/fengqiao"
)

// Export is the published result as an XLSX workbook: 排名 (rank, name,
// weighted total) and 各项得分 (each criterion's trimmed mean), with
// Chinese headers and two-decimal number formats.
func (s *Service) Export(ctx context.Context, countyID int64, by Actor, id int64) (string, []byte, error) {
	r, err := s.Results(ctx, countyID, by, id)
	if err != nil {
		return "", nil, err
	}
	if r.Competition.Status != Published {
		return "", nil, fengqiao.Errorf(fengqiao.ECONFLICT, "only a published result is exported")
	}
	data, err := Workbook(r)
	if err != nil {
		return "", nil, err
	}
	return r.Competition.Name + "-评比结果.xlsx", data, nil
}

// Workbook writes results into an XLSX file.
func Workbook(r Results) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const ranks, means = "排名", "各项得分"
	if err := f.SetSheetName("Sheet1", ranks); err != nil {
		return nil, err
	}
	if _, err := f.NewSheet(means); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"DDEBF7"}, Pattern: 1}})
	if err != nil {
		return nil, err
	}
	twoDP := "0.00"
	num, err := f.NewStyle(&excelize.Style{CustomNumFmt: &twoDP})
	if err != nil {
		return nil, err
	}
	cell := func(col, row int) string { c, _ := excelize.CoordinatesToCellName(col, row); return c }
	set := func(sheet string, col, row int, v any) error { return f.SetCellValue(sheet, cell(col, row), v) }

	trim := fmt.Sprintf("满 %d 个评分去掉一个最高分和一个最低分；加权总分 = Σ 权重 × 项目均分（权重不归一）", r.Competition.DropExtremesMinJudges)
	for _, sheet := range []string{ranks, means} {
		if err := set(sheet, 1, 1, r.Competition.Name); err != nil {
			return nil, err
		}
		if err := set(sheet, 1, 2, trim); err != nil {
			return nil, err
		}
	}
	for i, h := range []string{"排名", "参评单位", "加权总分"} {
		if err := set(ranks, i+1, 4, h); err != nil {
			return nil, err
		}
	}
	head := []string{"排名", "参评单位"}
	for _, c := range r.Competition.Criteria {
		head = append(head, fmt.Sprintf("%s（权重 %g，满分 %g）", c.Name, c.Weight, c.MaxScore))
	}
	head = append(head, "加权总分")
	for i, h := range head {
		if err := set(means, i+1, 4, h); err != nil {
			return nil, err
		}
	}
	for i, row := range r.Rows {
		y := 5 + i
		for col, v := range []any{row.Rank, row.Participant.Name, row.Total} {
			if err := set(ranks, col+1, y, v); err != nil {
				return nil, err
			}
		}
		if err := set(means, 1, y, row.Rank); err != nil {
			return nil, err
		}
		if err := set(means, 2, y, row.Participant.Name); err != nil {
			return nil, err
		}
		for k, m := range row.Means {
			var v any = ""
			if m.Mean != nil {
				v = *m.Mean
			}
			if err := set(means, 3+k, y, v); err != nil {
				return nil, err
			}
		}
		if err := set(means, 3+len(row.Means), y, row.Total); err != nil {
			return nil, err
		}
	}
	last := 4 + len(r.Rows)
	if err := f.SetCellStyle(ranks, cell(1, 4), cell(3, 4), bold); err != nil {
		return nil, err
	}
	if err := f.SetCellStyle(means, cell(1, 4), cell(len(head), 4), bold); err != nil {
		return nil, err
	}
	if len(r.Rows) > 0 {
		if err := f.SetCellStyle(ranks, cell(3, 5), cell(3, last), num); err != nil {
			return nil, err
		}
		if err := f.SetCellStyle(means, cell(3, 5), cell(len(head), last), num); err != nil {
			return nil, err
		}
	}
	_ = f.SetColWidth(ranks, "B", "B", 28)
	_ = f.SetColWidth(ranks, "C", "C", 12)
	_ = f.SetColWidth(means, "B", "B", 28)
	_ = f.SetColWidth(means, "C", "Z", 20)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("write workbook: %w", err)
	}
	return buf.Bytes(), nil
}
