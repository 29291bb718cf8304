package demo

import (
	"context"
	"fmt"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

// Password is every demo person's password, printed by `make run`.
const Password = "fengqiao-demo"

// Person is a demo sign-in.
type Person struct {
	Role  string
	Name  string
	Email string
	Where string
}

// PasswordSetter sets a password without the recovery flow (demo only).
type PasswordSetter interface {
	SetPassword(ctx context.Context, identityID, password string) error
}

// people holds one person per role, placed in 平邑街道 where the role is a
// street role.
var people = []struct {
	Person
	nodeCode   string // street roles: where the role is held
	department string // department staff
}{
	{Person: Person{Role: staff.CountyAdmin, Name: "王建国", Email: "county-admin@pingyi.example"}},
	{Person: Person{Role: staff.CountyViewer, Name: "赵平", Email: "county-viewer@pingyi.example"}},
	{Person: Person{Role: staff.Judge, Name: "孙立", Email: "judge@pingyi.example"}},
	{Person: Person{Role: staff.StreetAdmin, Name: "刘洋", Email: "street-admin@pingyi.example"}, nodeCode: "371326001"},
	{Person: Person{Role: staff.Dispatcher, Name: "陈静", Email: "dispatcher@pingyi.example"}, nodeCode: "371326001"},
	{Person: Person{Role: staff.DepartmentStaff, Name: "张伟", Email: "police@pingyi.example"}, nodeCode: "371326001", department: "派出所"},
	{Person: Person{Role: staff.CommunityStaff, Name: "李娜", Email: "community@pingyi.example"}, nodeCode: "371326001001"},
	{Person: Person{Role: staff.GridWorker, Name: "周强", Email: "grid-worker@pingyi.example"}, nodeCode: "37132600100101001"},
	{Person: Person{Role: staff.Mediator, Name: "吴芳", Email: "mediator@pingyi.example"}, nodeCode: "371326001"},
}

// SeedStaff gives each demo person their role, once, and a known password
// when the role is new. It returns the sign-ins to print.
func SeedStaff(ctx context.Context, svc *staff.Service, ts *tenants.Service, passwords PasswordSetter, county tenants.County) ([]Person, error) {
	street, err := ts.TenantByCode(ctx, tenants.Scope{CountyID: county.ID}, "371326001")
	if err != nil {
		return nil, err
	}
	scope := tenants.Scope{CountyID: county.ID, TenantID: street.ID}
	departments, err := ts.Departments(ctx, scope)
	if err != nil {
		return nil, err
	}
	var out []Person
	for _, p := range people {
		in := staff.Invitation{Name: p.Name, Email: p.Email, Role: p.Role}
		p.Where = county.Name
		var invited staff.Invited
		if p.nodeCode == "" {
			invited, err = svc.InviteToCounty(ctx, county.ID, in)
		} else {
			hits, serr := ts.Search(ctx, scope, p.nodeCode, 1)
			if serr != nil || len(hits) == 0 {
				return nil, fmt.Errorf("demo staff: node %s: %w", p.nodeCode, serr)
			}
			in.NodeID = hits[0].ID
			p.Where = hits[0].Name
			for _, d := range departments {
				if d.Name == p.department {
					in.DepartmentID = d.ID
					p.Where = street.Name + " " + d.Name
				}
			}
			invited, err = svc.InviteToStreet(ctx, scope, street, in)
		}
		switch {
		case fengqiao.ErrorCode(err) == fengqiao.EINVALID: // holds the role already
		case err != nil:
			return nil, fmt.Errorf("demo staff %s: %w", p.Email, err)
		default:
			if err := passwords.SetPassword(ctx, invited.Person.IdentityID, Password); err != nil {
				return nil, fmt.Errorf("demo staff %s: %w", p.Email, err)
			}
		}
		out = append(out, p.Person)
	}
	return out, nil
}
