package netguard

import "net/netip"

// special lists the ranges that are not public unicast addresses, each with
// the reason given in a refusal. Earlier entries win, so the narrower ones
// come first.
var special = []struct {
	prefix netip.Prefix
	reason string
}{
	// IPv4.
	{netip.MustParsePrefix("169.254.169.254/32"), "cloud metadata"},
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT (shared)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignment"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("192.88.99.0/24"), "6to4 relay anycast"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // 255.255.255.255 broadcast included
	// IPv6.
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "IPv4-compatible (deprecated)"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "local-use NAT64"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "cloud metadata"},
	{netip.MustParsePrefix("fc00::/7"), "unique local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local (deprecated)"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

var (
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4  = netip.MustParsePrefix("2002::/16")
	teredo  = netip.MustParsePrefix("2001::/32")
	mapped4 = netip.MustParsePrefix("::ffff:0:0/96")
)

// classify returns why ip may not be dialled ("loopback", "private", ...), or
// "" for a public address. IPv6 addresses that embed an IPv4 address
// (IPv4-mapped, NAT64, 6to4, Teredo) are judged by the IPv4 address they lead
// to.
func classify(ip netip.Addr) string {
	if !ip.IsValid() {
		return "invalid"
	}
	ip = ip.WithZone("")
	var embedded netip.Addr
	var form string
	switch {
	case mapped4.Contains(ip):
		embedded, form = ip.Unmap(), "IPv4-mapped "
	case nat64.Contains(ip):
		b := ip.As16()
		embedded, form = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), "NAT64 "
	case sixTo4.Contains(ip):
		b := ip.As16()
		embedded, form = netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), "6to4 "
	case teredo.Contains(ip):
		// The client's address is stored inverted in the last 32 bits.
		b := ip.As16()
		embedded, form = netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}), "Teredo "
	}
	if embedded.IsValid() {
		if r := classify(embedded); r != "" {
			return form + r
		}
		return ""
	}
	for _, s := range special {
		if s.prefix.Contains(ip) {
			return s.reason
		}
	}
	return ""
}
