# METADATA
# title: Databases
# description: >-
#   Judges database clients (psql, mysql, sqlite3, mongosh, redis-cli, ...), their
#   admin and restore tools, and framework tasks that drop or reset a database
#   (prisma migrate reset, rails db:reset). Reading statements are allowed;
#   statements that write or change the schema, SQL read from a file or a pipe, and
#   admin commands are held, because a database's data lives outside the workspace's
#   version control: as external for a server, as destructive for a local SQLite or
#   DuckDB file. Resets delete all data and are held as destructive.
# custom:
#   class: [external, destructive]
#   rules:
#     - db.write
#     - db.script
#     - db.admin
#     - db.redis.write
#     - db.reset
package gatesh.rules.database

import rego.v1

import data.gatesh.lib.argv
import data.gatesh.lib.cmds
import data.gatesh.lib.reason

# names: the command names this package's rules look at; the combiner evaluates the
# package only for lines that run one of them (keep it in step with the rules).
names := {"psql", "mysql", "mariadb", "cockroach", "sqlite3", "sqlite", "duckdb", "mongosh", "mongo", "cypher-shell", "clickhouse-client", "sqlcmd", "cqlsh", "redis-cli", "dropdb", "dropuser", "createdb", "createuser", "pg_restore", "mongorestore", "pg_ctl", "pg_dropcluster", "mongoimport", "mysqlimport", "mysqladmin", "prisma", "rails", "rake", "bin/rails"}

_wait := "Wait for the user to approve it; read with SELECT meanwhile."

# sql_read(s): every statement only reads
sql_read(s) if {
	stmts := [t | some x in split(s, ";"); t := trim_space(x); t != ""]
	count(stmts) > 0
	every t in stmts {
		_stmt_read(t)
	}
}

_stmt_read(t) if {
	startswith(t, "\\")
	not regex.match(`^\\(i|ir|include|copy|o|w|!|set|connect|c)\b`, t)
}

_stmt_read(t) if {
	regex.match(`^(?i)(select|show|explain|describe|desc|values|table|with|pragma|\.tables|\.schema|\.indexes|\.headers|\.mode|\.dump|\.databases|help)\b`, t)
	not regex.match(`(?i)\b(insert|update|delete|drop|alter|create|truncate|grant|revoke|replace|merge|upsert|attach|detach|vacuum|reindex|copy|load|call|into|rename|comment|lock|cluster|refresh|import|analyze|nextval|setval|pg_terminate_backend|pg_cancel_backend|lo_unlink|\.read|\.import|\.restore|\.output|\.once|\.shell|\.system|\.save|\.backup)\b`, t)
	not _pragma_write(t)
}

_pragma_write(t) if regex.match(`(?i)^pragma\s+[a-z_.]+\s*=`, t)

_what(s) := substring(s, 0, 80)

_class(c) := "destructive" if c.name in {"sqlite3", "sqlite", "duckdb"}

_class(c) := "external" if not c.name in {"sqlite3", "sqlite", "duckdb"}

# --- SQL given on the command line ---------------------------------------------------

_sql_opts := {
	"psql": {"-c", "--command"},
	"mysql": {"-e", "--execute"},
	"mariadb": {"-e", "--execute"},
	"clickhouse-client": {"-q", "--query"},
	"cockroach": {"-e", "--execute"},
	"sqlcmd": {"-Q", "-q"},
	"cqlsh": {"-e", "--execute"},
	"duckdb": {"-c", "-cmd"},
	"sqlite3": {"-cmd"},
	"cypher-shell": set(),
}

hold contains reason.of("db.write", sprintf("%s runs a statement that changes the database: %s. %s", [c.name, _what(s), _wait]), _class(c), i) if {
	some i, cx in input.commands
	n := cx.name
	opts := _sql_opts[n]
	c := input.commands[i]
	some s in argv.values(cmds.args(c), opts)
	not sql_read(s)
}

# sqlite3 DB 'SQL...' and duckdb DB 'SQL'
hold contains reason.of("db.write", sprintf("%s runs a statement that changes %s: %s. %s", [c.name, db, _what(s), _wait]), "destructive", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"sqlite3", "sqlite", "duckdb"}
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"-cmd", "-separator", "-newline", "-nullvalue", "-init", "-c"})
	count(ps) >= 2
	db := ps[0]
	db != ":memory:"
	some s in array.slice(ps, 1, count(ps))
	not sql_read(s)
}

# cypher-shell / mongosh statements given as the last positional or --eval
hold contains reason.of("db.write", sprintf("%s runs code that changes the database: %s. %s", [c.name, _what(s), _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"mongosh", "mongo"}
	c := input.commands[i]
	some s in argv.values(cmds.args(c), {"--eval"})
	regex.match(`(?i)\b(insert\w*|update\w*|delete\w*|remove|drop\w*|replace\w*|create\w*|rename\w*|bulkWrite|findOneAnd\w+|findAndModify|\$out|\$merge|runCommand|adminCommand|shutdownServer|grant\w*|revoke\w*|eval)\b`, s)
}

hold contains reason.of("db.write", sprintf("cypher-shell runs a statement that changes the graph: %s. %s", [_what(s), _wait]), "external", i) if {
	some i in cmds.by_name["cypher-shell"]
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"-u", "--username", "-p", "--password", "-a", "--address", "-d", "--database", "--format", "-f", "--file", "-P", "--param"})
	some s in ps
	regex.match(`(?i)\b(create|merge|delete|detach|set|remove|drop|load\s+csv|call\s+apoc)\b`, s)
}

# --- SQL whose text cannot be seen: files, stdin, heredocs ----------------------------------

hold contains reason.of("db.script", sprintf("%s runs SQL from %s, whose statements cannot be checked here. %s", [c.name, src, _wait]), _class(c), i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"psql", "mysql", "mariadb", "sqlite3", "sqlite", "duckdb", "mongosh", "mongo", "cypher-shell", "clickhouse-client", "sqlcmd", "cqlsh", "redis-cli"}
	c := input.commands[i]
	src := _script_source(c)
}

_script_source(c) := "a file" if {
	c.name in {"psql", "mysql", "mariadb", "cypher-shell", "sqlcmd", "cqlsh"}
	count(argv.values(cmds.args(c), {"-f", "--file", "-i", "--source"})) > 0
}

_script_source(c) := "a redirected file or here-document" if {
	not _has_file_opt(c)
	some r in c.redirects
	r.op in {"<", "<<", "<<-"}
	not r.write
}

_script_source(c) := "a pipe" if {
	not _has_file_opt(c)
	not _has_stdin_redirect(c)
	count(c.pipe_from) > 0
	not c.name == "redis-cli"
}

_has_file_opt(c) if {
	c.name in {"psql", "mysql", "mariadb", "cypher-shell", "sqlcmd", "cqlsh"}
	count(argv.values(cmds.args(c), {"-f", "--file", "-i", "--source"})) > 0
}

_has_stdin_redirect(c) if {
	some r in c.redirects
	r.op in {"<", "<<", "<<-"}
}

# here-strings carry the SQL as the target: judge it
hold contains reason.of("db.write", sprintf("%s runs a statement that changes the database: %s. %s", [c.name, _what(r.target), _wait]), _class(c), i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"psql", "mysql", "mariadb", "sqlite3", "sqlite", "duckdb"}
	c := input.commands[i]
	some r in c.redirects
	r.op == "<<<"
	not sql_read(r.target)
}

# --- redis -------------------------------------------------------------------------------------

_redis_reads := {
	"GET", "MGET", "KEYS", "SCAN", "EXISTS", "TTL", "PTTL", "TYPE", "STRLEN", "HGET", "HGETALL",
	"HKEYS", "HVALS", "HLEN", "HEXISTS", "HMGET", "HSCAN", "LRANGE", "LLEN", "LINDEX", "SMEMBERS",
	"SCARD", "SISMEMBER", "SSCAN", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGE", "ZSCORE", "ZCARD",
	"ZCOUNT", "ZRANK", "ZSCAN", "INFO", "PING", "DBSIZE", "MONITOR", "XRANGE", "XREVRANGE",
	"XLEN", "XREAD", "XINFO", "SUBSCRIBE", "PSUBSCRIBE", "PUBSUB", "OBJECT", "ECHO", "TIME",
	"SLOWLOG", "LASTSAVE", "ROLE", "COMMAND", "MEMORY", "CLIENT", "CLUSTER", "GETRANGE",
	"BITCOUNT", "PFCOUNT", "GEOPOS", "GEODIST", "RANDOMKEY", "SRANDMEMBER", "LPOS", "HSTRLEN",
}

hold contains reason.of("db.redis.write", sprintf("redis-cli %s changes data in Redis. %s", [upper(ps[0]), _wait]), "external", i) if {
	some i in cmds.by_name["redis-cli"]
	c := input.commands[i]
	ps := argv.positionals(cmds.args(c), {"-h", "-p", "-a", "-n", "-u", "--user", "--pass", "-s", "--tls", "--cacert", "-r", "-i", "--pattern", "--count"})
	count(ps) > 0
	not upper(ps[0]) in _redis_reads
	not _redis_config_get(ps)
}

_redis_config_get(ps) if {
	upper(ps[0]) == "CONFIG"
	upper(ps[1]) == "GET"
}

# --- database admin tools ------------------------------------------------------------------------

hold contains reason.of("db.admin", sprintf("%s changes databases or users on the server. %s", [c.name, _wait]), "external", i) if {
	some i, cx in input.commands
	n := cx.name
	n in {"dropdb", "dropuser", "createdb", "createuser", "pg_restore", "mongorestore", "pg_ctl", "pg_dropcluster", "mongoimport", "mysqlimport"}
	c := input.commands[i]
	not argv.has_any(cmds.args(c), {"--help", "--version", "-l", "--list"})
}

hold contains reason.of("db.admin", sprintf("mysqladmin %s changes the server. %s", [ps[0], _wait]), "external", i) if {
	some i in cmds.by_name.mysqladmin
	ps := argv.positionals(cmds.args(input.commands[i]), {"-u", "-p", "-h", "-P", "--user", "--host", "--port"})
	some w in ps
	w in {"drop", "shutdown", "flush-privileges", "flush-hosts", "flush-logs", "flush-tables", "kill", "password", "reload", "refresh", "create"}
}

# --- framework commands that drop data ----------------------------------------------------------

hold contains reason.of("db.reset", sprintf("%s deletes all data in the database. %s", [concat(" ", c.argv), _wait]), "destructive", i) if {
	some i, c in input.commands
	_db_reset(c)
}

_db_reset(c) if {
	c.name == "prisma"
	ps := argv.positionals(cmds.args(c), set())
	_prisma_reset(ps, c)
}

_prisma_reset(ps, _) if {
	ps[0] == "migrate"
	ps[1] == "reset"
}

_prisma_reset(ps, c) if {
	ps[0] == "db"
	ps[1] == "push"
	argv.has_any(cmds.args(c), {"--force-reset", "--accept-data-loss"})
}

_db_reset(c) if {
	c.name in {"rails", "rake", "bin/rails"}
	some w in c.argv
	w in {"db:drop", "db:reset", "db:schema:load", "db:purge"}
}

_db_reset(c) if {
	some j, w in c.argv
	endswith(w, "manage.py")
	c.argv[j + 1] in {"flush", "reset_db", "sqlflush"}
}
