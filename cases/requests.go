package cases

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao/tenants"
)

// MaxRequests is the most cases one RequestQuery returns: Open311's cap on
// a GET requests answer.
const MaxRequests = 1000

// RequestQuery selects cases for an external channel's status query
// (Open311 GET requests). The conditions are ANDed; zero values do not
// filter.
type RequestQuery struct {
	TrackingCodes []string // in canonical form (ParseTrackingCode)
	CategoryIDs   []int64
	Statuses      []Status
	From, To      time.Time // reported between From and To, both included
	Limit         int       // 1..MaxRequests; anything else means MaxRequests
}

// Request is a case with the codes an external channel names its category
// and place by.
type Request struct {
	Case
	CategoryCode string
	NodeCode     string
}

// Requests returns the cases a query selects, newest first. It reads the
// whole street: the caller decides who may see it.
func (s *Service) Requests(ctx context.Context, scope tenants.Scope, q RequestQuery) ([]Request, error) {
	if q.Limit <= 0 || q.Limit > MaxRequests {
		q.Limit = MaxRequests
	}
	conds := []string{"tenant_id = $1"}
	args := []any{scope.TenantID}
	arg := func(x any) string {
		args = append(args, x)
		return "$" + strconv.Itoa(len(args))
	}
	if len(q.TrackingCodes) > 0 {
		conds = append(conds, "tracking_code = ANY("+arg(q.TrackingCodes)+")")
	}
	if len(q.CategoryIDs) > 0 {
		conds = append(conds, "category_id = ANY("+arg(q.CategoryIDs)+")")
	}
	if len(q.Statuses) > 0 {
		statuses := make([]string, len(q.Statuses))
		for i, st := range q.Statuses {
			statuses[i] = string(st)
		}
		conds = append(conds, "status = ANY("+arg(statuses)+")")
	}
	if !q.From.IsZero() {
		conds = append(conds, "reported_at >= "+arg(q.From))
	}
	if !q.To.IsZero() {
		conds = append(conds, "reported_at <= "+arg(q.To))
	}
	var out []Request
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+caseColumns+`,
				(SELECT k.code FROM case_categories k WHERE k.tenant_id = cases.tenant_id AND k.id = cases.category_id),
				(SELECT n.code FROM org_nodes n WHERE n.tenant_id = cases.tenant_id AND n.id = cases.node_id)
			FROM cases WHERE `+strings.Join(conds, " AND ")+
			fmt.Sprintf(` ORDER BY reported_at DESC, id DESC LIMIT %d`, q.Limit), args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Request, error) {
			var r Request
			c, err := scanCase(trailingColumns{Row: row, dest: []any{&r.CategoryCode, &r.NodeCode}})
			r.Case = c
			return r, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("query requests: %w", err)
	}
	return out, nil
}

// trailingColumns lets scanCase read a row that carries more columns after
// caseColumns, so that this query follows caseColumns as it changes.
type trailingColumns struct {
	pgx.Row
	dest []any
}

func (r trailingColumns) Scan(dest ...any) error {
	return r.Row.Scan(append(dest, r.dest...)...)
}
