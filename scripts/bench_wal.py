"""PostgreSQL's write-ahead log around a benchmark run (issue #17).

A step's latency can jump for a reason that is not the code measured: a checkpoint that
writes the database's dirty pages while the services' commits wait for their WAL flushes
on the same disk. So every run of `scripts/bench` (and of `--floor-pipeline`) reads
PostgreSQL's own counters before and after it and reports, per message, the WAL written,
its full-page images (the first change of each page after a checkpoint writes the whole
page) and the WAL flushes, and how many checkpoints ran during the run. The sweep's table
shows the checkpoints in a column of their own, so a step that had one says so.

The counters are the server's, not one database's: another database's activity during
the run counts too (the benchmark is meant to run alone on its server). They need
PostgreSQL 14 or later (`pg_stat_wal`); on an older server, or one that does not answer,
the run reports nothing here rather than failing.
"""

from __future__ import annotations

import subprocess

import bench_stages

# pg_current_wal_lsn() - '0/0' is the WAL position in bytes; pg_stat_wal (14+) counts
# full-page images and flushes; pg_stat_bgwriter (up to 16) the checkpoints, timed (by
# checkpoint_timeout) and requested (by max_wal_size, or CHECKPOINT).
QUERY = (
    "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn, w.wal_fpi, w.wal_sync, b.checkpoints_timed, b.checkpoints_req "
    "FROM pg_stat_wal w, pg_stat_bgwriter b"
)
FIELDS = ("wal_bytes", "full_page_images", "wal_syncs", "checkpoints_timed", "checkpoints_requested")


def parse(rows: list[list[str]]) -> dict[str, int] | None:
    """The counters of QUERY's one row; None when the row is not what QUERY returns."""
    if len(rows) != 1 or len(rows[0]) != len(FIELDS):
        return None
    try:
        return {name: int(float(value)) for name, value in zip(FIELDS, rows[0])}
    except ValueError:
        return None


def snapshot(postgres_url: str) -> dict[str, int] | None:
    """The server's counters now; None when it cannot say (older than 14, or no answer)."""
    try:
        return parse(bench_stages.psql(postgres_url, QUERY, timeout=30))
    except (RuntimeError, OSError, subprocess.TimeoutExpired):
        return None


def activity(before: dict[str, int] | None, after: dict[str, int] | None, messages: int) -> dict | None:
    """What the run cost PostgreSQL's log, per message over MESSAGES (the appended ones),
    and the checkpoints that ran; None without both snapshots. A counter that went back
    (the server's statistics were reset during the run) makes the whole None: no figure
    is better than a wrong one."""
    if before is None or after is None:
        return None
    delta = {name: after[name] - before[name] for name in FIELDS}
    if any(value < 0 for value in delta.values()):
        return None
    per = max(messages, 1)
    return {
        "wal_bytes": delta["wal_bytes"],
        "wal_bytes_per_message": round(delta["wal_bytes"] / per),
        "full_page_images_per_message": round(delta["full_page_images"] / per, 3),
        "wal_syncs_per_message": round(delta["wal_syncs"] / per, 3),
        "checkpoints_timed": delta["checkpoints_timed"],
        "checkpoints_requested": delta["checkpoints_requested"],
        "checkpoints": delta["checkpoints_timed"] + delta["checkpoints_requested"],
    }
