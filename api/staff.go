package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

// StaffMember is one role held by one person.
type StaffMember struct {
	MembershipID   int64     `json:"membership_id" example:"12"`
	IdentityID     string    `json:"identity_id" format:"uuid"`
	Name           string    `json:"name" example:"李娜"`
	Email          string    `json:"email,omitempty" example:"lina@example.org"`
	Phone          string    `json:"phone,omitempty" example:"+8613800138000"`
	Role           string    `json:"role" enum:"county_admin,county_viewer,judge,street_admin,dispatcher,department_staff,community_staff,grid_worker,mediator"`
	NodeID         int64     `json:"node_id,omitempty" doc:"where the role is held (street roles)"`
	NodeName       string    `json:"node_name,omitempty" example:"东关社区第1网格"`
	NodeKind       string    `json:"node_kind,omitempty" enum:"street,community,zone,grid,building"`
	DepartmentID   int64     `json:"department_id,omitempty"`
	DepartmentName string    `json:"department_name,omitempty" example:"派出所"`
	CreatedAt      time.Time `json:"created_at"`
}

func staffBody(e staff.StaffEntry) StaffMember {
	return StaffMember{MembershipID: e.Membership.ID, IdentityID: e.Person.IdentityID, Name: e.Name, Email: e.Email, Phone: e.Phone,
		Role: e.Role, NodeID: e.NodeID, NodeName: e.NodeName, NodeKind: string(e.NodeKind), DepartmentID: e.DepartmentID,
		DepartmentName: e.DepartmentName, CreatedAt: e.CreatedAt}
}

type staffList struct {
	Body struct {
		Items []StaffMember `json:"items"`
	}
}

func staffListBody(entries []staff.StaffEntry) *staffList {
	out := &staffList{}
	out.Body.Items = make([]StaffMember, len(entries))
	for i, e := range entries {
		out.Body.Items[i] = staffBody(e)
	}
	return out
}

type listStaffInput struct {
	TenantPath
	NodeID int64 `query:"node_id" minimum:"1" doc:"list the roles held at this node and below it; omit for the whole street"`
}

func (in *listStaffInput) targetNode() int64 { return in.NodeID }

// InvitationBody asks to give a person a role.
type InvitationBody struct {
	Name  string `json:"name" minLength:"1" maxLength:"60" example:"王强"`
	Email string `json:"email,omitempty" maxLength:"254" example:"wangqiang@example.org" doc:"email or phone (or both) identifies the person at sign-in"`
	Phone string `json:"phone,omitempty" example:"+8613800138000" doc:"in international form"`
}

type inviteStreetInput struct {
	TenantPath
	Body struct {
		InvitationBody
		Role         string `json:"role" enum:"street_admin,dispatcher,department_staff,community_staff,grid_worker,mediator"`
		NodeID       int64  `json:"node_id" minimum:"1" doc:"where the role is held: the street root for street-wide roles, a community or zone for community staff, a grid for grid workers"`
		DepartmentID int64  `json:"department_id,omitempty" doc:"department staff only"`
	}
}

func (in *inviteStreetInput) targetNode() int64 { return in.Body.NodeID }

type inviteCountyInput struct {
	CountyPath
	Body struct {
		InvitationBody
		Role string `json:"role" enum:"county_admin,county_viewer,judge"`
	}
}

type invitationOutput struct {
	Body struct {
		Member       StaffMember `json:"member"`
		RecoveryLink string      `json:"recovery_link" doc:"give this link and code to the person: they set their password with it (valid 72 hours)"`
		RecoveryCode string      `json:"recovery_code"`
	}
}

func invitationBody(in staff.Invited, nodeName string, nodeKind tenants.Kind) *invitationOutput {
	out := &invitationOutput{}
	out.Body.Member = staffBody(staff.StaffEntry{Person: in.Person, Membership: in.Membership, NodeName: nodeName, NodeKind: nodeKind})
	out.Body.RecoveryLink, out.Body.RecoveryCode = in.RecoveryLink, in.RecoveryCode
	return out
}

// MembershipPath names a street membership.
type MembershipPath struct {
	TenantPath
	ID int64 `path:"id" minimum:"1" doc:"membership id"`
}

type changeRoleInput struct {
	MembershipPath
	Body struct {
		Role         string `json:"role" enum:"street_admin,dispatcher,department_staff,community_staff,grid_worker,mediator"`
		NodeID       int64  `json:"node_id" minimum:"1"`
		DepartmentID int64  `json:"department_id,omitempty"`
	}
}

// CountyMembershipPath names a county membership.
type CountyMembershipPath struct {
	CountyPath
	ID int64 `path:"id" minimum:"1" doc:"membership id"`
}

type memberOutput struct{ Body StaffMember }

type codeOutput struct {
	Body struct {
		RecoveryLink string `json:"recovery_link" doc:"give this link and code to the person (valid 72 hours)"`
		RecoveryCode string `json:"recovery_code"`
	}
}

func newCodeBody(link, code string) *codeOutput {
	out := &codeOutput{}
	out.Body.RecoveryLink, out.Body.RecoveryCode = link, code
	return out
}

func (s *Server) registerStaff(api huma.API) {
	tags := []string{"Staff"}
	tenantOp(s, api, huma.Operation{
		OperationID: "list-staff", Method: http.MethodGet, Path: "/api/v1/tenants/{tenantCode}/staff", Tags: tags,
		Summary: "List the staff of a subtree", Description: "Every role held at the node or below it, with the people holding them.",
	}, need{Resource: "staff", Action: "read"}, func(ctx context.Context, st street, in *listStaffInput) (*staffList, error) {
		node := in.NodeID
		if node == 0 {
			node = st.RootID
		}
		entries, err := s.Staff.ListStreet(ctx, st.Scope, node)
		if err != nil {
			return nil, err
		}
		return staffListBody(entries), nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "invite-staff", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/staff", Tags: tags,
		Summary: "Invite a person with a role at a node", DefaultStatus: http.StatusCreated,
		Description: "Creates the person's identity (or finds it by email or phone) and returns a recovery link and code with which they set a password. " +
			"No mail is sent: give them the link. Needs staff:invite at the node.",
	}, need{Resource: "staff", Action: "invite"}, func(ctx context.Context, st street, in *inviteStreetInput) (*invitationOutput, error) {
		invited, err := s.Staff.InviteToStreet(ctx, st.Scope, st.Tenant, staff.Invitation{Name: in.Body.Name, Email: in.Body.Email, Phone: in.Body.Phone,
			Role: in.Body.Role, NodeID: in.Body.NodeID, DepartmentID: in.Body.DepartmentID})
		if err != nil {
			return nil, err
		}
		return invitationBody(invited, st.Node.Name, st.Node.Kind), nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "change-staff-role", Method: http.MethodPatch, Path: "/api/v1/tenants/{tenantCode}/staff/{id}", Tags: tags,
		Summary: "Change a person's role, node or department",
	}, need{Resource: "staff", Action: "write"}, func(ctx context.Context, st street, in *changeRoleInput) (*memberOutput, error) {
		m, err := s.Staff.ChangeStreetRole(ctx, st.Scope, in.ID, in.Body.Role, in.Body.NodeID, in.Body.DepartmentID)
		if err != nil {
			return nil, err
		}
		entries, err := s.Staff.ListStreet(ctx, st.Scope, m.NodeID)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Membership.ID == m.ID {
				return &memberOutput{Body: staffBody(e)}, nil
			}
		}
		return &memberOutput{Body: StaffMember{MembershipID: m.ID, IdentityID: m.IdentityID, Role: m.Role, NodeID: m.NodeID, DepartmentID: m.DepartmentID, CreatedAt: m.CreatedAt}}, nil
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "revoke-staff-role", Method: http.MethodDelete, Path: "/api/v1/tenants/{tenantCode}/staff/{id}", Tags: tags,
		Summary: "Revoke a role", DefaultStatus: http.StatusNoContent,
		Description: "The person keeps their account and any other roles; this one stops granting at once on every server.",
	}, need{Resource: "staff", Action: "write"}, func(ctx context.Context, st street, in *MembershipPath) (*struct{}, error) {
		return nil, s.Staff.RevokeStreet(ctx, st.Scope, in.ID)
	})
	tenantOp(s, api, huma.Operation{
		OperationID: "new-staff-code", Method: http.MethodPost, Path: "/api/v1/tenants/{tenantCode}/staff/{id}/code", Tags: tags,
		Summary:     "Issue a new sign-in code",
		Description: "A fresh link and code for the person holding this role: an expired invitation, or a forgotten password (no mail is sent).",
	}, need{Resource: "staff", Action: "invite"}, func(ctx context.Context, st street, in *MembershipPath) (*codeOutput, error) {
		link, code, err := s.Staff.NewStreetCode(ctx, st.Scope, in.ID)
		if err != nil {
			return nil, err
		}
		return newCodeBody(link, code), nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "new-county-staff-code", Method: http.MethodPost, Path: "/api/v1/counties/{countyCode}/staff/{id}/code", Tags: tags,
		Summary: "Issue a new sign-in code for a county role",
	}, need{Resource: "staff", Action: "invite"}, func(ctx context.Context, c tenants.County, in *CountyMembershipPath) (*codeOutput, error) {
		link, code, err := s.Staff.NewCountyCode(ctx, c.ID, in.ID)
		if err != nil {
			return nil, err
		}
		return newCodeBody(link, code), nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "list-county-staff", Method: http.MethodGet, Path: "/api/v1/counties/{countyCode}/staff", Tags: tags,
		Summary: "List the county-wide roles",
	}, need{Resource: "staff", Action: "read"}, func(ctx context.Context, c tenants.County, in *CountyPath) (*staffList, error) {
		entries, err := s.Staff.ListCounty(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		return staffListBody(entries), nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "invite-county-staff", Method: http.MethodPost, Path: "/api/v1/counties/{countyCode}/staff", Tags: tags,
		Summary: "Invite a person with a county-wide role", DefaultStatus: http.StatusCreated,
		Description: "County administrators, viewers and judges. Returns a recovery link and code, as for street staff.",
	}, need{Resource: "staff", Action: "invite"}, func(ctx context.Context, c tenants.County, in *inviteCountyInput) (*invitationOutput, error) {
		invited, err := s.Staff.InviteToCounty(ctx, c.ID, staff.Invitation{Name: in.Body.Name, Email: in.Body.Email, Phone: in.Body.Phone, Role: in.Body.Role})
		if err != nil {
			return nil, err
		}
		return invitationBody(invited, "", ""), nil
	})
	countyOp(s, api, huma.Operation{
		OperationID: "revoke-county-staff-role", Method: http.MethodDelete, Path: "/api/v1/counties/{countyCode}/staff/{id}", Tags: tags,
		Summary: "Revoke a county-wide role", DefaultStatus: http.StatusNoContent,
	}, need{Resource: "staff", Action: "write"}, func(ctx context.Context, c tenants.County, in *CountyMembershipPath) (*struct{}, error) {
		return nil, s.Staff.RevokeCounty(ctx, c.ID, in.ID)
	})
}
