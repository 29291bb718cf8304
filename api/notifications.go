package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/notifications"
)

// NotificationBody is one notification as its reader sees it.
type NotificationBody struct {
	ID           int64      `json:"id"`
	CaseID       int64      `json:"case_id,omitempty"`
	DepartmentID int64      `json:"department_id,omitempty"`
	Audience     string     `json:"audience" enum:"department,center,street,county" doc:"who it went to"`
	Kind         string     `json:"kind" enum:"assignment,reminder,escalation,summons,urgent,reopened"`
	Title        string     `json:"title"`
	Body         string     `json:"body,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	ReadAt       *time.Time `json:"read_at,omitempty" doc:"when the caller read it; absent while unread"`
}

type listNotificationsInput struct {
	TenantPath
	Unread bool   `query:"unread" doc:"only what the caller has not read"`
	Cursor string `query:"cursor" doc:"next_cursor of the previous page"`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

type notificationList struct {
	Body struct {
		Items      []NotificationBody `json:"items" doc:"newest first"`
		Unread     int                `json:"unread" doc:"how many the caller has not read, in all"`
		NextCursor string             `json:"next_cursor,omitempty"`
	}
}

type notificationPath struct {
	TenantPath
	ID int64 `path:"id" minimum:"1"`
}

type markedOutput struct {
	Body struct {
		Marked int `json:"marked" doc:"how many were unread until now"`
	}
}

func (s *Server) registerNotifications(api huma.API) {
	tags := []string{"Notifications"}
	anyCaseReader := need{Resource: "case", Action: "read", anywhere: true}
	tenantOp(s, api, huma.Operation{
		OperationID: "list-notifications", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/notifications", Tags: tags,
		Summary:     "List my notifications",
		Description: "What the caller's roles in the street bring them: a department's assignments, reminders, summons and escalations; the centre's urgent cases and escalations; the street's and the county's escalations. Read state is the caller's own.",
	}, anyCaseReader, func(ctx context.Context, st street, in *listNotificationsInput) (*notificationList, error) {
		r, err := s.reader(ctx, st)
		if err != nil {
			return nil, err
		}
		page, err := s.Notifications.List(ctx, st.Scope, r, in.Unread, in.Cursor, in.Limit)
		if err != nil {
			return nil, err
		}
		out := &notificationList{}
		out.Body.Unread, out.Body.NextCursor = page.Unread, page.NextCursor
		out.Body.Items = make([]NotificationBody, len(page.Items))
		for i, n := range page.Items {
			out.Body.Items[i] = NotificationBody{ID: n.ID, CaseID: n.CaseID, DepartmentID: n.DepartmentID, Audience: n.Audience, Kind: n.Kind,
				Title: n.Title, Body: n.Body, CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
		}
		return out, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "read-notification", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/notifications/{id}/read", Tags: tags,
		Summary: "Mark a notification read", Description: "For the caller only. Marking it again keeps the first time.",
	}, anyCaseReader, func(ctx context.Context, st street, in *notificationPath) (*markedOutput, error) {
		return s.markRead(ctx, st, in.ID)
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "read-all-notifications", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/notifications/read-all", Tags: tags,
		Summary: "Mark all my notifications read",
	}, anyCaseReader, func(ctx context.Context, st street, in *TenantPath) (*markedOutput, error) {
		return s.markRead(ctx, st, 0)
	})
}

func (s *Server) markRead(ctx context.Context, st street, id int64) (*markedOutput, error) {
	r, err := s.reader(ctx, st)
	if err != nil {
		return nil, err
	}
	n, err := s.Notifications.MarkRead(ctx, st.Scope, r, id)
	if err != nil {
		return nil, err
	}
	out := &markedOutput{}
	out.Body.Marked = n
	return out, nil
}

// reader puts the signed-in caller in the audiences of their roles in the
// street. Notifications are read by people: an API key has none.
func (s *Server) reader(ctx context.Context, st street) (notifications.Reader, error) {
	p, _ := principalFrom(ctx)
	if p.Credential != "session" {
		return notifications.Reader{}, fengqiao.Errorf(fengqiao.EFORBIDDEN, "notifications are for signed-in staff, not API keys")
	}
	var roles []string
	var departments []int64
	for _, m := range p.Memberships {
		switch {
		case m.TenantID == st.ID && m.DepartmentID != 0:
			departments = append(departments, m.DepartmentID)
		case m.TenantID == st.ID || (m.TenantID == 0 && m.CountyID == st.CountyID):
			roles = append(roles, m.Role)
		}
	}
	return notifications.ReaderFor(p.Subject, roles, departments), nil
}
