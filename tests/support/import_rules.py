"""The dependency rules of docs/architecture.md, checked on the source: every `import` and
`from … import` of every module (inside functions too), relative ones resolved.

A rule names the modules it applies to and the modules they may not import, by prefix
(`write_side.domain` covers `write_side.domain.post`; `grpc` covers `grpc.aio`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Not ours, or not a package: generated code, tools, virtualenvs.
SKIPPED_DIRS = frozenset({".venv", ".tools", ".git", "gen", "node_modules", "__pycache__"})

# Whatever does I/O, or ties code to a transport or to the generated protobuf types.
IO_AND_TRANSPORTS = (
    "sqlalchemy",
    "asyncpg",
    "aiokafka",
    "grpc",
    "grpc_health",
    "grpc_reflection",
    "grpc_status",
    "google.protobuf",
    "google.rpc",
    "posts",
)

# May import the composition root: it is what they start, run or test.
ROOT_USERS = ("post_service", "bench", "tests", "migrations")


@dataclass(frozen=True, slots=True)
class Rule:
    says: str
    applies_to: tuple[str, ...]
    forbidden: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    module: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.imported}: {self.rule}"


def rules(top_level: Iterable[str]) -> list[Rule]:
    """The rules for a tree whose top-level packages and modules are `top_level`."""
    library = tuple(sorted(set(top_level) - set(ROOT_USERS)))
    return [
        Rule(
            "the write side knows nothing of the read side or the projector",
            ("write_side",),
            ("read_side", "projector"),
        ),
        Rule("the read side knows nothing of the write side", ("read_side",), ("write_side",)),
        Rule("the projector knows nothing of the write side", ("projector",), ("write_side",)),
        Rule(
            "the write-side domain is pure: no I/O, no asyncio, no transport, no protobuf",
            ("write_side.domain",),
            (
                *IO_AND_TRANSPORTS,
                "asyncio",
                "edges",
                "write_side.adapters",
                "write_side.application",
                "write_side.entrypoints",
                "write_side.relay",
            ),
        ),
        Rule(
            "the read model's fold is pure: no I/O, no asyncio, no transport, no protobuf",
            ("read_side.model",),
            (
                *IO_AND_TRANSPORTS,
                "asyncio",
                "edges",
                "read_side.adapters",
                "read_side.entrypoints",
                "read_side.operations",
            ),
        ),
        Rule(
            "the event contract stands on its own",
            ("event_contract",),
            ("write_side", "read_side", "projector", "edges", "post_service"),
        ),
        Rule(
            "the edges import nothing of the sides, the event contract or the root",
            ("edges",),
            ("write_side", "read_side", "projector", "event_contract", "post_service"),
        ),
        Rule(
            "only entry points, bench and tests import the composition root (post_service)",
            library,
            ("post_service",),
        ),
    ]


def check(root: Path) -> list[Violation]:
    """Every violation of the rules in the Python tree at `root`."""
    modules = dict(_modules(root))
    found = []
    for rule in rules({name.partition(".")[0] for name in modules}):
        for module, path in modules.items():
            if not _within(module, rule.applies_to):
                continue
            lines_found: set[int] = set()
            for imported, line in _imports(module, path):
                if line not in lines_found and _within(imported, rule.forbidden):
                    lines_found.add(line)  # one report per statement and rule
                    found.append(Violation(rule.says, module, imported, line))
    return sorted(found, key=lambda v: (v.module, v.line))


def _within(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _modules(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if SKIPPED_DIRS.intersection(parts):
            continue
        names = list(parts[:-1]) + ([] if path.stem == "__init__" else [path.stem])
        if names:
            yield ".".join(names), path


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    package = module if path.stem == "__init__" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(package, node.level, node.module)
            # `from a import b` may import the module a.b: count both.
            yield base, node.lineno
            for alias in node.names:
                yield f"{base}.{alias.name}", node.lineno


def _resolve(package: str, level: int, name: str | None) -> str:
    if level == 0:
        return name or ""
    parts = package.split(".")
    base = parts[: len(parts) - level + 1] if level > 1 else parts
    return ".".join([*base, name] if name else base)
