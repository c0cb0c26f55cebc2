package events

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// resolveCase is one Resolve call and its expected answer.
type resolveCase struct {
	space, env string
	target     string
	alias      bool
}

// checkResolve runs the Resolve calls of cases on tbl.
func checkResolve(t *testing.T, tbl *AliasTable, cases []resolveCase) {
	t.Helper()
	for _, c := range cases {
		target, alias := tbl.Resolve(c.space, c.env)
		if target != c.target || alias != c.alias {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q, %v", c.space, c.env, target, alias, c.target, c.alias)
		}
	}
}

func TestAliasTable(t *testing.T) {
	tests := []struct {
		name  string
		build func(*AliasTable)
		want  []resolveCase
	}{
		{
			name:  "empty table: nothing is an alias",
			build: func(*AliasTable) {},
			want:  []resolveCase{{"s", "master", "master", false}, {"s", "", "", false}},
		},
		{
			name:  "learned from traffic, per space",
			build: func(tb *AliasTable) { tb.Set("s", "master", "prod-2") },
			want: []resolveCase{
				{"s", "master", "prod-2", true},
				{"s", "prod-2", "prod-2", false},
				{"other", "master", "master", false},
			},
		},
		{
			name: "retarget replaces",
			build: func(tb *AliasTable) {
				tb.Set("s", "master", "prod-1")
				tb.Set("s", "master", "prod-2")
			},
			want: []resolveCase{{"s", "master", "prod-2", true}},
		},
		{
			name: "delete forgets a learned alias",
			build: func(tb *AliasTable) {
				tb.Set("s", "master", "prod-2")
				tb.Set("s", "staging", "st-1")
				tb.Delete("s", "staging")
				tb.Delete("s", "never-seen")
				tb.Delete("no-such-space", "master")
			},
			want: []resolveCase{{"s", "master", "prod-2", true}, {"s", "staging", "staging", false}},
		},
		{
			name: "static wins over learned and fetched",
			build: func(tb *AliasTable) {
				tb.SetStatic("s", "master", "configured")
				tb.Set("s", "master", "learned")
				tb.SetFetched("s", map[string]string{"master": "fetched", "qa": "qa-env"}, tb.Changes("s"))
			},
			want: []resolveCase{{"s", "master", "configured", true}, {"s", "qa", "qa-env", true}},
		},
		{
			name: "delete keeps a static alias",
			build: func(tb *AliasTable) {
				tb.SetStatic("s", "master", "configured")
				tb.Set("s", "master", "learned")
				tb.Delete("s", "master")
			},
			want: []resolveCase{{"s", "master", "configured", true}},
		},
		{
			name: "static for every space, overridden per space",
			build: func(tb *AliasTable) {
				tb.SetStatic("", "master", "everywhere")
				tb.SetStatic("s2", "master", "only-s2")
				tb.Set("s1", "master", "learned")
			},
			want: []resolveCase{
				{"s1", "master", "everywhere", true},
				{"s2", "master", "only-s2", true},
				{"s3", "master", "everywhere", true},
				{"s3", "prod", "prod", false},
			},
		},
		{
			name: "fetch replaces what was learned",
			build: func(tb *AliasTable) {
				tb.Set("s", "old", "env-0")
				tb.SetFetched("s", map[string]string{"master": "env-1"}, tb.Changes("s"))
			},
			want: []resolveCase{{"s", "master", "env-1", true}, {"s", "old", "old", false}},
		},
		{
			name: "learned after the fetch adds to it",
			build: func(tb *AliasTable) {
				tb.SetFetched("s", map[string]string{"master": "env-1"}, tb.Changes("s"))
				tb.Set("s", "qa", "env-2")
			},
			want: []resolveCase{{"s", "master", "env-1", true}, {"s", "qa", "env-2", true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl := NewAliasTable()
			tt.build(tbl)
			checkResolve(t, tbl, tt.want)
		})
	}
}

func TestAliasTableSetFetchedCopies(t *testing.T) {
	tbl := NewAliasTable()
	m := map[string]string{"master": "env-1"}
	tbl.SetFetched("s", m, tbl.Changes("s"))
	m["master"] = "changed"
	checkResolve(t, tbl, []resolveCase{{"s", "master", "env-1", true}})
}

func TestAliasTablePersistence(t *testing.T) {
	tests := []struct {
		name  string
		build func(*AliasTable)
		want  string // MarshalSpace("s")
	}{
		{"nothing known", func(*AliasTable) {}, `{}`},
		{"learned", func(tb *AliasTable) { tb.Set("s", "master", "prod-2") }, `{"aliases":{"master":"prod-2"}}`},
		{"fetched and learned", func(tb *AliasTable) {
			tb.SetFetched("s", map[string]string{"master": "env-1", "b": "env-2"}, tb.Changes("s"))
			tb.Set("s", "a", "env-3")
		}, `{"aliases":{"a":"env-3","b":"env-2","master":"env-1"}}`},
		{"fetched empty", func(tb *AliasTable) { tb.SetFetched("s", map[string]string{}, tb.Changes("s")) }, `{}`},
		{"static is not stored", func(tb *AliasTable) {
			tb.SetStatic("s", "master", "configured")
			tb.SetStatic("", "qa", "qa-env")
			tb.Set("s", "dev", "dev-1")
		}, `{"aliases":{"dev":"dev-1"}}`},
		{"other spaces are not stored", func(tb *AliasTable) { tb.SetFetched("other", map[string]string{"master": "x"}, tb.Changes("other")) }, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := NewAliasTable()
			tt.build(src)
			b, err := src.MarshalSpace("s")
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Fatalf("MarshalSpace = %s; want %s", b, tt.want)
			}
			dst := NewAliasTable()
			dst.Set("s", "stale", "gone") // replaced by the load
			dst.SetStatic("s", "dev", "configured")
			if err := dst.LoadSpace("s", b); err != nil {
				t.Fatalf("LoadSpace(%s): %v", b, err)
			}
			again, _ := dst.MarshalSpace("s")
			if string(again) != string(b) {
				t.Fatalf("round trip changed %s to %s", b, again)
			}
			checkResolve(t, dst, []resolveCase{{"s", "stale", "stale", false}, {"s", "dev", "configured", true}})
			for _, env := range []string{"master", "a", "b"} {
				target, alias := src.Resolve("s", env)
				if _, static := src.static["s"][env]; static {
					continue
				}
				checkResolve(t, dst, []resolveCase{{"s", env, target, alias}})
			}
		})
	}
}

func TestAliasTableLoadSpaceErrors(t *testing.T) {
	for _, b := range []string{
		``,
		`[]`,
		`{"aliases":["master"]}`,
		`{"aliases":{"master":1}}`,
		`{"aliases":{"master":""}}`,
		`{"aliases":{"bad/id":"env"}}`,
	} {
		tbl := NewAliasTable()
		tbl.Set("s", "master", "kept")
		err := tbl.LoadSpace("s", []byte(b))
		if err == nil {
			t.Errorf("LoadSpace(%q) succeeded; want an error", b)
			continue
		}
		if !strings.Contains(err.Error(), `space "s"`) || !strings.Contains(err.Error(), "remove the record") {
			t.Errorf("LoadSpace(%q) error %q does not name the space and what to do", b, err)
		}
		checkResolve(t, tbl, []resolveCase{{"s", "master", "kept", true}})
	}
}

func TestAliasTableConcurrent(t *testing.T) {
	tbl := NewAliasTable()
	tbl.SetStatic("", "master", "configured")
	var wg sync.WaitGroup
	for w := range 4 {
		space := fmt.Sprintf("s%d", w)
		wg.Go(func() {
			for i := range 200 {
				tbl.Set(space, "a", fmt.Sprintf("env-%d", i))
				tbl.Set(space, "tmp", "x")
				tbl.Delete(space, "tmp")
				if i%50 == 0 {
					tbl.SetFetched(space, map[string]string{"a": "fetched", "master": "ignored"}, tbl.Changes(space))
				}
			}
		})
		wg.Go(func() {
			for range 200 {
				if target, alias := tbl.Resolve(space, "master"); target != "configured" || !alias {
					t.Errorf("Resolve(%s, master) = %q, %v; want the static alias", space, target, alias)
					return
				}
				tbl.Resolve(space, "a")
				b, err := tbl.MarshalSpace(space)
				if err != nil {
					t.Error(err)
					return
				}
				if err := NewAliasTable().LoadSpace(space, b); err != nil {
					t.Errorf("LoadSpace(%s): %v", b, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for w := range 4 {
		space := fmt.Sprintf("s%d", w)
		checkResolve(t, tbl, []resolveCase{
			{space, "a", "env-199", true},
			{space, "tmp", "tmp", false},
			{space, "master", "configured", true},
		})
	}
}

func TestAliasTableResolveDoesNotAllocate(t *testing.T) {
	tbl := NewAliasTable()
	tbl.SetStatic("", "staging", "st-1")
	tbl.SetFetched("sp1", map[string]string{"master": "prod-2"}, tbl.Changes("sp1"))
	for _, env := range []string{"master", "staging", "prod-2"} {
		if n := testing.AllocsPerRun(100, func() { tbl.Resolve("sp1", env) }); n != 0 {
			t.Errorf("Resolve(sp1, %s) allocates %v times; want 0", env, n)
		}
	}
}

func TestAliasTableLoadsOlderRecords(t *testing.T) {
	tbl := NewAliasTable()
	if err := tbl.LoadSpace("s", []byte(`{"aliases":{"master":"env-1"},"fetched":true}`)); err != nil {
		t.Fatalf("a record with the former fetched member: %v", err)
	}
	checkResolve(t, tbl, []resolveCase{{"s", "master", "env-1", true}})
}

func TestAliasTableFetchOlderThanTraffic(t *testing.T) {
	tbl := NewAliasTable()
	since := tbl.Changes("s")
	tbl.Set("s", "master", "prod-2") // an alias write passes while the CMS is asked
	if tbl.SetFetched("s", map[string]string{}, since) {
		t.Fatal("an answer older than an alias write replaced it")
	}
	checkResolve(t, tbl, []resolveCase{{"s", "master", "prod-2", true}})
	if !tbl.SetFetched("s", map[string]string{"qa": "qa-1"}, tbl.Changes("s")) {
		t.Fatal("a fresh answer was refused")
	}
	checkResolve(t, tbl, []resolveCase{{"s", "qa", "qa-1", true}, {"s", "master", "master", false}})
	if other := tbl.Changes("other"); other != 0 || !tbl.SetFetched("other", nil, other) {
		t.Fatal("changes in one space refused an answer for another")
	}
}
