#!/usr/bin/env bash
# Prints the path of a Python 3.12+ interpreter, or explains why there is none.
# Prefers 3.12, the version CI and the Dockerfile use. Order: an explicit $PYTHON, a working `python3.12` (or newer) on PATH, then pyenv's versions
# (pyenv's shims fail until a version is selected, so ask pyenv where its 3.12 lives instead).
set -euo pipefail

works() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

if [ -n "${PYTHON:-}" ] && works "$PYTHON"; then echo "$PYTHON"; exit 0; fi
for cand in python3.12 python3.13 python3; do
  if command -v "$cand" >/dev/null 2>&1 && works "$cand"; then command -v "$cand"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9](\.[0-9]+)?$' | sort -V); do
    cand="$root/versions/$v/bin/python3"
    if works "$cand"; then echo "$cand"; exit 0; fi
  done
fi
echo "error: Python 3.12 or newer not found (tried \$PYTHON, python3.12, python3.13, python3, pyenv)." >&2
echo "       Install it (e.g. 'apt-get install python3.12' or 'pyenv install 3.12') and retry." >&2
exit 1
