# syntax=docker/dockerfile:1
#
# post-service image: one image for every process (migrate, serve, relay, run, ...); the
# command picks the process. Two stages: the builder holds Poetry and the build tools, the
# runtime stage holds only the virtualenv, the migrations and a non-root user.
#
#   docker build -t post-service:local .
#   docker run --rm post-service:local --help

# Both stages must use the same interpreter: /opt/venv is copied from one to the other and its
# `python` is a symlink to the base image's /usr/local/bin/python3.12. Pin a digest here
# (python:3.12-slim@sha256:...) for reproducible production builds.
ARG PYTHON_IMAGE=python:3.12-slim

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS builder

# Poetry lives in its own venv (/opt/poetry) so that none of its dependencies end up in the
# application venv (/opt/venv), which is the only thing the runtime stage takes.
# With VIRTUAL_ENV set and POETRY_VIRTUALENVS_CREATE=false, Poetry installs into /opt/venv
# instead of making a venv of its own. (`poetry export` is a plugin in Poetry 2, not built in.)
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    POETRY_VERSION=2.5.1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_CREATE=false \
    POETRY_CACHE_DIR=/tmp/poetry-cache \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/poetry \
 && /opt/poetry/bin/pip install "poetry==${POETRY_VERSION}" \
 && python -m venv /opt/venv

WORKDIR /src

# Dependencies first, from the lock file alone: this layer (the slow one) is rebuilt only when
# pyproject.toml or poetry.lock change, not on every source edit. --no-root: the project itself
# is installed below, as a wheel. --compile: the runtime user cannot write __pycache__ into the
# root-owned venv, so byte-compile now instead of recompiling on every start.
COPY pyproject.toml poetry.lock ./
RUN /opt/poetry/bin/poetry install --only main --no-root --compile \
 && rm -rf "$POETRY_CACHE_DIR"

# The project as a wheel (not an editable install): the runtime image needs no sources here.
# Every package that pyproject.toml's [tool.poetry].packages lists must be copied here;
# scripts/check_docker.py fails when one is missing. README.md is pyproject's `readme`.
COPY README.md ./
COPY post_service/ post_service/
COPY edges/ edges/
COPY event_contract/ event_contract/
COPY write_side/ write_side/
COPY read_side/ read_side/
COPY projector/ projector/
COPY gen/ gen/
RUN /opt/poetry/bin/poetry build --format wheel \
 && /opt/venv/bin/pip install --no-deps dist/*.whl

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

# A fixed, numeric, non-root uid/gid: Kubernetes' runAsNonRoot can verify a numeric USER, and
# files on mounted volumes get a predictable owner. No home, no login shell.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin app

# Code stays owned by root: the service user can read and run it but never modify it.
COPY --from=builder /opt/venv /opt/venv

# `post-service migrate` runs Alembic from the working directory that holds alembic.ini.
WORKDIR /app
COPY alembic.ini ./
COPY migrations/ migrations/

# GRPC_ADDRESS: the default (127.0.0.1) would be unreachable from outside the container.
# PYTHONDONTWRITEBYTECODE: /app is read-only to the service user; don't even try.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    POST_SERVICE_GRPC_ADDRESS=0.0.0.0:50051

USER 10001:10001

EXPOSE 50051

# grpc.health.v1 for the overall service, at POST_SERVICE_GRPC_ADDRESS. Only processes that
# serve gRPC (serve, run) answer it; docker-compose.yml disables it for the other processes.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
    CMD ["post-service", "healthcheck"]

ENTRYPOINT ["post-service"]
CMD ["serve"]
