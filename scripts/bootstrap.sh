#!/usr/bin/env bash
# Installs what the project needs into the checkout: Poetry (in .tools/poetry, pinned) and the
# locked dependencies (in .venv). Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
POETRY_VERSION=2.5.1
export POETRY_VIRTUALENVS_IN_PROJECT=true POETRY_NO_INTERACTION=1
python=$(scripts/find-python.sh)

if ! .tools/poetry/bin/poetry --version 2>/dev/null | grep -q "$POETRY_VERSION"; then
  echo "installing Poetry $POETRY_VERSION into .tools/poetry" >&2
  rm -rf .tools/poetry
  "$python" -m venv .tools/poetry
  .tools/poetry/bin/pip install -q "poetry==$POETRY_VERSION"
fi

# Re-sync only when the lock file or pyproject changed since the last successful install.
stamp=.venv/.installed-$(cat poetry.lock pyproject.toml | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ] || [ ! -x .venv/bin/python ]; then
  .venv/bin/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
    || { rm -rf .venv; .tools/poetry/bin/poetry env use -q "$python"; }
  .tools/poetry/bin/poetry sync
  rm -f .venv/.installed-* && touch "$stamp"
fi
