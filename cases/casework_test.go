package cases_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/cases"
)

func requireCode(t *testing.T, err error, code string) *fengqiao.Error {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, fengqiao.ErrorCode(err), "%v", err)
	var ferr *fengqiao.Error
	require.ErrorAs(t, err, &ferr)
	return ferr
}

func timeline(t *testing.T, b *bundle, id int64) []string {
	t.Helper()
	d, err := b.svc.Get(context.Background(), b.scopeA, id)
	require.NoError(t, err)
	var out []string
	for _, e := range d.Timeline {
		out = append(out, e.Action+": "+e.Note)
	}
	return out
}

func TestSummonAndCheckIn(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.report(t)
	community := cases.Actor{Name: "刘主任", Role: "community_staff"}

	_, err := b.svc.Summon(ctx, b.scopeA, community, c.ID, []int64{b.police, 999999}, 0, "")
	ferr := requireCode(t, err, fengqiao.EINVALID)
	var locations []string
	for _, f := range ferr.Fields {
		locations = append(locations, f.Location)
	}
	require.ElementsMatch(t, []string{"body.within_hours", "body.department_ids[1]"}, locations, "every bad field at once")

	list, err := b.svc.Summon(ctx, b.scopeA, community, c.ID, []int64{b.police}, 2, "漏水纠纷，请派出所到场")
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.WithinDuration(t, time.Now().Add(2*time.Hour), list[0].DueAt, time.Minute)

	_, err = b.svc.Summon(ctx, b.scopeA, community, c.ID, []int64{b.police}, 2, "")
	requireCode(t, err, fengqiao.ECONFLICT)

	_, err = b.svc.CheckIn(ctx, b.scopeA, b.dept, c.ID, b.police+1000, "")
	requireCode(t, err, fengqiao.ENOTFOUND)
	sm, err := b.svc.CheckIn(ctx, b.scopeA, b.dept, c.ID, b.police, "民警已到场")
	require.NoError(t, err)
	require.Equal(t, "张伟", sm.CheckedInBy)
	_, err = b.svc.CheckIn(ctx, b.scopeA, b.dept, c.ID, b.police, "")
	requireCode(t, err, fengqiao.ENOTFOUND) // checked in already: no open summons

	d, err := b.svc.Get(ctx, b.scopeA, c.ID)
	require.NoError(t, err)
	require.Len(t, d.Summons, 1)
	require.Equal(t, "派出所", d.Summons[0].Department)
	require.NotNil(t, d.Summons[0].CheckedInAt)
	tl := timeline(t, b, c.ID)
	require.Contains(t, tl[1], "summon: 召集 ")
	require.Equal(t, "check_in: 报到：民警已到场", tl[2])

	// A summoned department sees the case in its list.
	page, err := b.svc.List(ctx, b.scopeA, cases.Visibility{DepartmentIDs: []int64{b.police}}, cases.Filter{})
	require.NoError(t, err)
	require.Len(t, page.Cases, 1)

	_, err = b.svc.Take(ctx, b.scopeA, b.center, c.ID, cases.Step{Action: cases.Cancel, Note: "重复上报"})
	require.NoError(t, err)
	_, err = b.svc.Summon(ctx, b.scopeA, community, c.ID, []int64{b.police}, 2, "")
	requireCode(t, err, fengqiao.ECONFLICT)
}

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

func TestPhotosAreCheckedStoredAndOnTheTimeline(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c := b.report(t)
	photo := pngBytes(t)

	a, err := b.svc.Attach(ctx, b.scopeA, b.dept, c.ID, `C:\fakepath\楼道.png`, photo)
	require.NoError(t, err)
	require.Equal(t, "楼道.png", a.Filename)
	require.Equal(t, "image/png", a.ContentType, "the type comes from the bytes")
	got, data, err := b.svc.AttachmentData(ctx, b.scopeA, c.ID, a.ID)
	require.NoError(t, err)
	require.Equal(t, photo, data)
	require.Equal(t, a.ID, got.ID)

	_, err = b.svc.Attach(ctx, b.scopeA, b.dept, c.ID, "evil.png", []byte("<html><script>alert(1)</script>"))
	requireCode(t, err, fengqiao.EUNSUPPORTED)
	_, err = b.svc.Attach(ctx, b.scopeA, b.dept, c.ID, "big.png", append(photo, make([]byte, cases.MaxAttachmentBytes)...))
	requireCode(t, err, fengqiao.ETOOLARGE)
	_, err = b.svc.Attach(ctx, b.scopeA, b.dept, c.ID, "empty.png", nil)
	requireCode(t, err, fengqiao.EINVALID)
	for i := 1; i < cases.MaxAttachmentsPerCase; i++ {
		_, err = b.svc.Attach(ctx, b.scopeA, b.dept, c.ID, "p.png", photo)
		require.NoError(t, err)
	}
	_, err = b.svc.Attach(ctx, b.scopeA, b.dept, c.ID, "one-too-many.png", photo)
	requireCode(t, err, fengqiao.ECONFLICT)

	d, err := b.svc.Get(ctx, b.scopeA, c.ID)
	require.NoError(t, err)
	require.Len(t, d.Attachments, cases.MaxAttachmentsPerCase)
	require.Equal(t, "attach: 上传照片 楼道.png", timeline(t, b, c.ID)[1])

	// Another street neither reads the photo nor adds one.
	_, _, err = b.svc.AttachmentData(ctx, b.scopeB, c.ID, a.ID)
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = b.svc.Attach(ctx, b.scopeB, b.dept, c.ID, "x.png", photo)
	requireCode(t, err, fengqiao.ENOTFOUND)

	// Evidence is never changed: the app role may not update or delete it.
	err = b.tdb.Tx(ctx, b.scopeA, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE case_attachments SET filename = 'x' WHERE tenant_id = $1`, b.scopeA.TenantID)
		return err
	})
	require.ErrorContains(t, err, "42501")
}

func TestMergeKeepsBothTimelinesAndSuggestsDuplicates(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	first := b.report(t)
	second := b.report(t)
	other, err := b.svc.Report(ctx, b.scopeA, b.center, cases.NewCase{Channel: "visit", CategoryID: b.category, Grade: "general",
		Title: "另一件事", NodeID: b.building})
	require.NoError(t, err)
	_, err = b.svc.Take(ctx, b.scopeA, b.center, other.ID, cases.Step{Action: cases.Cancel, Note: "误报"})
	require.NoError(t, err)

	dups, err := b.svc.Duplicates(ctx, b.scopeA, second.ID)
	require.NoError(t, err)
	require.Len(t, dups, 1, "the cancelled case is no candidate")
	require.Equal(t, first.ID, dups[0].ID)

	_, err = b.svc.Take(ctx, b.scopeA, b.center, second.ID, cases.Step{Action: cases.Merge, MergeInto: second.ID})
	requireCode(t, err, fengqiao.EINVALID)
	_, err = b.svc.Take(ctx, b.scopeA, b.center, second.ID, cases.Step{Action: cases.Merge, MergeInto: other.ID})
	requireCode(t, err, fengqiao.EINVALID)
	merged, err := b.svc.Take(ctx, b.scopeA, b.center, second.ID, cases.Step{Action: cases.Merge, MergeInto: first.ID})
	require.NoError(t, err)
	require.Equal(t, cases.Merged, merged.Status)
	require.Equal(t, first.ID, merged.MergedInto)

	require.Equal(t, "merge: ", timeline(t, b, second.ID)[1])
	require.Equal(t, "absorb: 合并重复案件 "+second.TrackingCode+" 楼道堆放杂物", timeline(t, b, first.ID)[1])
}

func TestUrgentDispatchAlertsTheCentre(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	c, err := b.svc.Report(ctx, b.scopeA, b.center, cases.NewCase{Channel: "hotline_12345", CategoryID: b.category, Grade: "urgent",
		Title: "煤气泄漏", NodeID: b.building})
	require.NoError(t, err)
	_, err = b.svc.Take(ctx, b.scopeA, b.center, c.ID, b.dispatch())
	require.NoError(t, err)
	var kinds []string
	require.NoError(t, b.tdb.Tx(ctx, b.scopeA, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT kind || ':' || audience FROM notifications WHERE case_id = $1 ORDER BY id`, c.ID)
		if err != nil {
			return err
		}
		kinds, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	}))
	require.Equal(t, []string{"assignment:department", "urgent:center"}, kinds)
}

func TestIntakeDispatchesByRuleOrQueuesForTheCentre(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	queued := b.report(t)
	require.Equal(t, cases.Reported, queued.Status, "no rule: the centre's manual queue")

	_, err := b.svc.CreateRule(ctx, b.scopeA, cases.Rule{CategoryID: b.category, DepartmentID: b.police, LeaderName: "李所长"})
	require.NoError(t, err)
	before := time.Now()
	c := b.report(t)
	require.Equal(t, cases.Dispatched, c.Status)
	require.Equal(t, b.police, c.DepartmentID)
	require.Equal(t, "李所长", c.LeaderName)
	d, err := b.svc.DeadlinesFor(ctx, b.scopeA, b.category, "general")
	require.NoError(t, err)
	require.WithinDuration(t, before.Add(time.Duration(d.AcceptHours)*time.Hour), *c.AcceptDue, time.Minute)
	require.WithinDuration(t, before.Add(time.Duration(d.CompleteHours)*time.Hour), *c.CompleteDue, time.Minute)
	tl := timeline(t, b, c.ID)
	require.Len(t, tl, 2)
	require.Regexp(t, `^dispatch: 按分拨规则 \d+ 自动分拨$`, tl[1])

	dd, err := b.svc.Get(ctx, b.scopeA, c.ID)
	require.NoError(t, err)
	require.Equal(t, "system", dd.Timeline[1].Actor)
}

func TestListSortsAndPagesInEachOrder(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, b.report(t).ID)
	}
	now := time.Now()
	// Completion deadlines: case 3 soonest, then 0, then 4; 1 and 2 have none.
	for i, hours := range map[int]int{3: 10, 0: 20, 4: 30} {
		_, err := b.svc.Take(ctx, b.scopeA, b.center, ids[i], cases.Step{Action: cases.Dispatch, DepartmentID: b.police, LeaderName: "李所长",
			AcceptDue: now.Add(time.Hour), CompleteDue: now.Add(time.Duration(hours) * time.Hour)})
		require.NoError(t, err)
	}
	all := func(sort cases.Sort) []int64 {
		var out []int64
		f := cases.Filter{Sort: sort, Limit: 2}
		for {
			page, err := b.svc.List(ctx, b.scopeA, cases.Visibility{Street: true}, f)
			require.NoError(t, err)
			for _, c := range page.Cases {
				out = append(out, c.ID)
			}
			if page.NextCursor == "" {
				return out
			}
			f.Cursor = page.NextCursor
		}
	}
	require.Equal(t, []int64{ids[4], ids[3], ids[2], ids[1], ids[0]}, all(cases.Newest))
	require.Equal(t, ids, all(cases.Oldest))
	require.Equal(t, []int64{ids[3], ids[0], ids[4], ids[1], ids[2]}, all(cases.DueSoon))
}
