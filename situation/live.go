package situation

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fengqiao/fengqiao/tenants"
)

// PollEvery is how often the hub asks for each watched street's latest
// change.
const PollEvery = 2 * time.Second

// Hub tells dashboards that cases of their streets changed. One poller per
// server watches the streets someone is looking at (each street's latest
// updated_at, one index probe) and signals their subscribers; a signal is
// coalesced (a burst of changes is one signal), so a busy street costs a
// dashboard one refresh per poll at most, and intake pays nothing.
type Hub struct {
	mu   sync.Mutex
	subs map[*subscription]struct{}
	seen map[int64]time.Time // each watched street's latest change, as last read
}

type subscription struct {
	streets map[int64]bool
	signal  chan struct{}
}

// NewHub returns a Hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[*subscription]struct{}{}, seen: map[int64]time.Time{}} }

// Subscribe returns a channel signalled when a case of one of the streets
// changes, and the function that ends the subscription.
func (h *Hub) Subscribe(streetIDs ...int64) (<-chan struct{}, func()) {
	sub := &subscription{streets: map[int64]bool{}, signal: make(chan struct{}, 1)}
	for _, id := range streetIDs {
		sub.streets[id] = true
	}
	h.mu.Lock()
	h.subs[sub] = struct{}{}
	h.mu.Unlock()
	return sub.signal, func() {
		h.mu.Lock()
		delete(h.subs, sub)
		h.mu.Unlock()
	}
}

// Publish signals the subscribers of a street.
func (h *Hub) Publish(streetID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		if !sub.streets[streetID] {
			continue
		}
		select {
		case sub.signal <- struct{}{}:
		default: // already signalled and not yet read: one refresh covers both
		}
	}
}

// watched lists the streets with a subscriber.
func (h *Hub) watched() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := map[int64]bool{}
	for sub := range h.subs {
		for id := range sub.streets {
			set[id] = true
		}
	}
	ids := make([]int64, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	return ids
}

// Source reads one row in a street's scope (tenants.DB).
type Source interface {
	Read(ctx context.Context, scope tenants.Scope, scan func(pgx.Row) error, sql string, args ...any) error
}

// Poll reads the latest change of every watched street once and signals
// the streets whose latest change moved since the last poll. A street seen
// for the first time is signalled too: it may have changed between its
// dashboard's first fetch and this poll, and one refresh too many is cheap.
func (h *Hub) Poll(ctx context.Context, src Source) error {
	for _, id := range h.watched() {
		var latest *time.Time
		err := src.Read(ctx, tenants.Scope{TenantID: id}, func(row pgx.Row) error { return row.Scan(&latest) },
			`SELECT max(updated_at) FROM cases WHERE tenant_id = $1`, id)
		if err != nil {
			return fmt.Errorf("latest change of street %d: %w", id, err)
		}
		mark := time.Time{}
		if latest != nil {
			mark = *latest
		}
		h.mu.Lock()
		before, known := h.seen[id]
		h.seen[id] = mark
		h.mu.Unlock()
		if !known || !mark.Equal(before) {
			h.Publish(id)
		}
	}
	return nil
}

// Run polls until ctx ends; a failed poll is logged and the next one tried.
func (h *Hub) Run(ctx context.Context, src Source, log *slog.Logger) {
	tick := time.NewTicker(PollEvery)
	defer tick.Stop()
	for {
		if err := h.Poll(ctx, src); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "dashboard poll failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
