package publish_test

import (
	"context"
	"strings"
	"testing"
	"time"

	p "github.com/portavoce/portavoce"
	"github.com/portavoce/portavoce/internal/publish"
)

func TestLocalTime(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	cases := []struct {
		name, date, clock string
		want              string // UTC, RFC 3339; empty when refused
		ambiguous         bool
		err               string
	}{
		{"winter", "2026-12-24", "09:00", "2026-12-24T08:00:00Z", false, ""},
		{"summer", "2026-07-01", "09:00", "2026-07-01T07:00:00Z", false, ""},
		{"the day clocks go forward, before", "2027-03-28", "01:59", "2027-03-28T00:59:00Z", false, ""},
		{"the skipped hour", "2027-03-28", "02:30", "", false, "02:30 does not exist on 2027-03-28 in Europe/Rome: the clocks jump from 02:00 to 03:00"},
		{"the start of the skipped hour", "2027-03-28", "02:00", "", false, "the clocks jump from 02:00 to 03:00"},
		{"the day clocks go forward, after", "2027-03-28", "03:00", "2027-03-28T01:00:00Z", false, ""},
		{"the repeated hour is its first time", "2026-10-25", "02:30", "2026-10-25T00:30:00Z", true, ""},
		{"after the repeated hour", "2026-10-25", "03:30", "2026-10-25T02:30:00Z", false, ""},
		{"a bad date", "24/12/2026", "09:00", "", false, "write it as YYYY-MM-DD"},
		{"a bad time", "2026-12-24", "9", "", false, "write it as HH:MM"},
		{"a date that does not exist", "2026-02-30", "09:00", "", false, "is not valid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, amb, err := publish.LocalTime(c.date, c.clock, rome)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := at.UTC().Format(time.RFC3339); got != c.want || amb != c.ambiguous {
				t.Fatalf("got %s (ambiguous %v), want %s (ambiguous %v)", got, amb, c.want, c.ambiguous)
			}
		})
	}
}

// busy is a queue store with some times taken.
type busy map[int64]bool

func (b busy) BusyTimes(ctx context.Context, accountID string, from, to time.Time) (map[int64]bool, error) {
	return b, nil
}

func TestNextSlot(t *testing.T) {
	rome, _ := time.LoadLocation("Europe/Rome")
	slots := []p.QueueSlot{
		{AccountID: "a", Weekday: time.Monday, Minute: 9 * 60},
		{AccountID: "a", Weekday: time.Monday, Minute: 18 * 60},
		{AccountID: "a", Weekday: time.Sunday, Minute: 2*60 + 30},
		{AccountID: "b", Weekday: time.Tuesday, Minute: 12 * 60},
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, rome)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		name    string
		account string
		now     string
		taken   []string
		want    string
	}{
		{"the next slot today", "a", "2026-11-30 08:00", nil, "2026-11-30 09:00"},
		{"a taken slot is skipped", "a", "2026-11-30 08:00", []string{"2026-11-30 09:00"}, "2026-11-30 18:00"},
		{"next week when today is full", "a", "2026-11-30 08:00", []string{"2026-11-30 09:00", "2026-11-30 18:00"}, "2026-12-06 02:30"},
		{"past slots of today are passed over", "a", "2026-11-30 19:00", nil, "2026-12-06 02:30"},
		{"only the account's own slots", "b", "2026-11-30 08:00", nil, "2026-12-01 12:00"},
		// 2027-03-28 is a Sunday when 02:30 does not exist in Rome.
		{"a slot in the skipped hour waits a week", "a", "2027-03-27 12:00", []string{"2027-03-29 09:00", "2027-03-29 18:00"}, "2027-04-04 02:30"},
		// Across the change to winter time a 09:00 slot stays at 09:00.
		{"wall clock kept across the change", "a", "2026-10-25 12:00", nil, "2026-10-26 09:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := busy{}
			for _, s := range c.taken {
				b[at(s).UnixMicro()] = true
			}
			got, err := publish.NextSlot(t.Context(), b, c.account, slots, rome, at(c.now))
			if err != nil {
				t.Fatal(err)
			}
			if want := at(c.want); !got.Equal(want) {
				t.Fatalf("got %s, want %s", got.In(rome).Format("2006-01-02 15:04 MST"), want.Format("2006-01-02 15:04 MST"))
			}
		})
	}
	t.Run("no slots", func(t *testing.T) {
		_, err := publish.NextSlot(t.Context(), busy{}, "c", slots, rome, time.Now())
		if err == nil || !strings.Contains(err.Error(), "no queue times") {
			t.Fatalf("error %v, want one saying there are no queue times", err)
		}
	})
}
