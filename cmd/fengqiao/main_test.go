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

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/api"
	"github.com/fengqiao/fengqiao/demo"
	"github.com/fengqiao/fengqiao/infra/pgtest"
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

// TestBrowserImportsIntoTheTree drives the real web app in Debian's
// chromium: open a street's tree, import a CSV, see the per-line errors of a
// bad one, search. `make test` sets FENGQIAO_E2E=1 so a missing browser
// fails instead of skipping.
func TestBrowserImportsIntoTheTree(t *testing.T) {
	chromium := os.Getenv("CHROMIUM")
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
	m := NewMain(Config{DatabaseURL: db.OwnerURL, AppDatabaseURL: db.AppURL, AppRole: pgtest.Roles.App, Addr: "127.0.0.1:0"}, io.Discard)
	t.Cleanup(func() { m.Close() })
	require.NoError(t, m.Open(ctx, false))
	county, err := demo.Seed(ctx, m.Tenants, io.Discard)
	require.NoError(t, err)
	_, key, err := m.Keys.Create(ctx, "e2e", county.ID, 0)
	require.NoError(t, err)
	require.NoError(t, m.Listen(ctx))

	shots := t.TempDir()
	cmd := exec.Command("node", "e2e/tree.e2e.mjs")
	cmd.Dir = "../../frontend"
	cmd.Env = append(os.Environ(), "BASE_URL="+m.URL(), "API_KEY="+key, "TENANT_CODE=371326106", "STREET_CODE=371326106",
		"CHROMIUM="+chromium, "SCREENSHOT_DIR="+shots)
	out, err := cmd.CombinedOutput()
	t.Log(string(out))
	require.NoError(t, err, "browser test failed; screenshots in %s", shots)
	require.Contains(t, string(out), "1 passed, 0 failed")
}
