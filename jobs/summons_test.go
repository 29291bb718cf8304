package jobs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/jobs"
)

// summonsJob finds the check job a summons scheduled, and its time.
func (b *bundle) summonsJob(t *testing.T, summonsID int64) (*river.Job[jobs.SummonsArgs], time.Time) {
	t.Helper()
	var raw []byte
	var id int64
	var at time.Time
	err := b.db.Owner.QueryRow(context.Background(), `SELECT id, args, scheduled_at FROM river_job WHERE kind = 'case_summons_due'
		AND (args->>'summons_id')::bigint = $1`, summonsID).Scan(&id, &raw, &at)
	require.NoError(t, err)
	var args jobs.SummonsArgs
	require.NoError(t, json.Unmarshal(raw, &args))
	return &river.Job[jobs.SummonsArgs]{JobRow: &rivertype.JobRow{ID: id, Kind: args.Kind(), EncodedArgs: raw}, Args: args}, at
}

func (b *bundle) summon(t *testing.T) (cases.Case, cases.Summons) {
	t.Helper()
	c, err := b.svc.Report(context.Background(), b.scope, cases.Actor{Name: "周强", Role: "grid_worker"}, cases.NewCase{
		Channel: "grid_report", CategoryID: b.category, Grade: "major", Title: "邻里漏水纠纷", NodeID: b.building})
	require.NoError(t, err)
	list, err := b.svc.Summon(context.Background(), b.scope, cases.Actor{Name: "刘主任", Role: "community_staff"}, c.ID, []int64{b.police}, 2, "到现场协调")
	require.NoError(t, err)
	require.Len(t, list, 1)
	return c, list[0]
}

func TestMissedCheckInEscalatesLikeADeadline(t *testing.T) {
	b := setup(t)
	c, sm := b.summon(t)
	job, at := b.summonsJob(t, sm.ID)
	require.WithinDuration(t, sm.DueAt, at, time.Second, "the check runs when the check-in is due")

	require.NoError(t, (&jobs.SummonsWorker{DB: b.tdb}).Work(context.Background(), job))
	s := b.state(t, c.ID)
	require.Equal(t, 1, s.level)
	require.Equal(t, []string{"center_leader:summons"}, s.supervisions)
	require.Equal(t, []string{"summons:department", "escalation:center"}, s.notifications)
	require.Equal(t, []string{"reported→reported:system"}, s.supervises, "the escalation is on the timeline; the status stays")
}

func TestCheckedInSummonsIsNotEscalated(t *testing.T) {
	b := setup(t)
	c, sm := b.summon(t)
	got, err := b.svc.CheckIn(context.Background(), b.scope, cases.Actor{Name: "王警官", Role: "department_staff"}, c.ID, b.police, "已到场")
	require.NoError(t, err)
	require.NotNil(t, got.CheckedInAt)
	require.False(t, got.Late(time.Now()), "checked in before the due time")

	job, _ := b.summonsJob(t, sm.ID)
	require.NoError(t, (&jobs.SummonsWorker{DB: b.tdb}).Work(context.Background(), job))
	s := b.state(t, c.ID)
	require.Zero(t, s.level)
	require.Empty(t, s.supervisions)
}
