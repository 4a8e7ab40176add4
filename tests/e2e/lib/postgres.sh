# postgres.sh - a throwaway PostgreSQL cluster (source after common.sh):
# its own directory, listening on a Unix socket there only (no TCP), run
# as the unprivileged `postgres` user when the scenario runs as root
# (initdb refuses root).  Used by tests/e2e/collector_postgres.sh and
# bench/collector.sh.

# pg_find_bin: the directory of initdb/pg_ctl, or nothing (status 1).
pg_find_bin() {
	local d
	for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/*/bin; do
		if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] &&
			[ -x "$d/postgres" ]; then
			echo "$d"
			return 0
		fi
	done
	return 1
}

# pg_as_owner CMD...: run CMD as the cluster's owner.
pg_as_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# pg_start: create and start a cluster.  Sets PG_BIN, PG_DIR, PG_URI (a
# libpq URI for database oopsd) and PG_ADMIN_URI (database postgres).
# Returns 1 (with a message on stderr) if it cannot.
pg_start() {
	PG_BIN=$(pg_find_bin) || { echo "PostgreSQL server binaries not installed" >&2; return 1; }
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		echo "running as root and there is no postgres user to run the server" >&2
		return 1
	fi
	PG_DIR=$(mktemp -d /tmp/oopsd-pg.XXXXXX) || return 1
	[ "$(id -u)" -eq 0 ] && chown postgres: "$PG_DIR"
	chmod 700 "$PG_DIR"
	pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust \
		-E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 || {
		echo "initdb failed: $(tail -n 3 "$PG_DIR/initdb.log")" >&2
		return 1
	}
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
		-o "-c listen_addresses='' -k $PG_DIR -c max_connections=50" \
		-w -t 60 start >/dev/null 2>&1 || {
		echo "the server did not start: $(tail -n 3 "$PG_DIR/server.log")" >&2
		return 1
	}
	PG_ADMIN_URI="postgresql:///postgres?host=$PG_DIR&user=postgres"
	PG_URI="postgresql:///oopsd?host=$PG_DIR&user=postgres"
	pg_as_owner "$PG_BIN/createdb" -h "$PG_DIR" -U postgres oopsd || return 1
	return 0
}

# pg_restart: stop the server (fast: sessions are cut) and start it again.
pg_restart() {
	pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 60 \
		restart -l "$PG_DIR/server.log" \
		-o "-c listen_addresses='' -k $PG_DIR -c max_connections=50" \
		>/dev/null 2>&1
}

# pg_psql SQL: run SQL on database oopsd, unaligned output without headers.
pg_psql() {
	pg_as_owner "$PG_BIN/psql" -X -q -A -t -h "$PG_DIR" -U postgres \
		-d oopsd -v ON_ERROR_STOP=1 -c "$1"
}

# pg_destroy: stop the server now and remove its directory.
pg_destroy() {
	[ -n "${PG_DIR:-}" ] || return 0
	[ -d "$PG_DIR/data" ] &&
		pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate \
			-w stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
	PG_DIR=
}
