// Package scoring is the arithmetic of an observation competition (观摩评比)
// and the SQL that turns a competition's scores into its results. It sits
// below both competitions (the service) and jobs (the River worker that
// runs it), so neither imports the other for it.
//
// The rules:
//   - Trimmed mean per participant × criterion: with at least N scores (N
//     is the competition's drop_extremes_min_judges, default 5) the one
//     highest and the one lowest score are dropped; below N it is the plain
//     mean.
//   - A missing score (a judge who did not score that participant on that
//     criterion) is left out of that mean: N counts the scores present.
//     The service refuses to start scoring while scores are missing unless
//     the county forces it; a criterion nobody scored counts 0.
//   - Weighted total = Σ weight × trimmed mean. Weights are NOT normalised:
//     weights 0.4/0.3/0.3 give a total on the criteria's scale, weights of
//     1 give the plain sum.
//   - Ranks are standard competition ranking ("1224"): equal totals (to 4
//     decimal places) share a rank and the next rank skips.
package scoring

import (
	"math"
	"slices"
	"sort"
)

// DefaultDropExtremesMinJudges is the default trim threshold.
const DefaultDropExtremesMinJudges = 5

// Mean is one participant's trimmed mean on one criterion.
type Mean struct {
	Value   float64 // 0 when there are no scores
	Scores  int     // how many scores there were
	Trimmed bool    // the highest and lowest were dropped
	None    bool    // nobody scored it
}

// TrimmedMean is the mean of scores, dropping the highest and the lowest
// when there are at least minJudges of them.
func TrimmedMean(scores []float64, minJudges int) Mean {
	if len(scores) == 0 {
		return Mean{None: true}
	}
	s := slices.Clone(scores)
	slices.Sort(s)
	m := Mean{Scores: len(s)}
	if minJudges > 0 && len(s) >= minJudges && len(s) >= 3 {
		s = s[1 : len(s)-1]
		m.Trimmed = true
	}
	var sum float64
	for _, v := range s {
		sum += v
	}
	m.Value = Round(sum / float64(len(s)))
	return m
}

// Round keeps 4 decimal places, as the results tables store them.
func Round(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// WeightedTotal is Σ weights[i] × means[i] (weights not normalised).
func WeightedTotal(weights, means []float64) float64 {
	var t float64
	for i, w := range weights {
		t += w * means[i]
	}
	return Round(t)
}

// Ranks gives each total its standard competition rank: highest first,
// equal totals share a rank, the next rank skips (1, 2, 2, 4).
func Ranks(totals []float64) []int {
	idx := make([]int, len(totals))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return Round(totals[idx[a]]) > Round(totals[idx[b]]) })
	ranks := make([]int, len(totals))
	for pos, i := range idx {
		if pos > 0 && Round(totals[i]) == Round(totals[idx[pos-1]]) {
			ranks[i] = ranks[idx[pos-1]]
		} else {
			ranks[i] = pos + 1
		}
	}
	return ranks
}
