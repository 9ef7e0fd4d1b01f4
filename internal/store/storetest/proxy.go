package storetest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Outage is a TCP proxy in front of the test PostgreSQL that a test can cut
// and restore, to see what happens when the database goes away while the
// server runs, without stopping the PostgreSQL other tests use.
type Outage struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

// NewOutage starts a proxy to the host of dbURL and returns it with dbURL
// rewritten to go through it.
func NewOutage(t testing.TB, dbURL string) (*Outage, string) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &Outage{ln: ln, target: u.Host, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); o.Cut() })
	go o.accept()
	u.Host = ln.Addr().String()
	return o, u.String()
}

func (o *Outage) accept() {
	for {
		c, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.mu.Lock()
		if o.down {
			o.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", o.target)
		if err != nil {
			o.mu.Unlock()
			c.Close()
			continue
		}
		o.conns[c], o.conns[up] = true, true
		o.mu.Unlock()
		go o.pipe(c, up)
		go o.pipe(up, c)
	}
}

func (o *Outage) pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
	o.mu.Lock()
	delete(o.conns, dst)
	delete(o.conns, src)
	o.mu.Unlock()
}

// Cut drops every open connection and refuses new ones, as if the database
// server went down.
func (o *Outage) Cut() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.down = true
	for c := range o.conns {
		c.Close()
	}
}

// Restore accepts connections again, as if the database came back.
func (o *Outage) Restore() {
	o.mu.Lock()
	o.down = false
	o.mu.Unlock()
}
