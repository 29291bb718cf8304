// Package situation is the situational dashboard (态势): what a street, or
// the whole county, has on its hands — intake, open and overdue cases, how
// much is resolved — broken down by channel, category, grade and place, with
// a daily trend; and the live signal that tells dashboards a case changed.
package situation

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// MaxDays bounds the period a dashboard covers.
const MaxDays = 366

// Totals are the headline figures. Received and Resolved count the
// period's cases (cancelled and merged ones are not cases); Open and
// Overdue are the cases still in hand now, whenever they came in: reported,
// dispatched or accepted, and of those the ones past a deadline.
type Totals struct {
	Received       int
	Resolved       int
	ResolutionRate *float64 // Resolved / Received; nil without cases
	Today          int      // reported since midnight, Beijing time
	Open           int
	Overdue        int
}

// Count is one slice of a breakdown.
type Count struct {
	Key      string // channel, grade, or an id as text; "" for cases without one
	Name     string
	Received int // in the period
	Resolved int // of those
	Open     int // now
	Overdue  int // now
}

// Day is one day of the trend.
type Day struct {
	Date     string // YYYY-MM-DD, Beijing time
	Received int
	Resolved int
}

// Snapshot is a dashboard at one moment.
type Snapshot struct {
	From, To    time.Time
	GeneratedAt time.Time
	Totals      Totals
	ByChannel   []Count
	ByCategory  []Count
	ByGrade     []Count
	ByPlace     []Count // a street: its communities; the county: its streets
	Heat        []Count // a street: every grid; the county: every street
	Trend       []Day
}

// Service reads dashboards.
type Service struct{ db *tenants.DB }

// NewService returns a Service.
func NewService(db *tenants.DB) *Service { return &Service{db: db} }

// period is the last days days up to now, from a midnight in Beijing, and
// today's midnight.
func period(days int, now time.Time) (from, today time.Time, err error) {
	if days < 1 || days > MaxDays {
		return time.Time{}, time.Time{}, fengqiao.Invalid("query.days", fmt.Sprintf("from 1 to %d days", MaxDays), days)
	}
	today = time.Date(now.In(fengqiao.China).Year(), now.In(fengqiao.China).Month(), now.In(fengqiao.China).Day(), 0, 0, 0, 0, fengqiao.China)
	return today.AddDate(0, 0, 1-days), today, nil
}

// grouping is how a grouped scan breaks its rows down: the SELECT list's
// dimension and key columns, and its GROUPING SETS (each dimension, and the
// total).
type grouping struct{ columns, sets string }

// groupBy builds a grouping of dimensions, each a column and its key as text.
func groupBy(dims ...[2]string) grouping {
	var dim, key, sets strings.Builder
	for _, d := range dims {
		fmt.Fprintf(&dim, " WHEN GROUPING(%s) = 0 THEN '%s'", d[0], d[0])
		fmt.Fprintf(&key, " WHEN GROUPING(%s) = 0 THEN %s", d[0], d[1])
		fmt.Fprintf(&sets, "(%s), ", d[0])
	}
	return grouping{columns: "CASE" + dim.String() + " ELSE 'total' END, coalesce(CASE" + key.String() + " END, '')",
		sets: "GROUPING SETS (" + sets.String() + "())"}
}

// The breakdowns of what is in hand, and of the period's intake (by day too).
var (
	breakdowns     = [][2]string{{"channel", "channel"}, {"grade", "grade"}, {"category", "category::text"}, {"place", "place::text"}, {"heat", "heat::text"}}
	openGrouping   = groupBy(breakdowns...)
	periodGrouping = groupBy(append(breakdowns, [2]string{"day", "to_char(day, 'YYYY-MM-DD')"})...)
)

// open and overdue, as SQL over a cases row.
const (
	openSQL    = `status IN ('reported', 'dispatched', 'accepted')`
	overdueSQL = `((status = 'dispatched' AND accept_due < now()) OR (status IN ('dispatched', 'accepted') AND complete_due < now()))`
)

// Street is one street's dashboard over the last days days.
func (s *Service) Street(ctx context.Context, scope tenants.Scope, days int) (Snapshot, error) {
	return s.snapshot(ctx, scope, days, level{
		where: `tenant_id = $1`, arg: scope.TenantID,
		place: "community_id", heat: "grid_id",
		names: `SELECT 'category', id::text, name FROM case_categories WHERE tenant_id = $1
			UNION ALL SELECT 'place', id::text, name FROM org_nodes WHERE tenant_id = $1 AND kind = 'community' AND archived_at IS NULL
			UNION ALL SELECT 'heat', id::text, name FROM org_nodes WHERE tenant_id = $1 AND kind = 'grid' AND archived_at IS NULL`,
	})
}

// County is a county's dashboard over the last days days: every street of
// it, read through the county's scope.
func (s *Service) County(ctx context.Context, scope tenants.Scope, days int) (Snapshot, error) {
	// Categories are each street's own; the county adds them up by name.
	return s.snapshot(ctx, scope, days, level{
		where: `tenant_id IN (SELECT id FROM tenants WHERE county_id = $1)`, arg: scope.CountyID,
		category: `(SELECT k.name FROM case_categories k WHERE k.tenant_id = cases.tenant_id AND k.id = cases.category_id)`,
		// The county's heat cells are its streets, as its places are: one
		// grouping serves both (the same column twice is one to the planner).
		place: "tenant_id", heat: noHeat,
		names: `SELECT 'place', id::text, name FROM tenants WHERE county_id = $1`,
	})
}

// noHeat is a heat column of one empty cell, for a level whose heat view is
// its places.
const noHeat = "NULL::bigint"

// level is what differs between a street's dashboard and the county's.
type level struct {
	where    string // the cases of the dashboard; $1 is arg
	arg      int64
	category string // the category key expression; default category_id
	place    string // the column of ByPlace
	heat     string // the column of Heat
	names    string // (kind, key, name) rows naming categories, places and heat cells
}

func (s *Service) snapshot(ctx context.Context, scope tenants.Scope, days int, lv level) (Snapshot, error) {
	now := time.Now()
	from, today, err := period(days, now)
	if err != nil {
		return Snapshot{}, err
	}
	to := now
	category := lv.category
	if category == "" {
		category = "category_id"
	}
	snap := Snapshot{From: from, To: to, GeneratedAt: now}
	counts := map[string]map[string]*Count{}
	count := func(dim, key string) *Count {
		if counts[dim] == nil {
			counts[dim] = map[string]*Count{}
		}
		c := counts[dim][key]
		if c == nil {
			c = &Count{Key: key}
			counts[dim][key] = c
		}
		return c
	}
	trend := map[string]*Day{}
	// Three reads, each in its own scoped transaction and connection, at
	// the same time: the dashboard waits for the slowest, not the sum.
	var mu sync.Mutex
	var g errgroup.Group
	g.Go(func() error {
		return s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
			// The period's cases, once, in every breakdown at the same time.
			rows, err := tx.Query(ctx, `WITH p AS (
					SELECT channel, grade, `+category+` AS category, `+lv.place+` AS place, `+lv.heat+` AS heat,
						(reported_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
						status IN ('resolved', 'confirmed', 'closed') AS resolved, reported_at >= $4 AS today
					FROM cases WHERE `+lv.where+` AND reported_at >= $2 AND reported_at < $3 AND status NOT IN ('cancelled', 'merged'))
				SELECT `+periodGrouping.columns+`,
					count(*), count(*) FILTER (WHERE resolved), count(*) FILTER (WHERE today)
				FROM p GROUP BY `+periodGrouping.sets,
				lv.arg, from, to, today)
			if err != nil {
				return fmt.Errorf("period breakdown: %w", err)
			}
			var dim, key string
			var received, resolved, todays int
			_, err = pgx.ForEachRow(rows, []any{&dim, &key, &received, &resolved, &todays}, func() error {
				mu.Lock()
				defer mu.Unlock()
				switch dim {
				case "total":
					snap.Totals.Received, snap.Totals.Resolved, snap.Totals.Today = received, resolved, todays
				case "day":
					trend[key] = &Day{Date: key, Received: received, Resolved: resolved}
				default:
					c := count(dim, key)
					c.Received, c.Resolved = received, resolved
				}
				return nil
			})
			return err
		})
	})
	g.Go(func() error {
		return s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
			// What is in hand now, however old.
			rows, err := tx.Query(ctx, `WITH o AS (
					SELECT grade, `+category+` AS category, `+lv.place+` AS place, `+lv.heat+` AS heat, channel,
						`+overdueSQL+` AS overdue
					FROM cases WHERE `+lv.where+` AND `+openSQL+`)
				SELECT `+openGrouping.columns+`,
					count(*), count(*) FILTER (WHERE overdue)
				FROM o GROUP BY `+openGrouping.sets, lv.arg)
			if err != nil {
				return fmt.Errorf("open cases: %w", err)
			}
			var dim, key string
			var open, overdue int
			_, err = pgx.ForEachRow(rows, []any{&dim, &key, &open, &overdue}, func() error {
				mu.Lock()
				defer mu.Unlock()
				if dim == "total" {
					snap.Totals.Open, snap.Totals.Overdue = open, overdue
					return nil
				}
				c := count(dim, key)
				c.Open, c.Overdue = open, overdue
				return nil
			})
			return err
		})
	})
	var names [][3]string
	g.Go(func() error {
		return s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
			rows, err := tx.Query(ctx, lv.names, lv.arg)
			if err != nil {
				return fmt.Errorf("names: %w", err)
			}
			var dim, key, name string
			_, err = pgx.ForEachRow(rows, []any{&dim, &key, &name}, func() error {
				names = append(names, [3]string{dim, key, name})
				return nil
			})
			return err
		})
	})
	err = g.Wait()
	// Names, and every place of the heat view, including quiet ones.
	for _, n := range names {
		if dim, key := n[0], n[1]; dim == "heat" || dim == "place" || counts[dim][key] != nil {
			count(dim, key).Name = n[2]
		}
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("situation: %w", err)
	}
	if snap.Totals.Received > 0 {
		r := float64(snap.Totals.Resolved) / float64(snap.Totals.Received)
		snap.Totals.ResolutionRate = &r
	}
	snap.ByChannel = ranked(counts["channel"])
	snap.ByGrade = ranked(counts["grade"])
	snap.ByCategory = ranked(counts["category"])
	snap.ByPlace = ranked(counts["place"])
	snap.Heat = ranked(counts["heat"])
	if lv.heat == noHeat {
		snap.Heat = snap.ByPlace
	}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		key := d.In(fengqiao.China).Format("2006-01-02")
		if day := trend[key]; day != nil {
			snap.Trend = append(snap.Trend, *day)
		} else {
			snap.Trend = append(snap.Trend, Day{Date: key})
		}
	}
	return snap, nil
}

// ranked lists a breakdown busiest first: received, then open, then key.
func ranked(m map[string]*Count) []Count {
	out := make([]Count, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Received != b.Received {
			return a.Received > b.Received
		}
		if a.Open != b.Open {
			return a.Open > b.Open
		}
		return a.Key < b.Key
	})
	return out
}
