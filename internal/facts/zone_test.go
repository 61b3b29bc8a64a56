package facts

import (
	"slices"
	"testing"
)

// TestZones pins the precedence of path classes: the gate's own files, secrets,
// the home itself and its startup files, the workspace, the rest of the home,
// then scratch. A home, a workspace or the gate's directory under /tmp is not
// scratch (CI runners and sandboxes put HOME and GATESH_HOME there).
func TestZones(t *testing.T) {
	secrets := NewSecrets([]string{"~/.ssh/*", "!~/.ssh/*.pub", "~/.bash_history", "**/*.pem"})
	tmp := []string{"/tmp", "/var/tmp"}
	normal := Workspace{Root: "/home/u/ws", Git: true, Home: "/home/u", Tmp: tmp}
	tmpHome := Workspace{Root: "/tmp/h/ws", Git: true, Home: "/tmp/h", Tmp: tmp}
	homeWs := Workspace{Root: "/tmp/h", Git: true, Home: "/tmp/h", Tmp: tmp}
	tmpWs := Workspace{Root: "/tmp/w", Git: true, Home: "/home/u", Tmp: tmp}
	deepHome := Workspace{Root: "/tmp/h/ws", Home: "/tmp/a/h", Tmp: tmp}
	gate := []string{"/tmp/gatesh-run.Ab12/config", "/tmp/gatesh-run.Ab12/state", "/tmp/h/.config/gatesh"}
	tests := []struct {
		name      string
		ws        Workspace
		cwd, word string
		glob      bool
		zone      string
		holds     []string
		inTmp     bool
		isHome    bool
	}{
		{"tmp file, normal home", normal, "/home/u/ws", "/tmp/build-xyz", false, ZoneTmp, nil, true, false},
		{"tmp file, tmp home", tmpHome, "/tmp/h/ws", "/tmp/build-xyz", false, ZoneTmp, nil, true, false},
		{"tmp glob, tmp home", tmpHome, "/tmp/h/ws", "/tmp/*.log", true, ZoneTmp, nil, true, false},
		{"ssh key, tmp home", tmpHome, "/tmp/h/ws", "~/.ssh/id_rsa", false, ZoneSecret, nil, false, false},
		{"pem in tmp", normal, "/home/u/ws", "/tmp/x/k.pem", false, ZoneSecret, nil, false, false},
		{"home itself, tmp home", tmpHome, "/tmp/h/ws", "~", false, ZoneHome, []string{ZoneGate, ZoneWorkspace}, false, true},
		{"home dir, tmp home", tmpHome, "/tmp/h/ws", "~/project", false, ZoneHome, nil, false, false},
		{"history, tmp home", tmpHome, "/tmp/h/ws", "~/.bash_history", false, ZoneSecret, nil, false, false},
		{"bashrc, tmp home", tmpHome, "/tmp/h/ws", "~/.bashrc", false, ZoneHome, nil, false, false},
		{"workspace file, tmp home", tmpHome, "/tmp/h/ws", "./build", false, ZoneWorkspace, nil, false, false},
		{"workspace file, tmp workspace", tmpWs, "/tmp/w", "./build", false, ZoneWorkspace, nil, false, false},
		{"workspace is home: file", homeWs, "/tmp/h", "./build", false, ZoneWorkspace, nil, false, false},
		{"workspace is home: bashrc", homeWs, "/tmp/h", ".bashrc", false, ZoneHome, nil, false, false},
		{"workspace is home: home", homeWs, "/tmp/h", ".", false, ZoneHome, []string{ZoneGate}, false, true},
		{"gate config", tmpHome, "/tmp/h/ws", "~/.config/gatesh", false, ZoneGate, nil, false, false},
		{"gate policy", tmpHome, "/tmp/h/ws", "~/.config/gatesh/policies/x.rego", false, ZoneGate, nil, false, false},
		{"config holds gate", tmpHome, "/tmp/h/ws", "~/.config", false, ZoneHome, []string{ZoneGate}, false, false},
		{"gate glob", normal, "/home/u/ws", "/tmp/gatesh-run.*/state", true, ZoneGate, nil, false, false},
		{"gate parent glob", normal, "/home/u/ws", "/tmp/gatesh-run.*", true, ZoneTmp, []string{ZoneGate}, false, false},
		{"gate parent", normal, "/home/u/ws", "/tmp/gatesh-run.Ab12", false, ZoneTmp, []string{ZoneGate}, false, false},
		{"other glob", normal, "/home/u/ws", "/tmp/build-*", true, ZoneTmp, nil, true, false},
		{"tmp star, tmp home", tmpHome, "/tmp/h/ws", "/tmp/*", true, ZoneHome, []string{ZoneGate, ZoneWorkspace}, false, true},
		{"above the home", deepHome, "/tmp/h/ws", "/tmp/a", false, ZoneTmp, []string{ZoneHome}, false, false},
		{"above the workspace", tmpWs, "/tmp/w", "..", false, ZoneOther, []string{ZoneGate, ZoneWorkspace}, false, false},
		{"globstar", tmpHome, "/tmp/h/ws", "/tmp/**/id", true, ZoneGate, nil, false, false},
		{"etc", normal, "/home/u/ws", "/etc/hosts", false, ZoneOther, nil, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := Resolve(tc.ws, Claims{Gate: gate, Secrets: secrets}, tc.cwd, tc.word, false, tc.glob)
			if p.Zone != tc.zone || p.InTmp != tc.inTmp || p.IsHome != tc.isHome {
				t.Errorf("%s: zone=%q in_tmp=%v is_home=%v, want %q %v %v", p.Abs, p.Zone, p.InTmp, p.IsHome, tc.zone, tc.inTmp, tc.isHome)
			}
			slices.Sort(p.Holds)
			want := append([]string{}, tc.holds...)
			slices.Sort(want)
			if !slices.Equal(p.Holds, want) {
				t.Errorf("%s: holds=%v, want %v", p.Abs, p.Holds, want)
			}
		})
	}
}

func TestGlobRel(t *testing.T) {
	for _, tc := range []struct {
		pat, dir     string
		in, eq, over bool
	}{
		{"/tmp/*", "/tmp/h", true, true, false},
		{"/tmp/*/state", "/tmp/g/state", true, true, false},
		{"/tmp/*/state/x", "/tmp/g/state", true, false, false},
		{"/tmp/g*", "/tmp/g/state", false, false, true},
		{"/tmp/*.log", "/tmp/h", false, false, false},
		{"/*", "/tmp/h", false, false, true},
		{"/tmp/**", "/tmp/h/x", true, true, true},
		{"/tmp/**/x", "/tmp/h", true, false, false},
		{"/tmp/[", "/tmp/[", true, true, false},
	} {
		in, eq, over := globRel(splitPath(tc.pat), splitPath(tc.dir))
		if in != tc.in || eq != tc.eq || over != tc.over {
			t.Errorf("globRel(%s, %s) = %v %v %v, want %v %v %v", tc.pat, tc.dir, in, eq, over, tc.in, tc.eq, tc.over)
		}
	}
}
