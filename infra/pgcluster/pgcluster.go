// Package pgcluster starts and stops a private PostgreSQL cluster built from
// the system's binaries. It backs `fengqiao dev` and the Go test harness.
//
// The cluster listens only on a unix socket in a 0700 directory and uses
// trust authentication; that is acceptable because nothing listens on TCP.
// initdb refuses to run as root, so when the caller is root every PostgreSQL
// binary runs as the `postgres` OS user instead.
package pgcluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// ErrBinariesMissing is wrapped by Start when pg_ctl or initdb cannot be found.
var ErrBinariesMissing = errors.New("PostgreSQL binaries (pg_ctl, initdb) not found; " +
	"install Debian's postgresql package: sudo apt-get install -y postgresql")

// Options configures Start.
type Options struct {
	Dir    string    // root directory of this cluster; data in Dir/data; created if missing
	BinDir string    // optional; default: env FENGQIAO_PG_BIN, else the newest /usr/lib/postgresql/*/bin (15 preferred), else the directory of pg_ctl on PATH
	Port   int       // default 5432; only names the unix socket (.s.PGSQL.<port>); TCP is off
	Log    io.Writer // progress lines; nil discards them
}

// Cluster is a running (or reused) PostgreSQL server.
type Cluster struct {
	binDir    string
	dir       string
	socketDir string
	port      int
	superuser string
	owner     *osUser // non-nil when the binaries run as another OS user (we are root)
	log       io.Writer

	mu      sync.Mutex
	started bool // this Cluster launched the server, so Stop may shut it down
	stopped bool
}

// osUser is the identity the PostgreSQL binaries run as when we are root.
type osUser struct {
	name   string
	home   string
	uid    uint32
	gid    uint32
	groups []uint32
}

const (
	defaultPort = 5432
	// sun_path holds 108 bytes on Linux; stay clearly below it.
	maxSocketPath = 100
	// Kept out of postgresql.conf so it can be rewritten on every start
	// without touching initdb's defaults or ALTER SYSTEM's postgresql.auto.conf.
	confFile = "fengqiao.conf"
)

// Start brings up the cluster in opts.Dir, running initdb first if the data
// directory is new. If a server is already running on that data directory it
// is reused, and Stop on the returned Cluster leaves it running.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("pgcluster: Options.Dir is required")
	}
	binDir, err := findBinDir(opts.BinDir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{binDir: binDir, port: opts.Port, log: opts.Log}
	if c.port == 0 {
		c.port = defaultPort
	}
	if c.log == nil {
		c.log = io.Discard
	}
	if err := c.setIdentity(); err != nil {
		return nil, err
	}
	if err := c.prepareDirs(opts.Dir); err != nil {
		return nil, err
	}

	running, err := c.running(ctx)
	if err != nil {
		return nil, err
	}
	if running {
		return c.reuse()
	}
	if _, err := os.Stat(filepath.Join(c.DataDir(), "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := c.initdb(ctx); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("pgcluster: inspect data directory: %w", err)
	}
	if err := c.writeConfig(); err != nil {
		return nil, err
	}
	return c.start(ctx)
}

// Stop shuts the server down if this Cluster started it. It is idempotent.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	if !c.started {
		c.stopped = true
		fmt.Fprintf(c.log, "leaving PostgreSQL in %s running (it was already running when we started)\n", c.dir)
		return nil
	}
	out, err := c.pgCtl(ctx, "stop", "-D", c.DataDir(), "-m", "fast", "-w")
	if err != nil {
		// A server that is already gone (crash, someone else stopped it)
		// counts as stopped.
		if running, statusErr := c.running(ctx); statusErr == nil && !running {
			c.stopped = true
			return nil
		}
		return fmt.Errorf("pgcluster: pg_ctl stop: %w\n%s", err, out)
	}
	c.stopped = true
	fmt.Fprintln(c.log, "PostgreSQL stopped")
	return nil
}

// SocketDir is the directory holding the server's unix socket.
func (c *Cluster) SocketDir() string { return c.socketDir }

// Port names the unix socket (.s.PGSQL.<port>).
func (c *Cluster) Port() int { return c.port }

// Superuser is the bootstrap superuser role: "postgres" when running as
// root, else the current OS user name.
func (c *Cluster) Superuser() string { return c.superuser }

// DataDir is the cluster's data directory (Dir/data).
func (c *Cluster) DataDir() string { return filepath.Join(c.dir, "data") }

// ConnString returns a pgx-compatible URL that connects over the unix socket.
func (c *Cluster) ConnString(user, database string) string {
	q := url.Values{}
	q.Set("host", c.socketDir)
	q.Set("port", strconv.Itoa(c.port))
	q.Set("sslmode", "disable")
	u := url.URL{Scheme: "postgres", Path: "/" + database, RawQuery: q.Encode()}
	if user != "" {
		u.User = url.User(user)
	}
	return u.String()
}

func findBinDir(explicit string) (string, error) {
	dir := explicit
	if dir == "" {
		dir = os.Getenv("FENGQIAO_PG_BIN")
	}
	if dir == "" {
		dir = debianBinDir()
	}
	if dir == "" {
		if p, err := exec.LookPath("pg_ctl"); err == nil {
			dir = filepath.Dir(p)
		}
	}
	if dir == "" {
		return "", fmt.Errorf("pgcluster: %w", ErrBinariesMissing)
	}
	for _, name := range []string{"pg_ctl", "initdb"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return "", fmt.Errorf("pgcluster: no %s in %s: %w", name, dir, ErrBinariesMissing)
		}
	}
	return dir, nil
}

// debianBinDir picks /usr/lib/postgresql/15/bin if present (the version
// fengqiao is developed against), else the highest installed version.
func debianBinDir() string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	best, bestVersion := "", -1.0
	for _, m := range matches {
		bin := filepath.Dir(m)
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(bin)), 64)
		if err != nil {
			continue
		}
		if v == 15 {
			return bin
		}
		if v > bestVersion {
			best, bestVersion = bin, v
		}
	}
	return best
}

func (c *Cluster) setIdentity() error {
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return fmt.Errorf("pgcluster: look up current OS user: %w", err)
		}
		c.superuser = u.Username
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("pgcluster: running as root needs the postgres OS user "+
			"(created by Debian's postgresql package): %w", err)
	}
	owner := &osUser{name: u.Username, home: u.HomeDir}
	if owner.uid, err = parseID(u.Uid); err != nil {
		return err
	}
	if owner.gid, err = parseID(u.Gid); err != nil {
		return err
	}
	gids, err := u.GroupIds()
	if err != nil {
		return fmt.Errorf("pgcluster: look up groups of the postgres user: %w", err)
	}
	for _, g := range gids {
		id, err := parseID(g)
		if err != nil {
			return err
		}
		owner.groups = append(owner.groups, id)
	}
	c.owner = owner
	c.superuser = owner.name
	return nil
}

func parseID(s string) (uint32, error) {
	id, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("pgcluster: parse uid/gid %q: %w", s, err)
	}
	return uint32(id), nil
}

// prepareDirs creates Dir and the socket directory and, as root, makes both
// reachable and owned by the postgres user.
func (c *Cluster) prepareDirs(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: resolve %s: %w", dir, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return fmt.Errorf("pgcluster: create %s: %w", filepath.Dir(abs), err)
	}
	if err := os.Mkdir(abs, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("pgcluster: create %s: %w", abs, err)
	}
	// Work on the real path so the postgres user never has to traverse a
	// symlink whose own directory it may not be able to search.
	if c.dir, err = filepath.EvalSymlinks(abs); err != nil {
		return fmt.Errorf("pgcluster: resolve %s: %w", abs, err)
	}

	c.socketDir = filepath.Join(c.dir, "run")
	if len(filepath.Join(c.socketDir, ".s.PGSQL."+strconv.Itoa(c.port))) > maxSocketPath {
		// Stable per Dir, so a later Start finds the same socket.
		sum := sha256.Sum256([]byte(c.dir))
		c.socketDir = filepath.Join(os.TempDir(), fmt.Sprintf("fqpg-%x", sum[:4]))
	}

	if c.owner != nil {
		// Chown first: Dir is an ancestor of the default socket directory.
		if err := os.Chown(c.dir, int(c.owner.uid), int(c.owner.gid)); err != nil {
			return fmt.Errorf("pgcluster: chown %s to %s: %w", c.dir, c.owner.name, err)
		}
		for _, p := range []string{c.dir, c.socketDir} {
			if err := c.makeSearchable(p); err != nil {
				return err
			}
		}
	}
	return c.ensureOwnedDir(c.socketDir)
}

// makeSearchable adds o+x (search, not read) to every ancestor of path that
// the postgres user could not otherwise traverse, e.g. /root (0700).
func (c *Cluster) makeSearchable(path string) error {
	var fixed []string
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgcluster: stat %s: %w", d, err)
		}
		if !c.owner.canSearch(fi) {
			if err := os.Chmod(d, fi.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("pgcluster: add o+x to %s: %w", d, err)
			}
			fixed = append(fixed, d)
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	if len(fixed) > 0 {
		fmt.Fprintf(c.log, "added o+x (search only) to %s so the postgres user can reach %s\n",
			strings.Join(fixed, ", "), path)
	}
	return nil
}

func (u *osUser) canSearch(fi fs.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return false
	}
	perm := fi.Mode().Perm()
	switch {
	case st.Uid == u.uid:
		return perm&0o100 != 0
	case st.Gid == u.gid || slices.Contains(u.groups, st.Gid):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

// ensureOwnedDir makes path a 0700 directory owned by the user the server
// runs as. The short socket directory lives in the shared temp dir, so refuse
// anything (symlink, foreign owner) another user could have planted there.
func (c *Cluster) ensureOwnedDir(path string) error {
	if err := os.Mkdir(path, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("pgcluster: create %s: %w", path, err)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		return fmt.Errorf("pgcluster: stat %s: %w", path, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("pgcluster: %s exists and is not a directory", path)
	}
	if c.owner != nil {
		if err := os.Chown(path, int(c.owner.uid), int(c.owner.gid)); err != nil {
			return fmt.Errorf("pgcluster: chown %s to %s: %w", path, c.owner.name, err)
		}
	} else if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("pgcluster: %s is owned by uid %d, not by us", path, st.Uid)
	}
	if err := os.Chmod(path, 0o700); err != nil {
		return fmt.Errorf("pgcluster: chmod %s: %w", path, err)
	}
	return nil
}

// running reports whether a live server owns the data directory.
func (c *Cluster) running(ctx context.Context) (bool, error) {
	_, err := c.pgCtl(ctx, "status", "-D", c.DataDir())
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exitErr):
		// 3: not running; 4: no data directory yet.
		return false, nil
	default:
		return false, fmt.Errorf("pgcluster: pg_ctl status: %w", err)
	}
}

// reuse adopts the server someone else started, taking its port and socket
// directory from postmaster.pid in case they differ from our options.
func (c *Cluster) reuse() (*Cluster, error) {
	pid, err := os.ReadFile(filepath.Join(c.DataDir(), "postmaster.pid"))
	if err != nil {
		return nil, fmt.Errorf("pgcluster: read postmaster.pid: %w", err)
	}
	// Lines: pid, data dir, start time, port, first socket dir, ...
	lines := strings.Split(string(pid), "\n")
	if len(lines) > 4 {
		if port, err := strconv.Atoi(strings.TrimSpace(lines[3])); err == nil {
			c.port = port
		}
		if dir := strings.TrimSpace(lines[4]); dir != "" {
			c.socketDir = dir
		}
	}
	fmt.Fprintf(c.log, "PostgreSQL already running in %s; reusing it (socket %s)\n", c.dir, c.socketDir)
	return c, nil
}

func (c *Cluster) initdb(ctx context.Context) error {
	fmt.Fprintf(c.log, "initialising PostgreSQL cluster in %s\n", c.DataDir())
	args := []string{"-D", c.DataDir(), "-U", c.superuser, "--auth=trust", "--encoding=UTF8"}
	if fast() {
		args = append(args, "--no-sync")
	}
	out, err := c.run(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil {
		// Systems without the C.UTF-8 locale still have C.
		fmt.Fprintln(c.log, "initdb with locale C.UTF-8 failed; retrying with locale C")
		if out, err = c.run(ctx, "initdb", append(args, "--locale=C")...); err != nil {
			return fmt.Errorf("pgcluster: initdb: %w\n%s", err, out)
		}
	}
	return nil
}

func fast() bool { return os.Getenv("FENGQIAO_PG_FAST") == "1" }

// writeConfig regenerates fengqiao.conf so that port, socket directory and
// FENGQIAO_PG_FAST take effect on every start.
func (c *Cluster) writeConfig() error {
	settings := [][2]string{
		{"listen_addresses", "''"},
		{"port", strconv.Itoa(c.port)},
		{"unix_socket_directories", quote(c.socketDir)},
		{"max_connections", "200"},
		{"shared_buffers", "'128MB'"},
	}
	if fast() {
		// Test clusters are disposable; durability only costs time.
		settings = append(settings,
			[2]string{"fsync", "off"},
			[2]string{"synchronous_commit", "off"},
			[2]string{"full_page_writes", "off"})
	}
	var b strings.Builder
	b.WriteString("# Written by fengqiao's pgcluster on every start; edits are overwritten.\n")
	for _, s := range settings {
		fmt.Fprintf(&b, "%s = %s\n", s[0], s[1])
	}
	path := filepath.Join(c.DataDir(), confFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf("pgcluster: write %s: %w", path, err)
	}
	if c.owner != nil {
		if err := os.Chown(path, int(c.owner.uid), int(c.owner.gid)); err != nil {
			return fmt.Errorf("pgcluster: chown %s: %w", path, err)
		}
	}
	return ensureIncluded(filepath.Join(c.DataDir(), "postgresql.conf"))
}

// ensureIncluded appends the include of fengqiao.conf to postgresql.conf
// unless it is already there. Checked on every start so an interrupted first
// start cannot leave a cluster with default settings (and TCP listening).
func ensureIncluded(conf string) error {
	include := fmt.Sprintf("include = '%s'", confFile)
	data, err := os.ReadFile(conf)
	if err != nil {
		return fmt.Errorf("pgcluster: read postgresql.conf: %w", err)
	}
	if bytes.Contains(data, []byte(include)) {
		return nil
	}
	f, err := os.OpenFile(conf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgcluster: open postgresql.conf: %w", err)
	}
	// Last in the file, so our settings override initdb's.
	_, err = fmt.Fprintf(f, "\n# Settings managed by fengqiao (rewritten on every start).\n%s\n", include)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return fmt.Errorf("pgcluster: append to postgresql.conf: %w", err)
	}
	return nil
}

// quote renders s as a postgresql.conf string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (c *Cluster) start(ctx context.Context) (*Cluster, error) {
	logFile := filepath.Join(c.dir, "postgres.log")
	if c.owner != nil {
		// pg_ctl appends as the postgres user; an existing log may be root's.
		if err := os.Chown(logFile, int(c.owner.uid), int(c.owner.gid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pgcluster: chown %s: %w", logFile, err)
		}
	}
	out, err := c.pgCtl(ctx, "start", "-D", c.DataDir(), "-l", logFile, "-w")
	if err != nil {
		// Another process may have won a race to start the same cluster.
		if running, statusErr := c.running(ctx); statusErr == nil && running {
			return c.reuse()
		}
		return nil, fmt.Errorf("pgcluster: pg_ctl start: %w\n%s\n--- tail of %s ---\n%s",
			err, out, logFile, tail(logFile, 20))
	}
	c.started = true
	fmt.Fprintf(c.log, "PostgreSQL started (data %s, socket %s)\n", c.DataDir(), c.socketDir)
	return c, nil
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

func (c *Cluster) pgCtl(ctx context.Context, args ...string) ([]byte, error) {
	return c.run(ctx, "pg_ctl", args...)
}

// run executes a PostgreSQL binary as the cluster's OS user and returns its
// combined output.
func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	// The caller's working directory (e.g. /root) may be unreadable by postgres.
	cmd.Dir = c.dir
	if c.owner != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: c.owner.uid, Gid: c.owner.gid, Groups: c.owner.groups,
		}}
		cmd.Env = append(os.Environ(), "HOME="+c.owner.home, "USER="+c.owner.name, "LOGNAME="+c.owner.name)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err := cmd.Run()
	return out.Bytes(), err
}
