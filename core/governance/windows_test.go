package governance

import (
	"reflect"
	"testing"
	"time"
)

func TestWindowsAreCalendarAligned(t *testing.T) {
	// Wednesday 2026-11-25 18:42:17.5 in UTC+2 is 16:42:17.5 UTC.
	now := time.Date(2026, 11, 25, 18, 42, 17, 5e8, time.FixedZone("EET", 2*3600))
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name       string
		w          window
		start, end string
	}{
		{"minute", minuteOf(now), "2026-11-25T16:42:00Z", "2026-11-25T16:43:00Z"},
		{"hour", hourOf(now), "2026-11-25T16:00:00Z", "2026-11-25T17:00:00Z"},
		{"day", dayOf(now), "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"},
		{"daily", periodOf("daily", now), "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z"},
		{"weekly", periodOf("weekly", now), "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"}, // Monday to Monday
		{"monthly", periodOf("monthly", now), "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"},
		{"monthly in December", periodOf("monthly", utc("2026-12-31T23:59:59Z")), "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"weekly on a Sunday", periodOf("weekly", utc("2026-11-29T12:00:00Z")), "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"},
		{"weekly on a Monday", periodOf("weekly", utc("2026-11-30T00:00:00Z")), "2026-11-30T00:00:00Z", "2026-12-07T00:00:00Z"},
	} {
		if !tc.w.start.Equal(utc(tc.start)) || !tc.w.end.Equal(utc(tc.end)) {
			t.Errorf("%s: %s .. %s, want %s .. %s", tc.name, tc.w.start, tc.w.end, tc.start, tc.end)
		}
	}
	if a, b := minuteOf(now).id(), hourOf(now).id(); a == b {
		t.Fatal("a minute and an hour starting together share an id")
	}
}

func TestParseTags(t *testing.T) {
	for in, want := range map[string]map[string]string{
		"":                          nil,
		"env=prod, feature=search":  {"env": "prod", "feature": "search"},
		"env=prod,bad,=x,team= a b": {"env": "prod", "team": "a b"},
	} {
		if got := ParseTags(in); !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%q: %v, want %v", in, got, want)
		}
	}
}
