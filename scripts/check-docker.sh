#!/usr/bin/env bash
# Checks Dockerfile, .dockerignore and docker-compose.yml without a Docker engine; exits non-zero
# on any failure. Run by `make lint`.
#   1. `docker compose config -q` (the authoritative compose check), when the docker client
#      and its compose plugin are installed; skipped with a message otherwise.
#   2. Structural checks in Python (stdlib; PyYAML when an interpreter has it, else a strict
#      parser for the YAML subset docker-compose.yml uses): the services the CLI has processes
#      for exist and run the right command, every depends_on target exists (no cycles), the
#      Dockerfile is multi-stage with a non-root USER and a HEALTHCHECK, it copies every package
#      pyproject.toml builds, and .dockerignore excludes none of what it copies.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

status=0

if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  if docker compose -f docker-compose.yml config -q; then
    echo "docker compose config: ok"
  else
    echo "error: docker compose config rejected docker-compose.yml" >&2
    status=1
  fi
else
  echo "skipping 'docker compose config': the docker client or its compose plugin is not installed"
fi

# The project's interpreter, unless it lacks PyYAML and another Python 3.11+ (tomllib) has it:
# the checks use only the stdlib, so any such interpreter gives the stricter parse.
has() { "$1" -c "import sys; assert sys.version_info >= (3, 11); $2" >/dev/null 2>&1; }
python=.venv/bin/python
if ! has "$python" 'import yaml'; then
  for cand in python3 python3.12 python3.13 python3.11; do
    if command -v "$cand" >/dev/null 2>&1 && has "$cand" 'import yaml'; then
      python=$(command -v "$cand")
      break
    fi
  done
fi
if ! has "$python" ''; then
  if command -v python3 >/dev/null 2>&1 && has python3 ''; then
    python=python3
  else
    echo "error: no Python 3.11+ found (.venv missing? run make bootstrap)" >&2
    exit 1
  fi
fi

"$python" - <<'PY' || status=1
"""Structural checks of Dockerfile, .dockerignore and docker-compose.yml. Stdlib only."""

import json
import re
import sys
import tomllib
from pathlib import Path

# Every long-running process of `post-service` that runs in its own container: compose service
# name -> CLI subcommand. An issue that adds a process adds it here and to docker-compose.yml.
# TODO(projector issue): "projector": "projector",
# TODO(users-consumer issue): "users-consumer": "users-consumer",
PROCESSES = {"server": "serve", "relay": "relay"}
# One-shot and infrastructure services the processes rely on.
SUPPORT = {"postgres", "kafka", "kafka-init", "migrate"}
# Settings without a usable default that every process of the service needs.
REQUIRED_ENV = {
    "POST_SERVICE_DATABASE_URL",
    "POST_SERVICE_KAFKA_BOOTSTRAP_SERVERS",
    "POST_SERVICE_AUTH_TOKENS",
    "POST_SERVICE_PAGE_TOKEN_SECRET",
}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

errors: list[str] = []


def fail(msg: str) -> None:
    errors.append(msg)


# --- YAML ----------------------------------------------------------------------------------


class SubsetYAMLError(ValueError):
    pass


def parse_yaml_subset(text: str) -> object:
    """A strict parser for the block-style YAML that docker-compose.yml uses: mappings,
    sequences, plain and quoted scalars, one-line flow sequences, |/> block scalars, anchors,
    aliases and `<<` merge keys. Anything else is an error, never a silent misreading."""
    lines = text.splitlines()
    anchors: dict[str, object] = {}
    pos = 0
    # Lines whose leading "- " was consumed: line number -> (indent, rest of the line).
    virtual: dict[int, tuple[int, str]] = {}

    def err(msg: str, n: int | None = None) -> SubsetYAMLError:
        return SubsetYAMLError(f"docker-compose.yml:{(pos if n is None else n) + 1}: {msg}")

    def line_at(n: int) -> tuple[int, str]:
        if n in virtual:
            return virtual[n]
        raw = lines[n]
        body = raw.lstrip(" ")
        if body.startswith("\t"):
            raise err("tab in indentation", n)
        return len(raw) - len(body), body

    def significant() -> tuple[int, str] | None:
        nonlocal pos
        while pos < len(lines):
            indent, body = line_at(pos)
            if body.strip() and not body.lstrip().startswith("#"):
                if body.startswith(("---", "...", "%")) and indent == 0:
                    raise err("documents markers and directives are not supported")
                return indent, body.rstrip()
            pos += 1
        return None

    def strip_comment(s: str) -> str:
        quote = None
        for i, ch in enumerate(s):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "\"'" and (i == 0 or s[i - 1] in " [,"):
                quote = ch
            elif ch == "#" and (i == 0 or s[i - 1] in " \t"):
                return s[:i].rstrip()
        return s.rstrip()

    def key_split(s: str) -> tuple[str, str] | None:
        """Splits `key: rest` at the first ': ' (or a final ':') outside quotes."""
        quote = None
        for i, ch in enumerate(s):
            if quote:
                if ch == quote:
                    quote = None
            elif ch in "\"'" and i == 0:
                quote = ch
            elif ch == "#" and i > 0 and s[i - 1] == " ":
                return None
            elif ch == ":" and (i + 1 == len(s) or s[i + 1] == " "):
                return s[:i].strip(), s[i + 1 :].strip()
        return None

    def scalar(s: str) -> object:
        s = strip_comment(s).strip()
        if s[:1] in "&*!{|>@`%" and s[:1]:
            raise err(f"unsupported YAML here: {s!r}")
        if s.startswith('"'):
            end = s.find('"', 1)
            while end != -1 and s[end - 1] == "\\":
                end = s.find('"', end + 1)
            if end != len(s) - 1:
                raise err(f"bad double-quoted scalar: {s!r}")
            return json.loads(s)
        if s.startswith("'"):
            if not s.endswith("'") or len(s) < 2:
                raise err(f"bad single-quoted scalar: {s!r}")
            return s[1:-1].replace("''", "'")
        if s in {"", "~", "null", "Null", "NULL"}:
            return None
        if s in {"true", "True", "TRUE", "yes", "Yes", "on", "On"}:
            return True
        if s in {"false", "False", "FALSE", "no", "No", "off", "Off"}:
            return False
        if re.fullmatch(r"[-+]?(0|[1-9][0-9]*)", s):
            return int(s)
        if ": " in s or s.startswith(("- ", "? ")):
            raise err(f"ambiguous plain scalar (quote it): {s!r}")
        return s

    def flow_sequence(s: str) -> list[object]:
        s = strip_comment(s)
        if not s.endswith("]"):
            raise err("a flow sequence must close on its line")
        inner, items, cur, quote = s[1:-1], [], "", None
        for ch in inner:
            if quote:
                quote = None if ch == quote else quote
            elif ch in "\"'":
                quote = ch
            elif ch in "[]{}":
                raise err("nested flow collections are not supported")
            elif ch == ",":
                items.append(cur)
                cur = ""
                continue
            cur += ch
        if cur.strip():
            items.append(cur)
        return [scalar(i) for i in items]

    def block_scalar(style: str, parent_indent: int) -> str:
        nonlocal pos
        if style not in {"|", "|-", ">", ">-"}:
            raise err(f"unsupported block scalar header {style!r}")
        pos += 1
        out: list[str] = []
        indent = None
        while pos < len(lines):
            raw = lines[pos]
            if raw.strip():
                ind = len(raw) - len(raw.lstrip(" "))
                if ind <= parent_indent:
                    break
                indent = ind if indent is None else indent
                if ind < indent:
                    raise err("block scalar line indented less than its first line")
                out.append(raw[indent:])
            else:
                out.append("")
            pos += 1
        while out and not out[-1]:
            out.pop()
        text = ("\n" if style[0] == "|" else " ").join(out)
        return text if style.endswith("-") else text + "\n"

    def value(rest: str, indent: int) -> object:
        """The value after `key:` or `- `, on this line or in the block below it."""
        nonlocal pos
        anchor = None
        if rest.startswith("&"):
            anchor, _, rest = rest[1:].partition(" ")
            rest = rest.strip()
        rest = strip_comment(rest)
        if rest.startswith("*"):
            name = rest[1:]
            if name not in anchors:
                raise err(f"unknown alias *{name}")
            pos += 1
            result = anchors[name]
        elif rest[:1] in {"|", ">"}:
            result = block_scalar(rest, indent)
        elif rest.startswith("["):
            pos += 1
            result = flow_sequence(rest)
        elif rest == "{}":
            pos += 1
            result = {}
        elif rest:
            pos += 1
            result = scalar(rest)
        else:
            pos += 1
            nxt = significant()
            if nxt and (nxt[0] > indent or (nxt[0] == indent and nxt[1].startswith("- "))):
                result = node(nxt[0])
            else:
                result = None
        if anchor:
            anchors[anchor] = result
        return result

    def node(indent: int) -> object:
        first = significant()
        assert first is not None
        if first[1] == "-" or first[1].startswith("- "):
            return sequence(indent)
        return mapping(indent)

    def sequence(indent: int) -> list[object]:
        nonlocal pos
        items: list[object] = []
        while (cur := significant()) and cur[0] == indent and (
            cur[1] == "-" or cur[1].startswith("- ")
        ):
            rest = cur[1][1:].lstrip(" ")
            inner = indent + len(cur[1]) - len(rest)
            if rest and not rest.startswith(("&", "*", "|", ">", "[", '"', "'")) and key_split(
                rest
            ):
                virtual[pos] = (inner, rest)  # "- key: v" opens a mapping at the key's column
                items.append(mapping(inner))
            elif rest == "-" or rest.startswith("- "):
                virtual[pos] = (inner, rest)  # "- - x": a sequence in a sequence
                items.append(sequence(inner))
            else:
                items.append(value(rest, indent))
        if cur and cur[0] > indent:
            raise err("unexpected indentation")
        return items

    def mapping(indent: int) -> dict[str, object]:
        result: dict[str, object] = {}
        merged: dict[str, object] = {}
        while (cur := significant()) and cur[0] == indent and not cur[1].startswith("- "):
            split = key_split(cur[1])
            if split is None:
                raise err(f"expected `key: value`, got {cur[1]!r}")
            raw_key, rest = split
            key = scalar(raw_key) if raw_key[:1] in "\"'" else raw_key
            if raw_key == "<<":
                source = value(rest, indent)
                if not isinstance(source, dict):
                    raise err("<< must merge a mapping")
                merged.update({k: v for k, v in source.items() if k not in merged})
                continue
            if key in result:
                raise err(f"duplicate key {key!r}")
            result[str(key)] = value(rest, indent)
        if cur and cur[0] > indent:
            raise err("unexpected indentation")
        return {**merged, **result}

    top = significant()
    if top is None:
        return None
    if top[0] != 0:
        raise err("the document must start at column 0")
    doc = node(0)
    if significant() is not None:
        raise err("unexpected content after the document")
    return doc


def load_compose(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    try:
        import yaml  # noqa: PLC0415 - optional: PyYAML when this interpreter has it
    except ImportError:
        print("(PyYAML not found: parsing docker-compose.yml with the built-in subset parser)")
        return parse_yaml_subset(text)

    class StrictLoader(yaml.SafeLoader):
        """Rejects duplicate keys, as docker compose does (PyYAML keeps the last one)."""

        def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
            seen = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}", key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass


# --- docker-compose.yml --------------------------------------------------------------------


def as_list(command: object) -> list[str]:
    if isinstance(command, str):
        return command.split()
    if isinstance(command, list):
        return [str(c) for c in command]
    return []


def env_keys(environment: object) -> set[str]:
    if isinstance(environment, dict):
        return set(environment)
    if isinstance(environment, list):
        return {str(e).split("=", 1)[0] for e in environment}
    return set()


def depends(service: dict) -> dict[str, str]:
    dep = service.get("depends_on") or {}
    if isinstance(dep, list):
        return dict.fromkeys((str(d) for d in dep), "service_started")
    if isinstance(dep, dict):
        return {
            str(k): (v or {}).get("condition", "service_started") if isinstance(v, dict) else "?"
            for k, v in dep.items()
        }
    return {"?": "?"}


def check_compose(doc: object) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("services"), dict):
        fail("docker-compose.yml: no `services` mapping")
        return
    if "version" in doc:
        fail("docker-compose.yml: drop the obsolete top-level `version` key (compose spec)")
    services: dict = doc["services"]
    for name, svc in services.items():
        if not isinstance(svc, dict):
            fail(f"service {name}: not a mapping")
            continue
        if "image" not in svc and "build" not in svc:
            fail(f"service {name}: neither image nor build")
    for name in sorted(SUPPORT | set(PROCESSES)):
        if name not in services:
            fail(f"docker-compose.yml: service `{name}` is missing")
    services = {k: v for k, v in services.items() if isinstance(v, dict)}

    # The service's own image, configured once, for the one-shot migration and every process.
    ours = {"migrate": "migrate", **PROCESSES}
    images = {n: services[n].get("image") for n in ours if n in services}
    for name, command in ours.items():
        svc = services.get(name)
        if svc is None:
            continue
        if as_list(svc.get("command")) != [command]:
            fail(f"service {name}: command should be [{command!r}], is {svc.get('command')!r}")
        if "build" not in svc:
            fail(f"service {name}: no `build` (use the x-post-service block)")
        if len(set(map(str, images.values()))) > 1:
            fail(f"service {name}: image {svc.get('image')!r} differs from the others: {images}")
        missing = REQUIRED_ENV - env_keys(svc.get("environment"))
        if missing:
            fail(f"service {name}: environment lacks {', '.join(sorted(missing))}")
        if name in PROCESSES and depends(svc).get("migrate") != "service_completed_successfully":
            fail(f"service {name}: must depend on migrate (service_completed_successfully)")
    if "migrate" in services and str(services["migrate"].get("restart", "no")) not in {
        "no",
        "False",
        "on-failure",
    }:
        fail("service migrate: a one-shot job must not restart (restart: \"no\")")
    if "server" in services:
        ports = [str(p.get("target") if isinstance(p, dict) else p) for p in
                 services["server"].get("ports") or []]
        if not any(p == "50051" or p.endswith(":50051") for p in ports):
            fail("service server: does not publish port 50051")

    graph: dict[str, set[str]] = {}
    for name, svc in services.items():
        graph[name] = set()
        for target, condition in depends(svc).items():
            if target not in services:
                fail(f"service {name}: depends_on unknown service `{target}`")
            elif target == name:
                fail(f"service {name}: depends on itself")
            else:
                graph[name].add(target)
            if condition not in CONDITIONS:
                fail(f"service {name}: depends_on {target}: bad condition {condition!r}")
    state: dict[str, int] = {}

    def visit(n: str, trail: list[str]) -> None:
        if state.get(n) == 1:
            fail(f"docker-compose.yml: depends_on cycle: {' -> '.join([*trail, n])}")
        if state.get(n):
            return
        state[n] = 1
        for m in sorted(graph[n]):
            visit(m, [*trail, n])
        state[n] = 2

    for n in sorted(graph):
        visit(n, [])


# --- Dockerfile and .dockerignore ----------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    escape = "\\"
    lines = text.splitlines()
    for line in lines:  # parser directives: leading `# name=value` comments
        m = re.fullmatch(r"#\s*(\w+)\s*=\s*(\S+)\s*", line)
        if not m:
            break
        if m.group(1).lower() == "escape":
            escape = m.group(2)
    out: list[tuple[str, str]] = []
    buf = ""
    for line in lines:
        if line.strip().startswith("#"):
            continue  # comments, also between continuation lines
        if line.rstrip().endswith(escape):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        if buf.strip():
            word, _, args = buf.strip().partition(" ")
            out.append((word.upper(), args.strip()))
        buf = ""
    if buf.strip():
        fail("Dockerfile: ends inside a line continuation")
    return out


def copy_sources(args: str) -> list[str] | None:
    """Build-context sources of a COPY/ADD, or None when it copies from a stage or image."""
    words = args.split()
    flags = [w for w in words if w.startswith("--")]
    if any(f.startswith("--from") for f in flags):
        return None
    rest = args
    for f in flags:
        rest = rest.replace(f, "", 1)
    rest = rest.strip()
    parts = json.loads(rest) if rest.startswith("[") else rest.split()
    return [p.removeprefix("./").rstrip("/") or "." for p in parts[:-1]]


def ignore_regex(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for negated, rx in rules:
        if any(rx.fullmatch(p) for p in prefixes):
            result = not negated
    return result


def check_dockerfile(root: Path) -> None:
    instructions = dockerfile_instructions((root / "Dockerfile").read_text(encoding="utf-8"))
    stages: list[list[tuple[str, str]]] = []
    for word, args in instructions:
        if word == "FROM":
            stages.append([])
        elif stages:
            stages[-1].append((word, args))
        elif word != "ARG":
            fail(f"Dockerfile: {word} before the first FROM")
    if len(stages) < 2:
        fail(f"Dockerfile: {len(stages)} FROM stage(s); build in one stage, run from another")
    final = stages[-1] if stages else []
    users = [args for word, args in final if word == "USER"]
    if not users:
        fail("Dockerfile: the final stage has no USER (it would run as root)")
    else:
        user = users[-1].split(":")[0].strip()
        if user in {"root", "0", ""} or "$" in user:
            fail(f"Dockerfile: the final USER must be a literal non-root user, is {users[-1]!r}")
    checks = [args for word, args in final if word == "HEALTHCHECK"]
    if not checks or checks[-1].upper().startswith("NONE"):
        fail("Dockerfile: the final stage has no HEALTHCHECK")
    if not any(word == "ENTRYPOINT" for word, _ in final):
        fail("Dockerfile: the final stage has no ENTRYPOINT")

    copied: list[str] = []
    for word, args in instructions:
        if word in {"COPY", "ADD"} and (sources := copy_sources(args)) is not None:
            copied += sources
    poetry = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    needed = {"pyproject.toml", "poetry.lock", "alembic.ini", "migrations"}
    needed.add(str(poetry.get("project", {}).get("readme", "README.md")))
    for pkg in poetry.get("tool", {}).get("poetry", {}).get("packages", []):
        base = pkg.get("from", ".").strip("/")
        needed.add(pkg["include"] if base in {"", "."} else f"{base}/{pkg['include']}")
    for path in sorted(needed):
        if not any(c == "." or path == c or path.startswith(c + "/") for c in copied):
            fail(f"Dockerfile: nothing copies `{path}` into the build")
        elif not (root / path).exists():
            fail(f"Dockerfile: copies `{path}`, which does not exist")

    rules: list[tuple[bool, re.Pattern[str]]] = []
    ignore_file = root / ".dockerignore"
    if ignore_file.exists():
        for line in ignore_file.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            pattern = line.removeprefix("!").strip().strip("/")
            pattern = re.sub(r"/+", "/", pattern).removeprefix("./")
            rules.append((negated, ignore_regex(pattern)))
    for source in copied:
        if source != "." and ignored(source, rules):
            fail(f".dockerignore: excludes `{source}`, which the Dockerfile copies")


def main() -> int:
    root = Path.cwd()
    try:
        check_compose(load_compose(root / "docker-compose.yml"))
    except (ValueError, OSError) as exc:  # yaml.YAMLError subclasses neither: see below
        fail(f"docker-compose.yml: {exc}")
    except Exception as exc:  # noqa: BLE001 - PyYAML's errors: report, don't crash
        fail(f"docker-compose.yml: {type(exc).__name__}: {exc}")
    try:
        check_dockerfile(root)
    except (OSError, ValueError, KeyError) as exc:
        fail(f"Dockerfile: {type(exc).__name__}: {exc}")
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    if errors:
        return 1
    print("Dockerfile, .dockerignore and docker-compose.yml: structural checks ok")
    return 0


sys.exit(main())
PY

exit "$status"
