// Command fengqiao is the Fengqiao server and its operator tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/apikeys"
	"github.com/fengqiao/fengqiao/appeals"
	"github.com/fengqiao/fengqiao/assess"
	"github.com/fengqiao/fengqiao/authz"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/competitions"
	"github.com/fengqiao/fengqiao/demo"
	"github.com/fengqiao/fengqiao/exports"
	"github.com/fengqiao/fengqiao/infra/kratoslocal"
	"github.com/fengqiao/fengqiao/infra/migrations"
	"github.com/fengqiao/fengqiao/infra/pgcluster"
	"github.com/fengqiao/fengqiao/jobs"
	"github.com/fengqiao/fengqiao/notifications"
	"github.com/fengqiao/fengqiao/qrcodes"
	"github.com/fengqiao/fengqiao/rankings"
	"github.com/fengqiao/fengqiao/situation"
	"github.com/fengqiao/fengqiao/staff"
	"github.com/fengqiao/fengqiao/tenants"
)

const usage = `fengqiao — grassroots social governance (枫桥)

Usage:
  fengqiao dev                 start the private PostgreSQL under $FENGQIAO_DATA_DIR, migrate, seed the demo county, serve
  fengqiao serve               serve the API and web app
  fengqiao migrate             apply database migrations (as the owner role)
  fengqiao openapi             print the OpenAPI document (YAML)
  fengqiao seed demo           migrate, then create the demo county and its streets (idempotent)
  fengqiao apikey create -county CODE [-tenant CODE] -name NAME
                               issue an API key scoped to a county or one street
  fengqiao admin create -county CODE -name NAME (-email E | -phone +86…)
                               make a county administrator and print their sign-in link

  fengqiao loadtest [-rates 50,100,200,300,400] [-duration 10s] [-photo]
                               drive residents' appeal submission at rising rates (use its own
                               FENGQIAO_DATA_DIR: it adds thousands of cases); print throughput, p50, p99

Configuration is read from the environment; see README.md.
`

// Config is read from environment variables.
type Config struct {
	Addr           string `env:"FENGQIAO_ADDR" envDefault:"127.0.0.1:8080"`
	PublicURL      string `env:"FENGQIAO_PUBLIC_URL"` // where residents reach the server (QR codes hold it); empty: the listen address
	DatabaseURL    string `env:"DATABASE_URL"`        // the owner role; empty: the private cluster under DataDir
	AppDatabaseURL string `env:"APP_DATABASE_URL"`    // the app role; empty: DatabaseURL with AppRole/AppPassword
	AppRole        string `env:"FENGQIAO_APP_ROLE" envDefault:"fengqiao_app"`
	AppPassword    string `env:"FENGQIAO_APP_PASSWORD"`
	DataDir        string `env:"FENGQIAO_DATA_DIR" envDefault:".data"`
	LogLevel       string `env:"FENGQIAO_LOG_LEVEL" envDefault:"info"`
	// TrustForwardedFor: behind a reverse proxy, rate-limit residents by the
	// address the proxy appends to X-Forwarded-For, not the proxy's own.
	TrustForwardedFor bool `env:"FENGQIAO_TRUST_FORWARDED_FOR"`
	// PublicLimitsOff switches residents' rate limits off (load tests).
	PublicLimitsOff bool `env:"FENGQIAO_PUBLIC_LIMITS_OFF"`
	// An external Kratos. Empty: `dev` builds and starts one on loopback;
	// `serve` runs without staff sign-in (API keys only).
	KratosPublicURL string `env:"KRATOS_PUBLIC_URL"`
	KratosAdminURL  string `env:"KRATOS_ADMIN_URL"`
	// KratosDSN starts a local Kratos on this database (tests; dev derives it).
	KratosDSN string `env:"KRATOS_DSN"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fengqiao:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	if args[0] == "openapi" {
		out, err := api.OpenAPI().YAML()
		if err != nil {
			return fmt.Errorf("render OpenAPI: %w", err)
		}
		_, err = stdout.Write(out)
		return err
	}
	if !slices.Contains([]string{"seed", "apikey", "admin", "loadtest"}, args[0]) && len(args) > 1 {
		fmt.Fprint(stdout, usage)
		return fmt.Errorf("%s takes no arguments; configuration comes from the environment", args[0])
	}
	cfg, err := env.ParseAs[Config]()
	if err != nil {
		return fmt.Errorf("read configuration: %w", err)
	}
	if _, set := os.LookupEnv("FENGQIAO_LOG_LEVEL"); args[0] == "loadtest" && !set {
		cfg.LogLevel = "warn" // not a log line per notification sent
	}
	m := NewMain(cfg, stdout)
	defer m.Close()
	switch args[0] {
	case "dev":
		return m.dev(ctx)
	case "serve":
		if err := m.Open(ctx, false); err != nil {
			return err
		}
		return m.serveUntilDone(ctx)
	case "migrate":
		return m.Open(ctx, true)
	case "seed":
		if len(args) < 2 || args[1] != "demo" {
			return errors.New("usage: fengqiao seed demo")
		}
		// Seeding needs the schema; migrating is idempotent.
		if err := m.Open(ctx, true); err != nil {
			return err
		}
		_, err := m.seedDemo(ctx, stdout)
		return err
	case "apikey":
		return m.apikey(ctx, args[1:])
	case "admin":
		return m.adminCreate(ctx, args[1:])
	case "loadtest":
		return m.loadtest(ctx, args[1:])
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}

// Main owns the process's resources: the private cluster (if any), the
// pools and the HTTP server. End-to-end tests drive it the same way.
type Main struct {
	Config  Config
	Log     *slog.Logger
	Out     io.Writer
	Tenants *tenants.Service
	Keys    *apikeys.Store
	Staff   *staff.Service
	Authz   *authz.Authorizer
	// Sender delivers notifications by SMS or mail; nil logs them.
	Sender notifications.Sender

	cluster    *pgcluster.Cluster
	kratos     *kratoslocal.Server
	kratosURLs [2]string // public, admin
	pool       *pgxpool.Pool
	server     *http.Server
	listener   net.Listener
	served     chan error
	stopListen context.CancelFunc
	sessions   *api.Sessions
	identities *staff.Kratos // nil without Kratos
	river      *river.Client[pgx.Tx]
}

// NewMain prepares a Main; nothing is started until Open.
func NewMain(cfg Config, out io.Writer) *Main {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	return &Main{Config: cfg, Out: out, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))}
}

// Open finds or starts the database, migrates it when asked, and connects
// as the app role.
func (m *Main) Open(ctx context.Context, migrate bool) error {
	ownerURL, appURL, err := m.databaseURLs(ctx)
	if err != nil {
		return err
	}
	if migrate {
		if err := migrations.Migrate(ctx, ownerURL, migrations.Options{AppRole: m.Config.AppRole, AppPassword: m.Config.AppPassword, Log: m.Out}); err != nil {
			return err
		}
	}
	m.pool, err = pgxpool.New(ctx, appURL)
	if err != nil {
		return fmt.Errorf("connect as %s: %w", m.Config.AppRole, err)
	}
	if err := m.pool.Ping(ctx); err != nil {
		return fmt.Errorf("connect as %s (run `fengqiao migrate` first?): %w", m.Config.AppRole, err)
	}
	db := tenants.NewDB(m.pool)
	m.Tenants = tenants.NewService(db)
	m.Keys = apikeys.NewStore(m.pool)
	if m.Authz, err = authz.New(); err != nil {
		return err
	}
	m.Staff = staff.NewService(db, nil)
	return m.reloadAuthz(ctx)
}

// reloadAuthz loads every membership into the authorizer and forgets
// cached sessions, whose principals carry memberships.
func (m *Main) reloadAuthz(ctx context.Context) error {
	ms, err := m.Staff.All(ctx)
	if err != nil {
		return err
	}
	if err := m.Authz.Load(ms); err != nil {
		return err
	}
	if m.sessions != nil {
		m.sessions.Forget()
	}
	return nil
}

// databaseURLs returns the owner's and the app role's URLs, starting the
// private cluster when no DATABASE_URL is set.
func (m *Main) databaseURLs(ctx context.Context) (owner, app string, err error) {
	if m.Config.DatabaseURL != "" {
		app = m.Config.AppDatabaseURL
		if app == "" {
			u, err := url.Parse(m.Config.DatabaseURL)
			if err != nil {
				return "", "", fmt.Errorf("parse DATABASE_URL: %w", err)
			}
			u.User = url.UserPassword(m.Config.AppRole, m.Config.AppPassword)
			if m.Config.AppPassword == "" {
				u.User = url.User(m.Config.AppRole)
			}
			app = u.String()
		}
		return m.Config.DatabaseURL, app, nil
	}
	dir, err := filepath.Abs(filepath.Join(m.Config.DataDir, "pg"))
	if err != nil {
		return "", "", err
	}
	m.cluster, err = pgcluster.Start(ctx, pgcluster.Options{Dir: dir, Log: m.Out})
	if err != nil {
		if errors.Is(err, pgcluster.ErrBinariesMissing) {
			return "", "", fmt.Errorf("%w\n(or set DATABASE_URL to use another PostgreSQL 15 server)", err)
		}
		return "", "", err
	}
	const database = "fengqiao"
	roles := migrations.Roles{Owner: "fengqiao", App: m.Config.AppRole, AppPassword: m.Config.AppPassword}
	superuser := m.cluster.ConnString(m.cluster.Superuser(), "postgres")
	if err := migrations.Bootstrap(ctx, superuser, database, roles); err != nil {
		return "", "", err
	}
	// Kratos keeps its own database in the same cluster, under its own role.
	if m.Config.KratosDSN == "" && m.Config.KratosPublicURL == "" {
		if err := migrations.Bootstrap(ctx, superuser, "kratos", migrations.Roles{Owner: "kratos", App: roles.App}); err != nil {
			return "", "", err
		}
		m.Config.KratosDSN = m.cluster.ConnString("kratos", "kratos")
	}
	return m.cluster.ConnString(roles.Owner, database), m.cluster.ConnString(roles.App, database), nil
}

// Listen binds the server's address, starts Kratos if configured (it must
// know the address), and serves in the background.
func (m *Main) Listen(ctx context.Context) error {
	var err error
	m.listener, err = net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	if err := m.startKratos(ctx); err != nil {
		return err
	}
	if err := m.startRiver(ctx); err != nil {
		return err
	}
	caseService, codes := cases.NewService(m.Tenants.DB()).WithJobs(m.river), qrcodes.NewService(m.Tenants.DB())
	limits := api.DefaultPublicLimits
	limits.Off, limits.TrustForwardedFor = m.Config.PublicLimitsOff, m.Config.TrustForwardedFor
	srv := &api.Server{Tenants: m.Tenants, Keys: m.Keys, Staff: m.Staff, Cases: caseService,
		Notifications: notifications.NewService(m.Tenants.DB()), QRCodes: codes, Appeals: appeals.NewService(codes, caseService),
		Situation: situation.NewService(m.Tenants.DB()), Live: situation.NewHub(),
		Rankings: rankings.NewService(m.Tenants.DB(), assess.NewService(m.Tenants.DB())).WithJobs(m.river), Competitions: competitions.NewService(m.Tenants.DB()).WithJobs(m.river),
		PublicURL: m.publicURL(), PublicLimits: limits, Authz: m.Authz, Log: m.Log}
	srv.Exports, srv.River = exports.NewService(m.Tenants.DB()).WithJobs(m.river), m.river
	if public, admin := m.kratosURLs[0], m.kratosURLs[1]; public != "" {
		if srv.Kratos, err = url.Parse(public); err != nil {
			return fmt.Errorf("kratos public URL: %w", err)
		}
		m.sessions = api.NewSessions(public)
		srv.Sessions = m.sessions
		m.identities = staff.NewKratos(admin, nil)
		m.Staff = staff.NewService(m.Tenants.DB(), m.identities)
		srv.Staff = m.Staff
	} else {
		fmt.Fprintln(m.Out, "fengqiao: no Kratos configured: staff sign-in is off, API keys work")
	}
	listenCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.stopListen = cancel
	srv.Lifetime = listenCtx
	go m.Staff.Listen(listenCtx, m.Log, m.reloadAuthz)
	go srv.Live.Run(listenCtx, m.Tenants.DB(), m.Log)
	m.server = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	m.served = make(chan error, 1)
	go func() { m.served <- m.server.Serve(m.listener) }()
	return nil
}

// startRiver starts the background job client on the app pool: deadline
// reminders and escalations.
func (m *Main) startRiver(ctx context.Context) error {
	workers := river.NewWorkers()
	sender := m.Sender
	if sender == nil {
		sender = notifications.LogSender{Log: m.Log}
	}
	jobs.Register(workers, m.Tenants.DB(), sender)
	client, err := river.NewClient(riverpgxv5.New(m.pool), &river.Config{
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{river.NewPeriodicJob(jobs.NightlyAt{},
			func() (river.JobArgs, *river.InsertOpts) { return jobs.NightlyRankingArgs{}, nil }, nil)},
		Logger: m.Log,
	})
	if err != nil {
		return fmt.Errorf("river client: %w", err)
	}
	// The client outlives the request that started it: Close stops it.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	m.river = client
	return nil
}

// publicURL is where residents reach the server: configured, or where it
// listens.
func (m *Main) publicURL() string {
	if m.Config.PublicURL != "" {
		return m.Config.PublicURL
	}
	return m.URL()
}

func (m *Main) startKratos(ctx context.Context) error {
	return m.startKratosFor(ctx, m.URL())
}

// startKratosFor starts the configured Kratos; publicURL is the Fengqiao
// address its links point at.
func (m *Main) startKratosFor(ctx context.Context, publicURL string) error {
	if m.Config.KratosPublicURL != "" {
		m.kratosURLs = [2]string{m.Config.KratosPublicURL, m.Config.KratosAdminURL}
		return nil
	}
	if m.Config.KratosDSN == "" {
		return nil
	}
	fmt.Fprintln(m.Out, "kratos: starting (the first run builds it from source: a few minutes)")
	var secrets string
	if m.cluster != nil {
		secrets = filepath.Join(m.Config.DataDir, "kratos-secrets.json")
	}
	var err error
	m.kratos, err = kratoslocal.Start(ctx, kratoslocal.Options{DSN: m.Config.KratosDSN, PublicURL: publicURL, SecretsFile: secrets, Log: m.Out})
	if err != nil {
		return err
	}
	m.kratosURLs = [2]string{m.kratos.PublicURL(), m.kratos.AdminURL()}
	return nil
}

// URL is where the server listens.
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

func (m *Main) serveUntilDone(ctx context.Context) error {
	if err := m.Listen(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Out, "fengqiao: serving on %s\n", m.URL())
	return m.wait(ctx)
}

func (m *Main) wait(ctx context.Context) error {
	select {
	case err := <-m.served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		fmt.Fprintln(m.Out, "fengqiao: shutting down")
		return nil
	}
}

// Close stops the server, the pools and the private cluster, in that order.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.server.Shutdown(ctx))
		cancel()
		m.server = nil
	}
	if m.stopListen != nil {
		m.stopListen()
		m.stopListen = nil
	}
	if m.river != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.river.Stop(ctx))
		cancel()
		m.river = nil
	}
	if m.kratos != nil {
		errs = append(errs, m.kratos.Stop())
		m.kratos = nil
	}
	if m.pool != nil {
		m.pool.Close()
		m.pool = nil
	}
	if m.cluster != nil {
		errs = append(errs, m.cluster.Stop(context.Background()))
		m.cluster = nil
	}
	return errors.Join(errs...)
}

// seedDemo seeds the demo county on an empty database: its streets, cases
// and an assessment scheme with rankings.
func (m *Main) seedDemo(ctx context.Context, out io.Writer) (tenants.County, error) {
	county, err := demo.Seed(ctx, m.Tenants, out)
	if err != nil {
		return tenants.County{}, err
	}
	if err := demo.SeedCases(ctx, m.Tenants, cases.NewService(m.Tenants.DB()), county, out); err != nil {
		return tenants.County{}, err
	}
	return county, demo.SeedAssessment(ctx, rankings.NewService(m.Tenants.DB(), assess.NewService(m.Tenants.DB())), county, out)
}

// dev is what `make run` runs: everything on one machine, with the demo
// county and a ready sign-in link.
func (m *Main) dev(ctx context.Context) error {
	if err := m.Open(ctx, true); err != nil {
		return err
	}
	county, err := m.seedDemo(ctx, m.Out)
	if err != nil {
		return err
	}
	key, err := m.demoKey(ctx, county)
	if err != nil {
		return err
	}
	if err := m.Listen(ctx); err != nil {
		return err
	}
	streets, err := m.Tenants.ListTenants(ctx, county.ID)
	if err != nil {
		return err
	}
	var people []demo.Person
	if m.identities != nil {
		if people, err = demo.SeedStaff(ctx, m.Staff, m.Tenants, m.identities, county); err != nil {
			return err
		}
	}
	u := m.URL()
	fmt.Fprintf(m.Out, "\nFengqiao 枫桥 is running at %s\n\n", u)
	fmt.Fprintf(m.Out, "Demo county: %s (%s)\n", county.Name, county.Code)
	for _, t := range streets {
		c := t.NodeCounts
		fmt.Fprintf(m.Out, "  %s %s: %d communities, %d zones, %d grids, %d buildings\n", t.Code, t.Name,
			c[tenants.KindCommunity], c[tenants.KindZone], c[tenants.KindGrid], c[tenants.KindBuilding])
	}
	if len(people) > 0 {
		fmt.Fprintf(m.Out, "\nSign in at %s/signin as any demo person, password %s:\n", u, demo.Password)
		for _, p := range people {
			fmt.Fprintf(m.Out, "  %-17s %-30s %s, %s\n", p.Role, p.Email, p.Name, p.Where)
		}
	}
	fmt.Fprintf(m.Out, "\nOr open the web app with the demo county's API key:\n  %s/#key=%s\n", u, key)
	fmt.Fprintf(m.Out, "API key (county-wide, kept in %s):\n  %s\n", m.demoKeyPath(), key)
	fmt.Fprintf(m.Out, "Another key: bin/fengqiao apikey create -county %s [-tenant CODE] -name NAME\n", county.Code)
	fmt.Fprintf(m.Out, "API docs: %s/docs/   Stop: Ctrl-C\n\n", u)
	return m.wait(ctx)
}

func (m *Main) demoKeyPath() string { return filepath.Join(m.Config.DataDir, "demo-api-key") }

// demoKey reuses the key written by an earlier run, or issues a new one.
// Keys are stored hashed, so the plain text lives only in this file.
func (m *Main) demoKey(ctx context.Context, county tenants.County) (string, error) {
	path := m.demoKeyPath()
	if b, err := os.ReadFile(path); err == nil {
		key := strings.TrimSpace(string(b))
		if k, err := m.Keys.Verify(ctx, key); err == nil && k.CountyID == county.ID && k.TenantID == 0 {
			return key, nil
		}
	}
	_, key, err := m.Keys.Create(ctx, "demo (make run)", county.ID, 0)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("save demo key: %w", err)
	}
	return key, nil
}

func (m *Main) apikey(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: fengqiao apikey create -county CODE [-tenant CODE] -name NAME")
	}
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	countyCode := fs.String("county", "", "county code (6 digits)")
	tenantCode := fs.String("tenant", "", "street code (9 digits); omit for a county-wide key")
	name := fs.String("name", "", "who uses the key")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *countyCode == "" || *name == "" {
		return errors.New("usage: fengqiao apikey create -county CODE [-tenant CODE] -name NAME")
	}
	if err := m.Open(ctx, false); err != nil {
		return err
	}
	county, err := m.Tenants.CountyByCode(ctx, *countyCode)
	if err != nil {
		return err
	}
	var tenantID int64
	if *tenantCode != "" {
		t, err := m.Tenants.TenantByCode(ctx, tenants.Scope{CountyID: county.ID}, *tenantCode)
		if err != nil {
			return err
		}
		tenantID = t.ID
	}
	k, key, err := m.Keys.Create(ctx, *name, county.ID, tenantID)
	if err != nil {
		return err
	}
	scope := "county " + county.Code
	if tenantID != 0 {
		scope = "street " + *tenantCode
	}
	fmt.Fprintf(m.Out, "API key %d %q for %s (shown once; store it now):\n%s\n", k.ID, *name, scope, key)
	return nil
}

// adminCreate makes the first (or another) county administrator. The
// recovery link points at the server's address; the person opens it once
// the server runs, enters the code and sets a password.
func (m *Main) adminCreate(ctx context.Context, args []string) error {
	const usageLine = "usage: fengqiao admin create -county CODE -name NAME (-email E | -phone +86…)"
	if len(args) == 0 || args[0] != "create" {
		return errors.New(usageLine)
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	countyCode := fs.String("county", "", "county code (6 digits)")
	name := fs.String("name", "", "the person's name")
	email := fs.String("email", "", "their email address")
	phone := fs.String("phone", "", "their phone number in international form")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *countyCode == "" || *name == "" || (*email == "" && *phone == "") {
		return errors.New(usageLine)
	}
	if err := m.Open(ctx, false); err != nil {
		return err
	}
	county, err := m.Tenants.CountyByCode(ctx, *countyCode)
	if err != nil {
		return err
	}
	if err := m.startKratosFor(ctx, "http://"+m.Config.Addr); err != nil {
		return err
	}
	if m.kratosURLs[1] == "" {
		return errors.New("no Kratos: set KRATOS_PUBLIC_URL and KRATOS_ADMIN_URL, or use the private database (no DATABASE_URL)")
	}
	svc := staff.NewService(m.Tenants.DB(), staff.NewKratos(m.kratosURLs[1], nil))
	invited, err := svc.InviteToCounty(ctx, county.ID, staff.Invitation{Name: *name, Email: *email, Phone: *phone, Role: staff.CountyAdmin})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Out, "%s is now an administrator of %s. With the server running, they open\n  %s\nand enter the code %s to set a password (valid 72 hours).\n",
		*name, county.Name, invited.RecoveryLink, invited.RecoveryCode)
	return nil
}
