package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/tenants"
)

// Resident is the actor of what a resident does from the public pages: no
// name, whatever they gave when reporting.
var Resident = Actor{Name: "居民", Role: "resident"}

// Tracking is what the public status page shows of a case: its progress,
// the unit handling it and the answer, never a member of staff's name or an
// internal note.
type Tracking struct {
	TrackingCode       string
	Status             Status
	Service            string
	Place              string
	Description        string
	ReportedAt         time.Time
	ExpectedCompletion *time.Time // the completion deadline, while there is one to meet
	Department         string
	Result             string
	Answer             string
	Timeline           []PublicEvent
	Rating             *Rating // the latest rating, if any
	CanRate            bool
	ReopenUntil        *time.Time // set while the resident may still say "not satisfied"
}

// PublicEvent is a timeline line a resident may see.
type PublicEvent struct {
	At     time.Time
	Action string
	Status Status
	Note   string // the result, the answer, or the resident's own reason
}

// Rating is a resident's verdict on an answer.
type Rating struct {
	Score   int
	Comment string
	RatedAt time.Time
}

// publicActions are the timeline actions a resident sees; summons,
// supervision, escalation and the like are the street's business.
var publicActions = []string{"report", "dispatch", "accept", "return", "resolve", "self_resolve", "confirm", "close", "reopen", "merge", "cancel", "attach", "rate"}

// answered is where a case has an answer a resident can judge.
var answered = []Status{Resolved, Confirmed, Closed}

// caseOf finds the case a tracking code names, from the code alone, in a
// scope that sees that one case.
func (s *Service) caseOf(ctx context.Context, code string) (tenants.Scope, int64, error) {
	code, err := ParseTrackingCode(code)
	if err != nil {
		return tenants.Scope{}, 0, err
	}
	var tenantID, id int64
	err = s.db.Read(ctx, tenants.Scope{TrackingCode: code}, func(row pgx.Row) error {
		return row.Scan(&tenantID, &id)
	}, `SELECT tenant_id, id FROM cases WHERE tracking_code = $1`, code)
	if errors.Is(err, pgx.ErrNoRows) {
		return tenants.Scope{}, 0, fengqiao.Errorf(fengqiao.ENOTFOUND, "no case has tracking code %s", code)
	}
	if err != nil {
		return tenants.Scope{}, 0, fmt.Errorf("find case %s: %w", code, err)
	}
	return tenants.Scope{TenantID: tenantID}, id, nil
}

// Track returns the public view of the case with this tracking code.
func (s *Service) Track(ctx context.Context, code string) (Tracking, error) {
	t, err := s.asResident(ctx, code, false, func(pgx.Tx, int64, Case) (Case, error) { return Case{}, nil })
	if err != nil {
		return Tracking{}, fmt.Errorf("track case %s: %w", code, err)
	}
	return t, nil
}

// asResident finds the case of a tracking code, reads it (locked when the
// resident acts on it), runs act in the case's street and returns the
// public view of the case act returns (the case as read, when act returns
// a zero case).
func (s *Service) asResident(ctx context.Context, code string, lock bool, act func(tx pgx.Tx, tenantID int64, c Case) (Case, error)) (Tracking, error) {
	scope, id, err := s.caseOf(ctx, code)
	if err != nil {
		return Tracking{}, err
	}
	read := get
	if lock {
		read = getForUpdate
	}
	var t Tracking
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		c, err := read(ctx, tx, scope.TenantID, id)
		if err != nil {
			return err
		}
		after, err := act(tx, scope.TenantID, c)
		if err != nil {
			return err
		}
		if after.ID != 0 {
			c = after
		}
		t, err = tracking(ctx, tx, scope.TenantID, c)
		return err
	})
	return t, err
}

// Rate records a resident's rating of the current answer: one per answer.
func (s *Service) Rate(ctx context.Context, code string, score int, comment string) (Tracking, error) {
	comment = strings.TrimSpace(comment)
	var problems []fengqiao.FieldError
	if score < 1 || score > 5 {
		problems = append(problems, fengqiao.FieldError{Location: "body.score", Message: "a score from 1 to 5", Value: score})
	}
	if utf8.RuneCountInString(comment) > 500 {
		problems = append(problems, fengqiao.FieldError{Location: "body.comment", Message: "at most 500 characters"})
	}
	if len(problems) > 0 {
		return Tracking{}, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid rating", Fields: problems}
	}
	t, err := s.asResident(ctx, code, true, func(tx pgx.Tx, tenantID int64, c Case) (Case, error) {
		if !slices.Contains(answered, c.Status) || c.ResolvedAt == nil {
			return Case{}, fengqiao.Errorf(fengqiao.ECONFLICT, "the case has no answer to rate yet")
		}
		_, err := tx.Exec(ctx, `INSERT INTO case_ratings (tenant_id, case_id, resolved_at, score, comment) VALUES ($1, $2, $3, $4, $5)`,
			tenantID, c.ID, *c.ResolvedAt, score, comment)
		if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return Case{}, fengqiao.Errorf(fengqiao.ECONFLICT, "this answer has been rated already")
		}
		if err != nil {
			return Case{}, fmt.Errorf("insert rating: %w", err)
		}
		note := fmt.Sprintf("评价 %d 星", score)
		if comment != "" {
			note += "：" + comment
		}
		return Case{}, record(ctx, tx, tenantID, c.ID, Resident, "rate", c.Status, c.Status, note)
	})
	if err != nil {
		return Tracking{}, fmt.Errorf("rate case %s: %w", code, err)
	}
	return t, nil
}

// ResidentReopen is a resident saying "not satisfied" within the street's
// window after the answer: the case goes back to the centre's queue and the
// centre is told.
func (s *Service) ResidentReopen(ctx context.Context, code, reason string) (Tracking, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return Tracking{}, fengqiao.Invalid("body.reason", "say what is still wrong, in at most 500 characters", nil)
	}
	t, err := s.asResident(ctx, code, true, func(tx pgx.Tx, tenantID int64, c Case) (Case, error) {
		until, err := reopenUntil(ctx, tx, tenantID, c)
		if err != nil {
			return Case{}, err
		}
		if until == nil {
			return Case{}, fengqiao.Errorf(fengqiao.ECONFLICT, "the case can no longer be reopened from here: it has no answer yet, or the time to say so has passed; call the street's hotline")
		}
		var batch jobs.Batch
		if c, err = s.apply(ctx, tx, &batch, tenantID, Resident, c, Step{Action: Reopen, Note: reason}); err != nil {
			return Case{}, err
		}
		if err := jobs.Notify(ctx, tx, &batch, notifications.Notice{TenantID: tenantID, CaseID: c.ID, Audience: notifications.ToCenter,
			Kind: notifications.Reopened, Title: fmt.Sprintf("居民不满意，申请重新办理：%s %s", c.TrackingCode, c.Title), Body: reason}); err != nil {
			return Case{}, err
		}
		return c, batch.Insert(ctx, tx, s.jobs)
	})
	if err != nil {
		return Tracking{}, fmt.Errorf("reopen case %s for its resident: %w", code, err)
	}
	return t, nil
}

// reopenUntil is when the resident's window to reopen closes, counted from
// the answer (the close, else the resolution); nil when it is not open.
func reopenUntil(ctx context.Context, tx pgx.Tx, tenantID int64, c Case) (*time.Time, error) {
	answeredAt := c.ClosedAt
	if answeredAt == nil {
		answeredAt = c.ResolvedAt
	}
	if !slices.Contains(answered, c.Status) || answeredAt == nil {
		return nil, nil
	}
	var days int
	if err := tx.QueryRow(ctx, `SELECT reopen_window_days FROM tenants WHERE id = $1`, tenantID).Scan(&days); err != nil {
		return nil, fmt.Errorf("read the reopen window: %w", err)
	}
	until := answeredAt.AddDate(0, 0, days)
	if !time.Now().Before(until) {
		return nil, nil
	}
	return &until, nil
}

func tracking(ctx context.Context, tx pgx.Tx, tenantID int64, c Case) (Tracking, error) {
	t := Tracking{TrackingCode: c.TrackingCode, Status: c.Status, Service: c.CategoryName, Place: c.PlaceName,
		Description: c.Description, ReportedAt: c.ReportedAt, Department: c.DepartmentName, Result: c.Result, Answer: c.Answer}
	if slices.Contains([]Status{Dispatched, Accepted}, c.Status) {
		t.ExpectedCompletion = c.CompleteDue
	}
	rows, err := tx.Query(ctx, `SELECT at, action, to_status,
			CASE WHEN action IN ('resolve', 'self_resolve', 'close') OR (action = 'reopen' AND actor_role = 'resident') THEN note ELSE '' END
		FROM case_events WHERE tenant_id = $1 AND case_id = $2 AND action = ANY($3) ORDER BY at, id`, tenantID, c.ID, publicActions)
	if err != nil {
		return Tracking{}, err
	}
	if t.Timeline, err = pgx.CollectRows(rows, pgx.RowToStructByPos[PublicEvent]); err != nil {
		return Tracking{}, fmt.Errorf("read the public timeline: %w", err)
	}
	var r Rating
	var ratedAnswer time.Time
	err = tx.QueryRow(ctx, `SELECT score, comment, created_at, resolved_at FROM case_ratings
		WHERE tenant_id = $1 AND case_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1`, tenantID, c.ID).
		Scan(&r.Score, &r.Comment, &r.RatedAt, &ratedAnswer)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return Tracking{}, fmt.Errorf("read the rating: %w", err)
	default:
		t.Rating = &r
	}
	t.CanRate = slices.Contains(answered, c.Status) && c.ResolvedAt != nil && (t.Rating == nil || !ratedAnswer.Equal(*c.ResolvedAt))
	if t.ReopenUntil, err = reopenUntil(ctx, tx, tenantID, c); err != nil {
		return Tracking{}, err
	}
	return t, nil
}
