#!/usr/bin/env bash
# Runs a command with an instance's local services up, and stops afterwards only what this
# script started (a developer's already-running test services are left as they were).
#   scripts/with-services.sh test COMMAND...
set -euo pipefail
here=$(dirname "$0")
instance=${1:?instance}; shift
if "$here/services.sh" status "$instance" | grep -q stopped; then
  trap '"$here/services.sh" down "$instance"' EXIT
fi
"$here/services.sh" up "$instance"
"$@"
