package gatesh.config_test

import rego.v1

import data.gatesh.config

test_defaults if {
	config.settings.protected_branches == ["main", "master"]
	config.settings.hold_wait == 90
}

test_user_override if {
	s := config.settings with data.gatesh.settings as {"protected_branches": ["trunk"], "hold_wait": 30}
	s.protected_branches == ["trunk"]
	s.hold_wait == 30
	s.class_action == {}
}

test_layer_defaults if {
	config.settings.exec_gate == true
	config.settings.require_exec_gate == false
	".cache" in config.settings.writable_caches
	".ssh" in config.settings.confine_secrets
}

test_layer_override if {
	s := config.settings with data.gatesh.settings as {"require_exec_gate": true, "writable_caches": [".cache", "/opt/cache"]}
	s.exec_gate == true
	s.require_exec_gate == true
	s.writable_caches == [".cache", "/opt/cache"]
	count(s.confine_secrets) > 0
}
