package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/tenants"
)

// RankingWorker computes a requested ranking (rankings.Args).
type RankingWorker struct {
	river.WorkerDefaults[rankings.Args]
	Rankings *rankings.Service
}

// Work runs one ranking in its county. A failure on the last attempt is
// recorded on the ranking, so the county sees why.
func (w *RankingWorker) Work(ctx context.Context, job *river.Job[rankings.Args]) error {
	a := job.Args
	if a.CountyID == 0 || a.RankingID == 0 {
		return river.JobCancel(fmt.Errorf("invalid ranking job args %+v", a))
	}
	err := w.Rankings.Run(ctx, a.CountyID, a.RankingID)
	if err != nil && job.Attempt >= job.MaxAttempts {
		if ferr := w.Rankings.Fail(context.WithoutCancel(ctx), a.CountyID, a.RankingID, err); ferr != nil {
			return fmt.Errorf("%w (and recording the failure: %v)", err, ferr)
		}
	}
	return err
}

// NightlyRankingArgs ranks, every night, each county's nightly schemes over
// the month so far.
type NightlyRankingArgs struct{}

// Kind is River's name for the job.
func (NightlyRankingArgs) Kind() string { return "assessment_nightly" }

// NightlyRankingWorker requests the nightly rankings.
type NightlyRankingWorker struct {
	river.WorkerDefaults[NightlyRankingArgs]
	DB       *tenants.DB
	Rankings *rankings.Service
	Now      func() time.Time // nil: time.Now
}

// Work requests, for every county, a ranking of each nightly scheme over
// the current month up to today's midnight (Beijing time). On the 1st it
// ranks the whole previous month.
func (w *NightlyRankingWorker) Work(ctx context.Context, job *river.Job[NightlyRankingArgs]) error {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	today := now().In(fengqiao.China)
	midnight := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, fengqiao.China)
	from := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, fengqiao.China)
	if from.Equal(midnight) {
		from = from.AddDate(0, -1, 0)
	}
	p, err := assess.Range(from, midnight)
	if err != nil {
		return err
	}
	counties, err := tenants.NewService(w.DB).CountyIDs(ctx)
	if err != nil {
		return err
	}
	svc := w.Rankings.WithJobs(river.ClientFromContext[pgx.Tx](ctx))
	for _, county := range counties {
		scope := tenants.Scope{CountyID: county}
		schemes, err := svc.Schemes(ctx, scope)
		if err != nil {
			return err
		}
		for _, sc := range schemes {
			if !sc.Nightly || sc.Archived {
				continue
			}
			label := fmt.Sprintf("%s 至 %s（每日）", from.Format("2006-01-02"), midnight.AddDate(0, 0, -1).Format("2006-01-02"))
			if _, err := svc.Request(ctx, scope, "system", "nightly", sc.ID, p, label); err != nil {
				return err
			}
		}
	}
	return nil
}

// NightlyAt is the nightly ranking's schedule for River's periodic jobs:
// 01:00 Beijing time, after the day's last cases.
type NightlyAt struct{}

// Next is the next 01:00 in Beijing after t.
func (NightlyAt) Next(t time.Time) time.Time {
	local := t.In(fengqiao.China)
	next := time.Date(local.Year(), local.Month(), local.Day(), 1, 0, 0, 0, fengqiao.China)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}
