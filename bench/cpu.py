"""CPU seconds used by the processes of a scenario, read from /proc (Linux).

Each role is a set of processes: the server, the load generator, PostgreSQL (the postmaster and
every backend it forked), Kafka. PostgreSQL's backends come and go with connections, so its
count includes the postmaster's `cutime`/`cstime`: the kernel adds a child's CPU there when the
postmaster reaps it, and a backend that ends between two readings is still counted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import asyncpg

TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _stat_fields(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may contain spaces)."""
    raw = (PROC / str(pid) / "stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def process_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """utime + stime (and, if asked, those of its children it has waited for); 0 once gone."""
    try:
        fields = _stat_fields(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    # Fields 14-17 of proc(5): utime, stime, cutime, cstime; [0] here is field 3.
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def machine_seconds() -> float:
    """Busy CPU time of the whole machine (every core), from /proc/stat: all but idle and
    iowait."""
    fields = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / TICK


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == parent:
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    return pids


def tree_seconds(root: int) -> float:
    """A process and its live children, plus the children it has already reaped."""
    live = sum(process_seconds(pid) for pid in children_of(root))
    return process_seconds(root, reaped_children=True) + live


async def postmaster_pid(dsn: str) -> int:
    """The postmaster is the parent of any backend: ask the server for ours."""
    conn = await asyncpg.connect(dsn)
    try:
        backend = int(await conn.fetchval("SELECT pg_backend_pid()"))
        return int(_stat_fields(backend)[1])  # while the backend still exists
    finally:
        await conn.close()


def pid_with_cmdline(needle: str) -> int | None:
    """The first process whose command line contains `needle` (the bench Kafka broker)."""
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if needle in cmdline:
                return int(entry.name)
    return None


@dataclass(frozen=True)
class Roles:
    """Whose CPU a measurement reports: named processes of the service (`server`, `relay`,
    `projector`, ...; pid -1 = the measuring process itself, the load generator), PostgreSQL
    (all of the cluster, by its postmaster) and the Kafka broker."""

    processes: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    postmaster: int | None = None
    kafka: int | None = None

    def with_processes(self, **processes: int) -> Roles:
        named = {**self.processes, **{role: (pid,) for role, pid in processes.items()}}
        return Roles(named, self.postmaster, self.kafka)

    def readers(self) -> Mapping[str, Callable[[], float]]:
        readers: dict[str, Callable[[], float]] = {
            role: partial(_sum, pids) for role, pids in self.processes.items()
        }
        if self.postmaster is not None:
            readers["postgres"] = partial(tree_seconds, self.postmaster)
        if self.kafka is not None:
            readers["kafka"] = partial(process_seconds, self.kafka)
        return readers

    def as_args(self) -> list[str]:
        """The same roles on a bench.load command line."""
        args = [f"--pid={role}:{pid}" for role, pids in self.processes.items() for pid in pids]
        if self.postmaster is not None:
            args.append(f"--postmaster-pid={self.postmaster}")
        if self.kafka is not None:
            args.append(f"--kafka-pid={self.kafka}")
        return args

    @classmethod
    def from_args(cls, pids: list[str], postmaster: int | None, kafka: int | None) -> Roles:
        """The inverse of `as_args`, plus this process as `load`."""
        named: dict[str, tuple[int, ...]] = {"load": (-1,)}
        for item in pids:
            role, _, pid = item.partition(":")
            named[role] = (*named.get(role, ()), int(pid))
        return cls(named, postmaster, kafka)


def _sum(pids: Iterable[int]) -> float:
    return sum(process_seconds(os.getpid() if pid == -1 else pid) for pid in pids)


class CpuMeter:
    """CPU seconds per role between `start()` and `stop()`, and `other`: what the rest of the
    machine used meanwhile (anything else running competes for the same cores, so a figure
    measured beside a busy `other` is pessimistic)."""

    def __init__(self, roles: Roles) -> None:
        self._readers = {**roles.readers(), "machine": machine_seconds}
        self._before: dict[str, float] = {}

    def start(self) -> None:
        self._before = {role: read() for role, read in self._readers.items()}

    def stop(self) -> dict[str, float]:
        used = {role: read() - self._before[role] for role, read in self._readers.items()}
        machine = used.pop("machine")
        used["other"] = max(0.0, machine - sum(used.values()))
        return {role: round(seconds, 2) for role, seconds in used.items()}
