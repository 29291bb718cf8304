// Package kratoslocal builds Ory Kratos from the nested module in
// infra/kratos (cached per source hash) and runs it against a local
// PostgreSQL database for `fengqiao dev` and tests.
//
// Kratos listens on loopback only. Its public API is meant to be reached by
// browsers through Fengqiao's reverse proxy at PublicURL + "/identity/";
// the admin API must never be exposed.
package kratoslocal

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Version is the Kratos release built from infra/kratos.
const Version = "v1.3.1"

const (
	mainModule   = "github.com/fengqiao/fengqiao"
	readyTimeout = 60 * time.Second
	stopTimeout  = 10 * time.Second
)

// Options configures Build and Start.
type Options struct {
	RepoDir     string // repository root; default: the nearest ancestor of the working directory whose go.mod is module github.com/fengqiao/fengqiao
	CacheDir    string // where built binaries are cached; default $FENGQIAO_CACHE_DIR, else os.UserCacheDir()/fengqiao
	DSN         string // Kratos's own PostgreSQL database, which must exist, e.g. postgres://kratos@/kratos?host=/socket/dir&port=5432&sslmode=disable
	PublicURL   string // Fengqiao's public base URL, e.g. http://127.0.0.1:8080; Kratos's public base URL is PublicURL + "/identity/"
	PublicPort  int    // Kratos public listener on 127.0.0.1; 0 picks a free port
	AdminPort   int    // Kratos admin listener on 127.0.0.1; 0 picks a free port
	SecretsFile string // cookie and cipher secrets, generated on first use (0600); empty: random per run, so sessions do not survive a restart
	LogFile     string // Kratos's own log (appended); default: a temporary kratos-*.log, deleted by a clean Stop
	Log         io.Writer
}

// Build compiles infra/kratos into CacheDir/kratos-v1.3.1-<hash of go.mod,
// go.sum and main.go> unless that binary already exists, and returns its
// path. Concurrent callers, in this or other processes, wait for a single
// build.
func Build(ctx context.Context, opts Options) (string, error) {
	if err := opts.setPathDefaults(); err != nil {
		return "", err
	}
	src := filepath.Join(opts.RepoDir, "infra", "kratos")
	hash, err := sourceHash(src)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
		return "", fmt.Errorf("kratoslocal: create cache dir: %w", err)
	}
	binary := filepath.Join(opts.CacheDir, "kratos-"+Version+"-"+hash)
	if isFile(binary) {
		return binary, nil
	}

	unlock, err := lockFile(ctx, binary+".lock", opts.Log)
	if err != nil {
		return "", err
	}
	defer unlock()
	// Another process may have finished the build while we waited.
	if isFile(binary) {
		return binary, nil
	}

	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("kratoslocal: building Kratos needs the go command on PATH: %w", err)
	}
	// Built beside the final path and renamed into place, so nobody ever
	// sees a half-written binary.
	tmpDir, err := os.MkdirTemp(opts.CacheDir, ".kratos-build-")
	if err != nil {
		return "", fmt.Errorf("kratoslocal: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	tmp := filepath.Join(tmpDir, "kratos")

	fmt.Fprintf(opts.Log, "building Kratos %s into %s (2–4 minutes on a cold Go build cache)\n", Version, binary)
	start := time.Now()
	cmd := exec.CommandContext(ctx, goTool, "build",
		// Independent of the enclosing git checkout's state and ownership.
		"-buildvcs=false",
		"-ldflags", "-X github.com/ory/kratos/driver/config.Version="+Version,
		"-o", tmp, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(),
		// infra/kratos is its own module with its own replace directives.
		"GOWORK=off",
		// Static binary without SQLite's C code: no C compiler needed, and
		// we only use PostgreSQL.
		"CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("kratoslocal: go build in %s: %w\n%s", src, err, out.Bytes())
	}
	if err := os.Rename(tmp, binary); err != nil {
		return "", fmt.Errorf("kratoslocal: %w", err)
	}
	fmt.Fprintf(opts.Log, "built Kratos in %s\n", time.Since(start).Round(time.Second))
	return binary, nil
}

// Server is a running Kratos.
type Server struct {
	cmd       *exec.Cmd
	publicURL string
	adminURL  string
	logFile   string
	tempLog   bool // logFile is ours to delete
	log       io.Writer

	exited  chan struct{} // closed when the process has been reaped
	waitErr error         // valid after exited is closed

	stopOnce sync.Once
	stopErr  error
}

// Start builds Kratos if needed, migrates its database and serves it with
// infra/kratos/kratos.yml, returning once both listeners are ready.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := opts.setPathDefaults(); err != nil {
		return nil, err
	}
	if opts.DSN == "" {
		return nil, errors.New("kratoslocal: Options.DSN is required")
	}
	fengqiaoURL, err := baseURL(opts.PublicURL)
	if err != nil {
		return nil, err
	}
	binary, err := Build(ctx, opts)
	if err != nil {
		return nil, err
	}
	secrets, err := loadSecrets(opts.SecretsFile)
	if err != nil {
		return nil, err
	}
	if opts.PublicPort == 0 {
		if opts.PublicPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	if opts.AdminPort == 0 {
		if opts.AdminPort, err = freePort(); err != nil {
			return nil, err
		}
	}
	logFile, err := openLog(opts.LogFile)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor

	s := &Server{
		publicURL: fmt.Sprintf("http://127.0.0.1:%d", opts.PublicPort),
		adminURL:  fmt.Sprintf("http://127.0.0.1:%d", opts.AdminPort),
		logFile:   logFile.Name(),
		tempLog:   opts.LogFile == "",
		log:       opts.Log,
		exited:    make(chan struct{}),
	}
	env := kratosEnv(opts, fengqiaoURL, s.adminURL, secrets)
	dir := filepath.Join(opts.RepoDir, "infra", "kratos")

	fmt.Fprintf(opts.Log, "migrating the Kratos database (log: %s)\n", s.logFile)
	migrate := exec.CommandContext(ctx, binary, "migrate", "sql", "-e", "--yes")
	migrate.Dir, migrate.Env, migrate.Stdout, migrate.Stderr = dir, env, logFile, logFile
	if err := migrate.Run(); err != nil {
		return nil, fmt.Errorf("kratoslocal: kratos migrate sql: %w\n--- tail of %s ---\n%s", err, s.logFile, tail(s.logFile, 30))
	}

	// --dev: Fengqiao is served over plain http://127.0.0.1, and without it
	// Kratos marks its session and CSRF cookies Secure, which browsers do
	// not send back over http. --sqa-opt-out: no telemetry calls home.
	// Dir: kratos.yml names the identity schema relative to it.
	s.cmd = exec.Command(binary, "serve", "-c", filepath.Join(dir, "kratos.yml"), "--dev", "--sqa-opt-out")
	s.cmd.Dir, s.cmd.Env, s.cmd.Stdout, s.cmd.Stderr = dir, env, logFile, logFile
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("kratoslocal: start kratos serve: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()

	if err := s.waitReady(ctx); err != nil {
		s.tempLog = false // the error points at it
		_ = s.Stop()
		return nil, fmt.Errorf("kratoslocal: %w\n--- tail of %s ---\n%s", err, s.logFile, tail(s.logFile, 30))
	}
	fmt.Fprintf(opts.Log, "Kratos ready: public %s (base %s/identity/), admin %s\n", s.publicURL, fengqiaoURL, s.adminURL)
	return s, nil
}

// PublicURL is Kratos's own public listener, e.g. http://127.0.0.1:4433:
// what Fengqiao's /identity/ reverse proxy targets.
func (s *Server) PublicURL() string { return s.publicURL }

// AdminURL is Kratos's admin listener, e.g. http://127.0.0.1:4434.
func (s *Server) AdminURL() string { return s.adminURL }

// LogFile is the file holding Kratos's own log.
func (s *Server) LogFile() string { return s.logFile }

// Stop sends SIGTERM, waits up to 10 s, then kills Kratos. It is
// idempotent. A temporary log survives only a failed stop.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		select {
		case <-s.exited:
			s.stopErr = fmt.Errorf("kratoslocal: kratos had already exited: %v", s.waitErr)
			return
		default:
		}
		if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			s.stopErr = fmt.Errorf("kratoslocal: signal kratos: %w", err)
		}
		select {
		case <-s.exited:
		case <-time.After(stopTimeout):
			_ = s.cmd.Process.Kill()
			<-s.exited
			s.stopErr = errors.New("kratoslocal: kratos ignored SIGTERM for 10s and was killed")
		}
		if s.stopErr == nil && s.tempLog {
			os.Remove(s.logFile)
		}
		fmt.Fprintln(s.log, "Kratos stopped")
	})
	return s.stopErr
}

// waitReady polls until the admin API reports the database reachable and
// the public listener answers, or Kratos exits, or 60 s pass.
func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	ok := func(u string) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		// The admin listener serves its health checks under /admin.
		if ok(s.adminURL+"/admin/health/ready") && ok(s.publicURL+"/health/alive") {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("kratos serve exited: %v", s.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("kratos not ready after %s: %w", readyTimeout, ctx.Err())
		case <-tick.C:
		}
	}
}

// kratosEnv is Kratos's whole environment. It does not inherit ours: Kratos
// maps every variable named like a config key (DSN, LOG_LEVEL, SERVE_…) onto
// its configuration, so a stray one would silently change it.
func kratosEnv(opts Options, fengqiaoURL, adminURL string, sec secrets) []string {
	env := []string{
		"DSN=" + opts.DSN,
		"SERVE_PUBLIC_PORT=" + strconv.Itoa(opts.PublicPort),
		"SERVE_ADMIN_PORT=" + strconv.Itoa(opts.AdminPort),
		// Browsers reach the public API only through Fengqiao's proxy, so
		// flow action URLs and redirects must name it.
		"SERVE_PUBLIC_BASE_URL=" + fengqiaoURL + "/identity/",
		"SERVE_ADMIN_BASE_URL=" + adminURL + "/",
		"SECRETS_COOKIE=" + sec.Cookie,
		"SECRETS_CIPHER=" + sec.Cipher,
		"SELFSERVICE_DEFAULT_BROWSER_RETURN_URL=" + fengqiaoURL + "/",
		"SELFSERVICE_ALLOWED_RETURN_URLS=" + fengqiaoURL,
		"SELFSERVICE_FLOWS_LOGIN_UI_URL=" + fengqiaoURL + "/signin",
		"SELFSERVICE_FLOWS_SETTINGS_UI_URL=" + fengqiaoURL + "/account",
		"SELFSERVICE_FLOWS_RECOVERY_UI_URL=" + fengqiaoURL + "/recover",
		"SELFSERVICE_FLOWS_ERROR_UI_URL=" + fengqiaoURL + "/error",
		"SELFSERVICE_FLOWS_LOGOUT_AFTER_DEFAULT_BROWSER_RETURN_URL=" + fengqiaoURL + "/signin",
	}
	for _, k := range []string{"PATH", "HOME", "TMPDIR"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func (o *Options) setPathDefaults() error {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.RepoDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return fmt.Errorf("kratoslocal: %w", err)
		}
		if o.RepoDir, err = findRepo(wd); err != nil {
			return err
		}
	}
	if o.CacheDir == "" {
		o.CacheDir = os.Getenv("FENGQIAO_CACHE_DIR")
	}
	if o.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("kratoslocal: no cache directory (set FENGQIAO_CACHE_DIR): %w", err)
		}
		o.CacheDir = filepath.Join(dir, "fengqiao")
	}
	return nil
}

// findRepo walks up from dir to the go.mod of the main module, skipping
// nested modules such as infra/kratos.
func findRepo(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if modulePath(filepath.Join(d, "go.mod")) == mainModule {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("kratoslocal: no go.mod for module %s above %s; set Options.RepoDir", mainModule, dir)
		}
	}
}

func modulePath(goMod string) string {
	f, err := os.Open(goMod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// sourceHash identifies the build inputs; everything else comes from the
// module cache, pinned by go.sum.
func sourceHash(src string) (string, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", fmt.Errorf("kratoslocal: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// lockFile takes an exclusive flock on path, polling so that ctx can cancel
// the wait. The lock dies with the process, so a crashed build cannot wedge
// later ones.
func lockFile(ctx context.Context, path string, log io.Writer) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kratoslocal: %w", err)
	}
	for waited := false; ; waited = true {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("kratoslocal: lock %s: %w", path, err)
		}
		if !waited {
			fmt.Fprintln(log, "another process is building Kratos; waiting for it")
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("kratoslocal: waiting for the Kratos build lock: %w", ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func baseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("kratoslocal: Options.PublicURL must be an absolute http(s) URL, got %q", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

type secrets struct {
	Cookie string `json:"cookie"`
	Cipher string `json:"cipher"` // Kratos requires exactly 32 characters
}

// loadSecrets reads path, creating it with fresh secrets if it does not
// exist; with no path the secrets last for this run only.
func loadSecrets(path string) (secrets, error) {
	if path == "" {
		return newSecrets()
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := writeSecrets(path); err != nil {
			return secrets{}, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return secrets{}, fmt.Errorf("kratoslocal: %w", err)
	}
	var s secrets
	if err := json.Unmarshal(data, &s); err != nil {
		return secrets{}, fmt.Errorf("kratoslocal: parse %s: %w", path, err)
	}
	if len(s.Cookie) < 16 || len(s.Cipher) != 32 {
		return secrets{}, fmt.Errorf("kratoslocal: %s: cookie needs ≥ 16 characters, cipher exactly 32", path)
	}
	return s, nil
}

// writeSecrets creates path without ever replacing it: when two processes
// race, the first link wins and both read the winner's secrets.
func writeSecrets(path string) error {
	s, err := newSecrets()
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("kratoslocal: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".kratos-secrets-*")
	if err != nil {
		return fmt.Errorf("kratoslocal: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(data, '\n'))
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("kratoslocal: write secrets: %w", err)
	}
	// CreateTemp made it 0600.
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("kratoslocal: %w", err)
	}
	return nil
}

func newSecrets() (secrets, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return secrets{}, err
	}
	// 16 random bytes each, hex-encoded to the 32 characters cipher needs.
	return secrets{Cookie: hex.EncodeToString(b[:16]), Cipher: hex.EncodeToString(b[16:])}, nil
}

// freePort asks the kernel for an unused loopback port. Another process
// could take it before Kratos binds; Start then fails with Kratos's log.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("kratoslocal: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func openLog(path string) (*os.File, error) {
	if path == "" {
		f, err := os.CreateTemp("", "kratos-*.log")
		if err != nil {
			return nil, fmt.Errorf("kratoslocal: %w", err)
		}
		return f, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("kratoslocal: %w", err)
	}
	return f, nil
}

// tail returns the last n lines of path, or a note why it cannot.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
