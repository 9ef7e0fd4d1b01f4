package mastodontag

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portavoce/portavoce/internal/listening/source/poll"
)

// Defaults of the stream.
const (
	// DefaultStreamBackoff is the wait before connecting the stream again
	// after a first failure; it doubles with each failure in a row up to
	// DefaultMaxStreamBackoff.
	DefaultStreamBackoff    = 5 * time.Second
	DefaultMaxStreamBackoff = 5 * time.Minute
	// streamIdle is how long a stream may stay silent before it is taken
	// as broken: the streaming server writes a heartbeat every 15 seconds.
	streamIdle = 90 * time.Second
	// maxEventLine bounds one line of the stream (a status as JSON).
	maxEventLine = 4 << 20
	// instanceBytes bounds the instance's description.
	instanceBytes = 1 << 20
)

// follow follows the hashtag stream until ctx ends, sending on wake (a
// buffer of one, never blocking) when the stream opens and for each
// "update": the poll, from its cursor, is what hands statuses over, so
// nothing is lost or repeated when the stream drops. A stream that fails
// or ends is connected again after a back-off, reset once a stream opened.
func (s *Source) follow(ctx context.Context, wake chan<- struct{}) {
	nudge := func() {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	failures := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		opened, _ := s.stream(ctx, nudge)
		if ctx.Err() != nil {
			return
		}
		if opened {
			failures = 0
		}
		failures++
		d := s.o.StreamBackoff
		for i := 1; i < failures && d < s.o.MaxStreamBackoff; i++ {
			d *= 2
		}
		timer.Reset(min(d, s.o.MaxStreamBackoff))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
	}
}

// stream follows GET /api/v1/streaming/hashtag?tag=… (methods/streaming,
// server-sent events) on the instance's streaming host once, calling nudge
// when it opens and for each "update" event, until ctx ends or the stream
// ends, fails or stays silent past streamIdle. opened says whether it
// opened.
func (s *Source) stream(ctx context.Context, nudge func()) (opened bool, err error) {
	base, err := s.streamingBase(ctx)
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var silent atomic.Bool
	idle := time.AfterFunc(streamIdle, func() {
		silent.Store(true)
		cancel()
	})
	defer idle.Stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet,
		base+"/api/v1/streaming/hashtag?"+url.Values{"tag": {s.tag}}.Encode(), nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", s.o.UserAgent)
	req.Header.Set("Authorization", "Bearer "+s.o.Token)
	// The stream lasts: the client's time-out would cut it.
	hc := *s.client
	hc.Timeout = 0
	resp, err := hc.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("stream: HTTP %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		return false, errors.New("stream: the streaming server did not answer with an event stream")
	}
	// What was posted before the stream opened is the poll's to fetch.
	nudge()

	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxEventLine)
	var event string
	var data bool
	for sc.Scan() {
		idle.Reset(streamIdle)
		line := sc.Text()
		switch {
		case line == "":
			if event == "update" && data {
				nudge()
			}
			event, data = "", false
		case strings.HasPrefix(line, ":"):
			// A comment: ":)" on connecting, ":thump" as heartbeat.
		default:
			field, value, _ := strings.Cut(line, ":")
			switch field {
			case "event":
				event = strings.TrimPrefix(value, " ")
			case "data":
				data = true
			}
		}
	}
	if silent.Load() {
		return true, errors.New("stream: the stream went silent")
	}
	return true, cmp.Or(sc.Err(), errors.New("stream: the stream ended"))
}

// streamingBase is where the streaming API is served: the instance's
// configuration.urls.streaming (GET /api/v2/instance,
// methods/streaming#hostname-discovery, a ws:// or wss:// address, read
// over http or https), or the instance itself when it publishes none. It
// never moves the token from https to http.
func (s *Source) streamingBase(ctx context.Context) (string, error) {
	h := http.Header{"User-Agent": {s.o.UserAgent}, "Accept": {"application/json"}}
	resp, err := poll.Get(ctx, s.client, s.instance+"/api/v2/instance", h, time.Now())
	if err != nil {
		if he, ok := errors.AsType[*poll.HTTPError](err); ok && he.Status == http.StatusNotFound {
			// Before 4.0: the instance's own host.
			return s.instance, nil
		}
		return "", err
	}
	body, err := poll.ReadBody(resp, instanceBytes)
	if err != nil {
		return "", err
	}
	var inst struct {
		Configuration struct {
			URLs struct {
				Streaming string `json:"streaming"`
			} `json:"urls"`
		} `json:"configuration"`
	}
	if json.Unmarshal(body, &inst) != nil {
		return s.instance, nil
	}
	u, err := url.Parse(inst.Configuration.URLs.Streaming)
	if err != nil || u.Host == "" || u.User != nil {
		return s.instance, nil
	}
	switch u.Scheme {
	case "wss", "https":
		u.Scheme = "https"
	case "ws", "http":
		if strings.HasPrefix(s.instance, "https://") {
			return s.instance, nil
		}
		u.Scheme = "http"
	default:
		return s.instance, nil
	}
	u.RawQuery, u.Fragment = "", ""
	return strings.TrimSuffix(u.String(), "/"), nil
}
