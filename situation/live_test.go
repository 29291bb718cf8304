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
	ctx := context.Background()
	h := situation.NewHub()
	signal, stop := h.Subscribe(b.Tenant.ID)
	defer stop()
	other, stopOther := h.Subscribe(b.second.ID)
	defer stopOther()
	require.NoError(t, h.Poll(ctx, b.TDB))
	require.Len(t, signal, 1, "a street seen for the first time is signalled: it may have changed since the dashboard's fetch")
	<-signal
	<-other
	require.NoError(t, h.Poll(ctx, b.TDB))
	require.Empty(t, signal, "nothing changed")

	b.report(t, "qr", "general")
	require.NoError(t, h.Poll(ctx, b.TDB))
	require.Len(t, signal, 1, "a reported case reaches the street's dashboards")
	require.Empty(t, other, "and no other street's")
}

func TestTheHubRunsUntilItsContextEnds(t *testing.T) {
	b := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	h := situation.NewHub()
	signal, stop := h.Subscribe(b.Tenant.ID)
	defer stop()
	done := make(chan struct{})
	go func() {
		h.Run(ctx, b.TDB, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	select {
	case <-signal:
	case <-time.After(10 * time.Second):
		t.Fatal("the first poll did not signal the newly watched street")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}
