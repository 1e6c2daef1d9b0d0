# Shared helpers for the local-service scripts. Sourced, not run.
# shellcheck shell=bash

die() { echo "error: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)

# State lives outside the checkout, in a folder every local user can reach: the clone may sit
# under a home folder that the unprivileged `postgres` user cannot enter. The folder name is
# derived from the checkout's path so that two clones never share a cluster or a broker.
state_root() {
  local hash
  hash=$(printf '%s' "$REPO_ROOT" | sha1sum | cut -c1-10)
  echo "${POST_SERVICE_STATE_DIR:-/var/tmp/post-service-$hash}"
}

# Waits up to $1 seconds for TCP port $2 on 127.0.0.1 to accept connections.
wait_for_port() {
  local deadline=$((SECONDS + $1))
  while ((SECONDS < deadline)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
