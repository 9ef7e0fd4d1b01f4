package store

import (
	"context"
	"database/sql"
	"time"
)

// ClaimMaintenance records that node runs task for the period starting at
// periodStart. It returns false when the period was already claimed: the
// table, not the job queue, guarantees that each period's work is done once,
// whatever the queue delivers.
func (db *DB) ClaimMaintenance(ctx context.Context, task string, periodStart time.Time, node string, now time.Time) (bool, error) {
	res, err := db.write.ExecContext(ctx, `INSERT INTO maintenance_runs (task, period_start, node, started_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (task, period_start) DO NOTHING`, task, us(periodStart), node, us(now))
	if err != nil {
		return false, wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err)
}

// Sweep deletes what has expired before now: sessions, login failures older
// than keepFailures, and invitations expired or used a week ago. It returns
// the number of rows removed, and records it on the claimed run.
func (db *DB) Sweep(ctx context.Context, task string, periodStart, now time.Time, keepFailures time.Duration) (int64, error) {
	var total int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
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
		_, err := tx.ExecContext(ctx, `UPDATE maintenance_runs SET removed = $1 WHERE task = $2 AND period_start = $3`, total, task, us(periodStart))
		return err
	})
	return total, err
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
