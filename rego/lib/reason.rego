# METADATA
# title: Reason
# description: >-
#   A rule's finding, as every rule package reports it: its id, the message for the
#   agent, its class, and the index in input.commands of the command it is about.
package gatesh.lib.reason

import rego.v1

of(id, msg, class, i) := {"id": id, "msg": msg, "class": class, "cmd": i}
