package situation_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fengqiao/fengqiao/situation"
)

func fmtInt(id int64) string { return strconv.FormatInt(id, 10) }

func TestHubCoalescesSignalsPerSubscriber(t *testing.T) {
	h := situation.NewHub()
	street, stop := h.Subscribe(1)
	defer stop()
	county, stopCounty := h.Subscribe(1, 2)
	defer stopCounty()
	for range 3 {
		h.Publish(1)
	}
	h.Publish(2)
	h.Publish(3)
	require.Len(t, street, 1, "three changes, one refresh")
	require.Len(t, county, 1)
	<-street
	<-county
	h.Publish(2)
	require.Empty(t, street, "street 1's dashboard is not told of street 2")
	require.Len(t, county, 1)
	stop()
	h.Publish(1)
	require.Empty(t, street, "an ended subscription hears nothing")
}

func TestACaseChangeReachesTheStreetsDashboards(t *testing.T) {
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := situation.NewHub()
	signal, stop := h.Subscribe(b.Tenant.ID)
	defer stop()
	go h.Run(ctx, b.TDB, slog.New(slog.NewTextHandler(io.Discard, nil)))
	select {
	case <-signal: // listening has begun: missed changes are signalled
	case <-time.After(10 * time.Second):
		t.Fatal("no signal when listening began")
	}
	b.report(t, "qr", "general")
	select {
	case <-signal:
	case <-time.After(10 * time.Second):
		t.Fatal("a reported case did not reach the dashboard")
	}
}
