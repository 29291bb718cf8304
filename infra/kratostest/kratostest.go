// Package kratostest runs one real Kratos per test binary, on a database in
// the pgtest cluster, and signs test people in. Use it from tests whose
// TestMain calls pgtest.Main.
package kratostest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	client "github.com/ory/kratos-client-go"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/infra/kratoslocal"
	"github.com/fengqiao/fengqiao/infra/pgtest"
)

var (
	once    sync.Once
	server  *kratoslocal.Server
	started error
)

// Server returns the package's Kratos, starting it on first use. Its public
// base URL (for the flows' action URLs) is publicURL; only the first call's
// value counts.
func Server(t testing.TB, publicURL string) *kratoslocal.Server {
	t.Helper()
	once.Do(func() { server, started = start(publicURL) })
	require.NoError(t, started, "start Kratos")
	return server
}

func start(publicURL string) (*kratoslocal.Server, error) {
	ctx := context.Background()
	database := fmt.Sprintf("kratos_%d", os.Getpid())
	conn, err := pgx.Connect(ctx, pgtest.SuperuserURL("postgres"))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{database}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create kratos database: %w", err)
	}
	s, err := kratoslocal.Start(ctx, kratoslocal.Options{DSN: pgtest.SuperuserURL(database), PublicURL: publicURL})
	if err != nil {
		return nil, err
	}
	pgtest.AtExit(func() {
		_ = s.Stop()
		c, err := pgx.Connect(ctx, pgtest.SuperuserURL("postgres"))
		if err == nil {
			_, _ = c.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{database}.Sanitize()+` WITH (FORCE)`)
			c.Close(ctx)
		}
	})
	return s, nil
}

// SignIn gives the identity a password and signs it in through a native
// login flow, returning a session token (sent as X-Session-Token).
func SignIn(t testing.TB, s *kratoslocal.Server, identityID, identifier string) string {
	t.Helper()
	ctx := context.Background()
	admin := newClient(s.AdminURL())
	ident, _, err := admin.IdentityAPI.GetIdentity(ctx, identityID).Execute()
	require.NoError(t, err)
	password := "Fq-test-" + identityID[:8]
	body := client.NewUpdateIdentityBody(ident.SchemaId, "active", ident.Traits.(map[string]any))
	body.Credentials = &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
		Config: &client.IdentityWithCredentialsPasswordConfig{Password: &password}}}
	_, _, err = admin.IdentityAPI.UpdateIdentity(ctx, identityID).UpdateIdentityBody(*body).Execute()
	require.NoError(t, err, "set password")

	public := newClient(s.PublicURL())
	flow, _, err := public.FrontendAPI.CreateNativeLoginFlow(ctx).Execute()
	require.NoError(t, err)
	login := client.UpdateLoginFlowWithPasswordMethodAsUpdateLoginFlowBody(
		client.NewUpdateLoginFlowWithPasswordMethod(identifier, "password", password))
	res, _, err := public.FrontendAPI.UpdateLoginFlow(ctx).Flow(flow.Id).UpdateLoginFlowBody(login).Execute()
	require.NoError(t, err, "sign in")
	return res.GetSessionToken()
}

func newClient(url string) *client.APIClient {
	cfg := client.NewConfiguration()
	cfg.Servers = client.ServerConfigurations{{URL: url}}
	return client.NewAPIClient(cfg)
}
