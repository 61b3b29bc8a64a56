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
