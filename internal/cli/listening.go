package cli

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/portavoce/portavoce/internal/config"
	"github.com/portavoce/portavoce/internal/listening"
	"github.com/portavoce/portavoce/internal/listening/source"
	"github.com/portavoce/portavoce/internal/listening/source/jetstream"
)

// listeningSource is a source the server reads for every workspace.
type listeningSource struct {
	src          source.Source
	kind, target string
}

// listeningSources are the instance-wide sources the configuration names.
func listeningSources(c config.Config, log *slog.Logger) []listeningSource {
	var out []listeningSource
	if c.JetstreamURL != "" {
		js, err := jetstream.New(jetstream.Options{URL: c.JetstreamURL})
		if err != nil {
			log.Error("listening: Jetstream is not read", "err", err)
		} else {
			out = append(out, listeningSource{src: js, kind: "jetstream", target: c.JetstreamURL})
		}
	}
	return out
}

// startListening compiles the topics, then runs the sources through them
// and the spike alerts, until ctx ends.
func (p *publishing) startListening(ctx context.Context, wg *sync.WaitGroup) {
	if err := p.pipeline.Load(ctx); err != nil {
		p.log.Warn("listening: cannot load the topics now; they are loaded again in 30 s", "err", err)
	}
	wg.Go(func() { p.pipeline.Watch(ctx) })
	wg.Go(func() { p.alerter.Run(ctx, 20*time.Second, p.db) })
	wg.Go(func() { p.runner.Run(ctx) })
	for _, s := range p.sources {
		wg.Go(func() {
			// A source retries the network itself; Run ends early only when
			// storing fails (the database is away): start again from the
			// stored cursor a little later.
			for ctx.Err() == nil {
				err := p.pipeline.Run(ctx, s.src, "", s.kind, s.target)
				if ctx.Err() != nil {
					return
				}
				wait := 10 * time.Second
				if errors.Is(err, listening.ErrLeased) {
					// Another node reads it: take over if that node goes.
					wait = listening.SourceLease / 2
				} else {
					p.log.Warn("listening: a source stopped; it starts again in 10 s", "source", s.src.Name(), "err", err)
				}
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
			}
		})
	}
}
