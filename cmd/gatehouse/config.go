package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/jobs"
)

// config is every setting, from flags and GATEHOUSE_* environment variables
// (flags win), validated once at start.
type config struct {
	Addr           string
	DB             string
	PublicURL      *url.URL
	TrustedProxies []netip.Prefix
	LogLevel       slog.Level
	InviteTTL      time.Duration
	SessionIdle    time.Duration
	SessionMax     time.Duration
	KeyFile        string
	ReconcileEvery time.Duration
	EventsEvery    time.Duration
	SimDelay       time.Duration
	Metrics        bool
	RetentionDays  int
	CPUProfile     string
}

// flagSet declares the flags shared by the commands that need them; env vars
// named GATEHOUSE_<FLAG> (upper case, dashes as underscores) give defaults.
type flagSet struct {
	*flag.FlagSet
	publicURL, proxies, logLevel string
}

func newFlagSet(name string, c *config, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError)}
	fs.SetOutput(stderr)
	fs.StringVar(&c.DB, "db", "./gatehouse.db", "SQLite database file")
	fs.StringVar(&fs.publicURL, "public-url", "http://localhost:8080", "URL browsers use to reach Gatehouse; passkeys are bound to it")
	fs.StringVar(&fs.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&c.InviteTTL, "invite-ttl", 24*time.Hour, "how long an owner invite link stays valid")
	fs.StringVar(&c.KeyFile, "key-file", "", "file holding the key that encrypts door codes and API keys (default: beside the database, NAME.key)")
	return fs
}

func (fs *flagSet) serveFlags(c *config) {
	fs.StringVar(&c.Addr, "addr", "localhost:8080", "address to listen on")
	fs.StringVar(&fs.proxies, "trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed")
	fs.DurationVar(&c.SessionIdle, "session-idle", 12*time.Hour, "sign out after this long without activity")
	fs.DurationVar(&c.SessionMax, "session-max", 30*24*time.Hour, "sign out this long after sign-in, active or not")
	fs.DurationVar(&c.ReconcileEvery, "reconcile-every", 15*time.Second, "how often locks are compared with what they should hold")
	fs.DurationVar(&c.EventsEvery, "events-every", 30*time.Second, "how often events are pulled from locks")
	fs.DurationVar(&c.SimDelay, "sim-delay", 1500*time.Millisecond, "how long a simulated lock takes to set or remove a code")
	fs.BoolVar(&c.Metrics, "metrics", false, "serve Prometheus metrics at /metrics")
	fs.StringVar(&c.CPUProfile, "cpu-profile", "", "write a Go CPU profile of the whole run to this file, for benchmarks (go tool pprof)")
	fs.IntVar(&c.RetentionDays, "retention-days", jobs.DefaultRetentionDays, "keep events this many days, deleting older ones in the background (0 keeps all)")
}

// parse applies env defaults, then the command line, then validates.
func (fs *flagSet) parse(c *config, args []string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		key := "GATEHOUSE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(key); ok {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("invalid %s=%q: %v", key, v, err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	return c.validate(fs.publicURL, fs.proxies, fs.logLevel)
}

func (c *config) validate(publicURL, proxies, logLevel string) error {
	u, err := url.Parse(publicURL)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return fmt.Errorf("invalid --public-url %q: want an absolute http(s) URL such as https://door.example.com", publicURL)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "", u.User != nil:
		return fmt.Errorf("invalid --public-url %q: Gatehouse must be served at the root of its host (no path, query or user)", publicURL)
	case u.Scheme == "http" && u.Hostname() != "localhost":
		return fmt.Errorf("invalid --public-url %q: browsers allow passkeys only over https, or http://localhost", publicURL)
	}
	if _, err := netip.ParseAddr(u.Hostname()); err == nil {
		return fmt.Errorf("invalid --public-url %q: passkeys need a domain name, not an IP address", publicURL)
	}
	u.Path = ""
	c.PublicURL = u
	for _, p := range strings.Split(proxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("invalid --trusted-proxies entry %q: want a CIDR such as 10.0.0.0/8", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
	}
	if err := c.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("invalid --log-level %q: want debug, info, warn or error", logLevel)
	}
	if c.DB == "" {
		return errors.New("invalid --db: the database path is empty")
	}
	if c.KeyFile == "" {
		c.KeyFile = strings.TrimSuffix(c.DB, filepath.Ext(c.DB)) + ".key"
	}
	if c.Addr != "" && (c.ReconcileEvery < time.Second || c.EventsEvery < time.Second || c.SimDelay < 0) {
		return fmt.Errorf("invalid timers: --reconcile-every and --events-every must be at least 1s, --sim-delay not negative")
	}
	if c.RetentionDays < 0 {
		return fmt.Errorf("invalid --retention-days %d: want a number of days, or 0 to keep every event", c.RetentionDays)
	}
	if c.InviteTTL <= 0 {
		return fmt.Errorf("invalid --invite-ttl %s: want a positive duration such as 24h", c.InviteTTL)
	}
	if c.Addr != "" && (c.SessionIdle <= 0 || c.SessionMax <= 0 || c.SessionIdle > c.SessionMax) {
		return fmt.Errorf("invalid session lifetimes: want 0 < --session-idle (%s) <= --session-max (%s)", c.SessionIdle, c.SessionMax)
	}
	return nil
}
