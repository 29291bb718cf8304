package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/tenants"
)

// SeedAssessment gives the demo county an assessment scheme and its
// rankings of this month and last, computed now, once.
func SeedAssessment(ctx context.Context, svc *rankings.Service, county tenants.County, log io.Writer) error {
	scope := tenants.Scope{CountyID: county.ID}
	existing, err := svc.Schemes(ctx, scope)
	if err != nil || len(existing) > 0 {
		return err
	}
	scheme, err := svc.CreateScheme(ctx, scope, "王建国", rankings.Scheme{Name: "2026年度基层社会治理考核", BottomN: 1, BottomAction: "notice", Nightly: true,
		Indicators: []rankings.Weighted{
			{Indicator: assess.ResolutionRate, Weight: 30},
			{Indicator: assess.TimelyAcceptanceRate, Weight: 20},
			{Indicator: assess.OnTimeCompletionRate, Weight: 20},
			{Indicator: assess.FirstTimeResolutionRate, Weight: 15},
			{Indicator: assess.SatisfactionRate, Weight: 15},
		}})
	if err != nil {
		return err
	}
	now := time.Now().In(fengqiao.China)
	thisMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, fengqiao.China)
	for _, from := range []time.Time{thisMonth.AddDate(0, -1, 0), thisMonth} {
		p, err := assess.Month(from.Year(), from.Month())
		if err != nil {
			return err
		}
		r, err := svc.Request(ctx, scope, "王建国", "manual", scheme.ID, p, fmt.Sprintf("%d年%d月", from.Year(), from.Month()))
		if err != nil {
			return err
		}
		if err := svc.Run(ctx, county.ID, r.ID); err != nil {
			return err
		}
	}
	fmt.Fprintf(log, "seed: assessment scheme %q with rankings of last month and this month\n", scheme.Name)
	return nil
}
