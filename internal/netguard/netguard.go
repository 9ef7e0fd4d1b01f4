// Package netguard makes the outbound HTTP requests whose address a user
// chose (a Mastodon instance, a website, a link to preview) safe for the
// server: they cannot reach the server itself, the private network it sits
// in, or the cloud metadata service (server-side request forgery).
//
// The check is made in the dialer, on the addresses actually dialled: the
// client resolves the host itself, checks every address the name resolves
// to, and dials the checked address, so there is no gap between check and
// use for DNS rebinding to slip through, and every redirect is checked since
// each one dials again. The administrator can allow hosts that are private on
// purpose (an instance on the LAN) by name, by address or by CIDR range.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/portavoce/portavoce"
)

// ErrBlocked is matched (with errors.Is) by the error of a request refused
// because the address it would connect to is private, local or otherwise not
// public. The error itself is a *BlockedError naming the refused address.
var ErrBlocked = errors.New("netguard: address not allowed")

// ErrTooManyRedirects is matched by the error of a request that was redirected
// more than Options.MaxRedirects times.
var ErrTooManyRedirects = errors.New("netguard: too many redirects")

// ErrTooLarge is returned by ReadLimited when the body is larger than allowed.
var ErrTooLarge = errors.New("netguard: response body too large")

// BlockedError tells which address was refused and why.
type BlockedError struct {
	// Host is the host name (or address) the request was for.
	Host string
	// Addr is the refused address the host resolved to.
	Addr netip.Addr
	// Reason names the kind of address, as in "loopback" or "private".
	Reason string
}

// Error says what was refused and how to allow it.
func (e *BlockedError) Error() string {
	what := e.Addr.String()
	if e.Host != "" && e.Host != what {
		what = fmt.Sprintf("%s (%s)", e.Host, what)
	}
	return fmt.Sprintf("netguard: refused to connect to %s: %s address; "+
		"if this server is meant to reach it, ask the administrator to add it to --allow-hosts", what, e.Reason)
}

// Is makes errors.Is(err, ErrBlocked) true.
func (e *BlockedError) Is(target error) bool { return target == ErrBlocked }

// Options configure NewClient. The zero value is ready to use.
type Options struct {
	// Allow lists the hosts, IP addresses or CIDR ranges that the
	// administrator allows even though they are private ("127.0.0.1",
	// "10.0.0.0/8", "mastodon.internal"), best checked with ParseAllow. A host
	// name matches exactly (not its subdomains); an entry that is neither an
	// address nor a range is taken as a host name.
	Allow []string
	// Timeout bounds the whole request, redirects and reading the body
	// included. Default 20s.
	Timeout time.Duration
	// MaxRedirects is how many redirects a request may follow. Default 5; a
	// negative value follows none.
	MaxRedirects int
	// UserAgent is set on every request that has none. Default
	// "Portavoce/<version> (+https://github.com/portavoce/portavoce)".
	UserAgent string
	// LookupIPAddr resolves host names; tests use it to answer DNS. Default
	// net.DefaultResolver.LookupIPAddr.
	LookupIPAddr func(ctx context.Context, host string) ([]net.IPAddr, error)

	// dial connects to an already checked "ip:port"; tests replace it to
	// make sure nothing leaves the machine. Default net.Dialer.DialContext.
	dial func(ctx context.Context, network, address string) (net.Conn, error)
}

// Defaults of Options.
const (
	DefaultTimeout      = 20 * time.Second
	DefaultMaxRedirects = 5
)

// DefaultUserAgent is the User-Agent of requests that set none.
func DefaultUserAgent() string {
	return "Portavoce/" + portavoce.Version + " (+https://github.com/portavoce/portavoce)"
}

// NewClient returns an HTTP client that refuses to connect to non-public
// addresses other than those in o.Allow. It has no cookie jar, ignores the
// proxy settings of the environment, and drops credentials (Authorization,
// Cookie headers) on a redirect to another host or from https to http.
func NewClient(o Options) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = DefaultMaxRedirects
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent()
	}
	g := &guard{
		lookup: o.LookupIPAddr,
		dial:   o.dial,
		names:  map[string]bool{},
	}
	if g.lookup == nil {
		g.lookup = net.DefaultResolver.LookupIPAddr
	}
	if g.dial == nil {
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
		g.dial = d.DialContext
	}
	for _, a := range o.Allow {
		a = strings.TrimSpace(a)
		if p, err := parsePrefix(a); err == nil {
			g.prefixes = append(g.prefixes, p)
		} else if a != "" {
			g.names[normalizeHost(a)] = true
		}
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           g.dialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          1000,
		MaxIdleConnsPerHost:   100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	maxRedirects := max(o.MaxRedirects, 0)
	return &http.Client{
		Transport: &userAgent{next: transport, agent: o.UserAgent},
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("%w: stopped after %d", ErrTooManyRedirects, maxRedirects)
			}
			prev := via[len(via)-1]
			if !sameOrigin(prev.URL.Scheme, prev.URL.Host, req.URL.Scheme, req.URL.Host) ||
				!sameOrigin(via[0].URL.Scheme, via[0].URL.Host, req.URL.Scheme, req.URL.Host) {
				for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie", "Cookie2", "Www-Authenticate"} {
					req.Header.Del(h)
				}
			}
			return nil
		},
	}
}

// sameOrigin reports whether a redirect keeps the host and does not drop from
// https to http.
func sameOrigin(fromScheme, fromHost, toScheme, toHost string) bool {
	if strings.EqualFold(fromScheme, "https") && !strings.EqualFold(toScheme, "https") {
		return false
	}
	return strings.EqualFold(fromHost, toHost)
}

// userAgent sets the User-Agent of requests that have none.
type userAgent struct {
	next  http.RoundTripper
	agent string
}

func (u *userAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	if _, ok := req.Header["User-Agent"]; !ok {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", u.agent)
	}
	return u.next.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport.
func (u *userAgent) CloseIdleConnections() {
	if c, ok := u.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// guard is the dialer that checks addresses.
type guard struct {
	lookup   func(ctx context.Context, host string) ([]net.IPAddr, error)
	dial     func(ctx context.Context, network, address string) (net.Conn, error)
	names    map[string]bool
	prefixes []netip.Prefix
}

func (g *guard) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("netguard: network %q not supported", network)
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("netguard: %w", err)
	}
	host = normalizeHost(host)
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		resolved, err := g.lookup(ctx, host)
		if err != nil {
			return nil, fmt.Errorf("netguard: resolve %s: %w", host, err)
		}
		for _, r := range resolved {
			ip, ok := netip.AddrFromSlice(r.IP)
			if !ok {
				continue
			}
			// net.IP keeps IPv4 addresses in their 16-byte mapped form.
			addrs = append(addrs, ip.Unmap().WithZone(r.Zone))
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("netguard: resolve %s: no addresses", host)
		}
	}
	// Every address must pass, not just the one dialled first: a name that
	// resolves to a public and a private address is refused.
	byName := g.names[host]
	for _, ip := range addrs {
		if byName || g.allowedAddr(ip) {
			continue
		}
		if reason := classify(ip); reason != "" {
			return nil, &BlockedError{Host: host, Addr: ip, Reason: reason}
		}
	}
	var errs []error
	for _, ip := range addrs {
		if (network == "tcp4" && !ip.Unmap().Is4()) || (network == "tcp6" && ip.Unmap().Is4()) {
			continue
		}
		conn, err := g.dial(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("netguard: %s has no %s address", host, network)
	}
	return nil, errors.Join(errs...)
}

func (g *guard) allowedAddr(ip netip.Addr) bool {
	ip = ip.WithZone("")
	for _, p := range g.prefixes {
		if p.Contains(ip) || p.Contains(ip.Unmap()) {
			return true
		}
	}
	return false
}

// normalizeHost lowercases a host name and drops a trailing dot, so that
// "Mastodon.Internal." matches "mastodon.internal".
func normalizeHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// parsePrefix reads an address ("10.1.2.3", "::1") as a one-address range,
// or a CIDR range ("10.0.0.0/8") with its host bits cleared.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			if !p.IsValid() {
				return netip.Prefix{}, fmt.Errorf("bad mapped prefix %q", s)
			}
		}
		return p.Masked(), nil
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if ip.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("address %q has a zone", s)
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), nil
}

// ParseAllow reads a comma-separated list of allowed hosts, as given to
// --allow-hosts: host names, IP addresses and CIDR ranges, spaces around
// entries ignored. It returns the entries normalized (host names lowercased,
// ranges with their host bits cleared), or an error naming the first bad one.
func ParseAllow(list string) ([]string, error) {
	var out []string
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		if looksLikeAddr(entry) {
			p, err := parsePrefix(entry)
			if err != nil {
				return nil, fmt.Errorf("netguard: bad allowed host %q: not a valid IP address or CIDR range (like 10.0.0.5 or 10.0.0.0/8)", entry)
			}
			if p.IsSingleIP() {
				out = append(out, p.Addr().String())
			} else {
				out = append(out, p.String())
			}
			continue
		}
		name := normalizeHost(entry)
		if !validHostName(name) {
			return nil, fmt.Errorf("netguard: bad allowed host %q: want a host name (no scheme, port or path), an IP address or a CIDR range, like mastodon.internal, 10.0.0.5 or 10.0.0.0/8", entry)
		}
		out = append(out, name)
	}
	return out, nil
}

// looksLikeAddr tells entries meant as addresses or ranges from host names:
// anything with a slash or a colon, or made only of digits and dots.
func looksLikeAddr(s string) bool {
	if strings.ContainsAny(s, "/:") {
		return true
	}
	return strings.Trim(s, "0123456789.") == ""
}

// validHostName reports whether s is a DNS name: dot-separated labels of
// letters, digits, hyphens and underscores, 1 to 63 characters each, not
// starting or ending with a hyphen, 253 characters at most.
func validHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			default:
				return false
			}
		}
	}
	return true
}

// ReadLimited reads r to the end, or fails with ErrTooLarge once it has more
// than max bytes: the limit for a response body of untrusted size.
func ReadLimited(r io.Reader, max int64) ([]byte, error) {
	if max < 0 {
		max = 0
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("netguard: read body: %w", err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
	}
	return b, nil
}
