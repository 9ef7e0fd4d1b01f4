package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/account"
	"github.com/portavoce/portavoce/internal/jobs"
	"github.com/portavoce/portavoce/internal/secrets"
	"github.com/portavoce/portavoce/internal/web"
	"github.com/portavoce/portavoce/internal/workspace"
)

func serve(ctx context.Context, e env, args []string) error {
	started := time.Now()
	fs := flagSet(e, "serve", "Start the web UI, the REST API and the background workers in one process.\nWith no flags: http://127.0.0.1:8080, data in ./data (embedded SQLite).")
	c, err := parse(e, fs, args)
	if err == errHelpShown {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(c, e.stderr)

	// Listen first, so that a port in use is reported before anything else.
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w (choose another address with --listen or PORTAVOCE_LISTEN)", c.Listen, err)
	}
	defer ln.Close()

	db, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()

	key, err := secrets.LoadKey(c.SecretKey, c.SecretKeyFile)
	if err != nil {
		return err
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		return err
	}
	if err := secrets.NewVault(box, db).CheckKey(ctx); err != nil {
		return err
	}

	accounts := account.New(db, account.DefaultPolicy, nil, log)
	workspaces := workspace.New(db, accounts, nil, log)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	host, _ := os.Hostname()
	node := fmt.Sprintf("%s-%d", host, os.Getpid())
	vault := secrets.NewVault(box, db)
	pub, err := newPublishing(c, db, vault, node, reg, log)
	if err != nil {
		return err
	}
	handler, err := web.NewServer(web.Deps{Accounts: accounts, Workspaces: workspaces, Publishing: pub.service,
		Connector: pub.connector, Media: db, Previews: pub.previews, Presence: pub.presence, Inbox: pub.inbox, InboxEvery: c.InboxPollEvery, Listening: pub.listening, DB: db, Logger: log, Registry: reg, BaseURL: c.BaseURL, TrustProxy: c.TrustProxy})
	if err != nil {
		return err
	}

	runner, err := jobs.New(db, jobs.Options{Node: node, SweepEvery: c.SweepEvery, Logger: log})
	if err != nil {
		return err
	}
	if err := runner.Start(ctx); err != nil {
		return fmt.Errorf("start the background workers: %w", err)
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	workers := pub.start(workCtx)

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	url := c.BaseURL
	if url == "" {
		url = "http://" + displayAddr(ln.Addr().String())
	}
	log.Info("portavoce is running", "url", url, "version", portavoce.Version, "database", db.Where(),
		"secret_key_id", box.KeyID(), "startup", time.Since(started).Round(time.Millisecond).String())
	fmt.Fprintf(e.stdout, "Portavoce is running at %s\n", url)

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	// Posts being published finish their network call and record it.
	stopWork()
	workers.Wait()
	if stopErr := runner.Stop(shutdownCtx); stopErr != nil {
		err = errors.Join(err, stopErr)
	}
	return err
}

// displayAddr turns 0.0.0.0 and [::] into an address a browser opens.
func displayAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}
