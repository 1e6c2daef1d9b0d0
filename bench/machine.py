"""What the numbers were measured on: they mean little without it."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import INSTANCE, REPO


def machine_facts() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = re.search(r"MemTotal:\s*(\d+)", meminfo)
    pom = (REPO / "scripts/kafka/pom.xml").read_text()
    kafka = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory_gb": round(int(mem_kb.group(1)) / 1e6, 1) if mem_kb else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": "15 (Debian's binaries, fsync and synchronous_commit on)",
        "kafka": kafka.group(1) if kafka else "?",
        "services": INSTANCE,
        # Anything else running on the machine competes for the same cores.
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
