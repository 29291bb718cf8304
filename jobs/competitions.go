package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/fengqiao/fengqiao/competitions/scoring"
	"github.com/fengqiao/fengqiao/tenants"
)

// CompetitionScoringArgs computes an observation competition's results.
// Competitions are county rows: the job carries its county, not a street.
type CompetitionScoringArgs struct {
	CountyID      int64 `json:"county_id"`
	CompetitionID int64 `json:"competition_id"`
}

// Kind is River's name for the job.
func (CompetitionScoringArgs) Kind() string { return "competition_scoring" }

// CompetitionScoringWorker computes the trimmed means, weighted totals and
// ranks of a competition the county has started scoring (status scoring),
// then marks it scored. Each participant is computed in its own short
// county-scoped transaction that also advances the competition's progress
// (percent), so the web app can show it while the job runs; the ranks and
// the status change commit together at the end. Rerunning is safe: results
// are upserted.
type CompetitionScoringWorker struct {
	river.WorkerDefaults[CompetitionScoringArgs]
	DB *tenants.DB
	// AfterParticipant, when set, is called after each participant's
	// transaction commits (tests watch the progress with it).
	AfterParticipant func(done, of int)
}

// Work runs one scoring.
func (w *CompetitionScoringWorker) Work(ctx context.Context, job *river.Job[CompetitionScoringArgs]) error {
	a := job.Args
	if a.CountyID == 0 || a.CompetitionID == 0 {
		return river.JobCancel(fmt.Errorf("invalid competition scoring args %+v", a))
	}
	err := w.work(ctx, a)
	if err != nil && !errors.Is(err, errNotScoring) {
		// Say why on the competition; River retries the job.
		_ = w.DB.Tx(context.WithoutCancel(ctx), tenants.Scope{CountyID: a.CountyID}, func(tx pgx.Tx) error {
			_, e := tx.Exec(ctx, `UPDATE competitions SET scoring_error = left($3, 1000) WHERE county_id = $1 AND id = $2`,
				a.CountyID, a.CompetitionID, err.Error())
			return e
		})
		return fmt.Errorf("score competition %d: %w", a.CompetitionID, err)
	}
	return nil
}

var errNotScoring = errors.New("competition is not being scored")

func (w *CompetitionScoringWorker) work(ctx context.Context, a CompetitionScoringArgs) error {
	scope := tenants.Scope{CountyID: a.CountyID}
	var minJudges int
	var participants []int64
	var criteria scoring.Criteria
	err := w.DB.Tx(ctx, scope, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status, drop_extremes_min_judges FROM competitions WHERE county_id = $1 AND id = $2 FOR UPDATE`,
			a.CountyID, a.CompetitionID).Scan(&status, &minJudges)
		if errors.Is(err, pgx.ErrNoRows) {
			return river.JobCancel(fmt.Errorf("competition %d of county %d not found", a.CompetitionID, a.CountyID))
		}
		if err != nil {
			return err
		}
		if status != "scoring" {
			return errNotScoring
		}
		rows, err := tx.Query(ctx, `SELECT id FROM competition_participants WHERE county_id = $1 AND competition_id = $2 ORDER BY sort, id`,
			a.CountyID, a.CompetitionID)
		if err != nil {
			return err
		}
		if participants, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			return err
		}
		if criteria, err = scoring.ReadCriteria(ctx, tx, a.CountyID, a.CompetitionID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE competitions SET progress = 0, scoring_error = '', updated_at = now() WHERE county_id = $1 AND id = $2`,
			a.CountyID, a.CompetitionID)
		return err
	})
	if errors.Is(err, errNotScoring) {
		return nil // scored already, or never started: nothing to do
	}
	if err != nil {
		return err
	}
	for i, p := range participants {
		err := w.DB.Tx(ctx, scope, func(tx pgx.Tx) error {
			if _, err := scoring.ComputeParticipant(ctx, tx, a.CountyID, a.CompetitionID, p, criteria, minJudges); err != nil {
				return err
			}
			// 100 is kept for the end, when the ranks are in.
			percent := min((i+1)*100/len(participants), 99)
			_, err := tx.Exec(ctx, `UPDATE competitions SET progress = $3, updated_at = now() WHERE county_id = $1 AND id = $2 AND status = 'scoring'`,
				a.CountyID, a.CompetitionID, percent)
			return err
		})
		if err != nil {
			return err
		}
		if w.AfterParticipant != nil {
			w.AfterParticipant(i+1, len(participants))
		}
	}
	return w.DB.Tx(ctx, scope, func(tx pgx.Tx) error {
		if err := scoring.RankAll(ctx, tx, a.CountyID, a.CompetitionID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE competitions SET status = 'scored', progress = 100, scored_at = now(), updated_at = now()
			WHERE county_id = $1 AND id = $2 AND status = 'scoring'`, a.CountyID, a.CompetitionID)
		return err
	})
}
