package scoring_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/competitions/scoring"
)

func TestTrimmedMeanDropsExtremesFromFiveScores(t *testing.T) {
	m := scoring.TrimmedMean([]float64{90, 80, 85, 70, 100}, 5)
	require.Equal(t, scoring.Mean{Value: 85, Scores: 5, Trimmed: true}, m, "100 and 70 dropped: (90+80+85)/3")
	m = scoring.TrimmedMean([]float64{40, 45, 50, 30, 40}, 5)
	require.Equal(t, 41.6667, m.Value, "rounded to 4 places")
}

func TestTrimmedMeanOfFourScoresIsThePlainMean(t *testing.T) {
	require.Equal(t, scoring.Mean{Value: 75.25, Scores: 4}, scoring.TrimmedMean([]float64{80, 90, 70, 61}, 5))
	// The threshold is configurable: at 4 the same scores are trimmed.
	require.Equal(t, scoring.Mean{Value: 75, Scores: 4, Trimmed: true}, scoring.TrimmedMean([]float64{80, 90, 70, 61}, 4))
	require.Equal(t, scoring.Mean{None: true}, scoring.TrimmedMean(nil, 5), "nobody scored it")
}

func TestWeightedTotalIsNotNormalised(t *testing.T) {
	require.Equal(t, 74.8333, scoring.WeightedTotal([]float64{0.5, 0.3, 0.2}, []float64{85, 80, 41.6667}))
	require.Equal(t, 200.0, scoring.WeightedTotal([]float64{1, 1}, []float64{120, 80}), "weights of 1 sum the means")
}

func TestRanksShareTiesAndSkip(t *testing.T) {
	require.Equal(t, []int{1, 2, 2, 4}, scoring.Ranks([]float64{90, 85, 85, 70}))
	require.Equal(t, []int{4, 2, 1, 2}, scoring.Ranks([]float64{70, 85, 90, 85}))
	require.Equal(t, []int{1, 1, 3}, scoring.Ranks([]float64{74.8333, 74.83330001, 67}))
	require.Empty(t, scoring.Ranks(nil))
}
