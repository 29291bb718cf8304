package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao/tenants"
)

// LedgerItem is one open item of the struck-off ledger (销号式台账): a
// dispatched case stays on its department's and leader's list until it is
// resolved, and is struck off then.
type LedgerItem struct {
	CaseID       int64
	TrackingCode string
	Title        string
	Grade        string
	Status       Status
	DepartmentID int64
	Department   string
	LeaderName   string
	AcceptDue    *time.Time
	CompleteDue  *time.Time
	Overdue      bool
}

// Ledger lists the open dispatched items the caller may see, grouped by
// department and leader, the soonest due first.
func (s *Service) Ledger(ctx context.Context, scope tenants.Scope, v Visibility) ([]LedgerItem, error) {
	where, args, err := v.where(Filter{})
	if err != nil {
		return nil, err
	}
	var out []LedgerItem
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, tracking_code, title, grade, status, department_id,
				(SELECT d.name FROM departments d WHERE d.tenant_id = cases.tenant_id AND d.id = cases.department_id), leader_name, accept_due, complete_due,
				(status = 'dispatched' AND accept_due < now()) OR complete_due < now()
			FROM cases WHERE `+where+` AND status IN ('dispatched', 'accepted')
			ORDER BY department_id, leader_name, complete_due, id`, append([]any{scope.TenantID}, args...)...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[LedgerItem])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return out, nil
}
