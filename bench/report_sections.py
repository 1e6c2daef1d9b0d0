"""The per-scenario sections of latest.md."""

from __future__ import annotations

from typing import Any

from bench.report_tables import NONE, cpu, ms, num, points_table

FRESH_ROLES = ("server", "relay", "projector", "postgres", "kafka", "load", "other")
FRESH_HEADER = [
    "| offered cmd/s | sustained | answered cmd/s | command p50 / p99 ms | fresh p50 ms "
    "| fresh p95 ms | fresh p99 ms | CPU s " + " / ".join(FRESH_ROLES) + " |",
    "|---:|---|---:|---|---:|---:|---:|---|",
]


def sections(r: dict[str, Any]) -> list[str]:
    c = r["ceilings"]
    return [
        *_ceilings(c),
        "## 2. Commands and 3. Queries (against `post-service serve`)",
        "",
        "Ratios: commands to ceiling (c), queries to ceiling (b), at the same callers. The mix",
        (
            "is 70% EditPost, 20% PublishPost/UnpublishPost, 10% CreatePost over "
            f"{r['dataset']['posts']:,} posts, Zipf (s = 1: the hottest post takes ~10% of the"
        ),
        "commands; ABORTED is a writer that still lost after the server's retries).",
        "",
        *points_table(r["commands"], {"create": c["insert"], "mix": c["insert"]}),
        "",
        *points_table(r["queries"], dict.fromkeys(r["queries"], c["select"])),
        "",
        *_freshness(r["freshness"]),
        *_bulk(r),
        *_profiles(r.get("profiles", {})),
        "## Run",
        "",
        "Seconds per stage: " + ", ".join(f"{k} {v}" for k, v in r["stages_s"].items()) + ".",
    ]


def _ceilings(c: dict[str, Any]) -> list[str]:
    copy, consume = c["copy"], c["consume"]
    return [
        "## 1. Ceilings",
        "",
        "Minimal grpc.aio servers (bench/ceiling_server.py) on the same protos, auth metadata",
        "and load generator: (a) echo, (b) one asyncpg primary-key SELECT on post_view, (c) one",
        "asyncpg INSERT into an events-shaped table, each committed.",
        "",
        *points_table({k: c[k] for k in ("echo", "select", "insert")}, {}),
        "",
        (
            f"(d) COPY into a post_view-shaped table: {num(copy['per_second'])} rows/s "
            f"({copy['rows']:,} rows; CPU s load / pg / other: "
            f"{cpu(copy, ('load', 'postgres', 'other'))})."
        ),
        (
            f"(e) A raw aiokafka consumer: {num(consume['per_second'])} records/s "
            f"({consume['messages']:,} records)."
        ),
        "",
    ]


def _freshness(f: dict[str, Any]) -> list[str]:
    rows = [
        "## 4. Freshness (command reply to the version visible through GetPost)",
        "",
        "Open loop at a fixed rate of EditPost (uniform over the posts); each reply is followed",
        "by GetPost with min_version = its version (the server answers once the read model has",
        "it). Server, relay and projector in processes of their own.",
        "",
        *FRESH_HEADER,
    ]
    for p in f["points"]:
        command = p["command"]
        rows.append(
            f"| {p['rate']:g} | {'yes' if p['sustained'] else '**no**'} | "
            f"{command['per_second']:,.0f} | {ms(command['p50_ms'])} / {ms(command['p99_ms'])} | "
            f"{ms(p['p50_ms'])} | {ms(p['p95_ms'])} | {ms(p['p99_ms'])} | {cpu(p, FRESH_ROLES)} |"
        )
    best = f.get("most_sustained")
    most = f"Most sustained: {best['rate']:g} commands/s." if best else "No rate sustained."
    return [*rows, "", most, ""]


def _bulk(r: dict[str, Any]) -> list[str]:
    p, b, peer = r["projector"], r["rebuild"], r["peer"]
    copy, consume = r["ceilings"]["copy"]["per_second"], r["ceilings"]["consume"]["per_second"]
    projector = (
        f"- Projector: {num(p['per_second'])} events/s draining {p['messages']:,} records "
        f"({p['seconds']} s from its first batch; start-up and group join {p['startup_s']} s "
        f"more) = {p['per_second'] / copy:.2f} x ceiling (d), "
        f"{p['per_second'] / consume:.2f} x ceiling (e). CPU s projector / pg / kafka / "
        f"other: {cpu(p, ('projector', 'postgres', 'kafka', 'other'))}. The relay had "
        f"published the backlog at {num(p['relay']['per_second'])} events/s."
    )
    rebuild = (
        f"- Rebuild: {num(b['per_second'])} events/s over {b['events']:,} events "
        f"({b['seconds']} s: first pass {b['first_pass_s']} s, indexes {b['index_s']} s) = "
        f"{b['per_second'] / copy:.2f} x ceiling (d). CPU s rebuild / pg / other: "
        f"{cpu(b, ('load', 'postgres', 'other'))}."
    )
    peer_line = (
        f"- Peer (eventsourcing, {peer['callers']} threads, one new aggregate per call): "
        f"{num(peer['per_second'])} saves/s, p50 {ms(peer['p50_ms'])} ms, p99 "
        f"{ms(peer['p99_ms'])} ms; CPU s peer / pg / other: "
        f"{cpu(peer, ('peer', 'postgres', 'other'))}."
    )
    return ["## 5. Projector, 6. Rebuild, 7. Peer", "", projector, rebuild, peer_line, ""]


def _profiles(profiles: dict[str, Any]) -> list[str]:
    if not profiles:
        return []
    rows = ["## Where the server's time goes (py-spy, the point run again while sampled)", ""]
    for name, prof in profiles.items():
        libs = ", ".join(f"{k} {v}%" for k, v in prof.get("self_by_library_pct", {}).items())
        ours = ", ".join(f"`{k}` {v}%" for k, v in prof.get("ours_inclusive_pct", {}).items())
        rows += [
            f"- **{name}** ({prof.get('samples', 0)} samples). Self time: {libs or NONE}.",
            f"  Inclusive, our code: {ours or NONE}.",
        ]
    return [*rows, ""]
