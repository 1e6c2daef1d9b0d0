"""`make bench`'s harness end to end with tiny numbers, so that it does not rot between runs.

It runs against the test instance (POST_SERVICE_BENCH_INSTANCE=test) and asserts only that
every scenario produced its results and the files were written; the numbers of a smoke run
mean nothing.
"""

import json
import os
import subprocess
import sys

import pytest

from tests.support.services import KAFKA_PORT, PG_PORT, REPO, free_port

SECTIONS = ("## 1. Ceilings", "## 2. Commands", "## 4. Freshness", "## 5. Projector", "## Targets")


def _refuse(constant: str) -> None:
    raise ValueError(f"not JSON: {constant}")


@pytest.mark.timeout(300)
def test_the_benchmark_harness_writes_every_scenarios_results(tmp_path):
    env = {
        **os.environ,
        "POST_SERVICE_BENCH_INSTANCE": "test",
        "POST_SERVICE_TEST_PG_PORT": str(PG_PORT),
        "POST_SERVICE_TEST_KAFKA_PORT": str(KAFKA_PORT),
        "POST_SERVICE_BENCH_GRPC_PORT": str(free_port()),
    }
    command = [sys.executable, "-m", "bench.run", "--plan=smoke", f"--out={tmp_path}"]
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=280, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]

    # Strict JSON for other tools: NaN or Infinity (Python's json writes them) is refused.
    results = json.loads((tmp_path / "latest.json").read_text(), parse_constant=_refuse)
    ceilings = results["ceilings"]
    assert {"echo", "select", "insert", "copy", "consume"} <= ceilings.keys()
    assert all(p["calls"] > 0 for kind in ("echo", "select", "insert") for p in ceilings[kind])
    assert all(p["calls"] > 0 for points in results["commands"].values() for p in points)
    assert set(results["queries"]) == {
        "get", "list_author", "list_author_deep", "list_tag", "list_tag_deep", "search"
    }  # fmt: skip
    assert all(p["calls"] > 0 and not p["errors"] for ps in results["queries"].values() for p in ps)
    assert results["freshness"]["points"][0]["calls"] > 0
    assert results["projector"]["messages"] >= results["projector"]["events"] > 0
    assert results["rebuild"]["events"] > 0
    assert results["peer"]["calls"] > 0
    assert len(results["targets"]) >= 6
    markdown = (tmp_path / "latest.md").read_text()
    assert all(section in markdown for section in SECTIONS)
    for image in ("throughput.png", "latency.png", "freshness.png"):
        assert (tmp_path / image).read_bytes().startswith(b"\x89PNG")
