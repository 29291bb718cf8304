package competitions

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
)

// Score is one judge's score of one participant on one criterion.
type Score struct {
	ParticipantID int64
	CriterionID   int64
	Score         float64
	UpdatedAt     time.Time
}

// Sheet is what a judge scores: the competition's participants and
// criteria, and this judge's own scores, never another judge's.
type Sheet struct {
	Competition Competition
	Scores      []Score
}

// Sheet is the caller's scoring sheet; 403 for someone who does not judge it.
func (s *Service) Sheet(ctx context.Context, countyID int64, by Actor, id int64) (Sheet, error) {
	var sh Sheet
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		c, err := get(ctx, tx, countyID, Actor{Admin: true}, id)
		if err != nil {
			return err
		}
		if !c.isJudge(by.IdentityID) {
			return fengqiao.Errorf(fengqiao.EFORBIDDEN, "you do not judge competition %d", id)
		}
		if c.Status == Draft {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "the competition is still being set up; scoring opens later")
		}
		sh.Competition = c
		rows, err := tx.Query(ctx, `SELECT participant_id, criterion_id, score::float8, updated_at FROM competition_scores
			WHERE county_id = $1 AND competition_id = $2 AND judge_id = $3 ORDER BY participant_id, criterion_id`, countyID, id, by.IdentityID)
		if err != nil {
			return err
		}
		sh.Scores, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Score])
		return err
	})
	if err != nil {
		return Sheet{}, fmt.Errorf("scoring sheet of competition %d: %w", id, err)
	}
	if sh.Scores == nil {
		sh.Scores = []Score{}
	}
	return sh, nil
}

// SetScore gives or revises the caller's score while the competition is
// open. Every change (not a repeat of the same score) is audited.
func (s *Service) SetScore(ctx context.Context, countyID int64, by Actor, id, participantID, criterionID int64, score float64) (Score, error) {
	if math.IsNaN(score) || math.IsInf(score, 0) {
		return Score{}, fengqiao.Invalid("body.score", "must be a number", nil)
	}
	score = math.Round(score*100) / 100
	var out Score
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		st, err := lockStatus(ctx, tx, countyID, id, "SHARE")
		if err != nil {
			return err
		}
		var judge bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM competition_judges WHERE county_id = $1 AND competition_id = $2 AND identity_id::text = $3)`,
			countyID, id, by.IdentityID).Scan(&judge); err != nil {
			return err
		}
		if !judge || by.IdentityID == "" {
			return fengqiao.Errorf(fengqiao.EFORBIDDEN, "you do not judge competition %d", id)
		}
		if st != Open {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "a %s competition takes no scores; scores are given and revised only while it is open", st)
		}
		var max float64
		err = tx.QueryRow(ctx, `SELECT max_score::float8 FROM competition_criteria WHERE county_id = $1 AND competition_id = $2 AND id = $3`,
			countyID, id, criterionID).Scan(&max)
		if errors.Is(err, pgx.ErrNoRows) {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "criterion %d not found in competition %d", criterionID, id)
		}
		if err != nil {
			return err
		}
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM competition_participants WHERE county_id = $1 AND competition_id = $2 AND id = $3)`,
			countyID, id, participantID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return fengqiao.Errorf(fengqiao.ENOTFOUND, "participant %d not found in competition %d", participantID, id)
		}
		if score < 0 || score > max {
			return fengqiao.Invalid("body.score", fmt.Sprintf("must be 0 to %g", max), score)
		}
		var old *float64
		err = tx.QueryRow(ctx, `SELECT score::float8 FROM competition_scores WHERE county_id = $1 AND competition_id = $2 AND judge_id = $3
			AND participant_id = $4 AND criterion_id = $5 FOR UPDATE`, countyID, id, by.IdentityID, participantID, criterionID).Scan(&old)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO competition_scores (county_id, competition_id, participant_id, criterion_id, judge_id, score)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (county_id, competition_id, judge_id, participant_id, criterion_id)
			DO UPDATE SET score = EXCLUDED.score, updated_at = CASE WHEN competition_scores.score = EXCLUDED.score THEN competition_scores.updated_at ELSE now() END
			RETURNING participant_id, criterion_id, score::float8, updated_at`, countyID, id, participantID, criterionID, by.IdentityID, score).
			Scan(&out.ParticipantID, &out.CriterionID, &out.Score, &out.UpdatedAt)
		if err != nil {
			return err
		}
		if old != nil && *old == score {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO competition_score_events (county_id, competition_id, participant_id, criterion_id, judge_id, old_score, new_score, changed_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, countyID, id, participantID, criterionID, by.IdentityID, old, score, by.Name)
		return err
	})
	if err != nil {
		return Score{}, fmt.Errorf("score in competition %d: %w", id, err)
	}
	return out, nil
}

// ScoreEvent is one audited score change.
type ScoreEvent struct {
	ID            int64
	ParticipantID int64
	CriterionID   int64
	JudgeID       string
	OldScore      *float64
	NewScore      float64
	ChangedBy     string
	ChangedAt     time.Time
}

// ScoreEvents is the audit trail of a competition's scores, oldest first
// (administrators only).
func (s *Service) ScoreEvents(ctx context.Context, countyID int64, by Actor, id int64) ([]ScoreEvent, error) {
	var out []ScoreEvent
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		if _, err := lockStatus(ctx, tx, countyID, id, "SHARE"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, participant_id, criterion_id, judge_id::text, old_score::float8, new_score::float8, changed_by, changed_at
			FROM competition_score_events WHERE county_id = $1 AND competition_id = $2 ORDER BY id`, countyID, id)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ScoreEvent])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("score events of competition %d: %w", id, err)
	}
	if out == nil {
		out = []ScoreEvent{}
	}
	return out, nil
}

// Result is one participant's line of the results.
type Result struct {
	Participant Participant
	Total       float64
	Rank        int
	Means       []CriterionMean // in the order of the criteria
}

// CriterionMean is a participant's trimmed mean on one criterion.
type CriterionMean struct {
	CriterionID int64
	Mean        *float64 // nil: nobody scored it (counted as 0)
	Scores      int
	Trimmed     bool
}

// Results is a competition's ranked result.
type Results struct {
	Competition Competition
	Rows        []Result // by rank, then the participants' order
}

// Results is the ranked result: for everyone who may read the competition
// (county staff, its judges) once published; for administrators also once
// scored, before publication. Otherwise 409.
func (s *Service) Results(ctx context.Context, countyID int64, by Actor, id int64) (Results, error) {
	var r Results
	err := s.db.Tx(ctx, scope(countyID, by), func(tx pgx.Tx) error {
		c, err := get(ctx, tx, countyID, by, id)
		if err != nil {
			return err
		}
		if !(c.Status == Published || (by.Admin && c.Status == Scored)) {
			return fengqiao.Errorf(fengqiao.ECONFLICT, "the results of a %s competition are not published", c.Status)
		}
		r.Competition = c
		parts := map[int64]Participant{}
		for _, p := range c.Participants {
			parts[p.ID] = p
		}
		index := map[int64]int{}
		for i, cr := range c.Criteria {
			index[cr.ID] = i
		}
		rows, err := tx.Query(ctx, `SELECT participant_id, total::float8, coalesce(rank, 0) FROM competition_results
			WHERE county_id = $1 AND competition_id = $2`, countyID, id)
		if err != nil {
			return err
		}
		at := map[int64]int{}
		var pid int64
		var total float64
		var rank int
		if _, err := pgx.ForEachRow(rows, []any{&pid, &total, &rank}, func() error {
			at[pid] = len(r.Rows)
			r.Rows = append(r.Rows, Result{Participant: parts[pid], Total: total, Rank: rank, Means: make([]CriterionMean, len(c.Criteria))})
			return nil
		}); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT participant_id, criterion_id, mean::float8, scores, trimmed FROM competition_result_means
			WHERE county_id = $1 AND competition_id = $2`, countyID, id)
		if err != nil {
			return err
		}
		var m CriterionMean
		_, err = pgx.ForEachRow(rows, []any{&pid, &m.CriterionID, &m.Mean, &m.Scores, &m.Trimmed}, func() error {
			mm := m
			if m.Mean != nil {
				v := *m.Mean
				mm.Mean = &v
			}
			if i, ok := at[pid]; ok {
				if k, ok := index[m.CriterionID]; ok {
					r.Rows[i].Means[k] = mm
				}
			}
			return nil
		})
		return err
	})
	if err != nil {
		return Results{}, fmt.Errorf("results of competition %d: %w", id, err)
	}
	for i := range r.Rows {
		for k, cr := range r.Competition.Criteria {
			r.Rows[i].Means[k].CriterionID = cr.ID
		}
	}
	sortResults(r.Rows)
	if r.Rows == nil {
		r.Rows = []Result{}
	}
	return r, nil
}

func sortResults(rows []Result) {
	slices.SortFunc(rows, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.Rank, b.Rank), cmp.Compare(a.Participant.Sort, b.Participant.Sort), cmp.Compare(a.Participant.ID, b.Participant.ID))
	})
}
