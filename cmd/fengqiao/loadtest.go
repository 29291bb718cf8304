package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fengqiao/fengqiao/cases"
	"github.com/fengqiao/fengqiao/demo"
	"github.com/fengqiao/fengqiao/qrcodes"
	"github.com/fengqiao/fengqiao/tenants"
)

// loadtest drives residents' public appeal submission at rising rates over
// loopback against the whole server (HTTP, validation, the code's scope,
// the case, its timeline, automatic dispatch and its River jobs) and
// reports throughput and latency per rate. Arrivals are open-loop: each
// request is timed from when it was due, so a server falling behind shows
// in the percentiles instead of slowing the load down.
func (m *Main) loadtest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(m.Out)
	ratesFlag := fs.String("rates", "50,100,200,300,400", "submissions per second, one step each")
	duration := fs.Duration("duration", 10*time.Second, "length of each step")
	photo := fs.Bool("photo", false, "attach a 64 KiB photo to every appeal")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured steps (server and load generator) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var rates []int
	for _, f := range strings.Split(*ratesFlag, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || r <= 0 {
			return fmt.Errorf("-rates: %q is not a positive number", f)
		}
		rates = append(rates, r)
	}

	// All load comes from one address: the per-address limits would refuse
	// it by design, so they are off for this server only.
	m.Config.PublicLimitsOff = true
	if err := m.Open(ctx, true); err != nil {
		return err
	}
	county, err := demo.Seed(ctx, m.Tenants, io.Discard)
	if err != nil {
		return err
	}
	if err := demo.SeedCases(ctx, m.Tenants, cases.NewService(m.Tenants.DB()), county, io.Discard); err != nil {
		return err
	}
	if err := m.Listen(ctx); err != nil {
		return err
	}
	targets, err := m.appealTargets(ctx, county)
	if err != nil {
		return err
	}
	var picture []byte
	if *photo {
		picture = loadPhoto(64 << 10)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1024, MaxIdleConns: 1024}}
	run := func(rate int, d time.Duration) stepResult {
		return driveAppeals(ctx, client, m.URL(), targets, picture, rate, d)
	}
	fmt.Fprintf(m.Out, "appeal load on %s: %d places in %s, %d CPUs; warming up\n", m.URL(), len(targets), county.Name, runtime.NumCPU())
	// Long enough for the first autovacuum and River's first rounds to pass.
	run(50, 5*time.Second)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Fprintf(m.Out, "%8s %8s %8s %8s %12s %9s %9s %9s\n", "rate/s", "sent", "ok", "errors", "throughput/s", "p50 ms", "p99 ms", "max ms")
	for _, rate := range rates {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		r := run(rate, *duration)
		fmt.Fprintf(m.Out, "%8d %8d %8d %8d %12.1f %9.1f %9.1f %9.1f\n", rate, r.sent, r.ok, r.errors, r.throughput,
			ms(r.percentile(50)), ms(r.percentile(99)), ms(r.percentile(100)))
		if r.firstError != "" {
			fmt.Fprintf(m.Out, "         first error: %s\n", r.firstError)
		}
	}
	return nil
}

// appealTarget is a place's code and the services residents may choose there.
type appealTarget struct {
	token    string
	services []int64
}

// appealTargets are the live codes of the demo county's buildings, up to
// a few hundred, with each street's resident-facing services.
func (m *Main) appealTargets(ctx context.Context, county tenants.County) ([]appealTarget, error) {
	streets, err := m.Tenants.ListTenants(ctx, county.ID)
	if err != nil {
		return nil, err
	}
	codes := qrcodes.NewService(m.Tenants.DB())
	var out []appealTarget
	for _, st := range streets {
		scope := tenants.Scope{TenantID: st.ID}
		categories, err := m.Tenants.Categories(ctx, scope)
		if err != nil {
			return nil, err
		}
		var services []int64
		for _, c := range categories {
			if c.ResidentFacing {
				services = append(services, c.ID)
			}
		}
		communities, err := m.Tenants.Children(ctx, scope, st.RootID)
		if err != nil {
			return nil, err
		}
		for _, c := range communities {
			labelled, err := codes.Codes(ctx, scope, c)
			if err != nil {
				return nil, err
			}
			for _, l := range labelled {
				if l.Kind == string(tenants.KindBuilding) && len(out) < 500 {
					out = append(out, appealTarget{token: l.Token, services: services})
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New("the demo county has no buildings to scan")
	}
	return out, nil
}

type stepResult struct {
	sent, ok, errors int
	throughput       float64
	latencies        []time.Duration
	firstError       string
}

func (r stepResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies))*p/100+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// driveAppeals submits appeals at rate per second for d, each to the next
// place in turn, and waits for the last answer.
func driveAppeals(ctx context.Context, client *http.Client, base string, targets []appealTarget, picture []byte, rate int, d time.Duration) stepResult {
	var (
		mu  sync.Mutex
		res stepResult
		wg  sync.WaitGroup
	)
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	n := int(d / interval)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			select {
			case <-ctx.Done():
				return res
			case <-time.After(wait):
			}
		}
		target := targets[i%len(targets)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := submitAppeal(ctx, client, base, target, picture, i)
			took := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			res.sent++
			if err != nil {
				res.errors++
				if res.firstError == "" {
					res.firstError = err.Error()
				}
				return
			}
			res.ok++
			res.latencies = append(res.latencies, took)
		}()
	}
	wg.Wait()
	res.throughput = float64(res.ok) / time.Since(start).Seconds()
	slices.Sort(res.latencies)
	return res
}

func submitAppeal(ctx context.Context, client *http.Client, base string, target appealTarget, picture []byte, i int) error {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("category_id", strconv.FormatInt(target.services[i%len(target.services)], 10))
	_ = w.WriteField("description", fmt.Sprintf("压测诉求 %d：楼道堆放杂物，影响通行，请尽快处理。", i))
	if picture != nil {
		part, _ := w.CreateFormFile("photos", "photo.png")
		_, _ = part.Write(picture)
	}
	_ = w.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/public/scans/"+target.token+"/appeals", &body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Idempotency-Key", fmt.Sprintf("load-%d-%020d", time.Now().UnixNano(), i))
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var receipt struct {
		TrackingCode string `json:"tracking_code"`
	}
	if resp.StatusCode != http.StatusCreated {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("%s: %s", resp.Status, data)
	}
	if err := json.NewDecoder(resp.Body).Decode(&receipt); err != nil || receipt.TrackingCode == "" {
		return fmt.Errorf("no tracking code in the answer: %v", err)
	}
	return nil
}

// loadPhoto is a PNG of noise of about size bytes: noise does not
// compress, so the bytes are really carried and stored.
func loadPhoto(size int) []byte {
	side := 1
	for side*side*4 < size {
		side++
	}
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	for i := range img.Pix {
		img.Pix[i] = byte(rand.IntN(256))
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
