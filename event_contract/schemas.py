"""JSON Schemas of the event data, generated from the event models: the subscribers' contract.

    python -m event_contract.schemas            # rewrite schemas/
    python -m event_contract.schemas --check    # exit 1 if schemas/ is stale (make lint)

One file per event type and schema version. The schema describes the JSON exactly as the relay
writes it: optional fields of PostEdited are absent when unchanged, never null. Additional
properties are allowed on purpose: within v1 the contract only grows, and subscribers must
ignore fields they don't know.

Superseded versions stay published. When an event's SCHEMA_VERSION is bumped, subscribers still
meet messages of the old version (those within the topic's retention, replays from the
beginning), so they need its schema as much as the new one. It can no longer be generated (the
model has moved on), so it is frozen: listed in FROZEN with the SHA-256 of its bytes as they
were last generated. `write` never touches a frozen file and `--check` fails if one is missing
or changed: a published schema never changes. To supersede a version: bump SCHEMA_VERSION,
register the upcaster (upcasting.py), add the old file to FROZEN (`sha256sum` gives the
digest), then `make schemas`.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

import orjson
from pydantic import TypeAdapter

from event_contract.constants import EVENT_SOURCE
from event_contract.events import EVENT_CLASSES, PostEvent

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "schemas"

# Schemas of superseded versions, frozen as last generated: file name -> SHA-256 of its bytes.
FROZEN: dict[str, str] = {
    # PostRestored v2 renamed `status` to `restored_status`.
    "posts.v1.PostRestored.v1.schema.json": (
        "6813ae2bb823f4175fee22ee6098b65f983246ff7af4461b7da7a31fe1529d18"
    ),
}


def json_schema(cls: type[PostEvent]) -> dict[str, Any]:
    schema = TypeAdapter(cls).json_schema()
    for prop in schema.get("properties", {}).values():
        _drop_null(prop)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:{EVENT_SOURCE}:schemas:{cls.TYPE}:v{cls.SCHEMA_VERSION}",
        "x-cloudevents-type": cls.TYPE,
        "x-schema-version": cls.SCHEMA_VERSION,
        **schema,
    }


def _drop_null(prop: dict[str, Any]) -> None:
    """`X | None = None` means "absent when unchanged" in our JSON, never an explicit null."""
    options = prop.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del prop["anyOf"]
        prop.pop("default", None)
        if len(rest) == 1:
            prop.update(rest[0])
        else:
            prop["anyOf"] = rest


def rendered() -> dict[str, bytes]:
    """File name → content, for every event type."""
    return {
        f"{cls.TYPE}.v{cls.SCHEMA_VERSION}.schema.json": orjson.dumps(
            json_schema(cls), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
        )
        + b"\n"
        for cls in EVENT_CLASSES
    }


def stale_files(directory: Path) -> list[str]:
    """Generated files that are missing, differ, or are left over: `make schemas` fixes them."""
    wanted = rendered()
    present = {p.name for p in directory.glob("*.schema.json")} if directory.is_dir() else set()
    changed = [
        n
        for n, body in wanted.items()
        if not (directory / n).is_file() or (directory / n).read_bytes() != body
    ]
    return sorted(changed + [n for n in present if n not in wanted and n not in FROZEN])


def frozen_problems(directory: Path, frozen: dict[str, str] = FROZEN) -> list[str]:
    """Frozen schemas that are missing, changed, or clash with a current version: `make
    schemas` cannot fix these (restore the file from version control)."""
    problems = [f"{n}: frozen, but also a current version" for n in frozen if n in rendered()]
    for name, digest in sorted(frozen.items()):
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: frozen schema missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{name}: frozen schema changed (a published schema never changes)")
    return problems


def write(directory: Path) -> None:
    """Rewrites the current versions' files and removes left-over ones; frozen files stay."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.schema.json"):
        if old.name not in FROZEN:
            old.unlink()
    for name, body in rendered().items():
        (directory / name).write_bytes(body)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate or check the events' JSON Schemas.")
    parser.add_argument("--check", action="store_true", help="exit 1 if the files are stale")
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    if not args.check:
        write(args.directory)
        return 0
    stale = stale_files(args.directory)
    for name in stale:
        print(f"stale JSON Schema: {name} (run `make schemas`)", file=sys.stderr)  # noqa: T201
    frozen = frozen_problems(args.directory)
    for problem in frozen:
        print(f"JSON Schema {problem}", file=sys.stderr)  # noqa: T201
    return 1 if stale or frozen else 0


if __name__ == "__main__":
    sys.exit(main())
