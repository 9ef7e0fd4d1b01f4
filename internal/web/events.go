package web

import (
	"fmt"
	"net/http"
	"time"
)

// serveEvents streams server-sent events to a live page until it goes: a
// "changed" event carrying what check returns (nothing sent when it
// returns ""), looked for when signal fires (a change on this node) and
// every poll (changes made on other nodes), with a heartbeat every 25 s.
// check is told whether the signal fired.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request, signal <-chan struct{}, poll time.Duration,
	check func(signalled bool) (string, error)) error {
	rc := http.NewResponseController(w)
	// The server's write timeout would cut the stream; the browser
	// reconnects anyway, but there is no reason to make it.
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, "retry: 2000\n\n")
	if err := rc.Flush(); err != nil {
		return nil
	}
	tick := time.NewTicker(poll)
	defer tick.Stop()
	beat := time.NewTicker(25 * time.Second)
	defer beat.Stop()
	for {
		signalled := false
		select {
		case <-r.Context().Done():
			return nil
		case <-beat.C:
			fmt.Fprintf(w, ": still here\n\n")
			if err := rc.Flush(); err != nil {
				return nil
			}
			continue
		case <-signal:
			signalled = true
		case <-tick.C:
		}
		data, err := check(signalled)
		if err != nil {
			if r.Context().Err() != nil {
				return nil
			}
			s.log.Warn("live page events", "route", routeOf(r), "err", err)
			continue
		}
		if data != "" {
			fmt.Fprintf(w, "event: changed\ndata: %s\n\n", data)
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}
