package autosave

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// save is one editor save in a scenario.
type save struct {
	doc string
	at  time.Duration
}

// want is one expected emission: at the fake time at, the draft saved at
// draftAt, with the id of the save at openedAt.
type want struct {
	doc                   string
	at, draftAt, openedAt time.Duration
}

// saveID names the save of doc at at; it is both its event id and payload.
func saveID(doc string, at time.Duration) string { return fmt.Sprintf("%s@%v", doc, at) }

// steady returns saves of doc once per second for d, and the windows they
// give with the window w.
func steady(doc string, d, w time.Duration) ([]save, []want) {
	var saves []save
	var wants []want
	for at := time.Duration(0); at < d; at += time.Second {
		saves = append(saves, save{doc, at})
	}
	for open := time.Duration(0); open < d; open += w {
		wants = append(wants, want{doc: doc, at: open + w, draftAt: min(open+w, d) - time.Second, openedAt: open})
	}
	return saves, wants
}

func TestWindows(t *testing.T) {
	minute5, want5 := steady("a", time.Minute, 5*time.Second)
	minute20, want20 := steady("a", time.Minute, 20*time.Second)
	const ns = time.Nanosecond
	s := time.Second
	tests := []struct {
		name   string
		window time.Duration
		saves  []save
		want   []want
	}{
		{"one minute at one save per second, 5s window", 5 * s, minute5, want5},
		{"one minute at one save per second, 20s window", 20 * s, minute20, want20},
		{"a lone save is emitted at the window end", 5 * s, []save{{"a", 2 * s}}, []want{{"a", 7 * s, 2 * s, 2 * s}}},
		{"documents are independent", 5 * s,
			[]save{{"a", 0}, {"a", 2 * s}, {"b", 3 * s}, {"b", 7 * s}, {"b", 9 * s}},
			[]want{{"a", 5 * s, 2 * s, 0}, {"b", 8 * s, 7 * s, 3 * s}, {"b", 14 * s, 9 * s, 9 * s}}},
		{"a save just before the boundary joins the window", 5 * s,
			[]save{{"a", 0}, {"a", 5*s - ns}},
			[]want{{"a", 5 * s, 5*s - ns, 0}}},
		{"a save right at the boundary opens a new window", 5 * s,
			[]save{{"a", 0}, {"a", 5 * s}},
			[]want{{"a", 5 * s, 0, 0}, {"a", 10 * s, 5 * s, 5 * s}}},
		{"a quiet document leaves and comes back", 5 * s,
			[]save{{"a", 0}, {"a", 30 * s}},
			[]want{{"a", 5 * s, 0, 0}, {"a", 35 * s, 30 * s, 30 * s}}},
		{"windows ending together are all emitted", 5 * s,
			[]save{{"a", s}, {"b", s}, {"c", s}},
			[]want{{"a", 6 * s, s, s}, {"b", 6 * s, s, s}, {"c", 6 * s, s, s}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := replay(t, tt.window, tt.saves, tt.want)
			if len(got) != len(tt.want) {
				t.Fatalf("%d emissions, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				at := epoch.Add(w.at)
				if g.Doc != w.doc || !g.at.Equal(at) || !g.WindowEnd.Equal(at) ||
					g.payload != saveID(w.doc, w.draftAt) || g.Event.ID != saveID(w.doc, w.openedAt) {
					t.Errorf("emission %d: doc %s at %v (window end %v), draft %s, id %s; want doc %s at %v, draft %s, id %s",
						i, g.Doc, g.at.Sub(epoch), g.WindowEnd.Sub(epoch), g.payload, g.Event.ID,
						w.doc, w.at, saveID(w.doc, w.draftAt), saveID(w.doc, w.openedAt))
				}
			}
		})
	}
}

// replay runs saves on a fresh tracker, stepping the fake clock through every
// save and every expected window end, and returns the emissions ordered by
// time and document.
func replay(t *testing.T, window time.Duration, saves []save, wants []want) []emission {
	t.Helper()
	tr, clock, sink := startTracker(t, window)
	var steps []time.Duration
	for _, s := range saves {
		steps = append(steps, s.at)
	}
	for _, w := range wants {
		steps = append(steps, w.at)
	}
	slices.Sort(steps)
	steps = slices.Compact(steps)
	for _, at := range steps {
		clock.set(at)
		settle(t, tr)
		for _, s := range saves {
			if s.at == at {
				if err := tr.Save(s.doc, draft(saveID(s.doc, at), saveID(s.doc, at))); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if n := tr.Active(); n != 0 {
		t.Errorf("Active() = %d after the last window end, want 0", n)
	}
	got, held := sink.snapshot(t)
	if len(held) != 0 {
		t.Errorf("%d drafts still held after the last window end", len(held))
	}
	slices.SortStableFunc(got, func(a, b emission) int { return strings.Compare(a.Doc, b.Doc) })
	slices.SortStableFunc(got, func(a, b emission) int { return a.at.Compare(b.at) })
	return got
}

// TestOneMinuteOfEditing checks Contentful's documented counts: a minute of
// editing at one save per second gives 12 calls with 5s and 3 with 20s.
func TestOneMinuteOfEditing(t *testing.T) {
	for _, tt := range []struct {
		window time.Duration
		calls  int
	}{{5 * time.Second, 12}, {20 * time.Second, 3}} {
		t.Run(tt.window.String(), func(t *testing.T) {
			saves, _ := steady("a", time.Minute, tt.window)
			end := []want{{at: time.Minute + tt.window}}
			if got := replay(t, tt.window, saves, end); len(got) != tt.calls {
				t.Errorf("%d calls, want %d", len(got), tt.calls)
			}
		})
	}
}
