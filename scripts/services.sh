#!/usr/bin/env bash
# Test services for the shared-state tests: PostgreSQL (sessions) and Redis
# (lockouts, de-duplication) from Debian packages, on loopback only, on
# ports that do not collide with a system instance.
#
#   scripts/services.sh [start]      install if missing, start both, print export lines
#   scripts/services.sh env          the same (for: eval "$(scripts/services.sh env)")
#   scripts/services.sh status       say what is running
#   scripts/services.sh stop         stop both
#   scripts/services.sh start-postgres | stop-postgres
#   scripts/services.sh start-redis    | stop-redis
#   scripts/services.sh drop-postgres  stop PostgreSQL and delete its data dir
#
# Only the export lines go to stdout; progress goes to stderr. Every
# subcommand is idempotent: starting what runs, or stopping what is stopped,
# does nothing.
#
# Overrides (the e2e kill test uses them for a private PostgreSQL of its own):
#   OPENCLAW_SERVICES_DIR  data, sockets and logs (default /var/tmp/openclaw-services)
#   OPENCLAW_PG_PORT       PostgreSQL port (default 55432)
#   OPENCLAW_REDIS_PORT    Redis port (default 56379)
#
# As root, PostgreSQL runs as the postgres user (it refuses to run as root)
# and Redis as redis when that user exists; otherwise both run as the caller.
# The test role and database are openclaw / openclaw_test, password openclaw:
# throwaway credentials for a loopback-only test instance.
set -euo pipefail

DIR=${OPENCLAW_SERVICES_DIR:-/var/tmp/openclaw-services}
PG_PORT=${OPENCLAW_PG_PORT:-55432}
REDIS_PORT=${OPENCLAW_REDIS_PORT:-56379}
PG_DATA=$DIR/pg-$PG_PORT
PG_LOG=$DIR/pg-$PG_PORT.log
REDIS_DIR=$DIR/redis-$REDIS_PORT
PG_USER=openclaw
PG_PASS=openclaw
PG_DB=openclaw_test

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# pg_bin prints the directory of the newest installed PostgreSQL server.
pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
	if [ -n "$d" ] && [ -x "$d/postgres" ]; then echo "$d"; return; fi
	if command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then dirname "$(command -v pg_ctl)"; return; fi
	return 1
}

apt_updated=
apt_install() {
	is_root || die "$* is not installed and installing it needs root (apt-get install $*)"
	command -v apt-get >/dev/null || die "$* is not installed and this is not a Debian system; install it by hand"
	if [ -z "$apt_updated" ]; then
		log "apt-get update"
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
		apt_updated=1
	fi
	log "apt-get install $*"
	# Another apt run (unattended upgrades, a parallel setup) may hold the
	# lock: wait for it rather than fail. Containers without policy-rc.d may
	# start the packaged services; we run our own instances, so that is
	# harmless either way.
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "$@" >&2
}

ensure_pg_installed() {
	pg_bin >/dev/null 2>&1 || apt_install postgresql
	pg_bin >/dev/null 2>&1 || die "PostgreSQL server binaries not found after install"
}

ensure_redis_installed() {
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return
	apt_install redis-server
	command -v redis-server >/dev/null || die "redis-server not found after install"
}

# as_pg runs a command as the PostgreSQL owner.
as_pg() {
	if is_root; then
		su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
	else
		"$@"
	fi
}

pg_running() {
	local bin
	bin=$(pg_bin 2>/dev/null) || return 1
	"$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1
}

pg_url() {
	echo "postgres://$PG_USER:$PG_PASS@127.0.0.1:$PG_PORT/$PG_DB?sslmode=disable"
}

start_postgres() {
	ensure_pg_installed
	local bin
	bin=$(pg_bin)
	mkdir -p "$DIR"
	chmod 755 "$DIR"
	if pg_running; then
		log "PostgreSQL already running on 127.0.0.1:$PG_PORT"
	else
		if [ ! -s "$PG_DATA/PG_VERSION" ]; then
			log "initdb $PG_DATA"
			rm -rf "$PG_DATA"
			mkdir -p "$PG_DATA"
			is_root && chown postgres:postgres "$PG_DATA"
			chmod 700 "$PG_DATA"
			as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
				-E UTF8 --locale=C.UTF-8 >/dev/null 2>&1 ||
				as_pg "$bin/initdb" -D "$PG_DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >&2
		fi
		touch "$PG_LOG"
		is_root && chown postgres:postgres "$PG_LOG"
		log "starting PostgreSQL on 127.0.0.1:$PG_PORT (log $PG_LOG)"
		# Loopback only, the socket in the data dir (not /var/run), fsync off:
		# a test instance that survives a crash of PostgreSQL (the kill test
		# stops it with -m immediate) but not of the machine. Commits stay
		# synchronous, or a crash would lose the last few.
		as_pg "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA -c max_connections=200 -c fsync=off -c full_page_writes=off" \
			start >&2 || { tail -n 30 "$PG_LOG" >&2; die "PostgreSQL did not start"; }
	fi
	# Role and database, created once.
	local psql=("$bin/psql" -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
	if [ "$(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
		log "creating role $PG_USER"
		as_pg "${psql[@]}" -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASS'" >&2
	fi
	if [ "$(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
		log "creating database $PG_DB"
		as_pg "${psql[@]}" -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >&2
	fi
}

stop_postgres() {
	local bin
	bin=$(pg_bin 2>/dev/null) || { log "PostgreSQL not installed"; return 0; }
	if [ -s "$PG_DATA/postmaster.pid" ] || pg_running; then
		log "stopping PostgreSQL on 127.0.0.1:$PG_PORT"
		# immediate: like a crash, connections are cut without a goodbye.
		as_pg "$bin/pg_ctl" -D "$PG_DATA" -m immediate -w -t 60 stop >&2 || true
	else
		log "PostgreSQL on 127.0.0.1:$PG_PORT is not running"
	fi
}

redis_running() {
	command -v redis-cli >/dev/null || return 1
	[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

start_redis() {
	ensure_redis_installed
	if redis_running; then
		log "Redis already running on 127.0.0.1:$REDIS_PORT"
		return
	fi
	mkdir -p "$REDIS_DIR"
	chmod 755 "$DIR"
	local run=()
	if is_root && id redis >/dev/null 2>&1; then
		chown redis: "$REDIS_DIR"
		run=(su redis -s /bin/sh -c)
	fi
	# Loopback only, no persistence: the state is ephemeral by design.
	local cmd
	cmd=$(printf '%q ' redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
		--save '' --appendonly no --dir "$REDIS_DIR" --daemonize yes \
		--pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log")
	log "starting Redis on 127.0.0.1:$REDIS_PORT (log $REDIS_DIR/redis.log)"
	if [ ${#run[@]} -gt 0 ]; then "${run[@]}" "$cmd" >&2; else sh -c "$cmd" >&2; fi
	for _ in $(seq 1 100); do
		redis_running && return
		sleep 0.1
	done
	tail -n 30 "$REDIS_DIR/redis.log" >&2 || true
	die "Redis did not start"
}

stop_redis() {
	if redis_running; then
		log "stopping Redis on 127.0.0.1:$REDIS_PORT"
		redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
	else
		log "Redis on 127.0.0.1:$REDIS_PORT is not running"
	fi
}

print_pg_env() { echo "export OPENCLAW_TEST_POSTGRES_URL='$(pg_url)'"; }
print_redis_env() { echo "export OPENCLAW_TEST_REDIS_URL='redis://127.0.0.1:$REDIS_PORT/0'"; }

case "${1:-start}" in
start | env)
	start_postgres
	start_redis
	print_pg_env
	print_redis_env
	;;
start-postgres)
	start_postgres
	print_pg_env
	;;
stop-postgres) stop_postgres ;;
drop-postgres)
	stop_postgres
	rm -rf "$PG_DATA" "$PG_LOG"
	;;
start-redis)
	start_redis
	print_redis_env
	;;
stop-redis) stop_redis ;;
stop)
	stop_postgres
	stop_redis
	;;
status)
	if pg_running; then echo "postgres: running on 127.0.0.1:$PG_PORT"; else echo "postgres: stopped (127.0.0.1:$PG_PORT)"; fi
	if redis_running; then echo "redis: running on 127.0.0.1:$REDIS_PORT"; else echo "redis: stopped (127.0.0.1:$REDIS_PORT)"; fi
	;;
-h | --help | help) sed -n '2,26p' "$0" ;;
*) die "unknown subcommand $1 (see $0 --help)" ;;
esac
