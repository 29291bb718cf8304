package staff_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

func TestInviteToStreet(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	email := b.email("zhang")
	invited := b.inviteStreet(t, b.streetA, staff.Invitation{Name: " 张三 ", Email: email, Role: staff.GridWorker, NodeID: b.nodes[gridA1]})

	// The identity exists in Kratos with the person's traits.
	id := invited.Person.IdentityID
	require.NotEmpty(t, id)
	require.Equal(t, map[string]any{"name": "张三", "email": email}, b.traits(t, id))
	found := b.identityByIdentifier(t, email)
	require.Len(t, found, 1)
	require.Equal(t, id, found[0].Id)

	// The person gets a one-time link and a six-digit code.
	require.Regexp(t, `^[0-9]{6}$`, invited.RecoveryCode)
	// The link opens Fengqiao's recovery page (Kratos's recovery ui_url,
	// on the public URL kratostest was started with) at a fresh flow.
	require.Regexp(t, `^http://127\.0\.0\.1:1/recover\?flow=[0-9a-f-]{36}$`, invited.RecoveryLink)

	require.Equal(t, staff.Person{IdentityID: id, CountyID: b.county.ID, Name: "张三", Email: email}, invited.Person)
	m := invited.Membership
	require.Positive(t, m.ID)
	require.False(t, m.CreatedAt.IsZero())
	require.Equal(t, staff.Membership{ID: m.ID, CountyID: b.county.ID, TenantID: b.streetA.ID, IdentityID: id,
		Role: staff.GridWorker, NodeID: b.nodes[gridA1], CreatedAt: m.CreatedAt}, m)

	// Listed at the node and every node above it, not beside or below it.
	for _, code := range []string{gridA1, zoneA, communityA, streetA} {
		require.Equal(t, []int64{m.ID}, membershipIDs(b.listStreet(t, b.scopeA, b.nodes[code])), "listed at %s", code)
	}
	for _, code := range []string{gridA2, buildingA, community2} {
		require.Empty(t, b.listStreet(t, b.scopeA, b.nodes[code]), "not listed at %s", code)
	}
	entry := b.listStreet(t, b.scopeA, b.nodes[gridA1])[0]
	require.Equal(t, invited.Person, entry.Person)
	require.Equal(t, m.ID, entry.Membership.ID)
	require.Equal(t, b.streetA.ID, entry.TenantID)
	require.Equal(t, b.county.ID, entry.Membership.CountyID)
	require.Equal(t, id, entry.Membership.IdentityID)
	require.Equal(t, staff.GridWorker, entry.Role)
	require.Equal(t, "网格甲", entry.NodeName)
	require.Equal(t, tenants.KindGrid, entry.NodeKind)
	require.WithinDuration(t, m.CreatedAt, entry.CreatedAt, 0)
	require.Empty(t, entry.DepartmentName)

	// Street B does not see A's staff, nor A's nodes.
	require.Empty(t, b.listStreet(t, b.scopeB, b.streetB.RootID))
	_, err := b.svc.ListStreet(ctx, b.scopeB, b.nodes[gridA1])
	requireCode(t, err, fengqiao.ENOTFOUND)

	// The same email (however typed) to another role: the same identity, a
	// second membership, still one identity in Kratos.
	again := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "张三", Email: "  " + strings.ToUpper(email) + " ",
		Role: staff.DepartmentStaff, NodeID: b.streetA.RootID, DepartmentID: b.deptsA["派出所"]})
	require.Equal(t, id, again.Person.IdentityID)
	require.Equal(t, email, again.Person.Email)
	require.NotEqual(t, m.ID, again.Membership.ID)
	require.Equal(t, b.deptsA["派出所"], again.Membership.DepartmentID)
	require.Regexp(t, `^[0-9]{6}$`, again.RecoveryCode)
	require.Len(t, b.identityByIdentifier(t, email), 1)
	all := b.listStreet(t, b.scopeA, b.streetA.RootID)
	require.ElementsMatch(t, []int64{m.ID, again.Membership.ID}, membershipIDs(all))
	for _, e := range all {
		if e.Role == staff.DepartmentStaff {
			require.Equal(t, "派出所", e.DepartmentName)
			require.Equal(t, tenants.KindStreet, e.NodeKind)
		}
	}
	// Listed at the root only: the department role is held there.
	require.Equal(t, []int64{m.ID}, membershipIDs(b.listStreet(t, b.scopeA, b.nodes[communityA])))

	// The same role at the same node again is refused on the role.
	_, err = b.svc.InviteToStreet(ctx, b.scopeA, b.streetA, staff.Invitation{Name: "张三", Email: email, Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
	fe := requireInvalid(t, err, "body.role")
	require.Equal(t, staff.GridWorker, fe.Fields[0].Value)
	// The same role at another node is another membership.
	other := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "张三", Email: email, Role: staff.GridWorker, NodeID: b.nodes[gridA2]})
	require.Equal(t, id, other.Person.IdentityID)
	require.Len(t, b.listStreet(t, b.scopeA, b.streetA.RootID), 3)
	require.Equal(t, 1, b.superCount(t, `SELECT count(*) FROM staff`))
}

func TestInviteToStreetByPhone(t *testing.T) {
	b := setup(t)
	phone := uniquePhone()
	invited := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "李四", Phone: phone, Role: staff.CommunityStaff, NodeID: b.nodes[communityA]})
	id := invited.Person.IdentityID
	require.Equal(t, map[string]any{"name": "李四", "phone": phone}, b.traits(t, id))
	require.Regexp(t, `^[0-9]{6}$`, invited.RecoveryCode)
	require.Equal(t, staff.Person{IdentityID: id, CountyID: b.county.ID, Name: "李四", Phone: phone}, invited.Person)

	entries := b.listStreet(t, b.scopeA, b.nodes[communityA])
	require.Len(t, entries, 1)
	require.Equal(t, phone, entries[0].Phone)
	require.Empty(t, entries[0].Email)
	require.Equal(t, tenants.KindCommunity, entries[0].NodeKind)

	// Found again by phone.
	again := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "李四", Phone: phone, Role: staff.Mediator, NodeID: b.nodes[communityA]})
	require.Equal(t, id, again.Person.IdentityID)
	require.Len(t, b.identityByIdentifier(t, phone), 1)
}

// Invalid invitations report every bad field and leave nothing behind:
// no identity in Kratos, no staff, no membership.
func TestInviteToStreetValidation(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	// An archived community and an archived department.
	_, err := b.tenants.ArchiveNode(ctx, b.scopeA, b.nodes[community2])
	require.NoError(t, err)
	archived := true
	_, err = b.tenants.UpdateDepartment(ctx, b.scopeA, b.deptsA["司法所"], tenants.DepartmentChange{Archived: &archived})
	require.NoError(t, err)

	before := b.identityCount(t)
	root, grid, community := b.streetA.RootID, b.nodes[gridA1], b.nodes[communityA]
	cases := []struct {
		name string
		in   staff.Invitation
		want []string
	}{
		{"missing name", staff.Invitation{Name: "  ", Role: staff.GridWorker, NodeID: grid}, []string{"body.name"}},
		{"name too long", staff.Invitation{Name: strings.Repeat("名", 61), Role: staff.GridWorker, NodeID: grid}, []string{"body.name"}},
		{"neither email nor phone", staff.Invitation{Name: "王五", Role: staff.GridWorker, NodeID: grid}, []string{"body.email"}},
		{"bad email", staff.Invitation{Name: "王五", Email: "wangwu.example.org", Role: staff.GridWorker, NodeID: grid}, []string{"body.email"}},
		{"national phone", staff.Invitation{Name: "王五", Phone: "13800138000", Role: staff.GridWorker, NodeID: grid}, []string{"body.phone"}},
		{"phone with spaces", staff.Invitation{Name: "王五", Phone: "+86 138 0013 8000", Role: staff.GridWorker, NodeID: grid}, []string{"body.phone"}},
		{"unknown role", staff.Invitation{Name: "王五", Role: "mayor", NodeID: grid}, []string{"body.role"}},
		{"county role in a street", staff.Invitation{Name: "王五", Role: staff.CountyAdmin, NodeID: root}, []string{"body.role"}},
		{"grid worker at a community", staff.Invitation{Name: "王五", Role: staff.GridWorker, NodeID: community}, []string{"body.node_id"}},
		{"street admin at a grid", staff.Invitation{Name: "王五", Role: staff.StreetAdmin, NodeID: grid}, []string{"body.node_id"}},
		{"community staff at a building", staff.Invitation{Name: "王五", Role: staff.CommunityStaff, NodeID: b.nodes[buildingA]}, []string{"body.node_id"}},
		{"department staff without department", staff.Invitation{Name: "王五", Role: staff.DepartmentStaff, NodeID: root}, []string{"body.department_id"}},
		{"dispatcher with a department", staff.Invitation{Name: "王五", Role: staff.Dispatcher, NodeID: root, DepartmentID: b.deptsA["派出所"]}, []string{"body.department_id"}},
		{"department of another street", staff.Invitation{Name: "王五", Role: staff.DepartmentStaff, NodeID: root, DepartmentID: b.deptsB["派出所"]}, []string{"body.department_id"}},
		{"archived department", staff.Invitation{Name: "王五", Role: staff.DepartmentStaff, NodeID: root, DepartmentID: b.deptsA["司法所"]}, []string{"body.department_id"}},
		{"node of another street", staff.Invitation{Name: "王五", Role: staff.Mediator, NodeID: b.nodes[communityB]}, []string{"body.node_id"}},
		{"no node", staff.Invitation{Name: "王五", Role: staff.Mediator}, []string{"body.node_id"}},
		{"archived node", staff.Invitation{Name: "王五", Role: staff.Mediator, NodeID: b.nodes[community2]}, []string{"body.node_id"}},
		{"several problems", staff.Invitation{Name: "", Email: "nobody", Phone: "0", Role: "boss", NodeID: grid}, []string{"body.name", "body.email", "body.phone", "body.role"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := c.in
			if in.Email == "" && in.Phone == "" && c.name != "neither email nor phone" {
				in.Email = b.email("invalid" + strconv.Itoa(i))
			}
			_, err := b.svc.InviteToStreet(ctx, b.scopeA, b.streetA, in)
			fe := requireInvalid(t, err, c.want...)
			for _, f := range fe.Fields {
				require.NotEmpty(t, f.Message, f.Location)
			}
			if in.Email != "" && hasAt(in.Email) {
				require.Empty(t, b.identityByIdentifier(t, in.Email), "no identity for %s", in.Email)
			}
		})
	}
	require.Equal(t, before, b.identityCount(t), "invalid invitations created identities")
	require.Zero(t, b.superCount(t, `SELECT count(*) FROM staff`))
	require.Zero(t, b.superCount(t, `SELECT count(*) FROM memberships`))
}

func hasAt(s string) bool { return strings.Contains(s, "@") }

// A person belongs to one county: another county can give them no role,
// and the refused invitation leaves nothing behind there.
func TestInviteForeignCountyPerson(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	countyY, streetY := b.otherCounty(t)
	email := b.email("zhao")
	person := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "赵六", Email: email, Role: staff.GridWorker, NodeID: b.nodes[gridA1]})

	scopeY := tenants.Scope{TenantID: streetY.ID}
	_, err := b.svc.InviteToStreet(ctx, scopeY, streetY, staff.Invitation{Name: "赵六", Email: email,
		Role: staff.CommunityStaff, NodeID: b.nodes["371325001001"]})
	requireInvalid(t, err, "body.email")
	// Also when county Y's staff act in the street (county setting present).
	_, err = b.svc.InviteToStreet(ctx, tenants.Scope{CountyID: countyY.ID, TenantID: streetY.ID}, streetY, staff.Invitation{Name: "赵六", Email: email,
		Role: staff.StreetAdmin, NodeID: streetY.RootID})
	requireInvalid(t, err, "body.email")
	_, err = b.svc.InviteToCounty(ctx, countyY.ID, staff.Invitation{Name: "赵六", Email: email, Role: staff.CountyViewer})
	requireInvalid(t, err, "body.email")

	require.Empty(t, b.listStreet(t, scopeY, streetY.RootID))
	entries, err := b.svc.ListCounty(ctx, countyY.ID)
	require.NoError(t, err)
	require.Empty(t, entries)
	require.Zero(t, b.superCount(t, `SELECT count(*) FROM memberships WHERE tenant_id = $1`, streetY.ID))
	require.Zero(t, b.superCount(t, `SELECT count(*) FROM county_memberships`))
	require.Equal(t, 1, b.superCount(t, `SELECT count(*) FROM staff WHERE identity_id = $1 AND county_id = $2`, person.Person.IdentityID, b.county.ID))
	require.Equal(t, 1, b.superCount(t, `SELECT count(*) FROM staff`))

	// The person still has exactly their role in county X.
	me, err := b.svc.Me(ctx, person.Person.IdentityID)
	require.NoError(t, err)
	require.Len(t, me.Memberships, 1)
	require.Equal(t, b.county.ID, me.CountyID)
}

func TestCountyMemberships(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	countyY, _ := b.otherCounty(t)

	admin := b.inviteCounty(t, b.county.ID, staff.Invitation{Name: "县管理员", Email: b.email("admin"), Role: staff.CountyAdmin})
	require.Regexp(t, `^[0-9]{6}$`, admin.RecoveryCode)
	require.NotEmpty(t, admin.RecoveryLink)
	require.Equal(t, map[string]any{"name": "县管理员", "email": b.email("admin")}, b.traits(t, admin.Person.IdentityID))
	m := admin.Membership
	require.Equal(t, staff.Membership{ID: m.ID, CountyID: b.county.ID, IdentityID: admin.Person.IdentityID, Role: staff.CountyAdmin, CreatedAt: m.CreatedAt}, m)
	require.Equal(t, b.county.ID, admin.Person.CountyID)

	viewer := b.inviteCounty(t, b.county.ID, staff.Invitation{Name: "县观察员", Phone: uniquePhone(), Role: staff.CountyViewer})
	judge := b.inviteCounty(t, b.county.ID, staff.Invitation{Name: "县管理员", Email: b.email("admin"), Role: staff.Judge})
	require.Equal(t, admin.Person.IdentityID, judge.Person.IdentityID, "a second role reuses the identity")

	_, err := b.svc.InviteToCounty(ctx, b.county.ID, staff.Invitation{Name: "县管理员", Email: b.email("admin"), Role: staff.CountyAdmin})
	requireInvalid(t, err, "body.role")
	_, err = b.svc.InviteToCounty(ctx, b.county.ID, staff.Invitation{Name: "某人", Email: b.email("street"), Role: staff.StreetAdmin})
	requireInvalid(t, err, "body.role")
	_, err = b.svc.InviteToCounty(ctx, b.county.ID, staff.Invitation{Name: "", Role: staff.Judge})
	requireInvalid(t, err, "body.name", "body.email")

	entries, err := b.svc.ListCounty(ctx, b.county.ID)
	require.NoError(t, err)
	got := map[string]staff.StaffEntry{}
	for _, e := range entries {
		got[e.Role] = e
		require.Equal(t, b.county.ID, e.Membership.CountyID)
		require.Equal(t, b.county.ID, e.Person.CountyID)
		require.Zero(t, e.TenantID)
		require.Zero(t, e.NodeID)
	}
	require.Len(t, entries, 3)
	require.Equal(t, admin.Membership.ID, got[staff.CountyAdmin].Membership.ID)
	require.Equal(t, b.email("admin"), got[staff.CountyAdmin].Email)
	require.Equal(t, viewer.Person.Phone, got[staff.CountyViewer].Phone)
	require.Equal(t, judge.Membership.ID, got[staff.Judge].Membership.ID)
	require.Equal(t, "县管理员", got[staff.Judge].Name)

	// Another county sees none of them; a street sees no county roles.
	other, err := b.svc.ListCounty(ctx, countyY.ID)
	require.NoError(t, err)
	require.Empty(t, other)
	require.Empty(t, b.listStreet(t, b.scopeA, b.streetA.RootID))
	countVisible := func(scope tenants.Scope) int {
		var n int
		require.NoError(t, b.tdb.Tx(ctx, scope, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM county_memberships`).Scan(&n)
		}))
		return n
	}
	require.Zero(t, countVisible(b.scopeA), "a street-scoped transaction sees county memberships")
	require.Zero(t, countVisible(tenants.Scope{CountyID: countyY.ID}))
	require.Equal(t, 3, countVisible(tenants.Scope{CountyID: b.county.ID}))
	// A street cannot revoke a county role through its own memberships.
	requireCode(t, b.svc.RevokeStreet(ctx, b.scopeA, viewer.Membership.ID), fengqiao.ENOTFOUND)

	// Revoking: not from another county, once, and only that role.
	requireCode(t, b.svc.RevokeCounty(ctx, countyY.ID, viewer.Membership.ID), fengqiao.ENOTFOUND)
	require.NoError(t, b.svc.RevokeCounty(ctx, b.county.ID, viewer.Membership.ID))
	requireCode(t, b.svc.RevokeCounty(ctx, b.county.ID, viewer.Membership.ID), fengqiao.ENOTFOUND)
	requireCode(t, b.svc.RevokeCounty(ctx, b.county.ID, 999999), fengqiao.ENOTFOUND)
	require.NoError(t, b.svc.RevokeCounty(ctx, b.county.ID, judge.Membership.ID))
	entries, err = b.svc.ListCounty(ctx, b.county.ID)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, admin.Membership.ID, entries[0].Membership.ID)
}

func TestChangeStreetRole(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	invited := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "孙七", Email: b.email("sun"), Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
	id := invited.Membership.ID

	// Role and node.
	m, err := b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.CommunityStaff, b.nodes[communityA], 0)
	require.NoError(t, err)
	require.Equal(t, staff.Membership{ID: id, CountyID: b.county.ID, TenantID: b.streetA.ID, IdentityID: invited.Person.IdentityID,
		Role: staff.CommunityStaff, NodeID: b.nodes[communityA], CreatedAt: m.CreatedAt}, m)
	require.WithinDuration(t, invited.Membership.CreatedAt, m.CreatedAt, 0)
	require.Empty(t, b.listStreet(t, b.scopeA, b.nodes[gridA1]))
	entries := b.listStreet(t, b.scopeA, b.nodes[communityA])
	require.Len(t, entries, 1)
	require.Equal(t, staff.CommunityStaff, entries[0].Role)
	require.Equal(t, "东关社区", entries[0].NodeName)

	// Department.
	m, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.DepartmentStaff, b.streetA.RootID, b.deptsA["派出所"])
	require.NoError(t, err)
	require.Equal(t, b.deptsA["派出所"], m.DepartmentID)
	m, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.DepartmentStaff, b.streetA.RootID, b.deptsA["司法所"])
	require.NoError(t, err)
	require.Equal(t, b.deptsA["司法所"], m.DepartmentID)
	entries = b.listStreet(t, b.scopeA, b.streetA.RootID)
	require.Len(t, entries, 1)
	require.Equal(t, "司法所", entries[0].DepartmentName)
	require.Empty(t, b.listStreet(t, b.scopeA, b.nodes[communityA]))

	// Back to a role without a department clears it.
	m, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.Dispatcher, b.streetA.RootID, 0)
	require.NoError(t, err)
	require.Zero(t, m.DepartmentID)
	require.Equal(t, staff.Dispatcher, m.Role)

	// Invalid changes name the field and change nothing.
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, "mayor", b.streetA.RootID, 0)
	requireInvalid(t, err, "body.role")
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.Judge, b.streetA.RootID, 0)
	requireInvalid(t, err, "body.role")
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.GridWorker, b.nodes[communityA], 0)
	requireInvalid(t, err, "body.node_id")
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.DepartmentStaff, b.streetA.RootID, 0)
	requireInvalid(t, err, "body.department_id")
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.DepartmentStaff, b.streetA.RootID, b.deptsB["派出所"])
	requireInvalid(t, err, "body.department_id")
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.Mediator, b.nodes[communityB], 0)
	requireInvalid(t, err, "body.node_id")

	// Into a role the person already holds there.
	b.inviteStreet(t, b.streetA, staff.Invitation{Name: "孙七", Email: b.email("sun"), Role: staff.Mediator, NodeID: b.streetA.RootID})
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeA, id, staff.Mediator, b.streetA.RootID, 0)
	requireInvalid(t, err, "body.role")

	// Unknown ids, and ids of another street, are not found.
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeA, 999999, staff.Dispatcher, b.streetA.RootID, 0)
	requireCode(t, err, fengqiao.ENOTFOUND)
	_, err = b.svc.ChangeStreetRole(ctx, b.scopeB, id, staff.StreetAdmin, b.streetB.RootID, 0)
	requireCode(t, err, fengqiao.ENOTFOUND)

	entries = b.listStreet(t, b.scopeA, b.streetA.RootID)
	require.Len(t, entries, 2)
	for _, e := range entries {
		if e.Membership.ID == id {
			require.Equal(t, staff.Dispatcher, e.Role)
			require.Zero(t, e.DepartmentID)
		}
	}
}

func TestRevokeStreet(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	a1 := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "周八", Email: b.email("zhou"), Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
	a2 := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "周八", Email: b.email("zhou"), Role: staff.Mediator, NodeID: b.nodes[communityA]})
	inB := b.inviteStreet(t, b.streetB, staff.Invitation{Name: "吴九", Email: b.email("wu"), Role: staff.StreetAdmin, NodeID: b.streetB.RootID})

	// Street B cannot revoke A's membership: row-level security hides it.
	requireCode(t, b.svc.RevokeStreet(ctx, b.scopeB, a1.Membership.ID), fengqiao.ENOTFOUND)
	require.ElementsMatch(t, []int64{a1.Membership.ID, a2.Membership.ID}, membershipIDs(b.listStreet(t, b.scopeA, b.streetA.RootID)))

	require.NoError(t, b.svc.RevokeStreet(ctx, b.scopeA, a1.Membership.ID))
	require.Equal(t, []int64{a2.Membership.ID}, membershipIDs(b.listStreet(t, b.scopeA, b.streetA.RootID)))
	requireCode(t, b.svc.RevokeStreet(ctx, b.scopeA, a1.Membership.ID), fengqiao.ENOTFOUND)
	requireCode(t, b.svc.RevokeStreet(ctx, b.scopeA, 999999), fengqiao.ENOTFOUND)
	require.Equal(t, []int64{inB.Membership.ID}, membershipIDs(b.listStreet(t, b.scopeB, b.streetB.RootID)))

	// Revoking the last role keeps the person (and their account) but
	// leaves them no role.
	require.NoError(t, b.svc.RevokeStreet(ctx, b.scopeA, a2.Membership.ID))
	me, err := b.svc.Me(ctx, a1.Person.IdentityID)
	require.NoError(t, err)
	require.Empty(t, me.Memberships)
	require.Len(t, b.identityByIdentifier(t, b.email("zhou")), 1)
}

func TestMe(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	email := b.email("qian")
	in := func(role string, node, dept int64) staff.Invitation {
		return staff.Invitation{Name: "钱十", Email: email, Role: role, NodeID: node, DepartmentID: dept}
	}
	grid := b.inviteStreet(t, b.streetA, in(staff.GridWorker, b.nodes[gridA1], 0))
	dept := b.inviteStreet(t, b.streetA, in(staff.DepartmentStaff, b.streetA.RootID, b.deptsA["派出所"]))
	med := b.inviteStreet(t, b.streetB, in(staff.Mediator, b.nodes[communityB], 0))
	viewer := b.inviteCounty(t, b.county.ID, in(staff.CountyViewer, 0, 0))
	other := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "别人", Email: b.email("other"), Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
	id := grid.Person.IdentityID
	for _, i := range []staff.Invited{dept, med, viewer} {
		require.Equal(t, id, i.Person.IdentityID)
	}

	me, err := b.svc.Me(ctx, id)
	require.NoError(t, err)
	require.Equal(t, staff.Person{IdentityID: id, CountyID: b.county.ID, Name: "钱十", Email: email}, me.Person)
	for i := range me.Memberships {
		require.False(t, me.Memberships[i].CreatedAt.IsZero())
		me.Memberships[i].CreatedAt = grid.Membership.CreatedAt
	}
	want := func(i staff.Invited) staff.Membership {
		m := i.Membership
		m.CreatedAt = grid.Membership.CreatedAt
		return m
	}
	// County roles first, then by street and role.
	expected := []staff.Membership{want(viewer), want(dept), want(grid), want(med)}
	if b.streetB.ID < b.streetA.ID {
		expected = []staff.Membership{want(viewer), want(med), want(dept), want(grid)}
	}
	require.Equal(t, expected, me.Memberships)

	// Someone else sees only their own.
	them, err := b.svc.Me(ctx, other.Person.IdentityID)
	require.NoError(t, err)
	require.Len(t, them.Memberships, 1)
	require.Equal(t, other.Membership.ID, them.Memberships[0].ID)
}

func TestMeNotStaff(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	// A real Kratos identity that was never given a role.
	id, err := b.ids.Ensure(ctx, "路人", b.email("passer-by"), "")
	require.NoError(t, err)
	_, err = b.svc.Me(ctx, id)
	requireCode(t, err, fengqiao.EFORBIDDEN)
	// Nor does being staff of some county make a stranger staff.
	b.inviteStreet(t, b.streetA, staff.Invitation{Name: "职员", Email: b.email("member"), Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
	_, err = b.svc.Me(ctx, "00000000-0000-4000-8000-000000000000")
	requireCode(t, err, fengqiao.EFORBIDDEN)
}

func TestAll(t *testing.T) {
	b := setup(t)
	countyY, streetY := b.otherCounty(t)
	street := func(s tenants.Tenant, who, role string, node, dept int64) string {
		return b.inviteStreet(t, s, staff.Invitation{Name: who, Email: b.email(who), Role: role, NodeID: node, DepartmentID: dept}).Person.IdentityID
	}
	county := func(c int64, who, role string) string {
		return b.inviteCounty(t, c, staff.Invitation{Name: who, Email: b.email(who), Role: role}).Person.IdentityID
	}
	rootA := b.streetA.RootID
	admin := street(b.streetA, "admin", staff.StreetAdmin, rootA, 0)
	dispatcher := street(b.streetA, "dispatcher", staff.Dispatcher, rootA, 0)
	police := street(b.streetA, "police", staff.DepartmentStaff, rootA, b.deptsA["派出所"])
	community := street(b.streetA, "community", staff.CommunityStaff, b.nodes[communityA], 0)
	grid := street(b.streetA, "grid", staff.GridWorker, b.nodes[gridA1], 0)
	mediatorA := street(b.streetA, "mediator", staff.Mediator, rootA, 0)
	mediatorB := street(b.streetB, "mediator", staff.Mediator, b.nodes[communityB], 0)
	require.Equal(t, mediatorA, mediatorB)
	countyAdmin := county(b.county.ID, "county-admin", staff.CountyAdmin)
	judge := county(b.county.ID, "judge", staff.Judge)
	viewerY := county(countyY.ID, "viewer-y", staff.CountyViewer)
	adminY := street(streetY, "admin-y", staff.StreetAdmin, streetY.RootID, 0)

	n := func(id int64) string { return "n" + strconv.FormatInt(id, 10) }
	all, err := b.svc.All(context.Background())
	require.NoError(t, err)
	require.ElementsMatch(t, []authz.Membership{
		{Identity: admin, Domain: n(rootA), Role: authz.StreetAdmin},
		{Identity: dispatcher, Domain: n(rootA), Role: authz.Dispatcher},
		{Identity: police, Domain: "d" + strconv.FormatInt(b.deptsA["派出所"], 10), Role: authz.DepartmentStaff},
		{Identity: community, Domain: n(b.nodes[communityA]), Role: authz.CommunityStaff},
		{Identity: grid, Domain: n(b.nodes[gridA1]), Role: authz.GridWorker},
		{Identity: mediatorA, Domain: n(rootA), Role: authz.Mediator},
		{Identity: mediatorB, Domain: n(b.nodes[communityB]), Role: authz.Mediator},
		{Identity: countyAdmin, Domain: "c" + strconv.FormatInt(b.county.ID, 10), Role: authz.CountyAdmin},
		{Identity: judge, Domain: "c" + strconv.FormatInt(b.county.ID, 10), Role: authz.Judge},
		{Identity: viewerY, Domain: "c" + strconv.FormatInt(countyY.ID, 10), Role: authz.CountyViewer},
		{Identity: adminY, Domain: n(streetY.RootID), Role: authz.StreetAdmin},
	}, all)

	// The authorizer accepts every one of them.
	a, err := authz.New()
	require.NoError(t, err)
	require.NoError(t, a.Load(all))
}

func TestNewSignInCode(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	invited := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "补发", Email: b.email("resend"), Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
	link, code, err := b.svc.NewStreetCode(ctx, b.scopeA, invited.Membership.ID)
	require.NoError(t, err)
	require.Regexp(t, `^[0-9]{6}$`, code)
	require.Contains(t, link, "/recover?flow=")
	require.NotEqual(t, invited.RecoveryLink, link, "a new code comes with a new flow")

	_, _, err = b.svc.NewStreetCode(ctx, b.scopeB, invited.Membership.ID)
	require.Equal(t, fengqiao.ENOTFOUND, fengqiao.ErrorCode(err), "street B cannot issue codes for street A's people")

	county := b.inviteCounty(t, b.county.ID, staff.Invitation{Name: "县级补发", Email: b.email("resend-county"), Role: staff.CountyViewer})
	_, code, err = b.svc.NewCountyCode(ctx, b.county.ID, county.Membership.ID)
	require.NoError(t, err)
	require.Regexp(t, `^[0-9]{6}$`, code)
}

// recordingDelivery stands in for an SMS or mail gateway: outside our
// control, so a fake is what the test can use.
type recordingDelivery struct{ got []string }

func (r *recordingDelivery) Deliver(_ context.Context, to staff.Person, link, code string) error {
	r.got = append(r.got, to.Name+" "+link+" "+code)
	return nil
}

func TestInvitationIsDelivered(t *testing.T) {
	b := setup(t)
	rec := &recordingDelivery{}
	b.svc.WithDelivery(rec)
	invited := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "送达", Email: b.email("deliver"), Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
	require.Equal(t, []string{"送达 " + invited.RecoveryLink + " " + invited.RecoveryCode}, rec.got)

	link, code, err := b.svc.NewStreetCode(context.Background(), b.scopeA, invited.Membership.ID)
	require.NoError(t, err)
	require.Equal(t, "送达 "+link+" "+code, rec.got[1], "a new code is delivered the same way")
}
