package gatesh.rules.database_test

import rego.v1

import data.gatesh.lib.testing as t
import data.gatesh.rules.database

_h(cmds) := x if x := t.ids(database.hold) with input as t.line(cmds)

_c(argv) := _h([t.cmd(argv)])

test_sql if {
	"db.write" in _c(["sqlite3", "prod.db", "DROP TABLE t"])
	"db.write" in _c(["psql", "-d", "app", "-c", "DELETE FROM users"])
	"db.write" in _c(["mysql", "-e", "SELECT 1; DROP TABLE x"])
	"db.write" in _c(["cockroach", "sql", "-e", "DROP TABLE users"])
	count(_c(["cockroach", "sql", "--execute", "SELECT * FROM users"])) == 0
	"db.write" in _c(["sqlite3", "x.db", "PRAGMA journal_mode = WAL"])
	"db.write" in _c(["mongosh", "--eval", "db.users.drop()"])
	"db.write" in _c(["cypher-shell", "-u", "neo4j", "MATCH (n) DETACH DELETE n"])
	count(_c(["psql", "-d", "app_dev", "-c", "SELECT count(*) FROM users"])) == 0
	count(_c(["sqlite3", "r/db.sqlite3", "PRAGMA table_info(myapp_a)"])) == 0
	count(_c(["psql", "-c", "\\dt"])) == 0
	count(_c(["sqlite3", ":memory:", "CREATE TABLE t(x)"])) == 0
	count(_c(["mongosh", "--eval", "db.users.find()"])) == 0
	count(_c(["sqlite3", "x.db", ".tables"])) == 0
}

test_scripts if {
	"db.script" in _c(["psql", "-f", "migrate.sql"])
	"db.script" in _h([t.redir(t.cmd(["psql", "app"]), "<", "dump.sql")])
	"db.script" in _h([t.cmd(["cat", "x.sql"]), t.pipe(t.cmd(["mysql", "app"]), [0])])
	"db.write" in _h([t.redir(t.cmd(["sqlite3", "x.db"]), "<<<", "DELETE FROM t")])
	count(_h([t.redir(t.cmd(["sqlite3", "x.db"]), "<<<", "SELECT 1")])) == 0
}

test_redis if {
	"db.redis.write" in _c(["redis-cli", "-h", "h", "FLUSHALL"])
	count(_c(["redis-cli", "GET", "k"])) == 0
	count(_c(["redis-cli", "config", "get", "maxmemory"])) == 0
	count(_c(["redis-cli"])) == 0
}

test_admin if {
	"db.admin" in _c(["dropdb", "app"])
	"db.admin" in _c(["mysqladmin", "-u", "root", "drop", "app"])
	count(_c(["dropdb", "--help"])) == 0
	"db.reset" in _c(["prisma", "migrate", "reset"])
	"db.reset" in _c(["prisma", "db", "push", "--force-reset"])
	"db.reset" in _c(["rails", "db:drop"])
	"db.reset" in _c(["python", "manage.py", "flush"])
	count(_c(["python", "manage.py", "test"])) == 0
	count(_c(["python", "manage.py", "migrate"])) == 0
}
