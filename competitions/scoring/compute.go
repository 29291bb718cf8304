package scoring

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Criteria are a competition's criteria ids and their weights, in order.
type Criteria struct {
	IDs     []int64
	Weights []float64
}

// ReadCriteria reads a competition's criteria in tx (the county's scope);
// they cannot change once it is open, so a scoring run reads them once.
func ReadCriteria(ctx context.Context, tx pgx.Tx, countyID, competitionID int64) (Criteria, error) {
	rows, err := tx.Query(ctx, `SELECT id, weight::float8 FROM competition_criteria
		WHERE county_id = $1 AND competition_id = $2 ORDER BY sort, id`, countyID, competitionID)
	if err != nil {
		return Criteria{}, fmt.Errorf("criteria: %w", err)
	}
	var c Criteria
	var id int64
	var w float64
	if _, err := pgx.ForEachRow(rows, []any{&id, &w}, func() error { c.IDs, c.Weights = append(c.IDs, id), append(c.Weights, w); return nil }); err != nil {
		return Criteria{}, fmt.Errorf("criteria: %w", err)
	}
	return c, nil
}

// ComputeParticipant writes one participant's trimmed means and weighted
// total (rank still unset) in tx, which must carry the county's scope.
func ComputeParticipant(ctx context.Context, tx pgx.Tx, countyID, competitionID, participantID int64, criteria Criteria, minJudges int) (float64, error) {
	rows, err := tx.Query(ctx, `SELECT criterion_id, score::float8 FROM competition_scores
		WHERE county_id = $1 AND competition_id = $2 AND participant_id = $3`, countyID, competitionID, participantID)
	if err != nil {
		return 0, fmt.Errorf("scores: %w", err)
	}
	byCriterion := map[int64][]float64{}
	var id int64
	var score float64
	if _, err := pgx.ForEachRow(rows, []any{&id, &score}, func() error { byCriterion[id] = append(byCriterion[id], score); return nil }); err != nil {
		return 0, fmt.Errorf("scores: %w", err)
	}
	means := make([]float64, len(criteria.IDs))
	var batch pgx.Batch
	for i, c := range criteria.IDs {
		m := TrimmedMean(byCriterion[c], minJudges)
		means[i] = m.Value
		var value any = m.Value
		if m.None {
			value = nil
		}
		batch.Queue(`INSERT INTO competition_result_means (county_id, competition_id, participant_id, criterion_id, mean, scores, trimmed)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (county_id, competition_id, participant_id, criterion_id)
			DO UPDATE SET mean = EXCLUDED.mean, scores = EXCLUDED.scores, trimmed = EXCLUDED.trimmed`,
			countyID, competitionID, participantID, c, value, m.Scores, m.Trimmed)
	}
	total := WeightedTotal(criteria.Weights, means)
	batch.Queue(`INSERT INTO competition_results (county_id, competition_id, participant_id, total, rank, computed_at)
		VALUES ($1, $2, $3, $4, NULL, now())
		ON CONFLICT (county_id, competition_id, participant_id) DO UPDATE SET total = EXCLUDED.total, rank = NULL, computed_at = now()`,
		countyID, competitionID, participantID, total)
	if err := tx.SendBatch(ctx, &batch).Close(); err != nil {
		return 0, fmt.Errorf("write results of participant %d: %w", participantID, err)
	}
	return total, nil
}

// RankAll sets every result's rank from the totals written so far.
func RankAll(ctx context.Context, tx pgx.Tx, countyID, competitionID int64) error {
	rows, err := tx.Query(ctx, `SELECT participant_id, total::float8 FROM competition_results
		WHERE county_id = $1 AND competition_id = $2 ORDER BY participant_id`, countyID, competitionID)
	if err != nil {
		return fmt.Errorf("totals: %w", err)
	}
	var ids []int64
	var totals []float64
	var id int64
	var t float64
	if _, err := pgx.ForEachRow(rows, []any{&id, &t}, func() error { ids, totals = append(ids, id), append(totals, t); return nil }); err != nil {
		return fmt.Errorf("totals: %w", err)
	}
	ranks := Ranks(totals)
	_, err = tx.Exec(ctx, `UPDATE competition_results r SET rank = u.rank
		FROM unnest($3::bigint[], $4::int[]) AS u(participant_id, rank)
		WHERE r.county_id = $1 AND r.competition_id = $2 AND r.participant_id = u.participant_id`, countyID, competitionID, ids, ranks)
	if err != nil {
		return fmt.Errorf("ranks: %w", err)
	}
	return nil
}
