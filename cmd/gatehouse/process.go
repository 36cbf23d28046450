package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/jobs"
	"github.com/gatehouse/gatehouse/lock"
	"github.com/gatehouse/gatehouse/lock/wire"
	"github.com/gatehouse/gatehouse/web"
)

// process is a running server: the store, and every loop that uses it.
type process struct {
	store *db.DB
	ln    net.Listener
	loops []loop
	log   *slog.Logger
}

// loop is one of the process's long-running parts; run returns when its
// context ends, or with the error that should stop the process.
type loop struct {
	name string
	run  func(context.Context) error
}

// start opens the store and builds everything serve runs: the HTTP server on
// its listener, the reconciler (its reconcile and event loops) and the jobs.
// Nothing runs until run.
func start(ctx context.Context, c config, stdout io.Writer, log *slog.Logger) (_ *process, err error) {
	store, err := openStore(ctx, c)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			store.Close()
		}
	}()
	zone := domain.ServerZone()
	sims := wire.NewSim(store, nil, c.SimDelay)
	hc := &http.Client{Timeout: 30 * time.Second}
	kinds := wire.Kinds(store, sims, hc)
	rec := lock.NewReconciler(lock.Options{
		Store: store, Connect: kinds.Connect, Interval: c.ReconcileEvery,
		EventEvery: c.EventsEvery, DefaultZone: zone, Log: log, Jitter: lock.Jitter,
	})
	side := &wire.Side{Store: store, Rec: rec, Kinds: kinds, Zone: zone}
	srv, err := web.New(web.Config{
		PublicURL: c.PublicURL, TrustedProxies: c.TrustedProxies, SessionIdle: c.SessionIdle,
		SessionAbsolute: c.SessionMax, InviteTTL: c.InviteTTL, Version: version, Metrics: c.Metrics,
	}, store, side, log)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	if err := firstRunInvite(ctx, store, c, stdout); err != nil {
		ln.Close()
		return nil, err
	}
	hs := srv.HTTPServer(c.Addr)
	return &process{store: store, ln: ln, log: log, loops: []loop{
		{"http", func(ctx context.Context) error { return serveHTTP(ctx, hs, ln, log) }},
		// Reconcile passes and event pulls: Run returns once both have stopped.
		{"reconciler", func(ctx context.Context) error { rec.Run(ctx); return nil }},
		{"alerts", jobs.Alerts{Store: store, Log: log}.Run},
		{"retention", jobs.Retention{Store: store, Keep: time.Duration(c.RetentionDays) * 24 * time.Hour, Log: log}.Run},
		{"sessions", jobs.Sessions{Store: store, Limits: db.SessionLimits{Idle: c.SessionIdle, Absolute: c.SessionMax}, Log: log}.Run},
	}}, nil
}

// run runs every loop under one errgroup until ctx ends or one of them fails,
// waits until all have returned, and only then closes the store: no loop's
// step is cut off by a closed store, and no write is lost at shutdown. It
// returns the first loop's error.
func (p *process) run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, l := range p.loops {
		g.Go(func() error {
			err := l.run(gctx)
			p.log.Debug("stopped", slog.String("loop", l.name))
			return err
		})
	}
	err := g.Wait()
	if cerr := p.store.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close the store: %w", cerr)
	}
	return err
}

// serveHTTP serves on ln until ctx ends, then shuts the server down gracefully:
// requests under way get 10 seconds to finish.
func serveHTTP(ctx context.Context, hs *http.Server, ln net.Listener, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }() // returns once Shutdown below has closed ln
	select {
	case err := <-errc:
		return err // ErrServerClosed only after Shutdown, which only this function calls
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := hs.Shutdown(shutdownCtx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
