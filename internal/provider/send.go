package provider

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync/atomic"
	"time"
)

// Send makes one call to a network and sorts transport failures: a request
// that never left (no connection) is Temporary and safe to repeat; one that
// was written and got no answer (time-out, reset, cancellation) is Unknown,
// because the network may have acted on it. The caller sorts the answers
// (see StatusKind). A cancelled context before anything was sent returns the
// context's error.
func Send(client *http.Client, req *http.Request, network string, part int) (*http.Response, error) {
	var wrote atomic.Bool
	// A write that failed did not reach the network: only a complete one
	// makes the outcome unknown.
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Store(true)
		}
	}}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := client.Do(req)
	if err == nil {
		return resp, nil
	}
	if !wrote.Load() {
		if ctxErr := req.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, ctxErr
		}
		return nil, &Error{Kind: Temporary, Network: network, Part: part, Err: scrub(err)}
	}
	return nil, &Error{Kind: Unknown, Network: network, Part: part, Err: scrub(err)}
}

// scrub drops the URL from a client error (*url.Error prints it, and a URL
// may carry a token in its query) and keeps the cause.
func scrub(err error) error {
	type unwrapper interface{ Unwrap() error }
	if u, ok := err.(unwrapper); ok && u.Unwrap() != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return context.DeadlineExceeded
		}
		return u.Unwrap()
	}
	return err
}

// StatusKind sorts an HTTP answer that is not a success: 429 is
// RateLimited, 401 AuthExpired, 408/500/502/504 Unknown (the network may or
// may not have acted), 503 Temporary, any other 4xx Rejected.
func StatusKind(status int) Kind {
	switch {
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status == http.StatusUnauthorized:
		return AuthExpired
	case status == http.StatusServiceUnavailable:
		return Temporary
	case status == http.StatusRequestTimeout || status >= 500:
		return Unknown
	default:
		return Rejected
	}
}

// RetryAfter reads the standard Retry-After header (seconds or an HTTP
// date); zero when absent.
func RetryAfter(h http.Header, now time.Time) time.Time {
	v := h.Get("Retry-After")
	if v == "" {
		return time.Time{}
	}
	if s, err := strconv.Atoi(v); err == nil {
		return now.Add(time.Duration(s) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return time.Time{}
}
