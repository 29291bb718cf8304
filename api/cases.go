package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/tenants"
)

// CaseBody is a case as the API shows it.
type CaseBody struct {
	ID              int64      `json:"id" example:"42"`
	TrackingCode    string     `json:"tracking_code" example:"7K3M-9QXD-2HB" doc:"what the reporter uses to follow the case"`
	Channel         string     `json:"channel" enum:"qr,grid_report,hotline_12345,visit,petition,online,superior_assigned,screening"`
	CategoryID      int64      `json:"category_id"`
	CategoryName    string     `json:"category_name"`
	Grade           string     `json:"grade" enum:"general,major,serious,urgent" doc:"一般, 较大, 重大, 紧急"`
	Title           string     `json:"title" example:"楼道堆放杂物"`
	Description     string     `json:"description"`
	Status          string     `json:"status" enum:"reported,dispatched,accepted,resolved,confirmed,closed,cancelled,merged"`
	AllowedActions  []string   `json:"allowed_actions" doc:"the lifecycle steps possible now (the caller's permission is checked separately)"`
	NodeID          int64      `json:"node_id" doc:"the building or grid where it happened"`
	PlaceName       string     `json:"place_name" doc:"its community, grid and name" example:"东关社区 第1网格 1号楼"`
	Address         string     `json:"address,omitempty"`
	ReporterName    string     `json:"reporter_name,omitempty"`
	ReporterPhone   string     `json:"reporter_phone,omitempty" doc:"masked unless the caller may write cases here"`
	DepartmentID    int64      `json:"department_id,omitempty"`
	DepartmentName  string     `json:"department_name,omitempty"`
	LeaderName      string     `json:"leader_name,omitempty"`
	AcceptDue       *time.Time `json:"accept_due,omitempty"`
	CompleteDue     *time.Time `json:"complete_due,omitempty"`
	Result          string     `json:"result,omitempty"`
	Answer          string     `json:"answer,omitempty"`
	MergedInto      int64      `json:"merged_into,omitempty"`
	EscalationLevel int        `json:"escalation_level" minimum:"0" maximum:"3" doc:"how far up the chain missed deadlines or check-ins have taken it: 0 none, 1 centre leader, 2 street party secretary, 3 county (督办)"`
	ReportedAt      time.Time  `json:"reported_at"`
	DispatchedAt    *time.Time `json:"dispatched_at,omitempty"`
	AcceptedAt      *time.Time `json:"accepted_at,omitempty"`
	ResolvedAt      *time.Time `json:"resolved_at,omitempty"`
	ConfirmedAt     *time.Time `json:"confirmed_at,omitempty"`
	ClosedAt        *time.Time `json:"closed_at,omitempty"`
}

func caseBody(c cases.Case, showPhone bool) CaseBody {
	actions := []string{}
	for _, a := range cases.AllowedActions(c.Status) {
		actions = append(actions, string(a))
	}
	phone := c.ReporterPhone
	if !showPhone {
		phone = fengqiao.MaskPhone(phone)
	}
	return CaseBody{ID: c.ID, TrackingCode: c.TrackingCode, Channel: c.Channel, CategoryID: c.CategoryID, CategoryName: c.CategoryName, PlaceName: c.PlaceName, DepartmentName: c.DepartmentName, Grade: c.Grade, Title: c.Title,
		Description: c.Description, Status: string(c.Status), AllowedActions: actions, NodeID: c.NodeID, Address: c.Address,
		ReporterName: c.ReporterName, ReporterPhone: phone, DepartmentID: c.DepartmentID, LeaderName: c.LeaderName,
		AcceptDue: c.AcceptDue, CompleteDue: c.CompleteDue, Result: c.Result, Answer: c.Answer, MergedInto: c.MergedInto,
		EscalationLevel: c.EscalationLevel, ReportedAt: c.ReportedAt, DispatchedAt: c.DispatchedAt, AcceptedAt: c.AcceptedAt, ResolvedAt: c.ResolvedAt,
		ConfirmedAt: c.ConfirmedAt, ClosedAt: c.ClosedAt}
}

// EventBody is one line of a case's timeline.
type EventBody struct {
	At         time.Time `json:"at"`
	Actor      string    `json:"actor" example:"陈静"`
	ActorRole  string    `json:"actor_role,omitempty" example:"dispatcher"`
	Action     string    `json:"action" example:"dispatch"`
	FromStatus string    `json:"from_status,omitempty"`
	ToStatus   string    `json:"to_status"`
	Note       string    `json:"note,omitempty"`
}

type caseOutput struct{ Body CaseBody }

// SummonsBody is one department summoned to a case (吹哨报到).
type SummonsBody struct {
	ID             int64      `json:"id"`
	DepartmentID   int64      `json:"department_id"`
	DepartmentName string     `json:"department_name"`
	SummonedBy     string     `json:"summoned_by"`
	SummonedByRole string     `json:"summoned_by_role,omitempty"`
	Note           string     `json:"note,omitempty"`
	DueAt          time.Time  `json:"due_at" doc:"check in by then, or the case is escalated"`
	CreatedAt      time.Time  `json:"created_at"`
	CheckedInAt    *time.Time `json:"checked_in_at,omitempty"`
	CheckedInBy    string     `json:"checked_in_by,omitempty"`
	CheckInNote    string     `json:"check_in_note,omitempty"`
	Late           bool       `json:"late" doc:"checked in after due_at, or still not checked in and past it"`
}

func summonsBody(sm cases.Summons, now time.Time) SummonsBody {
	return SummonsBody{ID: sm.ID, DepartmentID: sm.DepartmentID, DepartmentName: sm.Department, SummonedBy: sm.SummonedBy, SummonedByRole: sm.SummonedByRole,
		Note: sm.Note, DueAt: sm.DueAt, CreatedAt: sm.CreatedAt, CheckedInAt: sm.CheckedInAt, CheckedInBy: sm.CheckedInBy,
		CheckInNote: sm.CheckInNote, Late: sm.Late(now)}
}

// AttachmentBody is a photo of a case; its bytes are at url.
type AttachmentBody struct {
	ID          int64     `json:"id"`
	Filename    string    `json:"filename"`
	ContentType string    `json:"content_type" enum:"image/jpeg,image/png,image/webp"`
	Size        int       `json:"size" doc:"bytes"`
	UploadedBy  string    `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url" doc:"where to GET the photo (with the same credentials)"`
}

func attachmentBody(tenantCode string, caseID int64, a cases.Attachment) AttachmentBody {
	return AttachmentBody{ID: a.ID, Filename: a.Filename, ContentType: a.ContentType, Size: a.Size, UploadedBy: a.UploadedBy,
		CreatedAt: a.CreatedAt, URL: fmt.Sprintf("/api/v1/tenants/%s/cases/%d/attachments/%d", tenantCode, caseID, a.ID)}
}

type caseDetailOutput struct {
	Body struct {
		CaseBody
		MyActions   []string         `json:"my_actions" doc:"what the caller may do now: the lifecycle steps their permission allows, and summon or check_in"`
		Timeline    []EventBody      `json:"timeline" doc:"every step, oldest first"`
		Summons     []SummonsBody    `json:"summons" doc:"departments summoned to the case, oldest first"`
		Attachments []AttachmentBody `json:"attachments" doc:"photos, oldest first"`
	}
}

// CasePath names a case; the case (its department and location) is the target.
type CasePath struct {
	TenantPath
	ID int64 `path:"id" minimum:"1"`
}

func (in *CasePath) targetCase() int64 { return in.ID }

type reportCaseInput struct {
	TenantPath
	Body struct {
		Channel       string `json:"channel" enum:"qr,grid_report,hotline_12345,visit,petition,online,superior_assigned,screening"`
		CategoryID    int64  `json:"category_id" minimum:"1"`
		Grade         string `json:"grade" enum:"general,major,serious,urgent"`
		Title         string `json:"title" minLength:"1" maxLength:"120" example:"楼道堆放杂物"`
		Description   string `json:"description,omitempty" maxLength:"5000"`
		NodeID        int64  `json:"node_id" minimum:"1" doc:"the building or grid where it happened"`
		Address       string `json:"address,omitempty" maxLength:"200"`
		ReporterName  string `json:"reporter_name,omitempty" maxLength:"60"`
		ReporterPhone string `json:"reporter_phone,omitempty" maxLength:"20"`
	}
}

func (in *reportCaseInput) targetNode() int64 { return in.Body.NodeID }

type listCasesInput struct {
	TenantPath
	Status       string    `query:"status" enum:"reported,dispatched,accepted,resolved,confirmed,closed,cancelled,merged"`
	Channel      string    `query:"channel" enum:"qr,grid_report,hotline_12345,visit,petition,online,superior_assigned,screening"`
	TrackingCode string    `query:"tracking_code" maxLength:"13" doc:"the case with this tracking code"`
	CategoryID   int64     `query:"category_id"`
	Grade        string    `query:"grade" enum:"general,major,serious,urgent"`
	NodeID       int64     `query:"node_id" doc:"cases at or below this node"`
	DepartmentID int64     `query:"department_id"`
	Overdue      bool      `query:"overdue" doc:"past the acceptance or completion deadline"`
	From         time.Time `query:"from" doc:"reported at or after"`
	To           time.Time `query:"to" doc:"reported before"`
	Sort         string    `query:"sort" enum:"newest,oldest,due_soon" default:"newest" doc:"newest or oldest report first, or the nearest completion deadline first"`
	Cursor       string    `query:"cursor" doc:"next_cursor of the previous page, with the same sort"`
	Limit        int       `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

type caseList struct {
	Body struct {
		Items      []CaseBody `json:"items"`
		NextCursor string     `json:"next_cursor,omitempty" doc:"absent on the last page"`
	}
}

type inboxOutput struct {
	Body struct {
		ByStatus map[string]int `json:"by_status" doc:"visible cases per status"`
		Overdue  int            `json:"overdue"`
	}
}

type stepInput struct {
	CasePath
	Body struct {
		Note         string    `json:"note,omitempty" maxLength:"2000" doc:"reason (return, cancel, reopen), result (resolve), answer (close)"`
		DepartmentID int64     `json:"department_id,omitempty" doc:"dispatch"`
		LeaderName   string    `json:"leader_name,omitempty" maxLength:"60" doc:"dispatch: the responsible leader"`
		AcceptDue    time.Time `json:"accept_due,omitempty" doc:"dispatch"`
		CompleteDue  time.Time `json:"complete_due,omitempty" doc:"dispatch"`
		MergeInto    int64     `json:"merge_into,omitempty" doc:"merge: the case this one duplicates"`
	}
}

// stepNeeds is who may take each step: the centre dispatches and closes
// the loop, the department handles, the reporter's side reports and may
// settle small matters on the spot.
var stepNeeds = map[cases.Action]need{
	cases.Dispatch:    {Resource: "case", Action: "dispatch"},
	cases.Accept:      {Resource: "case", Action: "handle"},
	cases.Return:      {Resource: "case", Action: "handle"},
	cases.Resolve:     {Resource: "case", Action: "handle"},
	cases.SelfResolve: {Resource: "case", Action: "write"},
	cases.Confirm:     {Resource: "case", Action: "confirm"},
	cases.Close:       {Resource: "case", Action: "confirm"},
	cases.Reopen:      {Resource: "case", Action: "confirm"},
	cases.Merge:       {Resource: "case", Action: "confirm"},
	cases.Cancel:      {Resource: "case", Action: "confirm"},
}

// stepSummaries describe the lifecycle operations, one per step.
var stepSummaries = map[cases.Action]string{
	cases.Dispatch:    "Dispatch to a department (分拨), or re-dispatch",
	cases.Accept:      "Accept a dispatched case (受理)",
	cases.Return:      "Return a wrong dispatch, with the reason",
	cases.Resolve:     "Report the result (化解)",
	cases.SelfResolve: "Resolve on the spot (自行处置)",
	cases.Confirm:     "Confirm the result (确认)",
	cases.Close:       "Answer the reporter and close (反馈)",
	cases.Reopen:      "Reopen",
	cases.Merge:       "Merge into the case it duplicates",
	cases.Cancel:      "Cancel, with the reason",
}

func (s *Server) registerCases(api huma.API) {
	tags := []string{"Cases"}
	read, write := need{Resource: "case", Action: "read"}, need{Resource: "case", Action: "write"}
	tenantOp(s, api, huma.Operation{
		OperationID: "report-case", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/cases", Tags: tags,
		Summary: "Report a case (上报)", DefaultStatus: http.StatusCreated,
		Description: "From any channel. The case gets a tracking code and the report is the first line of its timeline. Needs case:write at the place.",
	}, write, func(ctx context.Context, st street, in *reportCaseInput) (*caseOutput, error) {
		b := in.Body
		c, err := s.Cases.Report(ctx, st.Scope, s.actor(ctx, &st.Tenant, st.Chain), cases.NewCase{Channel: b.Channel,
			CategoryID: b.CategoryID, Grade: b.Grade, Title: b.Title, Description: b.Description, NodeID: b.NodeID, Address: b.Address,
			ReporterName: b.ReporterName, ReporterPhone: b.ReporterPhone})
		if err != nil {
			return nil, err
		}
		return &caseOutput{Body: caseBody(c, true)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "list-cases", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/cases", Tags: tags,
		Summary:     "List cases",
		Description: "Newest first, only what the caller may see: grid workers their grids, departments what was dispatched to them, the centre the whole street.",
	}, need{Resource: "case", Action: "read", anywhere: true}, func(ctx context.Context, st street, in *listCasesInput) (*caseList, error) {
		f := cases.Filter{Status: cases.Status(in.Status), Channel: in.Channel, TrackingCode: in.TrackingCode, CategoryID: in.CategoryID, Grade: in.Grade,
			DepartmentID: in.DepartmentID, Overdue: in.Overdue, From: in.From, To: in.To, Sort: cases.Sort(in.Sort), Cursor: in.Cursor, Limit: in.Limit}
		if in.NodeID != 0 {
			n, err := s.Tenants.Node(ctx, st.Scope, in.NodeID)
			if err != nil {
				return nil, err
			}
			f.SubtreeKind, f.SubtreeID = n.Kind, n.ID
		}
		v, err := s.caseVisibility(ctx, st)
		if err != nil {
			return nil, err
		}
		page, err := s.Cases.List(ctx, st.Scope, v, f)
		if err != nil {
			return nil, err
		}
		out := &caseList{}
		out.Body.Items, out.Body.NextCursor = make([]CaseBody, len(page.Cases)), page.NextCursor
		for i, c := range page.Cases {
			out.Body.Items[i] = caseBody(c, false)
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "case-inbox", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/cases/inbox", Tags: tags,
		Summary: "Inbox counts", Description: "Visible cases per status, and how many are overdue.",
	}, need{Resource: "case", Action: "read", anywhere: true}, func(ctx context.Context, st street, in *TenantPath) (*inboxOutput, error) {
		v, err := s.caseVisibility(ctx, st)
		if err != nil {
			return nil, err
		}
		counts, overdue, err := s.Cases.Counts(ctx, st.Scope, v)
		if err != nil {
			return nil, err
		}
		out := &inboxOutput{}
		out.Body.ByStatus, out.Body.Overdue = map[string]int{}, overdue
		for k, n := range counts {
			out.Body.ByStatus[string(k)] = n
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "get-case", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/cases/{id}", Tags: tags,
		Summary: "Get a case with its timeline",
	}, read, func(ctx context.Context, st street, in *CasePath) (*caseDetailOutput, error) {
		d, err := s.Cases.Get(ctx, st.Scope, in.ID)
		if err != nil {
			return nil, err
		}
		p, _ := principalFrom(ctx)
		out := &caseDetailOutput{}
		out.Body.CaseBody = caseBody(d.Case, s.can(p, &st.Tenant, st.Chain, write))
		out.Body.MyActions = s.myActions(p, st, d)
		out.Body.Timeline = make([]EventBody, len(d.Timeline))
		for i, e := range d.Timeline {
			out.Body.Timeline[i] = EventBody{At: e.At, Actor: e.Actor, ActorRole: e.ActorRole, Action: e.Action,
				FromStatus: string(e.FromStatus), ToStatus: string(e.ToStatus), Note: e.Note}
		}
		now := time.Now()
		out.Body.Summons = make([]SummonsBody, len(d.Summons))
		for i, sm := range d.Summons {
			out.Body.Summons[i] = summonsBody(sm, now)
		}
		out.Body.Attachments = make([]AttachmentBody, len(d.Attachments))
		for i, a := range d.Attachments {
			out.Body.Attachments[i] = attachmentBody(st.Code, d.ID, a)
		}
		return out, nil
	})
	for _, action := range []cases.Action{cases.Dispatch, cases.Accept, cases.Return, cases.Resolve, cases.SelfResolve,
		cases.Confirm, cases.Close, cases.Reopen, cases.Merge, cases.Cancel} {
		path := strings.ReplaceAll(string(action), "_", "-")
		tenantOp(s, api, huma.Operation{
			OperationID: path + "-case", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/cases/{id}/" + path, Tags: tags,
			Summary:     stepSummaries[action],
			Description: "A step the lifecycle does not allow now answers 409 naming the steps that are allowed.",
		}, stepNeeds[action], func(ctx context.Context, st street, in *stepInput) (*caseOutput, error) {
			b := in.Body
			c, err := s.Cases.Take(ctx, st.Scope, s.actor(ctx, &st.Tenant, st.Chain), in.ID, cases.Step{Action: action, Note: b.Note,
				DepartmentID: b.DepartmentID, LeaderName: b.LeaderName, AcceptDue: b.AcceptDue, CompleteDue: b.CompleteDue, MergeInto: b.MergeInto})
			if err != nil {
				return nil, err
			}
			return &caseOutput{Body: caseBody(c, true)}, nil
		})
	}
}

// LedgerItemBody is one open item of the struck-off ledger.
type LedgerItemBody struct {
	CaseID         int64      `json:"case_id"`
	TrackingCode   string     `json:"tracking_code"`
	Title          string     `json:"title"`
	Grade          string     `json:"grade" enum:"general,major,serious,urgent"`
	Status         string     `json:"status" enum:"dispatched,accepted"`
	DepartmentID   int64      `json:"department_id"`
	DepartmentName string     `json:"department_name"`
	LeaderName     string     `json:"leader_name"`
	AcceptDue      *time.Time `json:"accept_due,omitempty"`
	CompleteDue    *time.Time `json:"complete_due,omitempty"`
	Overdue        bool       `json:"overdue"`
}

type ledgerOutput struct {
	Body struct {
		Items []LedgerItemBody `json:"items" doc:"by department and leader, soonest due first"`
	}
}

type suggestionOutput struct {
	Body struct {
		Found        bool  `json:"found" doc:"false: no rule matches; the case stays in the centre's manual queue"`
		DepartmentID int64 `json:"department_id,omitempty"`
		RuleID       int64 `json:"rule_id,omitempty"`
	}
}

func (s *Server) registerCaseDesk(api huma.API) {
	tags := []string{"Cases"}
	tenantOp(s, api, huma.Operation{
		OperationID: "case-ledger", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/cases/ledger", Tags: tags,
		Summary:     "The struck-off ledger (销号式台账)",
		Description: "Every dispatched case not yet resolved, per department and responsible leader, with its deadlines. An item is struck off when resolved.",
	}, need{Resource: "case", Action: "read", anywhere: true}, func(ctx context.Context, st street, in *TenantPath) (*ledgerOutput, error) {
		v, err := s.caseVisibility(ctx, st)
		if err != nil {
			return nil, err
		}
		items, err := s.Cases.Ledger(ctx, st.Scope, v)
		if err != nil {
			return nil, err
		}
		out := &ledgerOutput{}
		out.Body.Items = make([]LedgerItemBody, len(items))
		for i, it := range items {
			out.Body.Items[i] = LedgerItemBody{CaseID: it.CaseID, TrackingCode: it.TrackingCode, Title: it.Title, Grade: it.Grade,
				Status: string(it.Status), DepartmentID: it.DepartmentID, DepartmentName: it.Department, LeaderName: it.LeaderName, AcceptDue: it.AcceptDue,
				CompleteDue: it.CompleteDue, Overdue: it.Overdue}
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "suggest-dispatch", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/cases/{id}/suggestion", Tags: tags,
		Summary: "Suggest a department for dispatch", Description: "The most specific dispatch rule for the case's category and place.",
	}, need{Resource: "case", Action: "dispatch"}, func(ctx context.Context, st street, in *CasePath) (*suggestionOutput, error) {
		rule, found, err := s.Cases.SuggestDepartment(ctx, st.Scope, in.ID)
		if err != nil {
			return nil, err
		}
		out := &suggestionOutput{}
		out.Body.Found = found
		if found {
			out.Body.DepartmentID, out.Body.RuleID = rule.DepartmentID, rule.ID
		}
		return out, nil
	})
}

// myActions are the steps the caller may take on a case now: allowed by
// the lifecycle and by their permission where the case is (its department
// and place, not a summoned department's), plus summoning and checking in.
func (s *Server) myActions(p Principal, st street, d cases.Detail) []string {
	chain := caseChain(st, d.DepartmentID)
	out := []string{}
	for _, a := range cases.AllowedActions(d.Status) {
		if s.can(p, &st.Tenant, chain, stepNeeds[a]) {
			out = append(out, string(a))
		}
	}
	if cases.Open(d.Status) && s.can(p, &st.Tenant, chain, need{Resource: "case", Action: "summon"}) {
		out = append(out, "summon")
	}
	for _, sm := range d.Summons {
		if sm.CheckedInAt == nil && s.can(p, &st.Tenant, departmentChain(st.Tenant, sm.DepartmentID), need{Resource: "case", Action: "handle"}) {
			out = append(out, "check_in")
			break
		}
	}
	return out
}

// caseChain is the chain of a case: its department (if dispatched), then
// its place in the tree.
func caseChain(st street, departmentID int64) []string {
	chain := nodeChain(st.Tenant, st.Node)
	if departmentID != 0 {
		chain = append([]string{deptDomain(departmentID)}, chain...)
	}
	return chain
}

// actor names the caller on the timeline, with the role they act in here.
func (s *Server) actor(ctx context.Context, t *tenants.Tenant, chain []string) cases.Actor {
	p, _ := principalFrom(ctx)
	if p.Credential == "api_key" {
		role, _ := p.keyRole(t)
		return cases.Actor{Name: "API key: " + p.Name, Role: string(role)}
	}
	roles := s.Authz.RolesAt(p.Subject, chain)
	a := cases.Actor{Name: p.Name}
	if len(roles) > 0 {
		a.Role = string(roles[0])
	}
	return a
}

// caseVisibility turns the caller's roles into the part of the street's
// cases they may read.
func (s *Server) caseVisibility(ctx context.Context, st street) (cases.Visibility, error) {
	p, _ := principalFrom(ctx)
	read := need{Resource: "case", Action: "read"}
	if s.can(p, &st.Tenant, streetChain(st.Tenant), read) {
		return cases.Visibility{Street: true}, nil
	}
	var v cases.Visibility
	for _, m := range p.Memberships {
		if m.TenantID != st.ID || !roleGrants(s.Authz, authz.Role(m.Role), read) {
			continue
		}
		if m.DepartmentID != 0 {
			v.DepartmentIDs = append(v.DepartmentIDs, m.DepartmentID)
			continue
		}
		n, err := s.Tenants.Node(ctx, st.Scope, m.NodeID)
		if err != nil {
			return cases.Visibility{}, err
		}
		switch n.Kind {
		case tenants.KindStreet:
			v.Street = true
		case tenants.KindCommunity:
			v.CommunityIDs = append(v.CommunityIDs, n.ID)
		case tenants.KindZone:
			v.ZoneIDs = append(v.ZoneIDs, n.ID)
		case tenants.KindGrid:
			v.GridIDs = append(v.GridIDs, n.ID)
		default:
			v.NodeIDs = append(v.NodeIDs, n.ID)
		}
	}
	return v, nil
}
