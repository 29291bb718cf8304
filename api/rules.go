package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao/cases"
)

// RuleBody is a dispatch rule: a category's cases, street-wide or within a
// community, zone or grid, go to a department under a responsible leader.
type RuleBody struct {
	ID           int64  `json:"id"`
	CategoryID   int64  `json:"category_id"`
	NodeID       int64  `json:"node_id,omitempty" doc:"a community, zone or grid; absent: the whole street"`
	DepartmentID int64  `json:"department_id"`
	Priority     int    `json:"priority" doc:"lower wins among equally specific rules"`
	LeaderName   string `json:"leader_name,omitempty" doc:"the responsible leader of its cases; absent: the department's head"`
}

func ruleBody(r cases.Rule) RuleBody {
	return RuleBody{ID: r.ID, CategoryID: r.CategoryID, NodeID: r.NodeID, DepartmentID: r.DepartmentID, Priority: r.Priority, LeaderName: r.LeaderName}
}

type ruleList struct {
	Body struct {
		Items []RuleBody `json:"items"`
	}
}

type createRuleInput struct {
	TenantPath
	Body struct {
		CategoryID   int64  `json:"category_id" minimum:"1"`
		NodeID       int64  `json:"node_id,omitempty" doc:"a community, zone or grid; absent: the whole street"`
		DepartmentID int64  `json:"department_id" minimum:"1"`
		Priority     int    `json:"priority,omitempty" minimum:"0" doc:"default 100"`
		LeaderName   string `json:"leader_name,omitempty" maxLength:"60"`
	}
}

type ruleOutput struct{ Body RuleBody }

type rulePath struct {
	TenantPath
	ID int64 `path:"id" minimum:"1"`
}

// PolicyBody is the deadlines of one grade, for a category or any.
type PolicyBody struct {
	ID              int64  `json:"id"`
	CategoryID      int64  `json:"category_id,omitempty" doc:"absent: any category"`
	Grade           string `json:"grade" enum:"general,major,serious,urgent"`
	AcceptHours     int    `json:"accept_hours"`
	CompleteHours   int    `json:"complete_hours"`
	RemindAtPercent []int  `json:"remind_at_percent" doc:"when to remind the department, in percent of each window"`
}

type policyList struct {
	Body struct {
		Items []PolicyBody `json:"items"`
	}
}

type setPolicyInput struct {
	TenantPath
	Body struct {
		CategoryID      int64  `json:"category_id,omitempty" doc:"absent: any category"`
		Grade           string `json:"grade" enum:"general,major,serious,urgent"`
		AcceptHours     int    `json:"accept_hours" minimum:"1"`
		CompleteHours   int    `json:"complete_hours" minimum:"1"`
		RemindAtPercent []int  `json:"remind_at_percent,omitempty" doc:"default 50 and 80; [] for no reminders"`
	}
}

type policyOutput struct{ Body PolicyBody }

type deadlinesInput struct {
	TenantPath
	CategoryID int64  `query:"category_id" minimum:"1" required:"true"`
	Grade      string `query:"grade" enum:"general,major,serious,urgent" required:"true"`
}

type deadlinesOutput struct {
	Body struct {
		AcceptHours     int   `json:"accept_hours"`
		CompleteHours   int   `json:"complete_hours"`
		RemindAtPercent []int `json:"remind_at_percent"`
		PolicyID        int64 `json:"policy_id,omitempty" doc:"absent: the built-in default"`
	}
}

func (s *Server) registerRules(api huma.API) {
	tags := []string{"Dispatch rules"}
	read, write := need{Resource: "category", Action: "read"}, need{Resource: "category", Action: "write"}
	tenantOp(s, api, huma.Operation{
		OperationID: "list-dispatch-rules", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/dispatch-rules", Tags: tags,
		Summary: "List dispatch rules", Description: "Live rules by category, street-wide ones first. A reported case matching one is dispatched on intake.",
	}, read, func(ctx context.Context, st street, in *TenantPath) (*ruleList, error) {
		rules, err := s.Cases.Rules(ctx, st.Scope)
		if err != nil {
			return nil, err
		}
		out := &ruleList{}
		out.Body.Items = make([]RuleBody, len(rules))
		for i, r := range rules {
			out.Body.Items[i] = ruleBody(r)
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "create-dispatch-rule", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/dispatch-rules", Tags: tags,
		Summary: "Add a dispatch rule", DefaultStatus: http.StatusCreated,
		Description: "One live rule per category and place: archive the old one first.",
	}, write, func(ctx context.Context, st street, in *createRuleInput) (*ruleOutput, error) {
		b := in.Body
		r, err := s.Cases.CreateRule(ctx, st.Scope, cases.Rule{CategoryID: b.CategoryID, NodeID: b.NodeID, DepartmentID: b.DepartmentID,
			Priority: b.Priority, LeaderName: b.LeaderName})
		if err != nil {
			return nil, err
		}
		return &ruleOutput{Body: ruleBody(r)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "archive-dispatch-rule", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/dispatch-rules/{id}/archive", Tags: tags,
		Summary: "Archive a dispatch rule", Description: "Kept for the record; it no longer matches.", DefaultStatus: http.StatusNoContent,
	}, write, func(ctx context.Context, st street, in *rulePath) (*struct{}, error) {
		return nil, s.Cases.ArchiveRule(ctx, st.Scope, in.ID)
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "list-deadline-policies", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/deadline-policies", Tags: tags,
		Summary: "List deadline policies", Description: "Acceptance and completion windows per category × grade; grades without a policy use the built-in defaults.",
	}, read, func(ctx context.Context, st street, in *TenantPath) (*policyList, error) {
		list, err := s.Cases.Policies(ctx, st.Scope)
		if err != nil {
			return nil, err
		}
		out := &policyList{}
		out.Body.Items = make([]PolicyBody, len(list))
		for i, p := range list {
			out.Body.Items[i] = policyBody(p)
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "set-deadline-policy", Method: http.MethodPut, Path: "/api/v1/tenants/{tenantCode}/deadline-policies", Tags: tags,
		Summary: "Set the deadlines of a category (or any) and grade", Description: "Creates or replaces the policy. Dispatches already made keep their deadlines.",
	}, write, func(ctx context.Context, st street, in *setPolicyInput) (*policyOutput, error) {
		b := in.Body
		p, err := s.Cases.SetPolicy(ctx, st.Scope, cases.DeadlinePolicy{CategoryID: b.CategoryID, Grade: b.Grade, AcceptHours: b.AcceptHours,
			CompleteHours: b.CompleteHours, RemindAtPercent: b.RemindAtPercent})
		if err != nil {
			return nil, err
		}
		return &policyOutput{Body: policyBody(p)}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "get-deadlines", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/deadlines", Tags: tags,
		Summary: "The deadlines a dispatch would get", Description: "For a category and grade: to prefill the dispatch dialog.",
	}, need{Resource: "case", Action: "dispatch"}, func(ctx context.Context, st street, in *deadlinesInput) (*deadlinesOutput, error) {
		d, err := s.Cases.DeadlinesFor(ctx, st.Scope, in.CategoryID, in.Grade)
		if err != nil {
			return nil, err
		}
		out := &deadlinesOutput{}
		out.Body.AcceptHours, out.Body.CompleteHours, out.Body.RemindAtPercent, out.Body.PolicyID = d.AcceptHours, d.CompleteHours, d.RemindAtPercent, d.PolicyID
		return out, nil
	})
}

func policyBody(p cases.DeadlinePolicy) PolicyBody {
	return PolicyBody{ID: p.ID, CategoryID: p.CategoryID, Grade: p.Grade, AcceptHours: p.AcceptHours, CompleteHours: p.CompleteHours,
		RemindAtPercent: p.RemindAtPercent}
}
