package confine

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestOverlaps(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.MkdirAll(filepath.Join(real, "gate"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(dir, "home")
	cases := []struct {
		name string
		r    Rules
		want []Overlap
	}{
		{"apart", Rules{Writable: []string{"/w"}, Protected: []string{"/g"}}, nil},
		{"sibling prefix", Rules{Writable: []string{"/w"}, Protected: []string{"/wg"}}, nil},
		{"inside", Rules{Writable: []string{"/w"}, Protected: []string{"/w/g"}}, []Overlap{{"/w/g", "protected", "/w"}}},
		{"same", Rules{Writable: []string{"/w"}, Protected: []string{"/w"}}, []Overlap{{"/w", "protected", "/w"}}},
		{"writable inside protected", Rules{Writable: []string{"/g/tmp"}, Protected: []string{"/g"}}, []Overlap{{"/g", "protected", "/g/tmp"}}},
		{"root", Rules{Writable: []string{"/"}, Protected: []string{"/g"}}, []Overlap{{"/g", "protected", "/"}}},
		{"through a symlink", Rules{Writable: []string{link}, Protected: []string{filepath.Join(real, "gate")}},
			[]Overlap{{filepath.Join(real, "gate"), "protected", link}}},
		{"not yet created, under a symlink", Rules{Writable: []string{real}, Protected: []string{filepath.Join(link, "gate", "state")}},
			[]Overlap{{filepath.Join(link, "gate", "state"), "protected", real}}},
		{"secret in a writable home", Rules{Writable: []string{home}, Home: home, Secret: []string{".ssh"}},
			[]Overlap{{filepath.Join(home, ".ssh"), "secret", home}}},
		{"default caches hold no secret", Rules{Writable: DefaultCaches(home), Home: home, Secret: DefaultSecrets()}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Overlaps(c.r); !slices.Equal(got, c.want) {
				t.Errorf("got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestTempDirs(t *testing.T) {
	if got := TempDirs("/tmp"); !slices.Equal(got, []string{"/tmp", "/var/tmp", "/dev/shm"}) {
		t.Errorf("TempDirs(/tmp) = %q", got)
	}
	if got := TempDirs("/run/user/1/tmp/"); !slices.Equal(got, []string{"/run/user/1/tmp", "/tmp", "/var/tmp", "/dev/shm"}) {
		t.Errorf("TempDirs = %q", got)
	}
	if got := TempDirs("rel"); !slices.Equal(got, []string{"/tmp", "/var/tmp", "/dev/shm"}) {
		t.Errorf("TempDirs(rel) = %q", got)
	}
}
