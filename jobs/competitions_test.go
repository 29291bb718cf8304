package jobs_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/competitions"
	"github.com/fengqiao/fengqiao/competitions/comptest"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

// TestScoringJobReportsProgressAndRanks: starting the scoring inserts the
// job (with the county in its args) in the same transaction; working it
// moves the percent up participant by participant, then marks the
// competition scored at 100 with ranks.
func TestScoringJobReportsProgressAndRanks(t *testing.T) {
	f := comptest.New(t)
	ctx := context.Background()
	client, err := river.NewClient(riverpgxv5.New(f.DB.App), &river.Config{}) // insert only
	require.NoError(t, err)
	f.Svc.WithJobs(client)
	c := f.Setup(t, 5)
	scores := [][]float64{{90, 80, 40}, {70, 60, 30}, {90, 80, 40}} // per participant, every judge alike
	for _, j := range f.Judges[:5] {
		for p, row := range scores {
			for k, v := range row {
				_, err := f.Svc.SetScore(ctx, f.County.ID, j, c.ID, c.Participants[p].ID, c.Criteria[k].ID, v)
				require.NoError(t, err)
			}
		}
	}
	_, err = f.Svc.Lock(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	started, err := f.Svc.StartScoring(ctx, f.County.ID, f.Admin, c.ID, false)
	require.NoError(t, err)
	require.Equal(t, competitions.Scoring, started.Status)
	require.Zero(t, started.Progress)

	var raw []byte
	var id int64
	require.NoError(t, f.DB.Owner.QueryRow(ctx, `SELECT id, args FROM river_job WHERE kind = 'competition_scoring'`).Scan(&id, &raw))
	var args jobs.CompetitionScoringArgs
	require.NoError(t, json.Unmarshal(raw, &args))
	require.Equal(t, jobs.CompetitionScoringArgs{CountyID: f.County.ID, CompetitionID: c.ID}, args)

	progress := func() (status string, percent int) {
		require.NoError(t, f.TDB.Tx(ctx, tenants.Scope{CountyID: f.County.ID}, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT status, progress FROM competitions WHERE id = $1`, c.ID).Scan(&status, &percent)
		}))
		return status, percent
	}
	var seen []int
	w := &jobs.CompetitionScoringWorker{DB: f.TDB, AfterParticipant: func(done, of int) {
		st, p := progress()
		require.Equal(t, "scoring", st)
		seen = append(seen, p)
	}}
	job := &river.Job[jobs.CompetitionScoringArgs]{JobRow: &rivertype.JobRow{ID: id, Kind: args.Kind(), EncodedArgs: raw}, Args: args}
	require.NoError(t, w.Work(ctx, job))
	require.Equal(t, []int{33, 66, 99}, seen, "committed after each participant, visible to other sessions")
	st, p := progress()
	require.Equal(t, "scored", st)
	require.Equal(t, 100, p)

	r, err := f.Svc.Results(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	require.Equal(t, []int{1, 1, 3}, []int{r.Rows[0].Rank, r.Rows[1].Rank, r.Rows[2].Rank})
	require.Equal(t, 0.5*90+0.3*80+0.2*40, r.Rows[0].Total)
	require.Equal(t, 0.5*70+0.3*60+0.2*30, r.Rows[2].Total)
	require.Equal(t, "仲村镇", r.Rows[2].Participant.Name)

	// Working it again (a retry after the status changed) does nothing.
	require.NoError(t, (&jobs.CompetitionScoringWorker{DB: f.TDB}).Work(ctx, job))
	// A job of a competition that does not exist is cancelled.
	gone := &river.Job[jobs.CompetitionScoringArgs]{JobRow: &rivertype.JobRow{}, Args: jobs.CompetitionScoringArgs{CountyID: f.County.ID, CompetitionID: 999999}}
	var cancel *river.JobCancelError
	require.ErrorAs(t, (&jobs.CompetitionScoringWorker{DB: f.TDB}).Work(ctx, gone), &cancel)
}
