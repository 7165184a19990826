package governance

import (
	"strconv"
	"time"

	"github.com/wasmgate/wasmgate/core/config"
)

// window is a calendar-aligned span of time in UTC: a rate-limit minute,
// hour or day, or a budget's day, week or month.
type window struct {
	name  string // m, h, d, w, mo
	start time.Time
	end   time.Time
}

func minuteOf(t time.Time) window {
	s := t.UTC().Truncate(time.Minute)
	return window{"m", s, s.Add(time.Minute)}
}

func hourOf(t time.Time) window {
	s := t.UTC().Truncate(time.Hour)
	return window{"h", s, s.Add(time.Hour)}
}

func dayOf(t time.Time) window {
	u := t.UTC()
	s := time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
	return window{"d", s, s.AddDate(0, 0, 1)}
}

// periodOf is the budget period around t.
func periodOf(period string, t time.Time) window {
	d := dayOf(t)
	switch period {
	case config.Weekly:
		back := (int(d.start.Weekday()) + 6) % 7 // days since Monday
		s := d.start.AddDate(0, 0, -back)
		return window{"w", s, s.AddDate(0, 0, 7)}
	case config.Monthly:
		s := time.Date(d.start.Year(), d.start.Month(), 1, 0, 0, 0, 0, time.UTC)
		return window{"mo", s, s.AddDate(0, 1, 0)}
	}
	return d
}

// id names the window in a counter key.
func (w window) id() string { return w.name + strconv.FormatInt(w.start.Unix(), 10) }

// ttl is how long a counter of the window must live from now: to its end,
// plus a minute so that late settlements still find it.
func (w window) ttl(now time.Time) time.Duration { return w.end.Sub(now) + time.Minute }
