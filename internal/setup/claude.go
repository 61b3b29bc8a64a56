package setup

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ClaudeSettingsPath is Claude Code's user settings file:
// $CLAUDE_CONFIG_DIR/settings.json, else ~/.claude/settings.json.
func ClaudeSettingsPath(getenv func(string) string) (string, error) {
	if d := getenv("CLAUDE_CONFIG_DIR"); d != "" {
		return filepath.Join(d, "settings.json"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("cannot locate Claude Code's settings: set HOME or CLAUDE_CONFIG_DIR")
	}
	return filepath.Join(home, ".claude", "settings.json"), nil
}

// ClaudeShellVars are the variables --apply sets in the settings' "env", in
// order, to the shim's bash.
var ClaudeShellVars = []string{"CLAUDE_CODE_SHELL", "SHELL"}

// Applied is what ApplyClaudeSettings did.
type Applied struct {
	// Path is the file written (a symlink's target).
	Path string
	// Backup is the copy of the file as it was ("" when there was none to keep
	// or nothing was written).
	Backup string
	// Created: there was no settings file.
	Created bool
	// Unchanged: every variable already had its value; nothing was written.
	Unchanged bool
	// Old are the previous values of the variables that changed.
	Old map[string]string
}

// ErrInvalidSettings marks a settings file that is not a JSON object (or whose
// "env" is not one): it is left untouched.
var ErrInvalidSettings = errors.New("not a valid settings file")

// ApplyClaudeSettings sets each of vars (NAME, value) in the "env" object of the
// settings file at path, keeping every other key and the order of the keys.
// Before it changes an existing file it copies it to
// path.gatesh-backup-<timestamp>. It creates the file (and its directory) when
// absent, and refuses a file that is not valid JSON, leaving it untouched.
func ApplyClaudeSettings(path string, vars [][2]string, now time.Time) (Applied, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // a settings file kept in a dotfiles repository stays there
	}
	res := Applied{Path: path, Old: map[string]string{}}
	old, err := os.ReadFile(path)
	mode := fs.FileMode(0o600)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		res.Created = true
		old = nil
	case err != nil:
		return res, err
	default:
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	var top []member
	if !res.Created {
		if top, err = parseObject(old); err != nil {
			return res, fmt.Errorf("%s is %w (%v); it was left untouched: fix or remove it and run gatectl install --apply again", path, ErrInvalidSettings, err)
		}
	}
	var env []member
	envAt := -1
	for i, m := range top {
		if m.key == "env" {
			envAt = i
		}
	}
	if envAt >= 0 {
		if env, err = parseObject(top[envAt].raw); err != nil {
			return res, fmt.Errorf("%s is %w: its \"env\" is not an object (%v); it was left untouched", path, ErrInvalidSettings, err)
		}
	}
	changed := false
	for _, kv := range vars {
		val := jsonString(kv[1])
		at := -1
		for i, m := range env {
			if m.key == kv[0] {
				at = i
			}
		}
		if at < 0 {
			env = append(env, member{kv[0], val})
			changed = true
			continue
		}
		var was any
		_ = json.Unmarshal(env[at].raw, &was)
		if s, ok := was.(string); ok && s == kv[1] {
			continue
		}
		res.Old[kv[0]] = string(bytes.TrimSpace(env[at].raw))
		if s, ok := was.(string); ok {
			res.Old[kv[0]] = s
		}
		env[at].raw = val
		changed = true
	}
	if !changed {
		res.Unchanged = true
		return res, nil
	}
	envRaw, err := encodeObject(env)
	if err != nil {
		return res, err
	}
	if envAt >= 0 {
		top[envAt].raw = envRaw
	} else {
		top = append(top, member{"env", envRaw})
	}
	out, err := encodeObject(top)
	if err != nil {
		return res, err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, out, "", "  "); err != nil {
		return res, err
	}
	pretty.WriteByte('\n')
	if res.Created {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return res, err
		}
	} else {
		if res.Backup, err = writeBackup(path, old, mode, now); err != nil {
			return res, fmt.Errorf("writing the backup (the settings were left untouched): %w", err)
		}
	}
	if err := writeAtomic(path, pretty.Bytes(), mode); err != nil {
		return res, err
	}
	return res, nil
}

// jsonString encodes s as a JSON string, leaving &, < and > as they are.
func jsonString(s string) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return bytes.TrimSpace(b.Bytes())
}

// member is one key of a JSON object, with its value as written.
type member struct {
	key string
	raw json.RawMessage
}

// parseObject reads a JSON object, keeping its keys in order.
func parseObject(b []byte) ([]member, error) {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("unexpected %v", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		ms = append(ms, member{key, raw})
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	return ms, nil
}

// encodeObject writes members as one compact JSON object, in order.
func encodeObject(ms []member) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		if err := json.Compact(&b, m.raw); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeBackup copies content to path.gatesh-backup-<timestamp>, never over an
// existing file.
func writeBackup(path string, content []byte, mode fs.FileMode, now time.Time) (string, error) {
	base := path + ".gatesh-backup-" + now.Format("20060102-150405")
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if errors.Is(err, fs.ErrExist) && i < 100 {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.Write(content)
		if serr := f.Sync(); err == nil {
			err = serr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(name)
			return "", err
		}
		return name, nil
	}
}

// writeAtomic replaces path with content through a temporary file and a rename,
// so that a reader sees the old file or the new one, never half of one.
func writeAtomic(path string, content []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".gatesh-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(content)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
