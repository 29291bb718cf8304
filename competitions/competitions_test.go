package competitions_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/competitions"
	"github.com/fengqiao/fengqiao/competitions/comptest"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// byCell lists each judge's score per participant and criterion:
// cells[p][k][j]. FiveJudges gives 平邑街道 and 仲村镇 equal trimmed means
// (85, 80, 41.6667: total 74.8333, both rank 1) and 东关社区 80, 70, 30
// (total 67, rank 3).
var fiveJudges = [][][]float64{
	{{90, 80, 85, 70, 100}, {80, 80, 80, 80, 80}, {40, 45, 50, 30, 40}},
	{{85, 85, 85, 85, 85}, {70, 80, 90, 80, 80}, {40, 45, 40, 45, 40}},
	{{60, 70, 80, 90, 100}, {50, 60, 70, 80, 90}, {30, 30, 30, 30, 30}},
}

// grid turns cells[p][k][j] into what comptest.ScoreAll takes: [j][p][k].
func grid(cells [][][]float64) [][][]float64 {
	judges := len(cells[0][0])
	out := make([][][]float64, judges)
	for j := range judges {
		out[j] = make([][]float64, len(cells))
		for p := range cells {
			out[j][p] = make([]float64, len(cells[p]))
			for k := range cells[p] {
				out[j][p][k] = cells[p][k][j]
			}
		}
	}
	return out
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, fengqiao.ErrorCode(err), err.Error())
}

// score runs the scoring job by hand, as River would.
func score(t *testing.T, f *comptest.County, c competitions.Competition, force bool) competitions.Competition {
	t.Helper()
	ctx := context.Background()
	c, err := f.Svc.StartScoring(ctx, f.County.ID, f.Admin, c.ID, force)
	require.NoError(t, err)
	require.Equal(t, competitions.Scoring, c.Status)
	args := jobs.CompetitionScoringArgs{CountyID: f.County.ID, CompetitionID: c.ID}
	require.NoError(t, (&jobs.CompetitionScoringWorker{DB: f.TDB}).Work(ctx, &river.Job[jobs.CompetitionScoringArgs]{JobRow: &rivertype.JobRow{}, Args: args}))
	c, err = f.Svc.Get(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	return c
}

func TestACompetitionWithFiveJudgesTrimsWeighsAndRanksWithTies(t *testing.T) {
	f := comptest.New(t)
	ctx := context.Background()
	c := f.Setup(t, 5)
	require.Equal(t, []string{"平邑街道", "仲村镇", "平邑街道 东关社区"}, []string{c.Participants[0].Name, c.Participants[1].Name, c.Participants[2].Name})
	f.ScoreAll(t, c, grid(fiveJudges))
	_, err := f.Svc.Lock(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	c = score(t, f, c, false)
	require.Equal(t, competitions.Scored, c.Status)
	require.Equal(t, 100, c.Progress)

	// A judge does not see a scored result before publication.
	_, err = f.Svc.Results(ctx, f.County.ID, f.Judges[0], c.ID)
	requireCode(t, err, fengqiao.ECONFLICT)
	_, _, err = f.Svc.Export(ctx, f.County.ID, f.Admin, c.ID)
	requireCode(t, err, fengqiao.ECONFLICT)

	_, err = f.Svc.Publish(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	r, err := f.Svc.Results(ctx, f.County.ID, f.Judges[0], c.ID)
	require.NoError(t, err)
	type line struct {
		name  string
		rank  int
		total float64
		means [3]float64
	}
	var got []line
	for _, row := range r.Rows {
		l := line{name: row.Participant.Name, rank: row.Rank, total: row.Total}
		for k, m := range row.Means {
			require.NotNil(t, m.Mean)
			require.Equal(t, 5, m.Scores)
			require.True(t, m.Trimmed)
			l.means[k] = *m.Mean
		}
		got = append(got, l)
	}
	require.Equal(t, []line{
		{"平邑街道", 1, 74.8333, [3]float64{85, 80, 41.6667}},
		{"仲村镇", 1, 74.8333, [3]float64{85, 80, 41.6667}},
		{"平邑街道 东关社区", 3, 67, [3]float64{80, 70, 30}},
	}, got)

	// A published result never changes, not even by a direct write.
	err = f.TDB.Tx(ctx, tenants.Scope{CountyID: f.County.ID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE competition_results SET total = 0 WHERE competition_id = $1`, c.ID)
		return err
	})
	require.ErrorContains(t, err, "final")
	_, err = f.Svc.StartScoring(ctx, f.County.ID, f.Admin, c.ID, true)
	requireCode(t, err, fengqiao.ECONFLICT)

	name, data, err := f.Svc.Export(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	require.Equal(t, "2026年度观摩评比-评比结果.xlsx", name)
	require.Equal(t, "PK", string(data[:2]))
}

func TestFourJudgesGiveThePlainMean(t *testing.T) {
	f := comptest.New(t)
	ctx := context.Background()
	c := f.Setup(t, 4)
	cells := [][][]float64{
		{{80, 90, 70, 61}, {80, 80, 80, 80}, {40, 40, 40, 40}},
		{{50, 50, 50, 50}, {50, 50, 50, 50}, {50, 50, 50, 50}},
		{{100, 100, 100, 100}, {0, 0, 0, 0}, {0, 0, 0, 0}},
	}
	f.ScoreAll(t, c, grid(cells))
	_, err := f.Svc.Lock(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	score(t, f, c, false)
	r, err := f.Svc.Results(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err, "an administrator previews a scored result")
	require.Equal(t, "平邑街道", r.Rows[0].Participant.Name)
	require.Equal(t, 75.25, *r.Rows[0].Means[0].Mean, "(80+90+70+61)/4: nothing dropped below 5 scores")
	require.False(t, r.Rows[0].Means[0].Trimmed)
	require.Equal(t, 0.5*75.25+0.3*80+0.2*40, r.Rows[0].Total)
	require.Equal(t, 1, r.Rows[0].Rank)
	require.Equal(t, []int{1, 2, 2}, []int{r.Rows[0].Rank, r.Rows[1].Rank, r.Rows[2].Rank}, "50 and 50 tie")
	require.Equal(t, "仲村镇", r.Rows[1].Participant.Name, "50 on every criterion: 50")
	require.Equal(t, 50.0, r.Rows[1].Total)
	require.Equal(t, 50.0, r.Rows[2].Total, "100×0.5")
	require.Equal(t, "平邑街道 东关社区", r.Rows[2].Participant.Name, "a tie keeps the participants' order")
}

func TestMissingScoresBlockScoringUnlessForcedAndAreLeftOut(t *testing.T) {
	f := comptest.New(t)
	ctx := context.Background()
	c := f.Setup(t, 5)
	cells := [][][]float64{
		{{90, 80, 85, 70, -1}, {80, 80, 80, 80, 80}, {40, 40, 40, 40, 40}},
		{{50, 50, 50, 50, 50}, {50, 50, 50, 50, 50}, {50, 50, 50, 50, 50}},
		{{10, 10, 10, 10, 10}, {10, 10, 10, 10, 10}, {-1, -1, -1, -1, -1}},
	}
	f.ScoreAll(t, c, grid(cells))
	missing, err := f.Svc.MissingScores(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	require.Len(t, missing, 6)
	require.Equal(t, competitions.Missing{JudgeID: f.Judges[4].IdentityID, Judge: "评委5", ParticipantID: c.Participants[0].ID,
		Participant: "平邑街道", CriterionID: c.Criteria[0].ID, Criterion: "矛盾化解"}, missing[0])
	_, err = f.Svc.Lock(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	_, err = f.Svc.StartScoring(ctx, f.County.ID, f.Admin, c.ID, false)
	requireCode(t, err, fengqiao.ECONFLICT)
	require.ErrorContains(t, err, "6 scores are missing")

	score(t, f, c, true)
	r, err := f.Svc.Results(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	first := r.Rows[0]
	require.Equal(t, "平邑街道", first.Participant.Name)
	require.Equal(t, 81.25, *first.Means[0].Mean, "4 scores present: the missing one is left out, and 4 < 5 is not trimmed")
	require.Equal(t, 4, first.Means[0].Scores)
	last := r.Rows[2]
	require.Nil(t, last.Means[2].Mean, "nobody scored it")
	require.Equal(t, 0.5*10+0.3*10, last.Total, "an unscored criterion counts 0")
}

func TestStateRules(t *testing.T) {
	f := comptest.New(t)
	ctx := context.Background()
	county, admin, judge := f.County.ID, f.Admin, f.Judges[0]

	empty, err := f.Svc.Create(ctx, county, admin, competitions.NewCompetition{Name: "空评比"})
	require.NoError(t, err)
	_, err = f.Svc.Open(ctx, county, admin, empty.ID)
	requireCode(t, err, fengqiao.ECONFLICT)
	require.ErrorContains(t, err, "add at least one participant")

	_, err = f.Svc.Create(ctx, county, admin, competitions.NewCompetition{Name: " ", DropExtremesMinJudges: 2})
	requireInvalid(t, err, "body.name", "body.drop_extremes_min_judges")
	_, err = f.Svc.AddCriterion(ctx, county, admin, empty.ID, competitions.NewCriterion{Name: "x", Weight: 0, MaxScore: -1})
	requireInvalid(t, err, "body.weight", "body.max_score")
	_, err = f.Svc.AddParticipant(ctx, county, admin, empty.ID, competitions.NewParticipant{StreetID: f.Streets[0].ID, NodeID: f.Streets[0].RootID})
	requireInvalid(t, err, "body.node_id")
	_, err = f.Svc.AddJudge(ctx, county, admin, empty.ID, admin.IdentityID)
	requireInvalid(t, err, "body.identity_id")

	c := f.Setup(t, 5)
	// The set-up is frozen once open.
	_, err = f.Svc.AddCriterion(ctx, county, admin, c.ID, competitions.NewCriterion{Name: "新增", Weight: 1, MaxScore: 10})
	requireCode(t, err, fengqiao.ECONFLICT)
	_, err = f.Svc.Publish(ctx, county, admin, c.ID)
	requireCode(t, err, fengqiao.ECONFLICT)

	p, k := c.Participants[0].ID, c.Criteria[2].ID
	_, err = f.Svc.SetScore(ctx, county, judge, c.ID, p, k, 50.5)
	requireInvalid(t, err, "body.score")
	_, err = f.Svc.SetScore(ctx, county, judge, c.ID, p, k, -1)
	requireInvalid(t, err, "body.score")
	_, err = f.Svc.SetScore(ctx, county, f.Judges[6], c.ID, p, k, 10)
	requireCode(t, err, fengqiao.EFORBIDDEN)
	_, err = f.Svc.SetScore(ctx, county, admin, c.ID, p, k, 10)
	requireCode(t, err, fengqiao.EFORBIDDEN)
	_, err = f.Svc.SetScore(ctx, county, judge, c.ID, p, 999999, 10)
	requireCode(t, err, fengqiao.ENOTFOUND)

	// The database holds the maximum too.
	err = f.TDB.Tx(ctx, tenants.Scope{CountyID: county}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO competition_scores (county_id, competition_id, participant_id, criterion_id, judge_id, score)
			VALUES ($1, $2, $3, $4, $5, 51)`, county, c.ID, p, k, judge.IdentityID)
		return err
	})
	require.ErrorContains(t, err, "outside 0..50")

	_, err = f.Svc.SetScore(ctx, county, judge, c.ID, p, k, 45)
	require.NoError(t, err)
	_, err = f.Svc.Lock(ctx, county, admin, c.ID)
	require.NoError(t, err)
	_, err = f.Svc.SetScore(ctx, county, judge, c.ID, p, k, 46)
	requireCode(t, err, fengqiao.ECONFLICT)
	sheet, err := f.Svc.Sheet(ctx, county, judge, c.ID)
	require.NoError(t, err, "a judge still sees their sheet once locked")
	require.Len(t, sheet.Scores, 1)
	require.Equal(t, 45.0, sheet.Scores[0].Score, "the revision after the lock was refused")
}

func requireInvalid(t *testing.T, err error, locations ...string) {
	t.Helper()
	requireCode(t, err, fengqiao.EINVALID)
	var e *fengqiao.Error
	require.ErrorAs(t, err, &e)
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Location)
	}
	require.Equal(t, locations, got)
}

func TestJudgesSeeOnlyTheirOwnScoresAndEveryChangeIsAudited(t *testing.T) {
	f := comptest.New(t)
	ctx := context.Background()
	c := f.Setup(t, 5)
	p, k := c.Participants[1].ID, c.Criteria[0].ID
	for _, v := range []float64{80, 85, 85, 83.456} {
		_, err := f.Svc.SetScore(ctx, f.County.ID, f.Judges[0], c.ID, p, k, v)
		require.NoError(t, err)
	}
	_, err := f.Svc.SetScore(ctx, f.County.ID, f.Judges[1], c.ID, p, k, 60)
	require.NoError(t, err)

	mine, err := f.Svc.Sheet(ctx, f.County.ID, f.Judges[0], c.ID)
	require.NoError(t, err)
	require.Len(t, mine.Scores, 1)
	require.Equal(t, 83.46, mine.Scores[0].Score, "two decimal places")
	theirs, err := f.Svc.Sheet(ctx, f.County.ID, f.Judges[1], c.ID)
	require.NoError(t, err)
	require.Len(t, theirs.Scores, 1)
	require.Equal(t, 60.0, theirs.Scores[0].Score)
	_, err = f.Svc.Sheet(ctx, f.County.ID, f.Judges[6], c.ID)
	requireCode(t, err, fengqiao.EFORBIDDEN)
	_, err = f.Svc.Get(ctx, f.County.ID, f.Judges[6], c.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = f.Svc.Results(ctx, f.County.ID, f.Judges[0], c.ID)
	requireCode(t, err, fengqiao.ECONFLICT)

	judging, err := f.Svc.Judging(ctx, f.County.ID, f.Judges[0])
	require.NoError(t, err)
	require.Len(t, judging, 1)
	judging, err = f.Svc.Judging(ctx, f.County.ID, f.Judges[6])
	require.NoError(t, err)
	require.Empty(t, judging)

	events, err := f.Svc.ScoreEvents(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	type change struct {
		by       string
		old, new float64
	}
	var got []change
	for _, e := range events {
		old := -1.0
		if e.OldScore != nil {
			old = *e.OldScore
		}
		got = append(got, change{e.ChangedBy, old, e.NewScore})
	}
	require.Equal(t, []change{{"评委1", -1, 80}, {"评委1", 80, 85}, {"评委1", 85, 83.46}, {"评委2", -1, 60}}, got, "repeating a score is no change")

	// The audit trail is append-only for the app role.
	for _, sql := range []string{`UPDATE competition_score_events SET new_score = 0`, `DELETE FROM competition_score_events`} {
		err = f.TDB.Tx(ctx, tenants.Scope{CountyID: f.County.ID}, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql)
			return err
		})
		require.ErrorContains(t, err, "permission denied", sql)
	}
}

func TestAnotherCountySeesNothing(t *testing.T) {
	f := comptest.New(t)
	ctx := context.Background()
	c := f.Setup(t, 5)
	f.ScoreAll(t, c, grid(fiveJudges))
	_, err := f.Svc.Lock(ctx, f.County.ID, f.Admin, c.ID)
	require.NoError(t, err)
	score(t, f, c, false)

	mine, err := f.Svc.List(ctx, f.County.ID, f.Admin)
	require.NoError(t, err)
	require.Len(t, mine, 1)
	require.Equal(t, competitions.Scored, mine[0].Status)
	other := competitions.Actor{Name: "龙华管理员", Admin: true}
	list, err := f.Svc.List(ctx, f.Other.ID, other)
	require.NoError(t, err)
	require.Empty(t, list)
	_, err = f.Svc.Get(ctx, f.Other.ID, other, c.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = f.Svc.Lock(ctx, f.Other.ID, other, c.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = f.Svc.SetScore(ctx, f.Other.ID, f.Foreign, c.ID, c.Participants[0].ID, c.Criteria[0].ID, 1)
	requireCode(t, err, fengqiao.ENOTFOUND)

	tables := []string{"competitions", "competition_participants", "competition_criteria", "competition_judges", "competition_scores",
		"competition_score_events", "competition_results", "competition_result_means"}
	count := func(scope tenants.Scope, table string) (n int) {
		require.NoError(t, f.TDB.Tx(ctx, scope, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&n)
		}))
		return n
	}
	for _, table := range tables {
		require.NotZero(t, count(tenants.Scope{CountyID: f.County.ID}, table), table)
		require.Zero(t, count(tenants.Scope{CountyID: f.Other.ID}, table), "another county reads %s", table)
		require.Zero(t, count(tenants.Scope{TenantID: f.Streets[0].ID}, table), "a street reads %s", table)
		require.Zero(t, count(tenants.Scope{}, table), "no scope reads %s", table)
	}
	// Writing a row of another county is refused by the policy's check.
	err = f.TDB.Tx(ctx, tenants.Scope{CountyID: f.Other.ID}, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO competitions (county_id, name, created_by) VALUES ($1, 'x', 'x')`, f.County.ID)
		return err
	})
	require.ErrorContains(t, err, "row-level security")
	// A foreign judge cannot be added.
	d, err := f.Svc.Create(ctx, f.County.ID, f.Admin, competitions.NewCompetition{Name: "另一场"})
	require.NoError(t, err)
	_, err = f.Svc.AddJudge(ctx, f.County.ID, f.Admin, d.ID, f.Foreign.IdentityID)
	requireInvalid(t, err, "body.identity_id")
}
