package publish

import (
	"context"
	"slices"
	"time"

	p "github.com/portavoce/portavoce"
)

// LocalTime turns a date and a wall-clock time typed by a person in the
// workspace's time zone into an instant. A time that does not exist (the
// hour skipped when clocks go forward) is refused with the times that do;
// a time that happens twice (when clocks go back) is the first of the two,
// and Ambiguous says so, so that the page can show which one was taken.
func LocalTime(date, clock string, loc *time.Location) (at time.Time, ambiguous bool, err error) {
	d, err := time.ParseInLocation("2006-01-02", date, loc)
	if err != nil {
		return time.Time{}, false, p.FieldError("date", "the date %q is not valid: write it as YYYY-MM-DD, for example 2026-12-24", date)
	}
	c, err := time.Parse("15:04", clock)
	if err != nil {
		return time.Time{}, false, p.FieldError("time", "the time %q is not valid: write it as HH:MM on a 24-hour clock, for example 09:30", clock)
	}
	at = time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, loc)
	if at.Hour() != c.Hour() || at.Minute() != c.Minute() {
		// time.Date moved it: the wall time was skipped. The jump happens
		// at the start of the zone period time.Date landed in.
		jump, _ := at.ZoneBounds()
		_, before := jump.Add(-time.Second).Zone()
		from := jump.In(time.FixedZone("", before)).Format("15:04")
		to := jump.In(loc).Format("15:04")
		return time.Time{}, false, p.FieldError("time",
			"%s does not exist on %s in %s: the clocks jump from %s to %s. Choose %s or later, or a time before %s",
			clock, date, loc.String(), from, to, to, from)
	}
	// A wall time that happens twice (clocks going back) is taken at its
	// first occurrence, in summer time.
	same := func(u time.Time) bool {
		u = u.In(loc)
		return u.Hour() == at.Hour() && u.Minute() == at.Minute() && u.Day() == at.Day()
	}
	if earlier := at.Add(-time.Hour); same(earlier) {
		at, ambiguous = earlier, true
	} else if same(at.Add(time.Hour)) {
		ambiguous = true
	}
	return at, ambiguous, nil
}

// Zone loads a workspace's time zone.
func Zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// QueueStore is what the queue reads.
type QueueStore interface {
	BusyTimes(ctx context.Context, accountID string, from, to time.Time) (map[int64]bool, error)
}

// NextSlot returns the first of an account's weekly slots after now that
// has nothing due yet, looking up to eight weeks ahead. Slots are wall-clock
// times in loc, so a 09:00 slot stays at 09:00 across daylight-saving
// changes; a slot that falls in the skipped hour is passed over that day.
func NextSlot(ctx context.Context, s QueueStore, accountID string, slots []p.QueueSlot, loc *time.Location, now time.Time) (time.Time, error) {
	mine := slices.DeleteFunc(slices.Clone(slots), func(q p.QueueSlot) bool { return q.AccountID != accountID })
	if len(mine) == 0 {
		return time.Time{}, p.Errorf(p.ECodeInvalid, "this account has no queue times yet: add them on the accounts page, or pick a date and time")
	}
	slices.SortFunc(mine, func(a, b p.QueueSlot) int { return a.Minute - b.Minute })
	const weeks = 8
	busy, err := s.BusyTimes(ctx, accountID, now, now.AddDate(0, 0, 7*weeks+1))
	if err != nil {
		return time.Time{}, err
	}
	day := now.In(loc)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	for range 7*weeks + 1 {
		for _, q := range mine {
			if q.Weekday != day.Weekday() {
				continue
			}
			at := time.Date(day.Year(), day.Month(), day.Day(), q.Minute/60, q.Minute%60, 0, 0, loc)
			if at.Hour()*60+at.Minute() != q.Minute || !at.After(now) || busy[at.UnixMicro()] {
				continue
			}
			return at, nil
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{}, p.Errorf(p.ECodeConflict, "every queue time of this account is taken for the next %d weeks: add queue times or pick a date", weeks)
}
