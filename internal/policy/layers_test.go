package policy

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gatesh/gatesh/internal/confine"
)

// The settings' defaults for confinement (rego/config.rego) are the lists
// package confine ships: writable_caches is confine.DefaultCaches relative to
// the home directory, confine_secrets is confine.DefaultSecrets. A person who
// reads one reads the other; a change to either must be made to both.
func TestLayerSettingsMatchConfine(t *testing.T) {
	eng, err := Load(context.Background(), Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	home := "/home/someone"
	var caches []string
	for _, c := range eng.SettingStrings("writable_caches") {
		caches = append(caches, filepath.Join(home, c))
	}
	if d := cmp.Diff(confine.DefaultCaches(home), caches); d != "" {
		t.Errorf("settings.writable_caches and confine.DefaultCaches differ (-confine +settings):\n%s", d)
	}
	if d := cmp.Diff(confine.DefaultSecrets(), eng.SettingStrings("confine_secrets")); d != "" {
		t.Errorf("settings.confine_secrets and confine.DefaultSecrets differ (-confine +settings):\n%s", d)
	}
	for key, want := range map[string]bool{"exec_gate": true, "require_exec_gate": false} {
		if got, ok := eng.Settings()[key].(bool); !ok || got != want {
			t.Errorf("settings.%s = %v (%T), want %v", key, eng.Settings()[key], eng.Settings()[key], want)
		}
	}
}
