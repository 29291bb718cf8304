package pgcluster

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"
)

// logBuffer collects progress lines for assertions and echoes them to the test log.
type logBuffer struct {
	t  *testing.T
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startCluster starts a cluster in dir and stops it when the test ends.
// Start itself makes t.TempDir's 0700 parent searchable for postgres when
// running as root.
func startCluster(t *testing.T, dir string, log io.Writer) *Cluster {
	t.Helper()
	t.Setenv("FENGQIAO_PG_FAST", "1")
	c, err := Start(t.Context(), Options{Dir: dir, Log: log})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, c.Stop(context.Background())) })
	return c
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.ConnString(c.Superuser(), "postgres"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestStartQueryStopRestart(t *testing.T) {
	dir := t.TempDir()
	log := &logBuffer{t: t}

	begin := time.Now()
	c := startCluster(t, dir, log)
	t.Logf("first Start (initdb + start) took %s", time.Since(begin))
	require.Contains(t, log.String(), "initialising PostgreSQL cluster")
	require.Equal(t, filepath.Join(dir, "data"), c.DataDir())
	require.Equal(t, filepath.Join(dir, "run"), c.SocketDir())
	require.Equal(t, 5432, c.Port())
	require.Equal(t,
		"postgres://"+c.Superuser()+"@/postgres?host="+url.QueryEscape(c.SocketDir())+"&port=5432&sslmode=disable",
		c.ConnString(c.Superuser(), "postgres"))
	if os.Geteuid() == 0 {
		require.Equal(t, "postgres", c.Superuser())
	}

	conn := connect(t, c)
	var version string
	require.NoError(t, conn.QueryRow(t.Context(), "SELECT version()").Scan(&version))
	require.Contains(t, version, "PostgreSQL 15")
	for setting, want := range map[string]string{"listen_addresses": "", "fsync": "off", "max_connections": "200"} {
		var got string
		require.NoError(t, conn.QueryRow(t.Context(), "SHOW "+setting).Scan(&got))
		require.Equal(t, want, got, setting)
	}
	_, err := conn.Exec(t.Context(), "CREATE TABLE persisted (id int)")
	require.NoError(t, err)
	require.NoError(t, conn.Close(t.Context()))

	require.NoError(t, c.Stop(t.Context()))
	require.NoError(t, c.Stop(t.Context()), "Stop must be idempotent")
	_, err = pgx.Connect(t.Context(), c.ConnString(c.Superuser(), "postgres"))
	require.Error(t, err, "server should be down after Stop")

	log2 := &logBuffer{t: t}
	begin = time.Now()
	c2 := startCluster(t, dir, log2)
	t.Logf("second Start (existing data) took %s", time.Since(begin))
	require.NotContains(t, log2.String(), "initialising")
	var found bool
	require.NoError(t, connect(t, c2).QueryRow(t.Context(),
		"SELECT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'persisted')").Scan(&found))
	require.True(t, found, "table created before Stop must survive the restart")
}

func TestSecondStartReusesRunningServer(t *testing.T) {
	dir := t.TempDir()
	first := startCluster(t, dir, &logBuffer{t: t})

	log := &logBuffer{t: t}
	second := startCluster(t, dir, log)
	require.Contains(t, log.String(), "already running")
	require.Equal(t, first.SocketDir(), second.SocketDir())
	require.NoError(t, second.Stop(t.Context()))

	var one int
	require.NoError(t, connect(t, first).QueryRow(t.Context(), "SELECT 1").Scan(&one),
		"Stop of the reusing Cluster must leave the server up")
	require.Equal(t, 1, one)
}

func TestLongDirUsesShortSocketDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 100))
	var c *Cluster
	// Registered first so it runs after Stop; the short dir outlives the cluster.
	t.Cleanup(func() {
		if c != nil {
			require.NoError(t, os.RemoveAll(c.SocketDir()))
		}
	})
	c = startCluster(t, dir, &logBuffer{t: t})

	require.True(t, strings.HasPrefix(c.SocketDir(), filepath.Join(os.TempDir(), "fqpg-")), c.SocketDir())
	require.LessOrEqual(t, len(filepath.Join(c.SocketDir(), ".s.PGSQL.5432")), maxSocketPath)
	var one int
	require.NoError(t, connect(t, c).QueryRow(t.Context(), "SELECT 1").Scan(&one))
}

func TestStartAfterCrash(t *testing.T) {
	dir := t.TempDir()
	crashed := startCluster(t, dir, &logBuffer{t: t})

	pidFile, err := os.ReadFile(filepath.Join(crashed.DataDir(), "postmaster.pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	require.NoError(t, err)
	require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	// Wait until the zombie is reaped; while it exists pg_ctl status would
	// still report the server as running.
	require.Eventually(t, func() bool { return syscall.Kill(pid, 0) != nil },
		10*time.Second, 20*time.Millisecond, "postmaster did not exit")

	// postmaster.pid is now stale; Start must recover rather than reuse.
	log := &logBuffer{t: t}
	c := startCluster(t, dir, log)
	require.Contains(t, log.String(), "PostgreSQL started")
	var one int
	require.NoError(t, connect(t, c).QueryRow(t.Context(), "SELECT 1").Scan(&one))
}

func TestMissingBinaries(t *testing.T) {
	_, err := Start(t.Context(), Options{Dir: t.TempDir(), BinDir: t.TempDir()})
	require.ErrorIs(t, err, ErrBinariesMissing)
	require.Contains(t, err.Error(), "sudo apt-get install -y postgresql")
}
