package confine

import "path/filepath"

// DefaultCaches lists the tool caches under home that builds write to: downloads
// and build outputs a tool can fetch or compute again. Left out on purpose, because
// they hold code or configuration the person runs or trusts later:
// ~/.cargo/bin, ~/go/bin and ~/.local/bin (on PATH), ~/.cargo/config.toml,
// ~/.m2/settings.xml and ~/.gradle/gradle.properties (credentials), ~/.gradle/init.d
// (code run by every build), ~/.rustup (toolchains) and ~/.local/share/virtualenvs
// (pipenv's environments): a tool that needs one of them there asks for it through
// the setting. A root that does not exist is reported and left out by Apply, so a
// caller that wants a cache usable from the first build creates it first.
func DefaultCaches(home string) []string {
	if home == "" {
		return nil
	}
	names := []string{
		".cache",                  // XDG cache: pip, go-build, pnpm, deno, bazel, ccache, composer, …
		".npm",                    // npm's content cache and logs
		".yarn/berry/cache",       // yarn 2+
		".local/share/pnpm/store", // pnpm's store (not its global bin beside it)
		".bun/install/cache",      // bun
		".cargo/registry",         // downloaded crates
		".cargo/git",              // crates from git
		"go/pkg/mod",              // the Go module cache (GOPATH=~/go)
		".m2/repository",          // Maven's downloads, without settings.xml
		".gradle/caches",          // Gradle's downloads and build cache
		".gradle/wrapper/dists",   // Gradle distributions the wrapper downloads
		".gradle/daemon",          // Gradle daemon registry and logs
		".gradle/native",          // Gradle's native helpers
		".ivy2/cache",             // sbt, ant
		".nuget/packages",         // dotnet
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = filepath.Join(home, n)
	}
	return out
}

// DefaultSecrets lists the secret entries of a home directory, relative to it:
// keys, cloud and cluster credentials, registry and forge tokens, password stores
// and browser profiles (cookies are credentials). Reading them is refused. Some
// tools read one of these files for settings as well as tokens (npm reads ~/.npmrc,
// docker ~/.docker/config.json): they see it as unreadable and carry on without it,
// or fail, and a setting can remove the entry.
func DefaultSecrets() []string {
	return []string{
		".ssh",
		".gnupg",
		".aws",
		".azure",
		".config/gcloud",
		".kube",
		".docker/config.json",
		".config/gh",
		".config/hub",
		".config/glab-cli",
		".netrc",
		".git-credentials",
		".config/git/credentials",
		".npmrc",
		".pypirc",
		".cargo/credentials",
		".cargo/credentials.toml",
		".m2/settings.xml",
		".m2/settings-security.xml",
		".gradle/gradle.properties",
		".terraform.d/credentials.tfrc.json",
		".vault-token",
		".password-store",
		".local/share/keyrings",
		".config/op",
		".mozilla",
		".config/google-chrome",
		".config/chromium",
	}
}

// DefaultDevices lists the device files a shell and its programs use. /dev/shm is
// not here: it is a temporary directory (TempDirs). /dev/fd, /dev/stdin,
// /dev/stdout and /dev/stderr need no rule: they are links through /proc/self/fd
// to the open file itself (a pipe, the terminal under /dev/pts, a file in the
// workspace), and the kernel checks that file's own place.
func DefaultDevices() []string {
	return []string{
		"/dev/null",
		"/dev/zero",
		"/dev/full",
		"/dev/random",
		"/dev/urandom",
		"/dev/tty",  // the controlling terminal: ssh, less, read -p prompts
		"/dev/ptmx", // new pseudo-terminals: script, expect, tmux, python's pty
		"/dev/pts",  // their other ends, and the session's own terminal
	}
}

// TempDirs lists the temporary directories: tmpdir (the TMPDIR value, when set
// and absolute), /tmp, /var/tmp and /dev/shm (POSIX shared memory and semaphores,
// which Python's multiprocessing uses).
func TempDirs(tmpdir string) []string {
	out := make([]string, 0, 4)
	if filepath.IsAbs(tmpdir) {
		out = append(out, filepath.Clean(tmpdir))
	}
	for _, d := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		if len(out) == 0 || out[0] != d {
			out = append(out, d)
		}
	}
	return out
}
