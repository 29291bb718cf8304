package cases

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/tenants"
)

// Visibility is what part of a street's cases a caller may read: the whole
// street, or the subtrees where their roles sit and the departments they
// belong to. The API computes it from the caller's roles.
type Visibility struct {
	Street        bool
	CommunityIDs  []int64
	ZoneIDs       []int64
	GridIDs       []int64
	NodeIDs       []int64 // buildings, or nodes without an ancestor column
	DepartmentIDs []int64
}

// Filter narrows a list. Zero values do not filter.
type Filter struct {
	Status       Status
	Channel      string
	TrackingCode string
	CategoryID   int64
	Grade        string
	SubtreeKind  tenants.Kind // with SubtreeID: cases located at or below that node
	SubtreeID    int64
	DepartmentID int64
	Overdue      bool
	From, To     time.Time // reported between
	Sort         Sort
	Cursor       string // from the previous page, of the same sort
	Limit        int
}

// Sort orders a list.
type Sort string

// The orders a list can take.
const (
	Newest  Sort = "newest"   // reported most recently first (the default)
	Oldest  Sort = "oldest"   // reported longest ago first
	DueSoon Sort = "due_soon" // the completion deadline nearest first; cases without one last
)

// noDue stands for "no deadline" in the due_soon order and its cursor.
var noDue = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// order is a sort's key expression, direction and the key of a case.
func (s Sort) order() (key, dir string, keyOf func(Case) time.Time) {
	switch s {
	case Oldest:
		return "reported_at", "ASC", func(c Case) time.Time { return c.ReportedAt }
	case DueSoon:
		return "coalesce(complete_due, '" + noDue.Format(time.RFC3339) + "')", "ASC", func(c Case) time.Time {
			if c.CompleteDue == nil {
				return noDue
			}
			return *c.CompleteDue
		}
	}
	return "reported_at", "DESC", func(c Case) time.Time { return c.ReportedAt }
}

// Page is one page of a list, newest first.
type Page struct {
	Cases      []Case
	NextCursor string // empty on the last page
}

// where builds the conditions shared by List and Counts; parameters start
// at $2 ($1 is the tenant).
func (v Visibility) where(f Filter) (string, []any, error) {
	conds := []string{"tenant_id = $1"}
	var args []any
	arg := func(x any) string {
		args = append(args, x)
		return "$" + strconv.Itoa(len(args)+1)
	}
	if !v.Street {
		var visible []string
		for col, ids := range map[string][]int64{"community_id": v.CommunityIDs, "zone_id": v.ZoneIDs, "grid_id": v.GridIDs,
			"node_id": v.NodeIDs, "department_id": v.DepartmentIDs} {
			if len(ids) > 0 {
				visible = append(visible, col+" = ANY("+arg(ids)+")")
			}
		}
		// A department also sees the cases it is summoned to.
		if len(v.DepartmentIDs) > 0 {
			visible = append(visible, `EXISTS (SELECT 1 FROM case_summons s WHERE s.tenant_id = cases.tenant_id AND s.case_id = cases.id
				AND s.department_id = ANY(`+arg(v.DepartmentIDs)+`))`)
		}
		if len(visible) == 0 {
			visible = []string{"false"}
		}
		conds = append(conds, "("+strings.Join(visible, " OR ")+")")
	}
	if f.Status != "" {
		conds = append(conds, "status = "+arg(string(f.Status)))
	}
	if f.Channel != "" {
		conds = append(conds, "channel = "+arg(f.Channel))
	}
	if f.TrackingCode != "" {
		conds = append(conds, "tracking_code = "+arg(strings.ToUpper(strings.TrimSpace(f.TrackingCode))))
	}
	if f.CategoryID != 0 {
		conds = append(conds, "category_id = "+arg(f.CategoryID))
	}
	if f.Grade != "" {
		conds = append(conds, "grade = "+arg(f.Grade))
	}
	if f.DepartmentID != 0 {
		conds = append(conds, "department_id = "+arg(f.DepartmentID))
	}
	if f.SubtreeID != 0 {
		switch f.SubtreeKind {
		case tenants.KindCommunity:
			conds = append(conds, "community_id = "+arg(f.SubtreeID))
		case tenants.KindZone:
			conds = append(conds, "zone_id = "+arg(f.SubtreeID))
		case tenants.KindGrid:
			conds = append(conds, "grid_id = "+arg(f.SubtreeID))
		case tenants.KindBuilding:
			conds = append(conds, "node_id = "+arg(f.SubtreeID))
		}
	}
	if f.Overdue {
		conds = append(conds, `((status = 'dispatched' AND accept_due < now()) OR (status IN ('dispatched', 'accepted') AND complete_due < now()))`)
	}
	if !f.From.IsZero() {
		conds = append(conds, "reported_at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		conds = append(conds, "reported_at < "+arg(f.To))
	}
	if f.Cursor != "" {
		cur, err := fengqiao.ParseCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		key, dir, _ := f.Sort.order()
		cmp := "<"
		if dir == "ASC" {
			cmp = ">"
		}
		conds = append(conds, fmt.Sprintf("(%s, id) %s (%s, %s)", key, cmp, arg(cur.At), arg(cur.ID)))
	}
	return strings.Join(conds, " AND "), args, nil
}

// List returns one page of the cases the caller may see, in the filter's order.
func (s *Service) List(ctx context.Context, scope tenants.Scope, v Visibility, f Filter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	where, args, err := v.where(f)
	if err != nil {
		return Page{}, err
	}
	key, dir, keyOf := f.Sort.order()
	var page Page
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM cases WHERE `+where+
			fmt.Sprintf(` ORDER BY %s %s, id %s LIMIT %d`, key, dir, dir, f.Limit+1), append([]any{scope.TenantID}, args...)...)
		if err != nil {
			return err
		}
		page.Cases, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Case, error) { return scanCase(r) })
		return err
	})
	if err != nil {
		return Page{}, fmt.Errorf("list cases: %w", err)
	}
	if len(page.Cases) > f.Limit {
		page.Cases = page.Cases[:f.Limit]
		last := page.Cases[f.Limit-1]
		page.NextCursor = fengqiao.Cursor{At: keyOf(last), ID: last.ID}.String()
	}
	return page, nil
}

// Counts returns the number of visible cases per status, and how many are
// overdue: the inbox badges.
func (s *Service) Counts(ctx context.Context, scope tenants.Scope, v Visibility) (map[Status]int, int, error) {
	where, args, err := v.where(Filter{})
	if err != nil {
		return nil, 0, err
	}
	counts := map[Status]int{}
	var overdue int
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT status, count(*),
				count(*) FILTER (WHERE (status = 'dispatched' AND accept_due < now()) OR (status IN ('dispatched', 'accepted') AND complete_due < now()))
			FROM cases WHERE `+where+` GROUP BY status`, append([]any{scope.TenantID}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var st Status
			var n, late int
			if err := rows.Scan(&st, &n, &late); err != nil {
				return err
			}
			counts[st], overdue = n, overdue+late
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("count cases: %w", err)
	}
	return counts, overdue, nil
}

// Location is where a case is and which departments work on it, for
// authorization before anything else is read.
type Location struct {
	NodeID       int64
	DepartmentID int64   // the department it is dispatched to; 0 if none
	Summoned     []int64 // departments summoned to it (吹哨报到)
}

// Locate returns a case's location.
func (s *Service) Locate(ctx context.Context, scope tenants.Scope, id int64) (Location, error) {
	var l Location
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT node_id, coalesce(department_id, 0),
				ARRAY(SELECT DISTINCT department_id FROM case_summons s WHERE s.tenant_id = c.tenant_id AND s.case_id = c.id)
			FROM cases c WHERE tenant_id = $1 AND id = $2`, scope.TenantID, id).Scan(&l.NodeID, &l.DepartmentID, &l.Summoned)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Location{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "case %d not found", id)
	}
	if err != nil {
		return Location{}, fmt.Errorf("locate case %d: %w", id, err)
	}
	return l, nil
}
