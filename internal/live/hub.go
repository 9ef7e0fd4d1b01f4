// Package live tells the pages open on this node that something changed in
// a workspace (a new conversation, a new mention), for their server-sent
// events. Pages also look at the database every few seconds, which carries
// what other nodes did.
package live

import "sync"

// Hub is the signal board: one channel per open page, by workspace.
type Hub struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[string]map[chan struct{}]struct{}{}} }

// Subscribe returns a channel signalled when the workspace changes, and the
// function that ends the subscription.
func (h *Hub) Subscribe(workspaceID string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	if h.subs[workspaceID] == nil {
		h.subs[workspaceID] = map[chan struct{}]struct{}{}
	}
	h.subs[workspaceID][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[workspaceID], ch)
		if len(h.subs[workspaceID]) == 0 {
			delete(h.subs, workspaceID)
		}
		h.mu.Unlock()
	}
}

// Publish signals the workspace's subscribers.
func (h *Hub) Publish(workspaceID string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[workspaceID] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
