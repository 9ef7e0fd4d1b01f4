package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// sweepTask names the sweep in maintenance_runs.
const sweepTask = "sweep"

// keepLoginFailures is how long failed logins are kept for rate limiting.
const keepLoginFailures = 24 * time.Hour

// SweepArgs asks for the sweep of one period: removing expired sessions, old
// login failures and spent invitations.
type SweepArgs struct {
	// PeriodStart is the start of the period in Unix microseconds (UTC), a
	// multiple of the sweep period. It is what makes the work idempotent:
	// the worker claims (sweep, PeriodStart) in maintenance_runs first.
	PeriodStart int64 `json:"period_start"`
}

// Kind is the job's name in River's tables.
func (SweepArgs) Kind() string { return "maintenance.sweep" }

// sweepInsertOpts makes River drop a second job for the same period while
// the first is queued, running or kept as completed. That only saves work:
// the claim in maintenance_runs is the guarantee.
func sweepInsertOpts() *river.InsertOpts {
	return &river.InsertOpts{
		MaxAttempts: 5,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	}
}

// EnqueueSweep asks for the sweep of the period containing periodStart (it is
// truncated to the sweep period). River does not queue a period again while
// its job is queued, running, or completed and still retained (24 hours); a
// period swept before that is queued again and then does nothing.
func (r *Runner) EnqueueSweep(ctx context.Context, periodStart time.Time) error {
	if periodStart.IsZero() {
		return errors.New("jobs: enqueue sweep: no period given")
	}
	period := periodStart.UTC().Truncate(r.sweepEvery)
	res, err := r.queue.Insert(ctx, SweepArgs{PeriodStart: period.UnixMicro()}, sweepInsertOpts())
	if err != nil {
		return fmt.Errorf("jobs: enqueue sweep %s: %w", period.Format(time.RFC3339), err)
	}
	if res.UniqueSkippedAsDuplicate {
		r.log.Debug("sweep already queued", "period_start", period)
	}
	return nil
}

// periodicSweep builds the periodic job. River calls it when the schedule
// fires (up to 100 ms early, see PeriodicJobEnqueuer in River) and for
// RunOnStart, without telling the scheduled time; the period is therefore
// the clock plus a little slack, truncated, which gives the boundary the
// schedule fired for.
func (r *Runner) periodicSweep() (river.JobArgs, *river.InsertOpts) {
	slack := min(time.Second, r.sweepEvery/2)
	period := r.now().Add(slack).Truncate(r.sweepEvery)
	return SweepArgs{PeriodStart: period.UnixMicro()}, sweepInsertOpts()
}

// periodBoundaries fires at multiples of every (UTC), so that all nodes agree
// on where periods begin, whenever each of them started.
type periodBoundaries struct{ every time.Duration }

// Next returns the first period boundary after t.
func (p periodBoundaries) Next(t time.Time) time.Time {
	return t.Truncate(p.every).Add(p.every)
}

// sweepWorker works SweepArgs jobs.
type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	runner *Runner
}

// Timeout leaves a large sweep time to finish; River's default is a minute.
func (w *sweepWorker) Timeout(*river.Job[SweepArgs]) time.Duration { return 10 * time.Minute }

// Work sweeps the period, unless it was swept before (by another node, or
// by an earlier delivery of this job).
func (w *sweepWorker) Work(ctx context.Context, job *river.Job[SweepArgs]) error {
	if job.Args.PeriodStart <= 0 {
		return river.JobCancel(fmt.Errorf("jobs: sweep: invalid period start %d", job.Args.PeriodStart))
	}
	return w.runner.sweep(ctx, time.UnixMicro(job.Args.PeriodStart).UTC())
}

func (r *Runner) sweep(ctx context.Context, period time.Time) error {
	claimed, removed, err := r.db.Sweep(ctx, sweepTask, period, r.node, r.now(), keepLoginFailures)
	if err != nil {
		// Nothing was claimed: River's retry sweeps the period.
		return fmt.Errorf("jobs: sweep %s: %w", period.Format(time.RFC3339), err)
	}
	if !claimed {
		r.log.Debug("sweep skipped: period already done", "period_start", period)
		return nil
	}
	r.log.Info("swept expired rows", "period_start", period, "removed", removed)
	if r.swept != nil {
		r.swept(period, removed)
	}
	return nil
}
