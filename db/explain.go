package db

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ExplainTimeline returns SQLite's plan (EXPLAIN QUERY PLAN, one line per step)
// for a timeline page of f, for tests and the benchmark notes.
func (d *DB) ExplainTimeline(ctx context.Context, f TimelineFilter, q TimelinePageQuery) ([]string, error) {
	locks, err := locksFor(ctx, d.r, f)
	if err != nil {
		return nil, err
	}
	sqlq, args := f.pageSQL(q.Before, q.AsOf, q.Limit, locks)
	return d.explain(ctx, sqlq, args)
}

// ExplainTimelineSince is ExplainTimeline for the live updates' query.
func (d *DB) ExplainTimelineSince(ctx context.Context, f TimelineFilter) ([]string, error) {
	sqlq, args := f.sinceSQL(1, 2, 100)
	return d.explain(ctx, sqlq, args)
}

// ExplainDailyCounts is ExplainTimeline for the 30-day grid's query.
func (d *DB) ExplainDailyCounts(ctx context.Context, days map[int64][]time.Time) ([]string, error) {
	ids := make([]int64, 0, len(days))
	for id := range days {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	sqlq, args := dailyCountsSQL(ids, days)
	return d.explain(ctx, sqlq, args)
}

// ExplainDayMarks is ExplainTimeline for the 24-hour strip's query.
func (d *DB) ExplainDayMarks(ctx context.Context, lockID int64, from, to time.Time) ([]string, error) {
	var out []string
	for _, q := range dayMarksSQL(lockID, from, to, 5*time.Minute) {
		plan, err := d.explain(ctx, q.sql, q.args)
		if err != nil {
			return nil, err
		}
		out = append(out, plan...)
	}
	return out, nil
}

func (d *DB) explain(ctx context.Context, q string, args []any) ([]string, error) {
	rows, err := d.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("db: explain: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return nil, fmt.Errorf("db: explain: %w", err)
		}
		out = append(out, detail)
	}
	return out, rows.Err()
}

// ExplainHome returns SQLite's plans for the home's three queries, for tests and
// the benchmark notes.
func (d *DB) ExplainHome(ctx context.Context) (map[string][]string, error) {
	out := map[string][]string{}
	now := d.now()
	for name, q := range map[string]struct {
		sql  string
		args []any
	}{
		"locks":     {homeLocksQ, []any{unix(now)}},
		"codes":     {homeCodesQ, []any{unix(now)}},
		"anomalies": {recentAnomaliesQ, []any{unix(now), 10}},
	} {
		plan, err := d.explain(ctx, q.sql, q.args)
		if err != nil {
			return nil, err
		}
		out[name] = plan
	}
	return out, nil
}
