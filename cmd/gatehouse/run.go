package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `Gatehouse: door codes for your guests, shared safely.

Usage:
  gatehouse serve   [flags]          run the web dashboard (the default)
  gatehouse invite  --name NAME      print a one-time enrollment link for a new owner
  gatehouse backup  FILE             write a verified snapshot of the live database to FILE
                                     (--recipient age1... encrypts it with age)
  gatehouse restore BACKUP           check BACKUP and put it in place of the stopped server's database
                                     (--identity FILE decrypts an encrypted backup)
  gatehouse seed-demo --db PATH --events N
                                     fill a new database with demo locks, guests, codes and N events
  gatehouse healthcheck              exit 0 when the local server answers /healthz (for containers)
  gatehouse version                  print the version

Run "gatehouse COMMAND -h" for a command's flags. Every flag can also be set with a
GATEHOUSE_* environment variable, e.g. GATEHOUSE_DB=/data/gatehouse.db.
`

// run dispatches a subcommand; it is main without the process around it, so tests
// can call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, args, stdout, stderr)
	case "invite":
		err = invite(ctx, args, stdout, stderr)
	case "backup":
		err = backup(ctx, args, stdout, stderr)
	case "restore":
		err = restore(ctx, args, stdout, stderr)
	case "seed-demo":
		err = seedDemo(ctx, args, stdout, stderr)
	case "healthcheck":
		err = healthcheck(ctx, args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "gatehouse", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}
