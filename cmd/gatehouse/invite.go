package main

import (
	"context"
	"fmt"
	"io"

	"github.com/gatehouse/gatehouse/db"
)

// invite prints a one-time enrollment link. It writes to the database directly,
// so it works while the server runs (WAL lets both share the file).
func invite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlagSet("invite", &c, stderr)
	var name string
	fs.StringVar(&name, "name", "", "name of the person invited (shown on the enrollment page and in the activity log)")
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	token, inv, err := store.CreateInvite(ctx, name, 0, c.InviteTTL)
	if err != nil {
		return err
	}
	detail := "from the command line"
	if name != "" {
		detail = "for " + name + ", from the command line"
	}
	if err := store.Audit(ctx, db.AuditEntry{Actor: "command line", Action: db.AuditInviteCreated, Detail: detail}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s/enroll/%s\n", c.PublicURL, token)
	fmt.Fprintf(stderr, "This link works once and expires at %s.\n", inv.ExpiresAt.Local().Format("2 Jan 2006 15:04 MST"))
	return nil
}
