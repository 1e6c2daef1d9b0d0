"""JSON Schemas of the event data, generated from the event models: the subscribers' contract.

    python -m event_contract.schemas            # rewrite schemas/
    python -m event_contract.schemas --check    # exit 1 if schemas/ is stale (make lint)

One file per event type and schema version. The schema describes the JSON exactly as the relay
writes it: optional fields of PostEdited are absent when unchanged, never null. Additional
properties are allowed on purpose: within v1 the contract only grows, and subscribers must
ignore fields they don't know.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson
from pydantic import TypeAdapter

from event_contract.constants import EVENT_SOURCE
from event_contract.events import EVENT_CLASSES, PostEvent

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "schemas"


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
    wanted = rendered()
    present = {p.name for p in directory.glob("*.schema.json")} if directory.is_dir() else set()
    changed = [
        n
        for n, body in wanted.items()
        if not (directory / n).is_file() or (directory / n).read_bytes() != body
    ]
    return sorted(changed + [n for n in present if n not in wanted])


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.schema.json"):
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
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
