package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/demo"
	"github.com/fengqiao/fengqiao/infra/pgtest"
	"github.com/fengqiao/fengqiao/staff"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// devRun starts `fengqiao dev` as `make run` does and returns its printed
// lines up to the banner's end, and a stop function that waits for exit.
func devRun(t *testing.T, dataDir string) (lines []string, stop func() error) {
	t.Helper()
	t.Setenv("FENGQIAO_DATA_DIR", dataDir)
	t.Setenv("FENGQIAO_ADDR", "127.0.0.1:0")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("FENGQIAO_PG_FAST", "1")
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"dev"}, pw)
		pw.Close()
	}()
	scanner := bufio.NewScanner(pr)
	for scanner.Scan() {
		lines = append(lines, scanner.Text())
		if strings.HasPrefix(scanner.Text(), "API docs:") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	return lines, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("fengqiao dev did not stop")
			return nil
		}
	}
}

var (
	urlLine = regexp.MustCompile(`running at (http://\S+)`)
	keyLine = regexp.MustCompile(`^\s+(fq_\S+)$`)
)

func TestDevStartsPrivateDatabaseSeedsAndServes(t *testing.T) {
	dataDir := t.TempDir()
	lines, stop := devRun(t, dataDir)
	out := strings.Join(lines, "\n")
	require.Contains(t, out, "seed: 371326001 平邑街道")
	require.Contains(t, out, "Demo county: 平邑县 (371326)")
	base := urlLine.FindStringSubmatch(out)
	require.NotNil(t, base, out)
	var key string
	for _, l := range lines {
		if m := keyLine.FindStringSubmatch(l); m != nil {
			key = m[1]
		}
	}
	require.NotEmpty(t, key, out)

	req, _ := http.NewRequest(http.MethodGet, base[1]+"/api/v1/counties/371326/tenants", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var list struct {
		Items []struct{ Code string } `json:"items"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&list))
	res.Body.Close()
	require.Len(t, list.Items, 3)
	require.NoError(t, stop())

	// A second run reuses the data: no new seed, the same demo key.
	lines, stop = devRun(t, dataDir)
	out = strings.Join(lines, "\n")
	require.NotContains(t, out, "seed:")
	require.NotContains(t, out, "initialising")
	require.Contains(t, out, key)
	require.NoError(t, stop())
	require.FileExists(t, filepath.Join(dataDir, "demo-api-key"))
}

func TestOpenAPICommandPrintsTheSpec(t *testing.T) {
	var b strings.Builder
	require.NoError(t, run(context.Background(), []string{"openapi"}, &b))
	want, err := api.OpenAPI().YAML()
	require.NoError(t, err)
	require.Equal(t, string(want), b.String())
}

// browserMain starts the real server on a test database with the demo
// county for a browser test, with a real Kratos when withKratos is set.
// `make test` sets FENGQIAO_E2E=1 so a missing browser fails instead of
// skipping.
func browserMain(t *testing.T, withKratos bool) (m *Main, countyKey, chromium string) {
	t.Helper()
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("FENGQIAO_E2E") == "1" {
			t.Fatalf("chromium not found at %s: apt-get install chromium", chromium)
		}
		t.Skip("chromium not installed; `make test` installs it")
	}
	ctx := context.Background()
	db := pgtest.New(t)
	cfg := Config{DatabaseURL: db.OwnerURL, AppDatabaseURL: db.AppURL, AppRole: pgtest.Roles.App, Addr: "127.0.0.1:0"}
	if withKratos {
		kratosDB := db.Name + "_kratos"
		conn, err := pgx.Connect(ctx, pgtest.SuperuserURL("postgres"))
		require.NoError(t, err)
		_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{kratosDB}.Sanitize())
		conn.Close(ctx)
		require.NoError(t, err)
		cfg.KratosDSN = pgtest.SuperuserURL(kratosDB)
		t.Cleanup(func() {
			c, err := pgx.Connect(ctx, pgtest.SuperuserURL("postgres"))
			if err == nil {
				_, _ = c.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{kratosDB}.Sanitize()+` WITH (FORCE)`)
				c.Close(ctx)
			}
		})
	}
	m = NewMain(cfg, io.Discard)
	t.Cleanup(func() { m.Close() })
	require.NoError(t, m.Open(ctx, false))
	county, err := demo.Seed(ctx, m.Tenants, io.Discard)
	require.NoError(t, err)
	_, countyKey, err = m.Keys.Create(ctx, "e2e", county.ID, 0)
	require.NoError(t, err)
	require.NoError(t, m.Listen(ctx))
	return m, countyKey, chromium
}

// runBrowserScript runs one frontend/e2e script against the server.
func runBrowserScript(t *testing.T, script string, env ...string) {
	t.Helper()
	// Screenshots outlive a failed test, where the message points at them.
	shots, err := os.MkdirTemp("", "fengqiao-e2e-")
	require.NoError(t, err)
	t.Cleanup(func() {
		if !t.Failed() {
			_ = os.RemoveAll(shots)
		}
	})
	cmd := exec.Command("node", "e2e/"+script)
	cmd.Dir = "../../frontend"
	cmd.Env = append(append(os.Environ(), "SCREENSHOT_DIR="+shots), env...)
	out, err := cmd.CombinedOutput()
	t.Log(string(out))
	require.NoError(t, err, "browser test failed; screenshots in %s", shots)
	require.Contains(t, string(out), "1 passed, 0 failed")
}

// TestBrowserImportsIntoTheTree: open a street's tree, import a CSV, see
// the per-line errors of a bad one, search.
func TestBrowserImportsIntoTheTree(t *testing.T) {
	m, key, chromium := browserMain(t, false)
	runBrowserScript(t, "tree.e2e.mjs", "BASE_URL="+m.URL(), "API_KEY="+key, "TENANT_CODE=371326106", "STREET_CODE=371326106", "CHROMIUM="+chromium)
}

// TestBrowserInvitedGridWorkerSeesOnlyItsGrid: an admin invites a grid
// worker, who sets a password from the link and code, signs in through
// Kratos and sees only that grid.
func TestBrowserInvitedGridWorkerSeesOnlyItsGrid(t *testing.T) {
	m, key, chromium := browserMain(t, true)
	runBrowserScript(t, "staff.e2e.mjs", "BASE_URL="+m.URL(), "API_KEY="+key, "TENANT_CODE=371326106",
		"GRID_CODE=37132610600101001", "OTHER_GRID_NAME=地方村第2网格", "CHROMIUM="+chromium)
}

// TestBrowserWorksACaseThroughTheLoop: the demo staff work a case through
// the closed loop in the browser. The grid worker reports it on a phone;
// the dispatcher opens it from the 待分拨 tab and dispatches it with the
// rule's suggestion and the policy's deadlines; the police accept and
// resolve it; the dispatcher confirms and closes it, and the timeline
// shows every step.
func TestBrowserWorksACaseThroughTheLoop(t *testing.T) {
	m, key, chromium := browserMain(t, true)
	ctx := context.Background()
	county, err := demo.Seed(ctx, m.Tenants, io.Discard)
	require.NoError(t, err)
	_, err = demo.SeedStaff(ctx, m.Staff, m.Tenants, m.identities, county)
	require.NoError(t, err)
	runBrowserScript(t, "cases.e2e.mjs", "BASE_URL="+m.URL(), "API_KEY="+key, "TENANT_CODE=371326001",
		"GRID_NAME=东关社区第1网格", "DEPARTMENT_NAME=派出所", "PASSWORD="+demo.Password, "CHROMIUM="+chromium)
}

// TestBrowserResidentAppealsOnAPhone: a resident scans a building's QR
// code on a phone, without signing in, and files an appeal with a photo and
// a phone number given with consent; the status page follows the case as
// staff resolve it; the resident rates it and has it handled again. An admin
// then replaces the code on the node page, and the old code says so.
func TestBrowserResidentAppealsOnAPhone(t *testing.T) {
	m, key, chromium := browserMain(t, false)
	runBrowserScript(t, "residents.e2e.mjs", "BASE_URL="+m.URL(), "API_KEY="+key, "TENANT_CODE=371326001", "CHROMIUM="+chromium)
}

// TestBrowserExportsTheLedgerWithProgress: from a street's case list, an
// export to XLSX with the list's filters; the export centre's bar reaches
// 100% as River's job works; the downloaded file holds the header and one
// row per case the list holds with the same filters.
func TestBrowserExportsTheLedgerWithProgress(t *testing.T) {
	m, key, chromium := browserMain(t, false)
	ctx := context.Background()
	county, err := demo.Seed(ctx, m.Tenants, io.Discard)
	require.NoError(t, err)
	require.NoError(t, demo.SeedCases(ctx, m.Tenants, cases.NewService(m.Tenants.DB()), county, io.Discard))
	runBrowserScript(t, "exports.e2e.mjs", "BASE_URL="+m.URL(), "API_KEY="+key, "TENANT_CODE=371326001", "CHROMIUM="+chromium)
}

// TestBrowserShowsALiveStreetDashboard: the street's dashboard (态势) over
// the demo cases shows the API's headline numbers, and a case reported
// through the API raises the received count without a reload: by polling
// for the county key, by server-sent events for the signed-in dispatcher.
// The big screen covers the header and Esc leaves it; the county's
// dashboard is linked from the street list.
func TestBrowserShowsALiveStreetDashboard(t *testing.T) {
	m, key, chromium := browserMain(t, true)
	ctx := context.Background()
	county, err := demo.Seed(ctx, m.Tenants, io.Discard)
	require.NoError(t, err)
	require.NoError(t, demo.SeedCases(ctx, m.Tenants, cases.NewService(m.Tenants.DB()), county, io.Discard))
	_, err = demo.SeedStaff(ctx, m.Staff, m.Tenants, m.identities, county)
	require.NoError(t, err)
	runBrowserScript(t, "situation.e2e.mjs", "BASE_URL="+m.URL(), "API_KEY="+key, "TENANT_CODE=371326001",
		"GRID_NAME=东关社区第1网格", "PASSWORD="+demo.Password, "CHROMIUM="+chromium)
}

// TestBrowserRanksTheStreets: with cases in two streets, a scheme made
// through the API, the county's assessment page requests this month's
// ranking, whose River job runs; the progress reaches done and the ranking
// lists every street with its rank, the bottom one red and tagged, a bar
// chart of the scores and a radar of two picked streets.
func TestBrowserRanksTheStreets(t *testing.T) {
	m, key, chromium := browserMain(t, false)
	runBrowserScript(t, "ranking.e2e.mjs", "BASE_URL="+m.URL(), "API_KEY="+key, "COUNTY_CODE=371326", "CHROMIUM="+chromium)
}

func TestAdminCreatePrintsASignInLink(t *testing.T) {
	t.Setenv("FENGQIAO_DATA_DIR", t.TempDir())
	t.Setenv("DATABASE_URL", "")
	t.Setenv("FENGQIAO_PG_FAST", "1")
	ctx := context.Background()
	var out strings.Builder
	require.NoError(t, run(ctx, []string{"seed", "demo"}, &out))
	out.Reset()
	args := []string{"admin", "create", "-county", "371326", "-name", "首位管理员", "-email", "first@pingyi.example"}
	require.NoError(t, run(ctx, args, &out))
	require.Regexp(t, `http://127\.0\.0\.1:8080/recover\?flow=[0-9a-f-]{36}\nand enter the code [0-9]{6}`, out.String())

	err := run(ctx, args, io.Discard)
	require.ErrorContains(t, err, "already holds this role", "a second run must not create a second administrator")
	require.Error(t, run(ctx, []string{"admin", "create", "-county", "371326", "-name", "无联系方式"}, io.Discard))
}

// TestBrowserRunsACompetitionWithFiveJudges: the county administrator sets
// up an observation competition (3 participants, 3 weighted criteria, 5
// judges) in the browser; each judge signs in on a phone and scores; the
// administrator locks, computes (the progress bar reaches 100%) and
// publishes, and the results page shows the ranks the trimmed means imply.
func TestBrowserRunsACompetitionWithFiveJudges(t *testing.T) {
	m, key, chromium := browserMain(t, true)
	ctx := context.Background()
	county, err := m.Tenants.CountyByCode(ctx, "371326")
	require.NoError(t, err)
	var emails, names []string
	for i, name := range []string{"评委甲", "评委乙", "评委丙", "评委丁", "评委戊"} {
		email := "judge" + string(rune('1'+i)) + "@e2e.example"
		invited, err := m.Staff.InviteToCounty(ctx, county.ID, staff.Invitation{Name: name, Email: email, Role: staff.Judge})
		require.NoError(t, err)
		require.NoError(t, m.identities.SetPassword(ctx, invited.Person.IdentityID, demo.Password))
		emails, names = append(emails, email), append(names, name)
	}
	runBrowserScript(t, "competition.e2e.mjs", "BASE_URL="+m.URL(), "API_KEY="+key, "JUDGES="+strings.Join(emails, ","),
		"JUDGE_NAMES="+strings.Join(names, ","), "PASSWORD="+demo.Password, "CHROMIUM="+chromium)
}
