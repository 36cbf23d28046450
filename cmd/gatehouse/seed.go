package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/db"
	"github.com/gatehouse/gatehouse/demo"
)

// seed-demo fills a database with the made-up world of package demo, so that
// anyone can see Gatehouse full and measure it.

const seedUsage = `Usage: gatehouse seed-demo --db PATH --events N [--locks 6] [--days 180] [--seed 1] [--force]

Fills the database at PATH with demo data on simulated locks: locks, guests,
accesses and codes over the last --days days (and bookings ahead), and --events
events spread over that period. It refuses a database that already has owners
unless --force is given: demo guests, codes and events would mix with real ones.
Stop "gatehouse serve" on that database first; loading holds the database's
writer for the whole run. Then run "gatehouse serve --db PATH".

`

func seedDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	var o demo.Options
	var force bool
	fs := newFlagSet("seed-demo", &c, stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, seedUsage)
		fs.PrintDefaults()
	}
	fs.IntVar(&o.Events, "events", 100_000, "how many events to make")
	fs.IntVar(&o.Locks, "locks", 6, "how many simulated locks to make (1 to 24)")
	fs.IntVar(&o.Days, "days", 180, "how many days of history to make (1 to 3650)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the random choices; the same seed makes the same story")
	fs.BoolVar(&force, "force", false, "add demo data even though the database has owners (back it up first)")
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	switch {
	case o.Events < 0:
		return fmt.Errorf("invalid --events %d: want 0 or more", o.Events)
	case o.Locks < 1 || o.Locks > 24:
		return fmt.Errorf("invalid --locks %d: want 1 to 24", o.Locks)
	case o.Days < 1 || o.Days > 3650:
		return fmt.Errorf("invalid --days %d: want 1 to 3650", o.Days)
	}

	began := time.Now()
	clk := demo.NewClock(began)
	store, err := openStore(ctx, c, db.WithClock(clk.Now))
	if err != nil {
		return err
	}
	defer store.Close()
	owners, err := store.CountOwners(ctx)
	if err != nil {
		return err
	}
	if owners > 0 && !force {
		return fmt.Errorf("%s already has %d owner(s): seed-demo will not mix demo guests, codes and events into it. "+
			"Use a new --db path, or add --force to do it anyway (make a copy first with \"gatehouse backup\")", c.DB, owners)
	}

	w := demo.New(ctx, store, clk, o, began)
	fmt.Fprintf(stdout, "Making %d simulated locks, guests and codes over %d days in %s...\n", o.Locks, o.Days, c.DB)
	if err := w.Build(); err != nil {
		return err
	}
	setup, made := time.Since(began), w.Stats()
	fmt.Fprintf(stdout, "  %d locks, %d guests, %d accesses (%d codes on locks now) in %s\n",
		made.Locks, made.Guests, made.Accesses, made.OnLock, setup.Round(time.Millisecond))

	fmt.Fprintf(stdout, "Storing %d events...\n", o.Events)
	loadStart := time.Now()
	st, err := store.SeedEvents(ctx, w.Events(), func(n int) {
		el := time.Since(loadStart).Seconds()
		fmt.Fprintf(stdout, "  %s of %s events (%d%%), %s events/s\n", thousands(n), thousands(o.Events),
			n*100/max(o.Events, 1), thousands(int(float64(n)/max(el, 1e-9))))
	})
	if err != nil {
		return err
	}
	if st.Events != o.Events {
		return fmt.Errorf("seed-demo: stored %d events, meant %d", st.Events, o.Events)
	}
	total := time.Since(began)
	fmt.Fprintf(stdout, "Done in %s: %s events (%s stand out) at %s events/s overall\n"+
		"  setup %s, events %s, indexes %s\n",
		total.Round(time.Millisecond), thousands(st.Events), thousands(st.Anomalies),
		thousands(int(float64(st.Events)/total.Seconds())),
		setup.Round(time.Millisecond), st.Load.Round(time.Millisecond), st.Index.Round(time.Millisecond))

	clk.Set(time.Now())
	if owners > 0 {
		fmt.Fprintf(stdout, "\nStart it with:\n\n    gatehouse serve --db %s\n\nand sign in as usual.\n", c.DB)
		return nil
	}
	token, _, err := store.CreateInvite(ctx, db.NewInvite{TTL: c.InviteTTL, Admin: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nStart it with:\n\n    gatehouse serve --db %s --public-url %s\n\n"+
		"then open this link to create the first owner's passkey (it works once and expires in %s):\n\n    %s/enroll/%s\n\n",
		c.DB, c.PublicURL, c.InviteTTL, c.PublicURL, token)
	return nil
}

// thousands writes n with thousands separators: 10,000,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
