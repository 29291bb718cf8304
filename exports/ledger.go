package exports

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/cases"
)

// KindCaseLedger is the case ledger: the cases of a street (or, for county
// staff, of every street) that the requester may list, with the list's
// filters.
const KindCaseLedger = "case_ledger"

// LedgerFilters are the case list's filters, as the requester chose them.
type LedgerFilters struct {
	Status       string     `json:"status,omitempty"`
	Channel      string     `json:"channel,omitempty"`
	TrackingCode string     `json:"tracking_code,omitempty"`
	CategoryID   int64      `json:"category_id,omitempty"`
	Grade        string     `json:"grade,omitempty"`
	NodeID       int64      `json:"node_id,omitempty"` // cases at or below this node
	DepartmentID int64      `json:"department_id,omitempty"`
	Overdue      bool       `json:"overdue,omitempty"`
	From         *time.Time `json:"from,omitempty"` // reported at or after
	To           *time.Time `json:"to,omitempty"`   // reported before
	Sort         string     `json:"sort,omitempty"` // newest (default), oldest, due_soon
}

// The values the filters take, and how the sheet says them.
var (
	statusNames = map[string]string{"reported": "已上报", "dispatched": "已分拨", "accepted": "已受理", "resolved": "已化解",
		"confirmed": "已确认", "closed": "已办结", "cancelled": "已撤销", "merged": "已合并"}
	channelNames = map[string]string{"qr": "扫码上报", "grid_report": "网格上报", "hotline_12345": "12345热线", "visit": "来访",
		"petition": "信访", "online": "网上反映", "superior_assigned": "上级交办", "screening": "排查发现"}
	gradeNames = map[string]string{"general": "一般", "major": "较大", "serious": "重大", "urgent": "紧急"}
	sorts      = []string{"newest", "oldest", "due_soon"}
)

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// checkLedger validates the filters; a county-wide export takes only the
// filters that mean the same in every street.
func checkLedger(raw json.RawMessage, countyWide bool) (json.RawMessage, error) {
	var f LedgerFilters
	if err := decodeStrict(raw, &f); err != nil {
		return nil, err
	}
	var problems []fengqiao.FieldError
	bad := func(field, msg string, v any) {
		problems = append(problems, fengqiao.FieldError{Location: "body.filters." + field, Message: msg, Value: v})
	}
	enum := func(field, v string, allowed []string) {
		if v != "" && !slices.Contains(allowed, v) {
			bad(field, "expected one of "+strings.Join(allowed, ", "), v)
		}
	}
	enum("status", f.Status, keys(statusNames))
	enum("channel", f.Channel, keys(channelNames))
	enum("grade", f.Grade, keys(gradeNames))
	enum("sort", f.Sort, sorts)
	if len(f.TrackingCode) > 13 {
		bad("tracking_code", "expected at most 13 characters", f.TrackingCode)
	}
	for field, id := range map[string]int64{"category_id": f.CategoryID, "node_id": f.NodeID, "department_id": f.DepartmentID} {
		if id < 0 {
			bad(field, "expected a positive id", id)
		} else if id > 0 && countyWide {
			bad(field, "a county-wide export cannot filter by one street's "+strings.TrimSuffix(field, "_id"), id)
		}
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		bad("to", "expected a time after from", f.To)
	}
	if len(problems) > 0 {
		slices.SortFunc(problems, func(a, b fengqiao.FieldError) int { return strings.Compare(a.Location, b.Location) })
		return nil, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "the filters are not valid", Fields: problems}
	}
	return json.Marshal(f)
}

var caseLedger = Kind{
	Name:  KindCaseLedger,
	Title: "案件台账",
	Check: checkLedger,
	Columns: func(countyWide bool) []Column {
		cols := []Column{{Header: "编号", Type: Number, Width: 9}}
		if countyWide {
			cols = append(cols, Column{Header: "街道（乡镇）", Width: 14})
		}
		return append(cols,
			Column{Header: "跟踪码", Width: 16},
			Column{Header: "标题", Width: 30},
			Column{Header: "类别", Width: 14},
			Column{Header: "等级", Width: 7},
			Column{Header: "状态", Width: 9},
			Column{Header: "来源渠道", Width: 11},
			Column{Header: "地点", Width: 28},
			Column{Header: "地址", Width: 24},
			Column{Header: "承办部门", Width: 16},
			Column{Header: "责任领导", Width: 10},
			Column{Header: "上报时间", Type: DateTime, Width: 17},
			Column{Header: "分拨时间", Type: DateTime, Width: 17},
			Column{Header: "受理期限", Type: DateTime, Width: 17},
			Column{Header: "办结期限", Type: DateTime, Width: 17},
			Column{Header: "化解时间", Type: DateTime, Width: 17},
			Column{Header: "办结时间", Type: DateTime, Width: 17},
			Column{Header: "督办级别", Type: Number, Width: 9},
			Column{Header: "是否超期", Width: 9},
		)
	},
	Count: func(ctx context.Context, tx pgx.Tx, job Job) (int64, error) {
		where, args, err := ledgerWhere(ctx, tx, job)
		if err != nil {
			return 0, err
		}
		var n int64
		err = tx.QueryRow(ctx, `SELECT count(*) FROM cases c WHERE `+where, args...).Scan(&n)
		return n, err
	},
	Rows: ledgerRows,
}

// overdueSQL is the list's "overdue" condition on cases c.
const overdueSQL = `((c.status = 'dispatched' AND c.accept_due < now()) OR (c.status IN ('dispatched', 'accepted') AND c.complete_due < now()))`

// LedgerSQL returns the ledger's query and arguments for job, as Rows runs
// it (the benchmark compares it with COPY of the same query).
func LedgerSQL(ctx context.Context, tx pgx.Tx, job Job) (string, []any, error) {
	where, args, err := ledgerWhere(ctx, tx, job)
	if err != nil {
		return "", nil, err
	}
	var f LedgerFilters
	_ = json.Unmarshal(job.Filters, &f)
	order := "c.reported_at DESC, c.id DESC"
	switch f.Sort {
	case "oldest":
		order = "c.reported_at, c.id"
	case "due_soon":
		order = "c.complete_due NULLS LAST, c.id"
	}
	street := ""
	if job.CountyWide {
		street = "(SELECT t.name FROM tenants t WHERE t.id = c.tenant_id), "
	}
	return `SELECT c.id, ` + street + `c.tracking_code, c.title, coalesce(k.name, ''), c.grade, c.status, c.channel,
			concat_ws(' ', cn.name, gn.name, nn.name), c.address, coalesce(d.name, ''), c.leader_name,
			c.reported_at, c.dispatched_at, c.accept_due, c.complete_due, c.resolved_at, c.closed_at, c.escalation_level, ` + overdueSQL + `
		FROM cases c
		LEFT JOIN case_categories k ON k.tenant_id = c.tenant_id AND k.id = c.category_id
		LEFT JOIN departments d ON d.tenant_id = c.tenant_id AND d.id = c.department_id
		LEFT JOIN org_nodes cn ON cn.tenant_id = c.tenant_id AND cn.id = c.community_id AND cn.id <> c.node_id
		LEFT JOIN org_nodes gn ON gn.tenant_id = c.tenant_id AND gn.id = c.grid_id AND gn.id <> c.node_id
		LEFT JOIN org_nodes nn ON nn.tenant_id = c.tenant_id AND nn.id = c.node_id
		WHERE ` + where + ` ORDER BY ` + order, args, nil
}

func ledgerRows(ctx context.Context, tx pgx.Tx, job Job, emit func([]any) error) error {
	query, args, err := LedgerSQL(ctx, tx, job)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("query ledger: %w", err)
	}
	defer rows.Close()
	var (
		id                                                    int64
		street, code, title, category, grade, status, channel string
		place, address, department, leader                    string
		reported                                              time.Time
		dispatched, acceptDue, completeDue, resolved, closed  *time.Time
		level                                                 int
		overdue                                               bool
	)
	dest := []any{&id}
	if job.CountyWide {
		dest = append(dest, &street)
	}
	dest = append(dest, &code, &title, &category, &grade, &status, &channel, &place, &address, &department, &leader,
		&reported, &dispatched, &acceptDue, &completeDue, &resolved, &closed, &level, &overdue)
	row := make([]any, 0, len(dest))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		row = append(row[:0], id)
		if job.CountyWide {
			row = append(row, street)
		}
		yes := "否"
		if overdue {
			yes = "是"
		}
		row = append(row, code, title, category, gradeNames[grade], statusNames[status], channelNames[channel], place, address,
			department, leader, reported, dispatched, acceptDue, completeDue, resolved, closed, level, yes)
		if err := emit(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ledgerWhere is the case list's visibility and filters (cases.Visibility
// and cases.Filter, as cases/list.go applies them) on cases c. Parameters
// start at $1. TestLedgerMatchesTheList holds the two to the same rows.
func ledgerWhere(ctx context.Context, tx pgx.Tx, job Job) (string, []any, error) {
	var f LedgerFilters
	if err := json.Unmarshal(job.Filters, &f); err != nil {
		return "", nil, fmt.Errorf("read filters: %w", err)
	}
	var args []any
	arg := func(x any) string {
		args = append(args, x)
		return "$" + strconv.Itoa(len(args))
	}
	var conds []string
	if job.CountyWide {
		conds = append(conds, "c.tenant_id IN (SELECT t.id FROM tenants t WHERE t.county_id = "+arg(job.Scope.CountyID)+")")
	} else {
		tenant := arg(job.Scope.TenantID)
		conds = append(conds, "c.tenant_id = "+tenant)
		var v cases.Visibility
		if err := json.Unmarshal(job.Visibility, &v); err != nil {
			return "", nil, fmt.Errorf("read visibility: %w", err)
		}
		if !v.Street {
			var visible []string
			for _, part := range []struct {
				col string
				ids []int64
			}{{"community_id", v.CommunityIDs}, {"zone_id", v.ZoneIDs}, {"grid_id", v.GridIDs}, {"node_id", v.NodeIDs}, {"department_id", v.DepartmentIDs}} {
				if len(part.ids) > 0 {
					visible = append(visible, "c."+part.col+" = ANY("+arg(part.ids)+")")
				}
			}
			if len(v.DepartmentIDs) > 0 { // a department also sees the cases it is summoned to
				visible = append(visible, `EXISTS (SELECT 1 FROM case_summons s WHERE s.tenant_id = c.tenant_id AND s.case_id = c.id
					AND s.department_id = ANY(`+arg(v.DepartmentIDs)+`))`)
			}
			if len(visible) == 0 {
				visible = []string{"false"}
			}
			conds = append(conds, "("+strings.Join(visible, " OR ")+")")
		}
		if f.NodeID != 0 {
			var kind string
			err := tx.QueryRow(ctx, `SELECT kind FROM org_nodes WHERE tenant_id = $1 AND id = $2`, job.Scope.TenantID, f.NodeID).Scan(&kind)
			if err != nil && err != pgx.ErrNoRows {
				return "", nil, fmt.Errorf("read node: %w", err)
			}
			switch kind {
			case "street":
			case "community":
				conds = append(conds, "c.community_id = "+arg(f.NodeID))
			case "zone":
				conds = append(conds, "c.zone_id = "+arg(f.NodeID))
			case "grid":
				conds = append(conds, "c.grid_id = "+arg(f.NodeID))
			default: // a building, or a node gone since
				conds = append(conds, "c.node_id = "+arg(f.NodeID))
			}
		}
		if f.CategoryID != 0 {
			conds = append(conds, "c.category_id = "+arg(f.CategoryID))
		}
		if f.DepartmentID != 0 {
			conds = append(conds, "c.department_id = "+arg(f.DepartmentID))
		}
	}
	if f.Status != "" {
		conds = append(conds, "c.status = "+arg(f.Status))
	}
	if f.Channel != "" {
		conds = append(conds, "c.channel = "+arg(f.Channel))
	}
	if f.TrackingCode != "" {
		conds = append(conds, "c.tracking_code = "+arg(strings.ToUpper(strings.TrimSpace(f.TrackingCode))))
	}
	if f.Grade != "" {
		conds = append(conds, "c.grade = "+arg(f.Grade))
	}
	if f.Overdue {
		conds = append(conds, overdueSQL)
	}
	if f.From != nil {
		conds = append(conds, "c.reported_at >= "+arg(*f.From))
	}
	if f.To != nil {
		conds = append(conds, "c.reported_at < "+arg(*f.To))
	}
	return strings.Join(conds, " AND "), args, nil
}
