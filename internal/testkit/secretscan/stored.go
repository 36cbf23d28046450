package secretscan

import (
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // the audit table is read straight from the database file
)

// Stats says how much a scan of a log and audit tables covered.
type Stats struct {
	Secrets   map[string]int // kind -> how many
	LogBytes  int
	LogLines  int
	AuditRows int
}

func (st Stats) String() string {
	n := 0
	var kinds []string
	for _, k := range slices.Sorted(maps.Keys(st.Secrets)) {
		n += st.Secrets[k]
		kinds = append(kinds, fmt.Sprintf("%d %s", st.Secrets[k], k))
	}
	return fmt.Sprintf("checked %d secrets (%s) against %d log bytes (%d lines) and %d audit rows",
		n, strings.Join(kinds, ", "), st.LogBytes, st.LogLines, st.AuditRows)
}

// LeaksStored scans every line of log, and the detail, actor and ip of every
// row of audit_log in each database at dbPaths (opened read-only), for the
// secrets in s: what a stopped gatehouse binary left behind. It reports each
// secret once per place (the log, each database), at its first line or row.
func LeaksStored(s *Set, log string, dbPaths ...string) ([]Leak, Stats, error) {
	st := Stats{Secrets: map[string]int{}, LogBytes: len(log)}
	for _, kind := range s.Snapshot() {
		st.Secrets[kind]++
	}
	logLines := strings.Split(strings.TrimSuffix(log, "\n"), "\n")
	if log == "" {
		logLines = nil
	}
	st.LogLines = len(logLines)
	places := []Place{{Lines: logLines, Where: func(i int) string { return fmt.Sprintf("log line %d", i+1) }}}
	for _, path := range dbPaths {
		audit, err := auditRows(path)
		if err != nil {
			return nil, st, err
		}
		st.AuditRows += len(audit)
		lines := make([]string, len(audit))
		for i, r := range audit {
			lines[i] = r.text
		}
		places = append(places, Place{Lines: lines, Where: func(i int) string {
			return fmt.Sprintf("audit row %d (%s) of %s", audit[i].id, audit[i].action, filepath.Base(path))
		}})
	}
	return s.Leaks(places...), st, nil
}

type auditRow struct {
	id           int64
	action, text string
}

// auditRows reads every audit_log row's id, action, and its detail, actor and
// ip as one line of text.
func auditRows(path string) ([]auditRow, error) {
	d, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("secretscan: open %s read-only: %w", path, err)
	}
	defer d.Close()
	rows, err := d.Query("SELECT id, action, detail, actor, ip FROM audit_log ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("secretscan: read the audit log of %s: %w", path, err)
	}
	defer rows.Close()
	var out []auditRow
	for rows.Next() {
		var r auditRow
		var detail, actor, ip string
		if err := rows.Scan(&r.id, &r.action, &detail, &actor, &ip); err != nil {
			return nil, fmt.Errorf("secretscan: read an audit row of %s: %w", path, err)
		}
		r.text = strings.ReplaceAll(fmt.Sprintf("detail=%q actor=%q ip=%q", detail, actor, ip), "\n", " ")
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("secretscan: read the audit log of %s: %w", path, err)
	}
	return out, nil
}

// CheckStored fails t if any secret in s appears in the log or in the audit
// table of the databases at dbPaths; it also fails when s is empty, since the
// scan would then prove nothing. Call it once the server has stopped, so the
// log is complete.
func CheckStored(t testing.TB, s *Set, log string, dbPaths ...string) {
	t.Helper()
	found, st, err := LeaksStored(s, log, dbPaths...)
	if err != nil {
		t.Errorf("secret scan: %v", err)
		return
	}
	if len(st.Secrets) == 0 && !t.Failed() {
		t.Errorf("secret scan: the test recorded no secrets, so the scan proves nothing")
	}
	for _, l := range found {
		t.Errorf("secret scan: %s", l)
	}
	t.Logf("secret scan: %s", st)
}
