package publish

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/provider"
	"github.com/portavoce/portavoce/internal/store"
)

// DeliveryStore is what the dispatcher needs from the database.
type DeliveryStore interface {
	ClaimDeliveries(ctx context.Context, node string, now, horizon time.Time, lease time.Duration, limit int, newID func() string) ([]store.Claim, error)
	SaveProgress(ctx context.Context, deliveryID, node string, done []p.PublishedPart, at time.Time) error
	FinishAttempts(ctx context.Context, fs []store.Finish) []error
	RenewLeases(ctx context.Context, node string, until time.Time) error
	Media(ctx context.Context, workspaceID, id string) (p.Media, error)
}

// Secrets opens and replaces an account's sealed credentials.
type Secrets interface {
	Get(ctx context.Context, id string) ([]byte, error)
	Replace(ctx context.Context, id, workspaceID, purpose string, plaintext []byte) error
}

// DispatchOptions tune the dispatcher; zero values take the defaults.
type DispatchOptions struct {
	// Node names this process in leases and attempts.
	Node string
	// Horizon is how far ahead deliveries are claimed, so that the network
	// is called on time rather than one poll late, even when thousands are
	// due together (default 5 s).
	Horizon time.Duration
	// Lease is how long a claim holds without renewal: after a crash,
	// another node takes the delivery over (and checks it) after this
	// (default 30 s).
	Lease time.Duration
	// Concurrency bounds network calls in flight (default 512).
	Concurrency int
	// MaxHeld bounds the deliveries a node holds at once, waiting for
	// their time or for a free call (default 20,000).
	MaxHeld int
	// Poll is how often the database is asked for due deliveries when
	// nothing wakes the dispatcher (default 1 s; posts due at once on this
	// node wake it).
	Poll time.Duration
	// RetryBase is the first backoff after a temporary failure; it
	// doubles up to RetryMax (defaults 30 s and 30 min).
	RetryBase, RetryMax time.Duration
	// MaxFailures is how many temporary failures (or unanswered checks) a
	// delivery survives before it is failed or handed to a person
	// (default 8).
	MaxFailures int
	// CallTimeout bounds one delivery's network work (default 2 min).
	CallTimeout time.Duration
	// LateAfter is how late a publication must be to notify the workspace
	// (default 5 min).
	LateAfter time.Duration
	// Registry receives the dispatcher's metrics, when set.
	Registry prometheus.Registerer
}

func (o *DispatchOptions) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.Horizon, 5*time.Second)
	def(&o.Lease, 30*time.Second)
	def(&o.Poll, time.Second)
	def(&o.RetryBase, 30*time.Second)
	def(&o.RetryMax, 30*time.Minute)
	def(&o.CallTimeout, 2*time.Minute)
	def(&o.LateAfter, 5*time.Minute)
	if o.Concurrency <= 0 {
		o.Concurrency = 512
	}
	if o.MaxHeld <= 0 {
		o.MaxHeld = 20_000
	}
	if o.MaxFailures <= 0 {
		o.MaxFailures = 8
	}
	if o.Node == "" {
		o.Node = uuid.NewString()
	}
}

// Dispatcher publishes due deliveries. The database is the truth: a
// delivery is claimed with a lease and an attempt on record before the
// network is called, each accepted part is stored the moment the network
// answers, and an attempt whose outcome is unknown is checked on the network
// before anything is repeated. Several dispatchers (one per node) share the
// work through the database.
type Dispatcher struct {
	store      DeliveryStore
	secrets    Secrets
	publishers map[string]provider.Publisher
	opts       DispatchOptions
	log        *slog.Logger
	now        func() time.Time
	wake       chan struct{}
	calls      chan struct{}
	finishes   chan finishRequest
	// creds keeps opened credentials a few seconds, so that an account
	// with many posts due together is read from the database once.
	creds     sync.Map // secret id → cachedCredentials
	finishing atomic.Bool
	inFlight  atomic.Int64
	lateness  prometheus.Histogram
	outcomes  *prometheus.CounterVec
}

// NewDispatcher returns a dispatcher; Run starts it.
func NewDispatcher(s DeliveryStore, sec Secrets, publishers []provider.Publisher, o DispatchOptions, log *slog.Logger, now func() time.Time) *Dispatcher {
	o.defaults()
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Dispatcher{store: s, secrets: sec, publishers: map[string]provider.Publisher{}, opts: o, log: log, now: now,
		wake: make(chan struct{}, 1), calls: make(chan struct{}, o.Concurrency), finishes: make(chan finishRequest),
		lateness: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "portavoce_publish_lateness_seconds",
			Help:    "Time from a delivery's due time to the start of its network call.",
			Buckets: []float64{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 3600}}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portavoce_publish_attempts_total",
			Help: "Publish attempts by network and outcome."}, []string{"network", "outcome"}),
	}
	for _, pub := range publishers {
		d.publishers[pub.Network()] = pub
	}
	if o.Registry != nil {
		o.Registry.MustRegister(d.lateness, d.outcomes)
	}
	return d
}

// Wake asks the dispatcher to look for due deliveries now (a post to
// publish at once was just created).
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Run claims and publishes due deliveries until ctx ends, then waits for
// the calls in flight (each bounded by CallTimeout) to finish and be
// recorded.
func (d *Dispatcher) Run(ctx context.Context) error {
	// The finisher records outcomes until every delivery has ended.
	stop := make(chan struct{})
	var fin sync.WaitGroup
	fin.Go(func() { d.runFinisher(stop) })
	d.finishing.Store(true)
	defer func() { d.finishing.Store(false); close(stop); fin.Wait() }()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { d.renewLeases(ctx) })
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		case <-d.wake:
		}
		full := d.claimOnce(ctx, &wg)
		wait := d.opts.Poll
		if full {
			wait = time.Millisecond
		}
		timer.Reset(wait)
	}
}

// claimOnce claims what fits in the free capacity and starts publishing
// it; it reports whether it filled the batch (more may be due).
func (d *Dispatcher) claimOnce(ctx context.Context, wg *sync.WaitGroup) bool {
	free := d.opts.MaxHeld - int(d.inFlight.Load())
	if free <= 0 {
		return false
	}
	batch := min(free, 100)
	now := d.now()
	claims, err := d.store.ClaimDeliveries(ctx, d.opts.Node, now, now.Add(d.opts.Horizon), d.opts.Lease, batch,
		func() string { return uuid.Must(uuid.NewV7()).String() })
	if err != nil {
		if ctx.Err() == nil {
			d.log.Warn("publish: cannot claim due posts", "err", err)
		}
		return false
	}
	for _, c := range claims {
		d.inFlight.Add(1)
		wg.Go(func() {
			defer func() {
				if d.inFlight.Add(-1) == int64(d.opts.MaxHeld-1) {
					d.Wake() // room again for more claims
				}
			}()
			d.deliver(ctx, c)
		})
	}
	return len(claims) == batch
}

// renewLeases keeps this node's claims alive while it works on them.
func (d *Dispatcher) renewLeases(ctx context.Context) {
	t := time.NewTicker(d.opts.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if d.inFlight.Load() == 0 {
				continue
			}
			if err := d.store.RenewLeases(ctx, d.opts.Node, d.now().Add(d.opts.Lease)); err != nil && ctx.Err() == nil {
				d.log.Warn("publish: cannot renew leases", "err", err)
			}
		}
	}
}

// attempt is one claim being worked on.
type attempt struct {
	store.Claim
	pub      provider.Publisher
	account  provider.Account
	delivery provider.Delivery
	done     []p.PublishedPart
	// detail notes how the attempt ended, for its record.
	detail string
}

func (d *Dispatcher) deliver(ctx context.Context, c store.Claim) {
	a := &attempt{Claim: c, done: c.Delivery.Done}
	// Network calls end on their own time-out, not with the server: a call
	// cut in the middle would leave its outcome unknown.
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.opts.CallTimeout+time.Until(c.Start))
	defer cancel()
	pub, ok := d.publishers[c.Account.Network]
	if !ok {
		d.finish(a, store.Finish{Status: p.DeliveryFailed, ErrorKind: string(provider.Rejected),
			Error: "this version of Portavoce cannot publish to " + c.Account.Network, Outcome: "rejected"}, nil)
		return
	}
	a.pub = pub
	// Credentials and media are loaded while the post waits for its time.
	if err := d.prepare(callCtx, a); err != nil {
		d.failed(a, err)
		return
	}
	// Wait for the due time: claims are taken a little ahead of it.
	if wait := c.Start.Sub(d.now()); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			d.release(a, "the server stopped before the due time")
			return
		case <-t.C:
		}
	}
	if ctx.Err() != nil {
		d.release(a, "the server stopped before the due time")
		return
	}
	// At most Concurrency network calls at once; the outcome is recorded
	// after the slot is given back, so that the database never holds up
	// the calls of other posts.
	select {
	case d.calls <- struct{}{}:
	case <-callCtx.Done():
		d.release(a, "no free slot for the network call in time")
		return
	}
	d.lateness.Observe(d.now().Sub(c.Delivery.DueAt).Seconds())
	err := d.publish(callCtx, a)
	<-d.calls
	switch {
	case err == nil:
		d.published(a, a.detail)
	case errors.Is(err, store.ErrLeaseLost):
		d.log.Warn("publish: lost the lease on a delivery while publishing it; another node checks it", "delivery", c.Delivery.ID)
	default:
		d.failed(a, err)
	}
}

// publish does the network work of an attempt: the check first when an
// earlier outcome is unknown, then the parts not yet accepted.
func (d *Dispatcher) publish(callCtx context.Context, a *attempt) error {
	c, pub := a.Claim, a.pub
	if c.Check {
		found, err := pub.Check(callCtx, a.account, a.delivery)
		if err != nil {
			return &provider.Error{Kind: provider.Unknown, Network: pub.Network(), Part: -1,
				Reason: "could not check whether the earlier attempt was published", Err: err}
		}
		a.done = a.done[:0:0]
		for _, f := range found {
			if f == nil {
				break
			}
			a.done = append(a.done, p.PublishedPart{RemoteID: f.RemoteID, CID: f.CID, URL: f.URL})
		}
		d.outcomes.WithLabelValues(pub.Network(), "checked").Inc()
		a.Check = false // the check settled the uncertainty
		if len(a.done) == len(a.delivery.Parts) {
			a.detail = "found on the network by the check after an unknown outcome"
			return nil
		}
		if err := d.store.SaveProgress(callCtx, c.Delivery.ID, d.opts.Node, a.done, d.now()); err != nil {
			return err
		}
		a.delivery.Done = toProvider(a.done)
	}
	return pub.Publish(callCtx, a.account, a.delivery, func(part int, pp provider.Published) error {
		a.done = append(a.done, p.PublishedPart{RemoteID: pp.RemoteID, CID: pp.CID, URL: pp.URL})
		if len(a.done) == len(a.delivery.Parts) {
			return nil // recorded with the delivery's end, just below
		}
		return d.store.SaveProgress(context.WithoutCancel(callCtx), c.Delivery.ID, d.opts.Node, a.done, d.now())
	})
}

// prepare loads the account's credentials and the media, and builds what
// the provider publishes.
func (d *Dispatcher) prepare(ctx context.Context, a *attempt) error {
	creds, err := d.credentials(ctx, a.Account.SecretID)
	if err != nil {
		return fmt.Errorf("publish: open the account's credentials: %w", err)
	}
	acc := a.Account
	a.account = provider.Account{ID: acc.ID, Server: acc.Server, RemoteID: acc.RemoteID, Handle: acc.Handle, Credentials: creds,
		SaveCredentials: func(ctx context.Context, fresh []byte) error {
			d.creds.Delete(acc.SecretID)
			return d.secrets.Replace(ctx, acc.SecretID, acc.WorkspaceID, secretPurpose, fresh)
		}}
	parts := a.Content.PartsFor(acc.ID)
	a.delivery = provider.Delivery{ID: a.Delivery.ID, Keys: a.Delivery.Keys, Done: toProvider(a.done),
		LinkPreview: a.Content.LinkPreview, FirstAttempt: a.Delivery.FirstTry}
	if a.delivery.FirstAttempt.IsZero() {
		a.delivery.FirstAttempt = a.Start
	}
	if r := a.Content.Reply; r != nil {
		a.delivery.ReplyTo = &provider.ReplyTo{RemoteID: r.RemoteID, CID: r.CID, RootID: r.RootID, RootCID: r.RootCID,
			Direct: r.Direct, Handle: r.Handle, Conversation: r.Conversation}
	}
	for _, part := range parts {
		pp := provider.Part{Text: part.Text}
		for _, item := range part.Media {
			m, err := d.store.Media(ctx, acc.WorkspaceID, item.MediaID)
			if err != nil {
				if errors.Is(err, p.ErrNotFound) {
					return &provider.Error{Kind: provider.Rejected, Network: acc.Network, Part: len(a.delivery.Parts),
						Reason: "an image of this post was deleted from the media library"}
				}
				return err
			}
			fitted, err := Fit(provider.Media{Filename: m.Filename, ContentType: m.ContentType, Data: m.Data,
				Alt: item.Alt, Width: m.Width, Height: m.Height}, LimitsOf(acc))
			if err != nil {
				return &provider.Error{Kind: provider.Rejected, Network: acc.Network, Part: len(a.delivery.Parts),
					Reason: "an image is too large for the network and could not be reduced: replace it with a smaller one", Err: err}
			}
			pp.Media = append(pp.Media, fitted)
		}
		a.delivery.Parts = append(a.delivery.Parts, pp)
	}
	if len(a.delivery.Keys) < len(a.delivery.Parts) {
		return &provider.Error{Kind: provider.Rejected, Network: acc.Network, Part: -1,
			Reason: "the post changed after it was scheduled; duplicate it and schedule the copy"}
	}
	return nil
}

func toProvider(done []p.PublishedPart) []provider.Published {
	out := make([]provider.Published, len(done))
	for i, d := range done {
		out[i] = provider.Published{RemoteID: d.RemoteID, CID: d.CID, URL: d.URL}
	}
	return out
}

// published records a delivery whose every part the network accepted.
func (d *Dispatcher) published(a *attempt, detail string) {
	now := d.now()
	f := store.Finish{Status: p.DeliveryPublished, Done: a.done, PublishedAt: now, Outcome: "accepted", Detail: detail}
	if len(a.done) > 0 {
		f.RemoteURL = a.done[0].URL
	}
	if late := now.Sub(a.Delivery.DueAt); late > d.opts.LateAfter {
		f.Notify = d.notification(a, p.NotifyLate, fmt.Sprintf("%d", int(late.Minutes())))
	}
	d.outcomes.WithLabelValues(a.Account.Network, "accepted").Inc()
	d.finish(a, f, nil)
}

// failed sorts a failure by kind and records what happens next.
func (d *Dispatcher) failed(a *attempt, err error) {
	now := d.now()
	kind := provider.KindOf(err)
	var pe *provider.Error
	reason := err.Error()
	if errors.As(err, &pe) && pe.Reason != "" {
		reason = pe.Reason
	}
	f := store.Finish{Failures: a.Delivery.Failures, Unsure: a.Check, ErrorKind: string(kind), Error: reason,
		Outcome: string(kind), Detail: err.Error(), Done: a.done}
	if len(a.done) == 0 {
		f.Done = []p.PublishedPart{}
	}
	switch kind {
	case provider.RateLimited:
		until := now.Add(time.Minute)
		if pe != nil && pe.RetryAfter.After(now) {
			until = pe.RetryAfter
		}
		f.Status, f.NextAt = p.DeliveryScheduled, until
		f.AccountStatus, f.AccountDetail, f.AccountUntil = p.AccountRateLimited, reason, until
	case provider.AuthExpired:
		f.Status = p.DeliveryWaitingAccount
		f.AccountStatus, f.AccountDetail = p.AccountExpired, reason
		f.Notify = d.notification(a, p.NotifyReconnect, reason)
	case provider.Rejected:
		f.Status = p.DeliveryFailed
		f.Notify = d.notification(a, p.NotifyFailed, reason)
	case provider.Unknown:
		f.Unsure = true
		f.Failures++
		if f.Failures >= d.opts.MaxFailures {
			f.Status = p.DeliveryNeedsCheck
			f.Notify = d.notification(a, p.NotifyNeedsCheck, reason)
		} else {
			f.Status, f.NextAt = p.DeliveryScheduled, now.Add(d.backoff(f.Failures)/4)
		}
	default: // Temporary, and our own failures (database, secrets).
		f.Failures++
		if f.Failures >= d.opts.MaxFailures {
			f.Status = p.DeliveryFailed
			f.Notify = d.notification(a, p.NotifyFailed, reason)
		} else {
			f.Status, f.NextAt = p.DeliveryScheduled, now.Add(d.backoff(f.Failures))
		}
	}
	d.outcomes.WithLabelValues(a.Account.Network, string(kind)).Inc()
	d.log.Info("publish: attempt failed", "delivery", a.Delivery.ID, "account", a.Account.ID, "kind", kind,
		"status", f.Status, "err", err)
	d.finish(a, f, err)
}

// backoff is the wait after the n-th temporary failure: doubling from
// RetryBase, at most RetryMax, with jitter so that retries spread out.
func (d *Dispatcher) backoff(n int) time.Duration {
	b := d.opts.RetryBase << min(n-1, 20)
	if b > d.opts.RetryMax || b <= 0 {
		b = d.opts.RetryMax
	}
	return b/2 + rand.N(b/2+1)
}

// release gives back a claim that was never sent (the server stopped
// before its time): it keeps its course and any earlier uncertainty.
func (d *Dispatcher) release(a *attempt, why string) {
	d.finish(a, store.Finish{Status: p.DeliveryScheduled, NextAt: a.Delivery.NextAt, Failures: a.Delivery.Failures,
		Unsure: a.Check, ErrorKind: a.Delivery.ErrorKind, Error: a.Delivery.Error, Outcome: "not_sent", Detail: why}, nil)
}

func (d *Dispatcher) notification(a *attempt, kind, detail string) *p.Notification {
	return &p.Notification{ID: uuid.Must(uuid.NewV7()).String(), WorkspaceID: a.Delivery.WorkspaceID, Kind: kind,
		PostID: a.Delivery.PostID, DeliveryID: a.Delivery.ID, Account: a.Account.Label(), Detail: detail, CreatedAt: d.now()}
}

// finish writes an attempt's end. The write is retried for a while if the
// database is away, because the network's answer must not be lost.
func (d *Dispatcher) finish(a *attempt, f store.Finish, cause error) {
	f.DeliveryID, f.AttemptID, f.Node, f.At = a.Delivery.ID, a.AttemptID, d.opts.Node, d.now()
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Lease)
	defer cancel()
	for wait := 50 * time.Millisecond; ; wait = min(wait*2, 2*time.Second) {
		err := d.record(ctx, f)
		if err == nil {
			return
		}
		if errors.Is(err, store.ErrLeaseLost) {
			d.log.Warn("publish: lost the lease before recording the outcome; another node checks the delivery",
				"delivery", a.Delivery.ID, "outcome", f.Outcome)
			return
		}
		if ctx.Err() != nil {
			d.log.Error("publish: cannot record an attempt's outcome; the delivery will be checked before any repeat",
				"delivery", a.Delivery.ID, "outcome", f.Outcome, "err", err, "cause", cause)
			return
		}
		time.Sleep(wait)
	}
}

// NetworkTimeout bounds one HTTP call to a network.
const NetworkTimeout = 60 * time.Second

// finishRequest is an outcome waiting to be written with others.
type finishRequest struct {
	f    store.Finish
	done chan error
}

// record writes an outcome: through the finisher while Run runs, so that
// many outcomes share one transaction (one commit on SQLite's single
// writer), directly otherwise.
func (d *Dispatcher) record(ctx context.Context, f store.Finish) error {
	if !d.finishing.Load() {
		return d.store.FinishAttempts(ctx, []store.Finish{f})[0]
	}
	req := finishRequest{f: f, done: make(chan error, 1)}
	select {
	case d.finishes <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// runFinisher writes outcomes in batches: whatever is waiting when the
// previous batch is written goes in the next, up to 256.
func (d *Dispatcher) runFinisher(stop <-chan struct{}) {
	for {
		var first finishRequest
		select {
		case first = <-d.finishes:
		case <-stop:
			return
		}
		batch := []finishRequest{first}
	fill:
		for len(batch) < 256 {
			select {
			case r := <-d.finishes:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		fs := make([]store.Finish, len(batch))
		for i, r := range batch {
			fs[i] = r.f
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs := d.store.FinishAttempts(ctx, fs)
		cancel()
		for i, r := range batch {
			r.done <- errs[i]
		}
	}
}

// cachedCredentials are an account's opened credentials and when they were
// read.
type cachedCredentials struct {
	plain []byte
	at    time.Time
}

// credentials opens an account's sealed credentials, from the cache when
// they were read in the last few seconds. Renewed credentials replace the
// cached ones (see prepare's SaveCredentials).
func (d *Dispatcher) credentials(ctx context.Context, secretID string) ([]byte, error) {
	if v, ok := d.creds.Load(secretID); ok {
		if c := v.(cachedCredentials); d.now().Sub(c.at) < 5*time.Second {
			return c.plain, nil
		}
	}
	plain, err := d.secrets.Get(ctx, secretID)
	if err != nil {
		return nil, err
	}
	d.creds.Store(secretID, cachedCredentials{plain: plain, at: d.now()})
	return plain, nil
}
