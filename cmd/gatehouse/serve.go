package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"

	"github.com/gatehouse/gatehouse/db"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlagSet("serve", &c, stderr)
	fs.serveFlags(&c)
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	logOut := newLogBuffer(stderr)
	defer logOut.Close()
	log := slog.New(flushOnWarn{slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: c.LogLevel}), logOut})
	if c.CPUProfile != "" {
		stop, err := startCPUProfile(c.CPUProfile)
		if err != nil {
			return err
		}
		defer stop()
	}

	p, err := start(ctx, c, stdout, log)
	if err != nil {
		return err
	}
	log.Info("gatehouse listening", slog.String("addr", p.ln.Addr().String()), slog.String("public_url", c.PublicURL.String()),
		slog.String("db", c.DB), slog.String("version", version))
	logOut.Flush() // scripts and tests wait for this line
	return p.run(ctx)
}

// openStore opens the database with the key that seals codes and API keys.
func openStore(ctx context.Context, c config, opts ...db.Option) (*db.DB, error) {
	key, err := db.LoadOrCreateKey(c.KeyFile)
	if err != nil {
		return nil, err
	}
	return db.Open(ctx, c.DB, append([]db.Option{db.WithKey(key)}, opts...)...)
}

// firstRunInvite prints an enrollment link when nobody can sign in yet, so the
// first owner needs nothing but the terminal they started Gatehouse from. It
// makes one only while none is pending: a link minted at every start would
// leave several valid at once, each enough to take the whole Gatehouse.
func firstRunInvite(ctx context.Context, store *db.DB, c config, stdout io.Writer) error {
	n, err := store.CountOwners(ctx)
	if err != nil || n > 0 {
		return err
	}
	pending, ok, err := store.PendingFirstOwnerInvite(ctx)
	if err != nil {
		return err
	}
	if ok {
		fmt.Fprintf(stdout, "\nNo owner yet. The first owner's invite link, printed when it was made (%s), is pending\n"+
			"until %s. If you no longer have it, make a new one, which replaces it:\n\n"+
			"    gatehouse invite --admin --db %s\n\n", pending.CreatedAt.Local().Format("2 Jan 2006 15:04 MST"),
			pending.ExpiresAt.Local().Format("2 Jan 2006 15:04 MST"), c.DB)
		return nil
	}
	token, _, err := store.CreateInvite(ctx, db.NewInvite{TTL: c.InviteTTL, Admin: true, FirstOwner: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nNo owner yet. Open this link in your browser to create the first owner's passkey\n"+
		"(it works once and expires in %s):\n\n    %s/enroll/%s\n\n"+
		"Then choose Locks → \"Add a simulated lock\" to try Gatehouse with a lock that lives in the database.\n\n", c.InviteTTL, c.PublicURL, token)
	return nil
}

// startCPUProfile profiles the whole run, so a load run against the real
// binary (scripts/bench.sh) can say where its time went.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
