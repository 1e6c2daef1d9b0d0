#!/usr/bin/env bash
# Fails (exit 1) when gen/ is not what scripts/gen-protos.sh makes from protos/ today, so CI
# catches a .proto change committed without its regenerated code.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT

scripts/gen-protos.sh "$tmp"

if ! diff -r -x __pycache__ "$tmp/posts" gen/posts; then
  echo "error: generated code is stale: run make protos" >&2
  exit 1
fi
echo "generated code is up to date"
