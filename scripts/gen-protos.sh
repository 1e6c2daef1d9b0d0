#!/usr/bin/env bash
# Regenerates the Python code for protos/posts/v1 into gen/ (or into the folder given as $1):
# messages (*_pb2.py), gRPC stubs and servicers (*_pb2_grpc.py), and mypy-protobuf stubs (*.pyi)
# for both, importable as `from posts.v1 import command_service_pb2` with gen/ on the path.
# Run from anywhere; uses $PYTHON if set, else the project venv.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

python=${PYTHON:-.venv/bin/python}
out=${1:-gen}

if ! "$python" -c 'import grpc_tools.protoc' >/dev/null 2>&1; then
  echo "error: $python has no grpc_tools; run 'poetry install' (dev dependencies) first." >&2
  exit 1
fi

# The mypy plugins are console scripts installed beside the interpreter; pass them explicitly so
# that a venv which is not activated (not on PATH) still works.
bindir=$(dirname "$(command -v "$python")")
plugins=()
for plugin in protoc-gen-mypy protoc-gen-mypy_grpc; do
  if [ -x "$bindir/$plugin" ]; then
    plugins+=("--plugin=$plugin=$bindir/$plugin")
  elif ! command -v "$plugin" >/dev/null 2>&1; then
    echo "error: $plugin not found beside $python nor on PATH; install mypy-protobuf." >&2
    exit 1
  fi
done

# Start from an empty package so that code of a removed .proto does not linger.
rm -rf -- "${out:?}/posts"
mkdir -p "$out/posts/v1"

"$python" -m grpc_tools.protoc \
  -Iprotos \
  "${plugins[@]}" \
  --python_out="$out" \
  --grpc_python_out="$out" \
  --mypy_out=quiet:"$out" \
  --mypy_grpc_out=quiet:"$out" \
  protos/posts/v1/*.proto

# Regular packages (not namespace packages), so Poetry, mypy and pytest all find them;
# py.typed marks the .pyi stubs as usable by type checkers once installed (PEP 561).
: >"$out/posts/__init__.py"
: >"$out/posts/v1/__init__.py"
: >"$out/posts/py.typed"
