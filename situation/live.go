package situation

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Channel is the PostgreSQL notification channel a trigger on cases
// signals, with the street's id as payload (migration 013).
const Channel = "case_changes"

// Hub tells dashboards that cases of their streets changed. One LISTEN
// connection per server feeds every subscriber; a subscriber's signal is
// coalesced (a burst of changes is one signal), so a busy street costs a
// dashboard one refresh, not one per case.
type Hub struct {
	mu   sync.Mutex
	subs map[*subscription]struct{}
}

type subscription struct {
	streets map[int64]bool
	signal  chan struct{}
}

// NewHub returns a Hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[*subscription]struct{}{}} }

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

func (h *Hub) publishAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		select {
		case sub.signal <- struct{}{}:
		default:
		}
	}
}

// Listener delivers a channel's notifications (tenants.DB): "" first, and
// after every reconnect.
type Listener interface {
	Listen(ctx context.Context, channel string, handle func(payload string) error) error
}

// Run feeds the hub from a listener until ctx ends, reconnecting after a
// lost connection.
func (h *Hub) Run(ctx context.Context, l Listener, log *slog.Logger) {
	for ctx.Err() == nil {
		err := l.Listen(ctx, Channel, func(payload string) error {
			if payload == "" {
				h.publishAll() // changes may have been missed while disconnected
			} else if id, err := strconv.ParseInt(payload, 10, 64); err == nil {
				h.Publish(id)
			}
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		log.WarnContext(ctx, "case change listener lost its connection; reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
