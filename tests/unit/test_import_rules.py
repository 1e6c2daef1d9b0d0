"""The dependency rules (docs/architecture.md) hold for the whole tree, and each one fails on a
violation planted in a tree of its own."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.support.import_rules import check
from tests.support.services import REPO


def test_the_tree_keeps_every_dependency_rule():
    assert [str(v) for v in check(REPO)] == []


def plant(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    return root


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        ("write_side/relay/x.py", "from read_side.model import fold\n", "write side"),
        ("write_side/x.py", "import projector.loop\n", "write side"),
        ("read_side/adapters/x.py", "from write_side.domain import Limits\n", "read side"),
        ("projector/x.py", "def f():\n    from write_side import relay\n", "projector"),
        ("write_side/domain/x.py", "import sqlalchemy as sa\n", "domain is pure"),
        ("write_side/domain/x.py", "from asyncpg import Pool\n", "domain is pure"),
        ("write_side/domain/x.py", "import grpc\n", "domain is pure"),
        ("write_side/domain/x.py", "from aiokafka import AIOKafkaProducer\n", "domain is pure"),
        ("write_side/domain/x.py", "from posts.v1 import common_pb2\n", "domain is pure"),
        ("write_side/domain/x.py", "from ..adapters import event_store\n", "domain is pure"),
        ("read_side/model/x.py", "import asyncio\n", "fold is pure"),
        ("edges/x.py", "from read_side.adapters import rows\n", "edges import nothing"),
        ("edges/grpc/x.py", "from event_contract import Envelope\n", "edges import nothing"),
        ("event_contract/x.py", "from edges import backoff\n", "contract stands"),
        ("read_side/x.py", "from post_service.settings import Settings\n", "composition root"),
        ("edges/x.py", "import post_service.bootstrap\n", "composition root"),
        ("a_new_package/x.py", "from post_service import bootstrap\n", "composition root"),
    ],
)
def test_a_planted_violation_fails_the_check(tmp_path, path, source, rule):
    planted = plant(tmp_path, {path: source})

    violations = check(planted)

    assert len(violations) >= 1
    assert any(rule in v.rule for v in violations), violations
    assert {v.module for v in violations} == {path.removesuffix(".py").replace("/", ".")}


def test_what_the_rules_allow_passes_the_check(tmp_path):
    planted = plant(
        tmp_path,
        {
            "write_side/domain/post.py": "from event_contract import PostCreated\n",
            "write_side/adapters/store.py": "import sqlalchemy\nfrom edges import coalescer\n",
            "read_side/entrypoints/rpc.py": "import grpc\nfrom edges.grpc import status\n",
            "post_service/bootstrap.py": "import write_side.relay\nimport read_side.adapters\n",
            "tests/test_x.py": "from post_service import bootstrap\n",
            "bench/run.py": "from post_service.bootstrap import make_engine\n",
        },
    )
    assert check(planted) == []


@pytest.mark.parametrize("package", ["write_side.domain", "read_side.model"])
def test_the_pure_packages_load_no_io_library_even_indirectly(package):
    """What the source rules can't see: a module they may import that imports I/O itself."""
    probe = f"import sys, {package}; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    io = ("sqlalchemy", "asyncpg", "aiokafka", "grpc", "posts", "google.protobuf")
    assert [m for m in loaded if m.split(".")[0] in io or m.startswith("google.protobuf")] == []
