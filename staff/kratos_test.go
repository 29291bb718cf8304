package staff_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	kratos "github.com/ory/kratos-client-go"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

// listener is a second server instance: its own pool and Service, whose
// Listen reports every reload on a channel.
type listener struct {
	reloads chan struct{}
	log     *syncBuffer
}

const listenerApp = "fengqiao-staff-listener-test"

func (b *bundle) listen(t *testing.T) *listener {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg, err := pgxpool.ParseConfig(b.db.AppURL)
	require.NoError(t, err)
	cfg.ConnConfig.RuntimeParams["application_name"] = listenerApp
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	require.NoError(t, err)
	svcB := staff.NewService(tenants.NewDB(pool), nil)
	l := &listener{reloads: make(chan struct{}, 16), log: &syncBuffer{}}
	reload := func(context.Context) error {
		l.reloads <- struct{}{}
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		svcB.Listen(ctx, slog.New(slog.NewTextHandler(l.log, nil)), reload)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		pool.Close()
	})
	l.await(t, "the initial load")
	return l
}

func (l *listener) await(t *testing.T, after string) {
	t.Helper()
	select {
	case <-l.reloads:
	case <-time.After(5 * time.Second):
		t.Fatalf("no reload after %s; listener log:\n%s", after, l.log.String())
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// Changes made through one instance reach another's authorizer.
func TestListenReloadsOnChange(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	l := b.listen(t)

	invited := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "郑一", Email: b.email("zheng"), Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
	l.await(t, "a street invitation")
	_, err := b.svc.ChangeStreetRole(ctx, b.scopeA, invited.Membership.ID, staff.CommunityStaff, b.nodes[communityA], 0)
	require.NoError(t, err)
	l.await(t, "a role change")
	require.NoError(t, b.svc.RevokeStreet(ctx, b.scopeA, invited.Membership.ID))
	l.await(t, "a street revocation")
	county := b.inviteCounty(t, b.county.ID, staff.Invitation{Name: "郑一", Email: b.email("zheng"), Role: staff.Judge})
	l.await(t, "a county invitation")
	require.NoError(t, b.svc.RevokeCounty(ctx, b.county.ID, county.Membership.ID))
	l.await(t, "a county revocation")
}

// A listener whose connection dies reconnects and reloads, since it may
// have missed notifications, and then hears changes again.
func TestListenReconnects(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	l := b.listen(t)

	su, err := pgx.Connect(ctx, pgtest.SuperuserURL(b.db.Name))
	require.NoError(t, err)
	defer su.Close(ctx)
	// Find the pids first: a filter that calls pg_terminate_backend may be
	// evaluated before the others, on every backend of the cluster.
	rows, err := su.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`, b.db.Name, listenerApp)
	require.NoError(t, err)
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	require.NoError(t, err)
	require.Len(t, pids, 1, "the listener holds one connection")
	var killed bool
	require.NoError(t, su.QueryRow(ctx, `SELECT pg_terminate_backend($1)`, pids[0]).Scan(&killed))
	require.True(t, killed)

	l.await(t, "the reconnect")
	require.Contains(t, l.log.String(), "reconnecting")
	b.inviteStreet(t, b.streetA, staff.Invitation{Name: "王二", Email: b.email("wang"), Role: staff.Mediator, NodeID: b.streetA.RootID})
	l.await(t, "an invitation after the reconnect")
}

// With Kratos down, invitations fail as unavailable and write nothing;
// validation still comes first, and reading works.
func TestKratosUnreachable(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	down := staff.NewKratos("http://127.0.0.1:1", nil)
	for name, svc := range map[string]*staff.Service{
		"unreachable":  staff.NewService(b.tdb, down),
		"unconfigured": staff.NewService(b.tdb, nil),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := svc.InviteToStreet(ctx, b.scopeA, b.streetA, staff.Invitation{Name: "冯三", Email: b.email("feng"), Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
			requireCode(t, err, fengqiao.EUNAVAILABLE)
			_, err = svc.InviteToCounty(ctx, b.county.ID, staff.Invitation{Name: "冯三", Email: b.email("feng"), Role: staff.CountyAdmin})
			requireCode(t, err, fengqiao.EUNAVAILABLE)
			_, err = svc.InviteToStreet(ctx, b.scopeA, b.streetA, staff.Invitation{Name: "冯三", Role: staff.GridWorker, NodeID: b.nodes[gridA1]})
			requireInvalid(t, err, "body.email")

			entries, err := svc.ListStreet(ctx, b.scopeA, b.streetA.RootID)
			require.NoError(t, err)
			require.Empty(t, entries)
			entries, err = svc.ListCounty(ctx, b.county.ID)
			require.NoError(t, err)
			require.Empty(t, entries)
		})
	}
	require.Zero(t, b.superCount(t, `SELECT count(*) FROM staff`))
	require.Zero(t, b.superCount(t, `SELECT count(*) FROM memberships`))
	require.Zero(t, b.superCount(t, `SELECT count(*) FROM county_memberships`))
	require.Empty(t, b.identityByIdentifier(t, b.email("feng")))

	_, err := down.Ensure(ctx, "冯三", b.email("feng"), "")
	requireCode(t, err, fengqiao.EUNAVAILABLE)
	_, _, err = down.Recovery(ctx, "00000000-0000-4000-8000-000000000000")
	requireCode(t, err, fengqiao.EUNAVAILABLE)
	requireCode(t, down.SetPassword(ctx, "00000000-0000-4000-8000-000000000000", "Fq-demo-password"), fengqiao.EUNAVAILABLE)
}

// SetPassword (the demo seed's shortcut) gives a password with which the
// person signs in through Kratos's native login flow.
func TestSetPassword(t *testing.T) {
	b := setup(t)
	ctx := context.Background()
	email := b.email("chen")
	invited := b.inviteStreet(t, b.streetA, staff.Invitation{Name: "陈四", Email: email, Role: staff.Dispatcher, NodeID: b.streetA.RootID})
	id := invited.Person.IdentityID
	const password = "Fq-demo-password-42"
	require.NoError(t, b.ids.SetPassword(ctx, id, password))
	require.Equal(t, map[string]any{"name": "陈四", "email": email}, b.traits(t, id), "traits survive")

	public := newKratosClient(b.kratos.PublicURL())
	login := func(secret string) (*kratos.SuccessfulNativeLogin, error) {
		flow, _, err := public.FrontendAPI.CreateNativeLoginFlow(ctx).Execute()
		require.NoError(t, err)
		body := kratos.UpdateLoginFlowWithPasswordMethodAsUpdateLoginFlowBody(
			kratos.NewUpdateLoginFlowWithPasswordMethod(email, "password", secret))
		res, _, err := public.FrontendAPI.UpdateLoginFlow(ctx).Flow(flow.Id).UpdateLoginFlowBody(body).Execute()
		return res, err
	}
	res, err := login(password)
	require.NoError(t, err)
	require.NotEmpty(t, res.GetSessionToken())
	require.Equal(t, id, res.Session.Identity.Id)
	_, err = login("Fq-wrong-password-42")
	require.Error(t, err, "a wrong password signs in")

	err = b.ids.SetPassword(ctx, "00000000-0000-4000-8000-000000000000", password)
	require.Error(t, err)
	require.NotEqual(t, fengqiao.EUNAVAILABLE, fengqiao.ErrorCode(err), "Kratos answered: not an outage")
}
