"""Structural checks of Dockerfile, docker-compose.yml and .dockerignore, no Docker engine needed:
does the stack fit this project (a container per CLI process; an image holding all that
pyproject.toml builds)? Run by scripts/check-docker.sh. Usage: check_docker.py [ROOT]
"""

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any, override

import yaml

# Every long-running process of `post-service` that runs in its own container: compose service
# name -> CLI subcommand. An issue that adds a process adds it here and to docker-compose.yml.
PROCESSES = {
    "server": "serve",
    "relay": "relay",
    "projector": "projector",
    "users-consumer": "users-consumer",
}
# The one-shot migration job every process waits for.
MIGRATE = "migrate"
# A build stage (Poetry, compilers) and a runtime stage that leaves them behind.
MIN_STAGES = 2
# .dockerignore wildcards (Go's filepath.Match plus `**`): `*` and `?` stop at `/`.
WILDCARDS = {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}


class StrictLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate keys, as docker compose does (PyYAML keeps the last)."""

    @override
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` keys may be overridden: that is what merging is for
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.YAMLError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def check_compose(doc: Any) -> list[str]:
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict):
        return ["docker-compose.yml: no `services` mapping"]
    errors = []
    for name, command in {MIGRATE: MIGRATE, **PROCESSES}.items():
        service = services.get(name)
        if not isinstance(service, dict):
            errors.append(f"service `{name}` is missing")
        elif service.get("command") not in ([command], command):
            errors.append(f"service {name}: command should be [{command!r}]")
    for name, service in services.items():
        deps = (service.get("depends_on") or {}) if isinstance(service, dict) else {}
        # Both forms: a list of names, or a mapping of name -> {condition: ...}.
        errors += [f"service {name}: depends_on unknown `{d}`" for d in deps if d not in services]
        # A process started before the schema is migrated fails on its first query.
        condition = (deps.get(MIGRATE) or {}).get("condition") if isinstance(deps, dict) else None
        if name in PROCESSES and condition != "service_completed_successfully":
            errors.append(f"service {name}: must wait for {MIGRATE} to complete successfully")
    return errors


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined and comments dropped."""
    out, buffer = [], ""
    for line in dockerfile.splitlines():
        if line.strip().startswith("#"):
            continue  # Docker drops comment lines even inside a continued instruction
        buffer += line.rstrip()
        if buffer.endswith("\\"):
            buffer = buffer[:-1] + " "
        elif buffer.strip():
            word, _, args = buffer.strip().partition(" ")
            out.append((word.upper(), args.strip()))
            buffer = ""
    return out


def copied_paths(steps: list[tuple[str, str]]) -> set[str]:
    """Build-context paths that COPY/ADD take (`--from` copies take from a stage instead)."""
    paths = set()
    for word, args in steps:
        if word not in {"COPY", "ADD"} or "--from" in args:
            continue
        rest = " ".join(w for w in args.split() if not w.startswith("--"))
        sources = json.loads(rest)[:-1] if rest.startswith("[") else rest.split()[:-1]
        paths |= {s.removeprefix("./").rstrip("/") or "." for s in sources}
    return paths


def check_dockerfile(steps: list[tuple[str, str]]) -> list[str]:
    errors = []
    stages = [i for i, (word, _) in enumerate(steps) if word == "FROM"]
    if len(stages) < MIN_STAGES:
        errors.append(f"Dockerfile: {len(stages)} FROM stage(s), want a build and a runtime stage")
    final = steps[stages[-1] :] if stages else steps
    users = [args.split(":")[0] for word, args in final if word == "USER"]
    # A variable could expand to root: only a literal user is verifiably non-root.
    if not users or users[-1] in {"root", "0"} or "$" in users[-1]:
        errors.append("Dockerfile: the final stage must end with a literal non-root USER")
    # `HEALTHCHECK NONE` switches off an inherited check: it does not count.
    present = {word for word, args in final if args.upper() != "NONE"}
    missing = [word for word in ("HEALTHCHECK", "ENTRYPOINT") if word not in present]
    return errors + [f"Dockerfile: the final stage has no {word}" for word in missing]


def needed_paths(pyproject: dict[str, Any]) -> set[str]:
    """What the image build needs from the context: every package Poetry builds, and more."""
    needed = {"pyproject.toml", "poetry.lock", "README.md", "alembic.ini", "migrations"}
    for package in pyproject["tool"]["poetry"]["packages"]:
        base = package.get("from", ".").strip("/")
        needed.add(package["include"] if base in {"", "."} else f"{base}/{package['include']}")
    return needed


def check_copies(needed: set[str], copied: set[str]) -> list[str]:
    return [
        f"Dockerfile: nothing copies `{path}` into the build"
        for path in sorted(needed)
        if not any(c in {".", path} or path.startswith(c + "/") for c in copied)
    ]


def ignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(negated, regex) per .dockerignore pattern."""
    rules = []
    for pattern in (line.strip() for line in text.splitlines()):
        if pattern and not pattern.startswith("#"):
            path = pattern.removeprefix("!").strip(" /").removeprefix("./")
            regex = "".join(
                WILDCARDS.get(t, re.escape(t)) for t in re.split(r"(\*\*/?|\*|\?)", path)
            )
            rules.append((pattern.startswith("!"), re.compile(regex)))
    return rules


def excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """As Docker decides: excluding a directory excludes its contents; the last match wins."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    matches = [negated for negated, regex in rules if any(map(regex.fullmatch, prefixes))]
    return bool(matches) and not matches[-1]


def check(root: Path) -> list[str]:
    compose = (root / "docker-compose.yml").read_text(encoding="utf-8")
    errors = check_compose(yaml.load(compose, Loader=StrictLoader))  # noqa: S506 - it is safe
    steps = instructions((root / "Dockerfile").read_text(encoding="utf-8"))
    errors += check_dockerfile(steps)
    copied = copied_paths(steps)
    needed = needed_paths(tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8")))
    errors += check_copies(needed, copied)
    # Required: it is what keeps .env files and local state out of the image.
    rules = ignore_rules((root / ".dockerignore").read_text(encoding="utf-8"))
    return errors + [
        f".dockerignore: excludes `{path}`, which the image needs"
        for path in sorted((needed | copied) - {"."})
        if excluded(path, rules)
    ]


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    try:
        errors = check(root)
    except (OSError, KeyError, ValueError, yaml.YAMLError) as exc:
        # Missing files, malformed YAML/TOML/JSON: a failed check, not a traceback.
        errors = [f"{type(exc).__name__}: {exc}"]
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        return 1
    print("Dockerfile, .dockerignore and docker-compose.yml: structural checks ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
