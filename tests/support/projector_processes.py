"""`post-service projector` as real processes, started with POST_SERVICE_* variables, and what
their logs (text format, DEBUG) say: partitions assigned, events applied, batches retried."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from post_service.settings import Settings
from tests.support.services import REPO

_ASSIGNED = re.compile(r"projector: assigned partitions ([\d,]+|none) of ")
_APPLIED = re.compile(r"projector: applied (\d+) events from")


@dataclass
class ProjectorProcess:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def applied(self) -> int:
        """Events this process committed to the read tables (redeliveries count 0)."""
        return sum(int(n) for n in _APPLIED.findall(self.log()))

    def assignment(self) -> set[int] | None:
        """The partitions of its last assignment; None before the first one."""
        found = _ASSIGNED.findall(self.log())
        if not found:
            return None
        return set() if found[-1] == "none" else {int(p) for p in found[-1].split(",")}

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


@dataclass
class ProjectorProcesses:
    """Starts projectors with the given settings; kills whatever is left on `close`."""

    workdir: Path
    started: list[ProjectorProcess] = field(default_factory=list)

    def start(self, settings: Settings) -> ProjectorProcess:
        log_path = self.workdir / f"projector-{len(self.started)}.log"
        with log_path.open("wb") as log:
            # cwd outside the repository: a developer's .env must not change what is tested.
            process = subprocess.Popen(
                [str(REPO / ".venv/bin/post-service"), "projector"],
                env={**os.environ, **_environment(settings)},
                cwd=self.workdir,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started = ProjectorProcess(process, log_path)
        self.started.append(started)
        return started

    def close(self) -> None:
        for projector in self.started:
            if projector.process.poll() is None:
                projector.kill()


def _environment(settings: Settings) -> dict[str, str]:
    return {
        "POST_SERVICE_DATABASE_URL": settings.database_url,
        "POST_SERVICE_READ_DATABASE_URL": settings.read_database_url,
        "POST_SERVICE_KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "POST_SERVICE_EVENTS_TOPIC": settings.events_topic,
        "POST_SERVICE_PROJECTOR_GROUP_ID": settings.projector_group_id,
        "POST_SERVICE_PROJECTOR_MAX_WAIT_MS": str(settings.projector_max_wait_ms),
        "POST_SERVICE_PROJECTOR_BATCH_SIZE": str(settings.projector_batch_size),
        "POST_SERVICE_HEALTH_CHECK_INTERVAL_S": str(settings.health_check_interval_s),
        "POST_SERVICE_LOG_FORMAT": "text",
        "POST_SERVICE_LOG_LEVEL": "DEBUG",
    }
