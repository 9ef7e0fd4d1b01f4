package poll

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/portavoce/portavoce/internal/netguard"
)

// reasonBytes bounds the part of an error answer read for its reason.
const reasonBytes = 4 << 10

// HTTPError is an answer that is neither a success nor 304 Not Modified.
type HTTPError struct {
	// Status is the answer's status code.
	Status int
	// Reason is the start of the answer's body, one line, when it had
	// one.
	Reason string
	// RetryAt is when the server said to try again (Retry-After, or a
	// rate limit's reset a source read); zero when it did not say.
	RetryAt time.Time
	// Header is the answer's header, for the rate-limit headers a source
	// reads.
	Header http.Header
}

// Error names the status and the reason.
func (e *HTTPError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s
}

// RetryTime is when the server said to try again.
func (e *HTTPError) RetryTime() time.Time { return e.RetryAt }

// RetryAt returns when err says to try again: the RetryTime of the first
// error in its tree that has one (an *HTTPError's), zero otherwise.
func RetryAt(err error) time.Time {
	var r interface{ RetryTime() time.Time }
	if errors.As(err, &r) {
		return r.RetryTime()
	}
	return time.Time{}
}

// RetryAfter reads the standard Retry-After header (seconds or an HTTP
// date); zero when absent or unreadable.
func RetryAfter(h http.Header, now time.Time) time.Time {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return time.Time{}
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return now.Add(time.Duration(s) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return time.Time{}
}

// Get sends GET rawURL with header through client, which must be the one
// the caller was given (netguard's in production): never
// http.DefaultClient. A 2xx or 304 answer is returned for the caller to
// read and close. Any other is an *HTTPError, its body read (in part) and
// closed, with RetryAt from Retry-After; a request that got no answer
// returns the client's error.
func Get(ctx context.Context, client *http.Client, rawURL string, header http.Header, now time.Time) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 || resp.StatusCode == http.StatusNotModified {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, reasonBytes))
	return nil, &HTTPError{
		Status:  resp.StatusCode,
		Reason:  reason(raw),
		RetryAt: RetryAfter(resp.Header, now),
		Header:  resp.Header,
	}
}

// ReadBody reads an answer's body up to limit bytes and closes it.
func ReadBody(resp *http.Response, limit int64) ([]byte, error) {
	defer resp.Body.Close()
	return netguard.ReadLimited(resp.Body, limit)
}

// reason is an error answer's body fit for a status line: the text of an
// HTML page or the raw text, on one line, at most 200 characters.
func reason(raw []byte) string {
	s := string(raw)
	if strings.Contains(s, "<") {
		s, _ = HTML(s)
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
