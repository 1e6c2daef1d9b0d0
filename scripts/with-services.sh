#!/usr/bin/env bash
# Runs a command with an instance's local services up, and stops afterwards only what this
# script started (a developer's already-running test services are left as they were).
#   scripts/with-services.sh test COMMAND...
set -euo pipefail
here=$(dirname "$0")
instance=${1:?instance}; shift
# Captured first: `status | grep -q` would let grep close the pipe early, and with pipefail
# the SIGPIPE'd status would make the test fail and leave the services running.
state=$("$here/services.sh" status "$instance")
if [[ $state == *stopped* ]]; then
  trap '"$here/services.sh" down "$instance"' EXIT
fi
"$here/services.sh" up "$instance"
"$@"
