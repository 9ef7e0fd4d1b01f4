package store

import (
	"context"
	"database/sql"
	"time"
)

// Sweep claims the period starting at periodStart for task on behalf of
// node and, if nobody claimed it before, deletes what has expired before now:
// sessions, login failures older than keepFailures, and invitations expired
// or used a week ago. The claim and the deletions commit together, so each
// period is swept exactly once whatever the job queue delivers (twice, on two
// nodes, after a crash). It returns whether this call did the work and how
// many rows it removed.
func (db *DB) Sweep(ctx context.Context, task string, periodStart time.Time, node string, now time.Time, keepFailures time.Duration) (bool, int64, error) {
	var claimed bool
	var total int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO maintenance_runs (task, period_start, node, started_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (task, period_start) DO NOTHING`, task, us(periodStart), node, us(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		claimed = true
		for _, q := range []struct {
			sql string
			arg int64
		}{
			{`DELETE FROM sessions WHERE expires_at <= $1`, us(now)},
			{`DELETE FROM login_failures WHERE at <= $1`, us(now.Add(-keepFailures))},
			{`DELETE FROM invitations WHERE expires_at <= $1 OR (accepted_at > 0 AND accepted_at <= $1)`, us(now.Add(-7 * 24 * time.Hour))},
		} {
			res, err := tx.ExecContext(ctx, q.sql, q.arg)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			total += n
		}
		_, err = tx.ExecContext(ctx, `UPDATE maintenance_runs SET removed = $1 WHERE task = $2 AND period_start = $3`, total, task, us(periodStart))
		return err
	})
	if err != nil {
		return false, 0, err
	}
	return claimed, total, nil
}

// MaintenanceRun is one claimed period of a maintenance task.
type MaintenanceRun struct {
	Task        string
	PeriodStart time.Time
	Node        string
	Removed     int64
}

// MaintenanceRuns lists the recorded runs of a task, oldest first.
func (db *DB) MaintenanceRuns(ctx context.Context, task string) ([]MaintenanceRun, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT task, period_start, node, removed FROM maintenance_runs WHERE task = $1 ORDER BY period_start`, task)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []MaintenanceRun
	for rows.Next() {
		var r MaintenanceRun
		var p int64
		if err := rows.Scan(&r.Task, &p, &r.Node, &r.Removed); err != nil {
			return nil, wrap(err)
		}
		r.PeriodStart = fromUS(p)
		out = append(out, r)
	}
	return out, wrap(rows.Err())
}
