#!/usr/bin/env bash
# Checks docker-compose.yml, Dockerfile and .dockerignore without a Docker engine (`make lint`):
# `docker compose config` when the client and its compose plugin are installed, then the
# project-specific structural checks in scripts/check_docker.py. Args go to check_docker.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  docker compose -f docker-compose.yml config -q
  echo "docker compose config: ok"
else
  echo "skipping 'docker compose config': the docker client or its compose plugin is not installed"
fi
exec "${PYTHON:-.venv/bin/python}" scripts/check_docker.py "$@"
