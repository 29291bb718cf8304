package kratoslocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	client "github.com/ory/kratos-client-go"

	"github.com/fengqiao/fengqiao/infra/pgcluster"
)

// fengqiaoURL stands in for the web app; nothing listens there, it only
// shapes the URLs Kratos hands out.
const fengqiaoURL = "http://127.0.0.1:8080"

var (
	srv         *Server
	binary      string
	secretsFile string
	admin       *client.APIClient
	public      *client.APIClient
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	// The first run builds Kratos (2–3 minutes); later runs reuse the cache.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	dir, err := os.MkdirTemp("", "kratoslocal-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := 1
	defer func() {
		if code == 0 {
			os.RemoveAll(dir)
		} else {
			fmt.Fprintf(os.Stderr, "kept %s (Kratos log: kratos.log)\n", dir)
		}
	}()

	os.Setenv("FENGQIAO_PG_FAST", "1")
	pg, err := pgcluster.Start(ctx, pgcluster.Options{Dir: filepath.Join(dir, "pg")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer pg.Stop(context.Background())
	if err := createDatabase(ctx, pg.ConnString(pg.Superuser(), "postgres")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}

	opts := Options{
		DSN:         pg.ConnString("kratos", "kratos"),
		PublicURL:   fengqiaoURL,
		SecretsFile: filepath.Join(dir, "kratos-secrets.json"),
		LogFile:     filepath.Join(dir, "kratos.log"),
		Log:         os.Stderr,
	}
	if binary, err = Build(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if srv, err = Start(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop()
	secretsFile = opts.SecretsFile
	admin = newClient(srv.AdminURL())
	public = newClient(srv.PublicURL())

	code = m.Run()
	return code
}

// createDatabase gives Kratos its own role and database, as in development.
func createDatabase(ctx context.Context, superuserDSN string) error {
	conn, err := pgx.Connect(ctx, superuserDSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, sql := range []string{"CREATE ROLE kratos LOGIN", "CREATE DATABASE kratos OWNER kratos"} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%s: %w", sql, err)
		}
	}
	return nil
}

func newClient(base string) *client.APIClient {
	cfg := client.NewConfiguration()
	cfg.Servers = client.ServerConfigurations{{URL: base}}
	return client.NewAPIClient(cfg)
}

func unique(t *testing.T) string {
	t.Helper()
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

func createIdentity(t *testing.T, traits map[string]any, password string) *client.Identity {
	t.Helper()
	body := client.NewCreateIdentityBody("staff", traits)
	if password != "" {
		body.Credentials = &client.IdentityWithCredentials{Password: &client.IdentityWithCredentialsPassword{
			Config: &client.IdentityWithCredentialsPasswordConfig{Password: &password},
		}}
	}
	id, _, err := admin.IdentityAPI.CreateIdentity(t.Context()).CreateIdentityBody(*body).Execute()
	if err != nil {
		t.Fatalf("create identity %v: %v", traits, apiError(err))
	}
	return id
}

// login runs a native (API) login flow and returns the session token.
func login(t *testing.T, identifier, password string) (string, error) {
	t.Helper()
	flow, _, err := public.FrontendAPI.CreateNativeLoginFlow(t.Context()).Execute()
	if err != nil {
		t.Fatalf("create login flow: %v", apiError(err))
	}
	// Action URLs must point at Fengqiao's proxy, not at Kratos itself.
	if want := fengqiaoURL + "/identity/self-service/login?flow="; !strings.HasPrefix(flow.Ui.Action, want) {
		t.Errorf("login flow action = %q, want prefix %q", flow.Ui.Action, want)
	}
	body := client.UpdateLoginFlowWithPasswordMethodAsUpdateLoginFlowBody(
		client.NewUpdateLoginFlowWithPasswordMethod(identifier, "password", password))
	res, _, err := public.FrontendAPI.UpdateLoginFlow(t.Context()).Flow(flow.Id).UpdateLoginFlowBody(body).Execute()
	if err != nil {
		return "", apiError(err)
	}
	return res.GetSessionToken(), nil
}

// apiError adds the response body, where Kratos explains itself.
func apiError(err error) error {
	var oe *client.GenericOpenAPIError
	if errors.As(err, &oe) {
		return fmt.Errorf("%w: %s", err, oe.Body())
	}
	return err
}

func TestCreateIdentityWithPassword(t *testing.T) {
	email := "Staff." + unique(t) + "@Example.org"
	id := createIdentity(t, map[string]any{"email": email, "name": "王小明"}, "s3cret-passw0rd")
	if id.Id == "" {
		t.Fatal("identity has no id")
	}
	got, _, err := admin.IdentityAPI.GetIdentity(t.Context(), id.Id).IncludeCredential([]string{"password"}).Execute()
	if err != nil {
		t.Fatal(apiError(err))
	}
	if got.Traits.(map[string]any)["name"] != "王小明" {
		t.Errorf("traits = %v", got.Traits)
	}
	// Kratos stores password identifiers lower-cased.
	creds := (*got.Credentials)["password"]
	if len(creds.Identifiers) != 1 || creds.Identifiers[0] != strings.ToLower(email) {
		t.Errorf("password identifiers = %v, want [%s]", creds.Identifiers, strings.ToLower(email))
	}
}

func TestIdentitySchemaRejectsInvalidTraits(t *testing.T) {
	for name, traits := range map[string]map[string]any{
		"no email or phone":  {"name": "Nobody"},
		"no name":            {"email": unique(t) + "@example.org"},
		"phone not E.164":    {"name": "Spaces", "phone": "+86 138 0013 8000"},
		"tenant in traits":   {"name": "Sneaky", "email": unique(t) + "@example.org", "tenant_id": "1"},
		"name over 60 chars": {"name": strings.Repeat("名", 61), "email": unique(t) + "@example.org"},
	} {
		body := client.NewCreateIdentityBody("staff", traits)
		_, resp, err := admin.IdentityAPI.CreateIdentity(t.Context()).CreateIdentityBody(*body).Execute()
		if err == nil || resp == nil || resp.StatusCode != 400 {
			t.Errorf("%s: want 400, got err %v", name, err)
		}
	}
}

func TestRecoveryCodeWithoutMailServer(t *testing.T) {
	id := createIdentity(t, map[string]any{"email": "invitee." + unique(t) + "@example.org", "name": "Invitee"}, "")
	body := client.NewCreateRecoveryCodeForIdentityBody(id.Id)
	body.SetExpiresIn("72h")
	rc, _, err := admin.IdentityAPI.CreateRecoveryCodeForIdentity(t.Context()).CreateRecoveryCodeForIdentityBody(*body).Execute()
	if err != nil {
		t.Fatal(apiError(err))
	}
	if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(rc.RecoveryCode) {
		t.Errorf("recovery code = %q, want 6 digits", rc.RecoveryCode)
	}
	// The link opens Fengqiao's recovery page; the code is not in it.
	if want := fengqiaoURL + "/recover?flow="; !strings.HasPrefix(rc.RecoveryLink, want) {
		t.Errorf("recovery link = %q, want prefix %q", rc.RecoveryLink, want)
	}
	if rc.ExpiresAt == nil || time.Until(*rc.ExpiresAt) < 71*time.Hour {
		t.Errorf("expires at %v, want ~72h from now", rc.ExpiresAt)
	}
}

func TestNativePasswordLogin(t *testing.T) {
	email := "login." + unique(t) + "@example.org"
	id := createIdentity(t, map[string]any{"email": email, "name": "Login"}, "right-password-1")

	token, err := login(t, strings.ToUpper(email), "right-password-1")
	if err != nil {
		t.Fatal(err)
	}
	if token == "" {
		t.Fatal("no session token")
	}
	sess, _, err := public.FrontendAPI.ToSession(t.Context()).XSessionToken(token).Execute()
	if err != nil {
		t.Fatal(apiError(err))
	}
	if sess.Identity == nil || sess.Identity.Id != id.Id {
		t.Errorf("session identity = %v, want %s", sess.Identity, id.Id)
	}
	if sess.ExpiresAt == nil || time.Until(*sess.ExpiresAt) < 23*time.Hour {
		t.Errorf("session expires at %v, want ~24h from now", sess.ExpiresAt)
	}

	if _, err := login(t, email, "wrong-password-1"); err == nil {
		t.Error("login with a wrong password succeeded")
	} else if !strings.Contains(err.Error(), "credentials are invalid") {
		t.Errorf("wrong password: unexpected error %v", err)
	}
}

func TestPhoneLogin(t *testing.T) {
	phone := "+86138" + fmt.Sprintf("%08d", time.Now().UnixNano()%100_000_000)
	id := createIdentity(t, map[string]any{"phone": phone, "name": "Phone only"}, "phone-password-1")
	token, err := login(t, phone, "phone-password-1")
	if err != nil {
		t.Fatal(err)
	}
	sess, _, err := public.FrontendAPI.ToSession(t.Context()).XSessionToken(token).Execute()
	if err != nil {
		t.Fatal(apiError(err))
	}
	if sess.Identity == nil || sess.Identity.Id != id.Id {
		t.Errorf("session identity = %v, want %s", sess.Identity, id.Id)
	}
}

func TestRegistrationDisabled(t *testing.T) {
	_, resp, err := public.FrontendAPI.CreateNativeRegistrationFlow(t.Context()).Execute()
	if err == nil {
		t.Fatal("created a registration flow; registration must be disabled")
	}
	if resp == nil || resp.StatusCode != 400 || !strings.Contains(apiError(err).Error(), "self_service_flow_disabled") {
		t.Errorf("want 400 self_service_flow_disabled, got %v", apiError(err))
	}
}

func TestBuildCached(t *testing.T) {
	before, err := os.Stat(binary)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	again, err := Build(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("cached Build took %s", elapsed)
	}
	if again != binary {
		t.Errorf("second Build = %s, want %s", again, binary)
	}
	after, err := os.Stat(again)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Error("binary was rebuilt")
	}
}

func TestSecretsPersisted(t *testing.T) {
	fi, err := os.Stat(secretsFile)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("secrets file mode = %o, want 600", perm)
	}
	first, err := loadSecrets(secretsFile)
	if err != nil {
		t.Fatal(err)
	}
	second, err := loadSecrets(secretsFile)
	if err != nil {
		t.Fatal(err)
	}
	if first != second || len(first.Cipher) != 32 {
		t.Errorf("secrets not stable or malformed: %+v vs %+v", first, second)
	}
}
