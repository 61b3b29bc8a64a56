package facts

import "testing"

func TestSecretsMatch(t *testing.T) {
	s := NewSecrets([]string{"**/.env", "**/.env.*", "!**/.env.example", "~/.ssh/*", "!~/.ssh/*.pub", "**/*.pem", "!**/*cert*.pem", "/etc/shadow", "[bad"})
	tests := []struct {
		abs  string
		want bool
	}{
		{"/ws/.env", true},
		{"/ws/sub/.env.local", true},
		{"/ws/.env.example", false},
		{"/home/u/.ssh/id_ed25519", true},
		{"/home/u/.ssh/id_ed25519.pub", false},
		{"/home/u/.ssh/keys/deep", false}, // * does not cross directories
		{"/ws/deploy.pem", true},
		{"/etc/ssl/cacert.pem", false},
		{"/etc/shadow", true},
		{"/etc/passwd", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := s.Match(tt.abs, "/home/u"); got != tt.want {
			t.Errorf("Match(%q) = %v, want %v", tt.abs, got, tt.want)
		}
	}
	if (*Secrets)(nil).Match("/ws/.env", "/home/u") {
		t.Error("a nil matcher matched")
	}
	if s.Match("/home/u/.ssh/id_rsa", "") {
		t.Error("~ globs matched without a home")
	}
}

func TestSecretsDir(t *testing.T) {
	s := NewSecrets([]string{"~/.ssh/*", "!~/.ssh/*.pub", "~/.config/gh/hosts.yml", "~/.netrc", "**/.env"})
	for abs, want := range map[string]bool{
		"/home/u/.ssh":    true,
		"/home/u/.config": true,
		"/home/u/.netrc":  false, // a file glob, not a directory
		"/home/u/.ssh/x":  false,
		"/ws":             false,
	} {
		if got := s.Dir(abs, "/home/u"); got != want {
			t.Errorf("Dir(%q) = %v, want %v", abs, got, want)
		}
	}
}
