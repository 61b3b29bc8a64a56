package dirs

import "testing"

func TestFrom(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Dirs
		err  bool
	}{
		{"gatesh home wins", map[string]string{"GATESH_HOME": "/g/", "HOME": "/h", "XDG_CONFIG_HOME": "/x"},
			Dirs{Config: "/g/config", State: "/g/state", Runtime: "/g/run"}, false},
		{"home defaults", map[string]string{"HOME": "/h"},
			Dirs{Config: "/h/.config/gatesh", State: "/h/.local/state/gatesh", Runtime: "/h/.local/state/gatesh"}, false},
		{"xdg", map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/c", "XDG_STATE_HOME": "/s", "XDG_RUNTIME_DIR": "/run/user/1"},
			Dirs{Config: "/c/gatesh", State: "/s/gatesh", Runtime: "/run/user/1/gatesh"}, false},
		{"relative xdg ignored", map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "rel"},
			Dirs{Config: "/h/.config/gatesh", State: "/h/.local/state/gatesh", Runtime: "/h/.local/state/gatesh"}, false},
		{"nothing", map[string]string{}, Dirs{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := From(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	env := map[string]string{"GATESH_HOME": "/tmp/gatesh-run.x", "HOME": "/tmp/h", "XDG_RUNTIME_DIR": "/run/user/1"}
	got := Candidates(func(k string) string { return env[k] })
	want := []string{"/tmp/gatesh-run.x/config", "/tmp/gatesh-run.x/state", "/tmp/gatesh-run.x/run",
		"/tmp/h/.config/gatesh", "/tmp/h/.local/state/gatesh", "/run/user/1/gatesh"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if got := Candidates(func(string) string { return "" }); len(got) != 0 {
		t.Errorf("empty environment: got %v", got)
	}
	if got := Candidates(func(k string) string { return map[string]string{"HOME": "rel"}[k] }); len(got) != 0 {
		t.Errorf("relative home: got %v", got)
	}
}
