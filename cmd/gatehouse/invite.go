package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/gatehouse/gatehouse/db"
)

// invite prints a one-time enrollment link. It writes to the database directly,
// so it works while the server runs (WAL lets both share the file).
//
// Without --admin the link enrolls a member who waits for an admin's approval:
// a link read in transit gives nobody power by itself. With --admin it
// enrolls an admin at once: whoever has the server's shell is trusted, and it
// is how the first owner is made and how an owner recovers when every admin
// has lost their passkeys.
func invite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := newFlagSet("invite", &c, stderr)
	var name string
	var admin bool
	fs.StringVar(&name, "name", "", "name of the person invited (shown on the enrollment page and in the activity log)")
	fs.BoolVar(&admin, "admin", false, "enroll an admin, who can act at once (for the first owner, and for recovery)")
	if err := fs.parse(&c, args); err != nil {
		return err
	}
	store, err := openStore(ctx, c)
	if err != nil {
		return err
	}
	defer store.Close()
	owners, err := store.CountOwners(ctx)
	if err != nil {
		return err
	}
	if !admin {
		admins, err := store.CountAdmins(ctx)
		if err != nil {
			return err
		}
		if admins == 0 {
			return errors.New("there is no admin yet to approve a member: run gatehouse invite --admin")
		}
	}
	// With nobody enrolled yet this is the first owner's invite, and it
	// replaces the one the server printed at its first start.
	first := admin && owners == 0
	token, inv, err := store.CreateInvite(ctx, db.NewInvite{Name: name, TTL: c.InviteTTL, Admin: admin, FirstOwner: first})
	if err != nil {
		return err
	}
	detail := "from the command line"
	if name != "" {
		detail = "for " + name + ", from the command line"
	}
	if admin {
		detail += ", as an admin"
	}
	if err := store.Audit(ctx, db.AuditEntry{Actor: "command line", Action: db.AuditInviteCreated, Detail: detail}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s/enroll/%s\n", c.PublicURL, token)
	fmt.Fprintf(stderr, "This link works once and expires at %s.\n", inv.ExpiresAt.Local().Format("2 Jan 2006 15:04 MST"))
	if first {
		fmt.Fprintln(stderr, "It replaces any first-owner invite made before, which no longer works.")
	}
	if admin {
		fmt.Fprintln(stderr, "It enrolls an admin, who can act at once: send it only to the person it is for.")
	} else {
		fmt.Fprintln(stderr, "The owner it enrolls waits until an admin approves them in Settings → Owners.")
	}
	return nil
}
