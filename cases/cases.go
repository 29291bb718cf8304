package cases

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/tenants"
)

// Channels a case comes in through.
var Channels = []string{"qr", "grid_report", "hotline_12345", "visit", "petition", "online", "superior_assigned", "screening"}

// Grades: 一般, 较大, 重大, 紧急.
var Grades = []string{"general", "major", "serious", "urgent"}

// Case is one resident problem or dispute.
type Case struct {
	ID            int64
	TrackingCode  string
	Channel       string
	CategoryID    int64
	Grade         string
	Title         string
	Description   string
	Status        Status
	NodeID        int64
	Address       string
	Latitude      *float64
	Longitude     *float64
	ReporterName  string
	ReporterPhone string
	DepartmentID  int64
	LeaderName    string
	AcceptDue     *time.Time
	CompleteDue   *time.Time
	Result        string
	Answer        string
	MergedInto    int64
	// EscalationLevel is how far up the chain missed deadlines and
	// check-ins have taken the case: 0 none, then centre leader, street
	// party secretary, county (jobs.Levels). Re-dispatch keeps it: the
	// delay is the case's, whoever has it now.
	EscalationLevel int
	ReportedAt      time.Time
	DispatchedAt    *time.Time
	AcceptedAt      *time.Time
	ResolvedAt      *time.Time
	ConfirmedAt     *time.Time
	ClosedAt        *time.Time
	UpdatedAt       time.Time
	// Names beside the ids, as lists show them.
	CategoryName   string
	DepartmentName string
	PlaceName      string // community, grid and the building (or grid) itself
}

// Event is one line of a case's timeline.
type Event struct {
	At         time.Time
	Actor      string
	ActorRole  string
	Action     string
	FromStatus Status // "" for the report itself
	ToStatus   Status
	Note       string
}

// Actor is who takes a step, as the timeline records it.
type Actor struct {
	Name string // a person's name, an API key's name, or "system"
	Role string
}

// NewCase is what a report carries.
type NewCase struct {
	Channel       string
	CategoryID    int64
	Grade         string
	Title         string
	Description   string
	NodeID        int64 // the building or grid where it happened
	Address       string
	Latitude      *float64 // optional, both or neither
	Longitude     *float64
	ReporterName  string
	ReporterPhone string

	// Photos go in with the report, in its transaction: a report is never
	// kept without the photos it came with.
	Photos []Photo
	// IdempotencyKey, when set, makes a repeated submission (a double tap,
	// a retry after a lost answer) return the case the first one made.
	IdempotencyKey string
	// ResidentFacing limits the category to those residents may choose.
	ResidentFacing bool
}

// Excerpt is the start of a resident's description on one line, at most 30
// characters and "…": what a case made from it shows as its title.
func Excerpt(description string) string {
	line := strings.Join(strings.Fields(description), " ")
	if utf8.RuneCountInString(line) <= 30 {
		return line
	}
	return string([]rune(line)[:30]) + "…"
}

// Service runs the closed loop.
type Service struct {
	db   *tenants.DB
	jobs jobs.Inserter // nil: no deadline jobs (see WithJobs)
}

// NewService returns a Service.
func NewService(db *tenants.DB) *Service { return &Service{db: db} }

func (in *NewCase) validate() []fengqiao.FieldError {
	in.Title, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	var problems []fengqiao.FieldError
	add := func(loc, msg string, v any) {
		problems = append(problems, fengqiao.FieldError{Location: loc, Message: msg, Value: v})
	}
	if !slices.Contains(Channels, in.Channel) {
		add("body.channel", "channel must be one of "+strings.Join(Channels, ", "), in.Channel)
	}
	if !slices.Contains(Grades, in.Grade) {
		add("body.grade", "grade must be one of "+strings.Join(Grades, ", "), in.Grade)
	}
	if in.Title == "" || utf8.RuneCountInString(in.Title) > 120 {
		add("body.title", "a title of 1 to 120 characters is required", in.Title)
	}
	if utf8.RuneCountInString(in.Description) > 5000 {
		add("body.description", "the description is longer than 5000 characters", nil)
	}
	switch {
	case (in.Latitude == nil) != (in.Longitude == nil):
		add("body.latitude", "give both latitude and longitude, or neither", nil)
	case in.Latitude != nil && (*in.Latitude < -90 || *in.Latitude > 90):
		add("body.latitude", "latitude must be between -90 and 90", *in.Latitude)
	case in.Longitude != nil && (*in.Longitude < -180 || *in.Longitude > 180):
		add("body.longitude", "longitude must be between -180 and 180", *in.Longitude)
	}
	if len(in.Photos) > MaxAttachmentsPerCase {
		add("body.photos", fmt.Sprintf("at most %d photos", MaxAttachmentsPerCase), len(in.Photos))
	}
	if in.IdempotencyKey != "" && !idempotencyKeyPattern.MatchString(in.IdempotencyKey) {
		add("header.Idempotency-Key", "16 to 64 letters, digits, - or _", in.IdempotencyKey)
	}
	return problems
}

var idempotencyKeyPattern = regexp.MustCompile(`^[0-9A-Za-z_-]{16,64}$`)

// Report takes a case in: validated, located in the tree, given a tracking
// code, with the report as the first line of its timeline.
func (s *Service) Report(ctx context.Context, scope tenants.Scope, by Actor, in NewCase) (Case, error) {
	c, _, err := s.ReportOnce(ctx, scope, by, in)
	return c, err
}

// ReportOnce is Report for submissions that may come twice: with an
// idempotency key it returns the case an earlier submission with the same
// key made, and says so.
func (s *Service) ReportOnce(ctx context.Context, scope tenants.Scope, by Actor, in NewCase) (created Case, replayed bool, err error) {
	problems := in.validate()
	if len(problems) > 0 && in.IdempotencyKey != "" {
		// Checked before the key is looked up: the key may be the problem.
		return Case{}, false, &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid case", Fields: problems}
	}
	photoTypes := make([]string, len(in.Photos))
	for i := range in.Photos {
		if photoTypes[i], err = checkPhoto(&in.Photos[i], "body.photos"); err != nil {
			return Case{}, false, err
		}
	}
	err = s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		at, err := intakePlace(ctx, tx, scope.TenantID, in)
		if err != nil {
			return err
		}
		if !at.placeLive {
			problems = append(problems, fengqiao.FieldError{Location: "body.node_id", Message: "no such place in this street", Value: in.NodeID})
		}
		if !at.category {
			problems = append(problems, fengqiao.FieldError{Location: "body.category_id", Message: "no such category in this street", Value: in.CategoryID})
		}
		if len(problems) > 0 {
			return &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid case", Fields: problems}
		}
		code, err := NewTrackingCode()
		if err != nil {
			return err
		}
		// A matching rule dispatches the case as it comes in (自动分拨):
		// the same statement writes it dispatched, with both timeline lines.
		var departmentID *int64
		var leader, dispatchNote string
		var acceptHours, completeHours *int
		if at.rule != nil {
			departmentID, leader = &at.rule.DepartmentID, at.rule.LeaderName
			if leader == "" {
				leader = DefaultLeader
			}
			dispatchNote = fmt.Sprintf("按分拨规则 %d 自动分拨", at.rule.ID)
			acceptHours, completeHours = &at.deadlines.AcceptHours, &at.deadlines.CompleteHours
		}
		created, err = scanCase(tx.QueryRow(ctx, `WITH c AS (
				INSERT INTO cases (tenant_id, tracking_code, channel, category_id, grade, title, description,
					node_id, community_id, zone_id, grid_id, address, latitude, longitude, reporter_name, reporter_phone, idempotency_key,
					status, department_id, leader_name, dispatched_at, accept_due, complete_due)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, nullif($17, ''),
					CASE WHEN $18::bigint IS NULL THEN 'reported' ELSE 'dispatched' END, $18, $19,
					CASE WHEN $18::bigint IS NOT NULL THEN now() END, now() + make_interval(hours => $20), now() + make_interval(hours => $21))
				ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
				RETURNING *),
			events AS (
				INSERT INTO case_events (tenant_id, case_id, actor, actor_role, action, from_status, to_status, note)
				SELECT tenant_id, id, $22, $23, 'report', NULL, 'reported', channel FROM c
				UNION ALL
				SELECT tenant_id, id, 'system', 'system', 'dispatch', 'reported', 'dispatched', $24 FROM c WHERE status = 'dispatched')
			SELECT `+caseColumns+` FROM c AS cases`,
			scope.TenantID, code, in.Channel, in.CategoryID, in.Grade, in.Title, in.Description,
			in.NodeID, at.communityID, at.zoneID, at.gridID, strings.TrimSpace(in.Address), in.Latitude, in.Longitude,
			strings.TrimSpace(in.ReporterName), strings.TrimSpace(in.ReporterPhone), in.IdempotencyKey,
			departmentID, leader, acceptHours, completeHours, by.Name, by.Role, dispatchNote))
		if errors.Is(err, pgx.ErrNoRows) && in.IdempotencyKey != "" {
			// The key's first submission made the case (the insert waited
			// for it to commit): this one is the same submission.
			created, err = scanCase(tx.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE tenant_id = $1 AND idempotency_key = $2`,
				scope.TenantID, in.IdempotencyKey))
			replayed = err == nil
			return err
		}
		if err != nil {
			return fmt.Errorf("insert case: %w", err)
		}
		for i, p := range in.Photos {
			if _, err := storePhoto(ctx, tx, scope.TenantID, created, by, p, photoTypes[i]); err != nil {
				return err
			}
		}
		if created.Status != Dispatched {
			return nil
		}
		var batch jobs.Batch
		if err := s.afterDispatch(ctx, tx, &batch, scope.TenantID, created, &at.deadlines); err != nil {
			return err
		}
		return batch.Insert(ctx, tx, s.jobs)
	})
	if err != nil {
		return Case{}, false, fmt.Errorf("report case: %w", err)
	}
	return created, replayed, nil
}

// Step is an action with what it needs.
type Step struct {
	Action       Action
	Note         string // reason (return, cancel, reopen), result (resolve), answer (close)
	DepartmentID int64  // dispatch
	LeaderName   string // dispatch
	AcceptDue    time.Time
	CompleteDue  time.Time
	MergeInto    int64 // merge
}

// Take applies a step to a case: the state machine decides whether it is
// legal; the case and its timeline change together.
func (s *Service) Take(ctx context.Context, scope tenants.Scope, by Actor, caseID int64, step Step) (Case, error) {
	step.Note = strings.TrimSpace(step.Note)
	var out Case
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		c, err := getForUpdate(ctx, tx, scope.TenantID, caseID)
		if err != nil {
			return err
		}
		var batch jobs.Batch
		if out, err = s.apply(ctx, tx, &batch, scope.TenantID, by, c, step); err != nil {
			return err
		}
		return batch.Insert(ctx, tx, s.jobs)
	})
	if err != nil {
		return Case{}, fmt.Errorf("%s case %d: %w", step.Action, caseID, err)
	}
	return out, nil
}

// apply takes a step on a case locked by the caller's transaction.
func (s *Service) apply(ctx context.Context, tx pgx.Tx, batch *jobs.Batch, tenantID int64, by Actor, c Case, step Step) (Case, error) {
	to, err := next(c.Status, step.Action)
	if err != nil {
		return Case{}, err
	}
	if err := step.check(); err != nil {
		return Case{}, err
	}
	var target Case
	if step.Action == Merge {
		if target, err = mergeTarget(ctx, tx, tenantID, c, step.MergeInto); err != nil {
			return Case{}, err
		}
	}
	set, args := step.changes(to)
	args = append([]any{tenantID, c.ID}, args...)
	out, err := scanCase(tx.QueryRow(ctx, `UPDATE cases SET `+set+`, updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING `+caseColumns, args...))
	if err != nil {
		return Case{}, fmt.Errorf("update case: %w", mapConflict(err))
	}
	if err := record(ctx, tx, tenantID, c.ID, by, string(step.Action), c.Status, to, step.Note); err != nil {
		return Case{}, err
	}
	if to == Closed || to == Cancelled || to == Merged {
		// The reporter's name and phone go once the case has stayed ended
		// for the retention period; updated_at is when it ended.
		if out.ReporterName != "" || out.ReporterPhone != "" {
			jobs.ScheduleErasure(batch, tenantID, out.ID, out.UpdatedAt)
		}
	}
	switch step.Action {
	case Dispatch:
		return out, s.afterDispatch(ctx, tx, batch, tenantID, out, nil)
	case Merge:
		// Both timelines keep the merge: the duplicate says where it
		// went, the case it joined says what joined it.
		return out, record(ctx, tx, tenantID, target.ID, by, "absorb", target.Status, target.Status,
			fmt.Sprintf("合并重复案件 %s %s", c.TrackingCode, c.Title))
	}
	return out, nil
}

// intake is what a report's place and category say: whether they are
// valid, the place's ancestors, and the dispatch rule and deadline policy
// that apply there.
type intake struct {
	communityID, zoneID, gridID *int64
	placeLive, category         bool
	rule                        *Rule // nil: no rule; the case waits in the centre's queue
	deadlines                   Deadlines
}

// intakePlace reads the intake in one round trip.
func intakePlace(ctx context.Context, tx pgx.Tx, tenantID int64, in NewCase) (intake, error) {
	var at intake
	var ruleID, ruleDepartment *int64
	var ruleLeader *string
	var policy DeadlinePolicy
	var policyID *int64
	var acceptHours, completeHours *int
	err := tx.QueryRow(ctx, `SELECT n.community_id, n.zone_id, n.grid_id, n.id IS NOT NULL AND n.archived_at IS NULL,
			EXISTS (SELECT 1 FROM case_categories WHERE tenant_id = $1 AND id = $2 AND archived_at IS NULL AND (resident_facing OR NOT $5)),
			r.id, r.department_id, r.leader_name, p.id, p.accept_hours, p.complete_hours, p.remind_at_percent
		FROM (SELECT $1::bigint AS tenant_id, $2::bigint AS category_id) k
		LEFT JOIN org_nodes n ON n.tenant_id = k.tenant_id AND n.id = $4
		CROSS JOIN LATERAL (SELECT k.tenant_id, k.category_id, n.community_id, n.zone_id, n.grid_id) at
		LEFT JOIN LATERAL (`+ruleAt+`) r ON true
		LEFT JOIN LATERAL (`+policyOf+`) p ON true`,
		tenantID, in.CategoryID, in.Grade, in.NodeID, in.ResidentFacing).
		Scan(&at.communityID, &at.zoneID, &at.gridID, &at.placeLive, &at.category,
			&ruleID, &ruleDepartment, &ruleLeader, &policyID, &acceptHours, &completeHours, &policy.RemindAtPercent)
	if err != nil {
		return intake{}, fmt.Errorf("read the place, category and dispatch rule: %w", err)
	}
	if ruleID != nil {
		at.rule = &Rule{ID: *ruleID, CategoryID: in.CategoryID, DepartmentID: *ruleDepartment, LeaderName: *ruleLeader}
	}
	var missing error = pgx.ErrNoRows
	if policyID != nil {
		missing = nil
		policy.ID, policy.AcceptHours, policy.CompleteHours = *policyID, *acceptHours, *completeHours
		if policy.RemindAtPercent == nil {
			policy.RemindAtPercent = []int{}
		}
	}
	at.deadlines, err = policyDeadlines(policy, missing, in.Grade)
	return at, err
}

// check validates what the action needs.
func (st Step) check() error {
	switch st.Action {
	case Dispatch:
		var problems []fengqiao.FieldError
		if st.DepartmentID == 0 {
			problems = append(problems, fengqiao.FieldError{Location: "body.department_id", Message: "dispatch names a department"})
		}
		if strings.TrimSpace(st.LeaderName) == "" {
			problems = append(problems, fengqiao.FieldError{Location: "body.leader_name", Message: "dispatch names the responsible leader"})
		}
		if st.AcceptDue.IsZero() || st.CompleteDue.IsZero() || st.CompleteDue.Before(st.AcceptDue) {
			problems = append(problems, fengqiao.FieldError{Location: "body.complete_due", Message: "dispatch sets an acceptance deadline and a later completion deadline"})
		}
		if len(problems) > 0 {
			return &fengqiao.Error{Code: fengqiao.EINVALID, Message: "invalid dispatch", Fields: problems}
		}
	case Return, Cancel, Reopen, Resolve, SelfResolve, Close:
		if st.Note == "" {
			return fengqiao.Invalid("body.note", fmt.Sprintf("%s needs a note (%s)", st.Action, noteMeaning[st.Action]), st.Note)
		}
	case Merge:
		if st.MergeInto == 0 {
			return fengqiao.Invalid("body.merge_into", "merge names the case to merge into", st.MergeInto)
		}
	}
	return nil
}

var noteMeaning = map[Action]string{Return: "why the dispatch is wrong", Cancel: "why", Reopen: "what is still wrong",
	Resolve: "the result", SelfResolve: "what was done on the spot", Close: "the answer to the reporter"}

// changes is the SET clause of an action; parameters start at $3.
func (st Step) changes(to Status) (string, []any) {
	set := []string{"status = $3"}
	args := []any{string(to)}
	add := func(col string, v any) {
		args = append(args, v)
		set = append(set, fmt.Sprintf("%s = $%d", col, len(args)+2))
	}
	switch st.Action {
	case Dispatch:
		add("department_id", st.DepartmentID)
		add("leader_name", strings.TrimSpace(st.LeaderName))
		add("accept_due", st.AcceptDue)
		add("complete_due", st.CompleteDue)
		set = append(set, "dispatched_at = now()")
	case Accept:
		set = append(set, "accepted_at = now()")
	case Return:
		set = append(set, "department_id = NULL", "accept_due = NULL", "complete_due = NULL", "return_count = return_count + 1")
	case Resolve, SelfResolve:
		add("result", st.Note)
		set = append(set, "resolved_at = now()")
	case Confirm:
		set = append(set, "confirmed_at = now()")
	case Close:
		add("answer", st.Note)
		set = append(set, "closed_at = now()")
	case Reopen:
		set = append(set, "reopen_count = reopen_count + 1", "resolved_at = NULL", "confirmed_at = NULL", "closed_at = NULL")
	case Merge:
		add("merged_into", st.MergeInto)
	}
	return strings.Join(set, ", "), args
}

// mapConflict reports a bad reference (a department or case of another
// street, or none at all) as a field error.
func mapConflict(err error) error {
	if msg := err.Error(); strings.Contains(msg, "23503") {
		return fengqiao.Invalid("body", "a referenced department or case does not exist in this street", nil)
	}
	return err
}

func record(ctx context.Context, tx pgx.Tx, tenantID, caseID int64, by Actor, action string, from, to Status, note string) error {
	var fromValue any
	if from != "" {
		fromValue = string(from)
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_events (tenant_id, case_id, actor, actor_role, action, from_status, to_status, note)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, tenantID, caseID, by.Name, by.Role, action, fromValue, string(to), note)
	if err != nil {
		return fmt.Errorf("record %s: %w", action, err)
	}
	return nil
}

// caseColumns reads a case, with the names a list shows beside the ids.
// The names are subqueries on the cases row, so that RETURNING can use
// them too.
const caseColumns = `id, tracking_code, channel, category_id, grade, title, description, status, node_id, address, latitude, longitude,
	reporter_name, reporter_phone, coalesce(department_id, 0), leader_name, accept_due, complete_due, result, answer,
	coalesce(merged_into, 0), escalation_level, reported_at, dispatched_at, accepted_at, resolved_at, confirmed_at, closed_at, updated_at,
	(SELECT k.name FROM case_categories k WHERE k.tenant_id = cases.tenant_id AND k.id = cases.category_id),
	coalesce((SELECT d.name FROM departments d WHERE d.tenant_id = cases.tenant_id AND d.id = cases.department_id), ''),
	concat_ws(' ', (SELECT n.name FROM org_nodes n WHERE n.tenant_id = cases.tenant_id AND n.id = cases.community_id AND n.id <> cases.node_id),
		(SELECT n.name FROM org_nodes n WHERE n.tenant_id = cases.tenant_id AND n.id = cases.grid_id AND n.id <> cases.node_id),
		(SELECT n.name FROM org_nodes n WHERE n.tenant_id = cases.tenant_id AND n.id = cases.node_id))`

func scanCase(row pgx.Row) (Case, error) {
	var c Case
	err := row.Scan(&c.ID, &c.TrackingCode, &c.Channel, &c.CategoryID, &c.Grade, &c.Title, &c.Description, &c.Status,
		&c.NodeID, &c.Address, &c.Latitude, &c.Longitude, &c.ReporterName, &c.ReporterPhone, &c.DepartmentID, &c.LeaderName, &c.AcceptDue, &c.CompleteDue,
		&c.Result, &c.Answer, &c.MergedInto, &c.EscalationLevel, &c.ReportedAt, &c.DispatchedAt, &c.AcceptedAt, &c.ResolvedAt, &c.ConfirmedAt, &c.ClosedAt, &c.UpdatedAt,
		&c.CategoryName, &c.DepartmentName, &c.PlaceName)
	return c, err
}

func get(ctx context.Context, tx pgx.Tx, tenantID, id int64) (Case, error) {
	return getWith(ctx, tx, `SELECT `+caseColumns+` FROM cases WHERE tenant_id = $1 AND id = $2`, tenantID, id)
}

// getForUpdate locks the case so that two steps on it serialise.
func getForUpdate(ctx context.Context, tx pgx.Tx, tenantID, id int64) (Case, error) {
	return getWith(ctx, tx, `SELECT `+caseColumns+` FROM cases WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, id)
}

func getWith(ctx context.Context, tx pgx.Tx, sql string, tenantID, id int64) (Case, error) {
	c, err := scanCase(tx.QueryRow(ctx, sql, tenantID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Case{}, fengqiao.Errorf(fengqiao.ENOTFOUND, "case %d not found", id)
	}
	return c, err
}

// Detail is a case with everything recorded about it.
type Detail struct {
	Case
	Timeline    []Event // oldest first
	Summons     []Summons
	Attachments []Attachment
}

// Get returns a case with its timeline, summonses and photos.
func (s *Service) Get(ctx context.Context, scope tenants.Scope, id int64) (Detail, error) {
	var d Detail
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) (err error) {
		if d.Case, err = get(ctx, tx, scope.TenantID, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT at, actor, actor_role, action, coalesce(from_status, ''), to_status, note
			FROM case_events WHERE tenant_id = $1 AND case_id = $2 ORDER BY at, id`, scope.TenantID, id)
		if err != nil {
			return err
		}
		if d.Timeline, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Event]); err != nil {
			return err
		}
		if d.Summons, err = summonsOf(ctx, tx, scope.TenantID, id); err != nil {
			return err
		}
		d.Attachments, err = attachmentsOf(ctx, tx, scope.TenantID, id)
		return err
	})
	if err != nil {
		return Detail{}, fmt.Errorf("get case %d: %w", id, err)
	}
	return d, nil
}

// mergeTarget checks the case a duplicate is merged into: another case of
// the street, itself neither merged nor ended.
func mergeTarget(ctx context.Context, tx pgx.Tx, tenantID int64, dup Case, targetID int64) (Case, error) {
	if targetID == dup.ID {
		return Case{}, fengqiao.Invalid("body.merge_into", "a case cannot be merged into itself", targetID)
	}
	target, err := getForUpdate(ctx, tx, tenantID, targetID)
	var ferr *fengqiao.Error
	if errors.As(err, &ferr) && ferr.Code == fengqiao.ENOTFOUND {
		return Case{}, fengqiao.Invalid("body.merge_into", "no such case in this street", targetID)
	}
	if err != nil {
		return Case{}, err
	}
	if target.Status == Merged || target.Status == Cancelled {
		return Case{}, fengqiao.Invalid("body.merge_into", fmt.Sprintf("case %s is %s; merge into the case it went to, or a live one", target.TrackingCode, target.Status), targetID)
	}
	return target, nil
}

// DuplicateWindow is how far apart two reports of the same building and
// category may be to count as possible duplicates.
const DuplicateWindow = 14 * 24 * time.Hour

// Duplicates suggests what a case may duplicate: open cases of the same
// place and category reported within DuplicateWindow of it, nearest first.
func (s *Service) Duplicates(ctx context.Context, scope tenants.Scope, id int64) ([]Case, error) {
	var out []Case
	err := s.db.Tx(ctx, scope, func(tx pgx.Tx) error {
		c, err := get(ctx, tx, scope.TenantID, id)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+caseColumns+` FROM cases
			WHERE tenant_id = $1 AND node_id = $2 AND category_id = $3 AND id <> $4
			  AND status IN ('reported', 'dispatched', 'accepted', 'resolved')
			  AND reported_at BETWEEN $5::timestamptz - $6::interval AND $5::timestamptz + $6::interval
			ORDER BY abs(extract(epoch FROM reported_at - $5::timestamptz)), id LIMIT 20`,
			scope.TenantID, c.NodeID, c.CategoryID, c.ID, c.ReportedAt, DuplicateWindow)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Case, error) { return scanCase(row) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("duplicates of case %d: %w", id, err)
	}
	return out, nil
}
