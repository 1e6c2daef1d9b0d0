#!/usr/bin/env bash
# A private PostgreSQL cluster on loopback, from the distribution's binaries; no Docker.
#   scripts/pg.sh up|down|status|url INSTANCE PORT
# `up` is idempotent: a running cluster is left alone. initdb and postgres refuse to run as
# root, so as root the cluster runs as the unprivileged `postgres` user.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

cmd=${1:?usage: pg.sh up|down|status|url INSTANCE PORT}
instance=${2:?instance name}
port=${3:?port}
dir="$(state_root)/$instance/pg"
data="$dir/data"
sock="$dir/sock"
DB_USER=${POST_SERVICE_DB_USER:-post_service}
DB_PASSWORD=${POST_SERVICE_DB_PASSWORD:-post_service}
DB_NAME=${POST_SERVICE_DB_NAME:-post_service}

find_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  local d
  for d in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "PostgreSQL binaries not found; installing postgresql-15 with apt-get"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
    [ -x /usr/lib/postgresql/15/bin/initdb ] && { echo /usr/lib/postgresql/15/bin; return; }
  fi
  die "PostgreSQL server binaries not found: install postgresql-15 (Debian) or set PG_BIN"
}

# Runs a command as the cluster's owner: ourselves, or `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() { [ -f "$data/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

init_cluster() {
  log "initdb: $data"
  mkdir -p "$dir" "$sock"
  chmod 755 "$(state_root)" "$(state_root)/$instance" 2>/dev/null || true
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  as_owner "$BIN/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  cat >>"$data/postgresql.conf" <<CONF
# Written by scripts/pg.sh: loopback only, sockets beside the data, sized for local work.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sock'
max_connections = 300
shared_buffers = 256MB
logging_collector = off
CONF
}

create_role_and_db() {
  local psql=("$BIN/psql" -h "$sock" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ -z "$(as_owner "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'")" ]; then
    # CREATEDB: the test suite clones per-test databases from a migrated template.
    as_owner "${psql[@]}" -d postgres -c "CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD'"
  fi
  # Tests and benchmarks drop their databases WITH (FORCE); an autovacuum worker busy in one
  # runs as the superuser, and only pg_signal_backend lets a plain role end it.
  as_owner "${psql[@]}" -d postgres -c "GRANT pg_signal_backend TO $DB_USER" >/dev/null
  if [ -z "$(as_owner "${psql[@]}" -d postgres -c "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'")" ]; then
    as_owner "${psql[@]}" -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER"
  fi
}

up() {
  if running; then log "PostgreSQL '$instance' already running on 127.0.0.1:$port"; return; fi
  [ -f "$data/PG_VERSION" ] || init_cluster
  if port_in_use "$port"; then die "port $port is taken by another program; PostgreSQL '$instance' cannot start"; fi
  as_owner "$BIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 -o "-p $port" start >/dev/null \
    || { tail -n 30 "$dir/server.log" >&2; die "PostgreSQL '$instance' did not start (log: $dir/server.log)"; }
  create_role_and_db
  log "PostgreSQL '$instance' ready on 127.0.0.1:$port (data: $data)"
}

down() {
  if running; then
    as_owner "$BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
    log "PostgreSQL '$instance' stopped"
  fi
}

BIN=$(find_bin)
case "$cmd" in
  up) up ;;
  down) down ;;
  status) if running; then echo "running"; else echo "stopped"; exit 3; fi ;;
  url) echo "postgresql+asyncpg://$DB_USER:$DB_PASSWORD@127.0.0.1:$port/$DB_NAME" ;;
  destroy) down; rm -rf "$dir" ;;
  *) die "unknown command '$cmd' (up|down|status|url|destroy)" ;;
esac
