"""Per-stage latency of the inbound benchmark (scripts/bench; issue #17): where the time
between publishing an SMS and seeing its `interaction.message.appended` goes.

Each SMS gets a set of *marks*, the times it passed a point of its path, and each stage is
the time between two consecutive marks of the run's chain (MARKS, in path order). The
marks come from four places, all on this machine's clock:

- the benchmark itself (`published`, `received_seen`, `appended_seen`): time.monotonic()
  in the publisher and observer processes (CLOCK_MONOTONIC is one clock for all of them);
- the services' rows in PostgreSQL (timestamptz, read as epoch seconds with psql after
  the run): PostgreSQL's now() is the *start* of the transaction, not its commit;
- the services' events: a CloudEvent's `time` is the service's wall clock (Swift Date())
  when it wrote the event into its outbox, inside the transaction, floored to the
  millisecond;
- commit timestamps (pg_xact_commit_timestamp of the row's xmin), only when the server
  runs with track_commit_timestamp = on (off in Debian's default configuration).

Wall-clock marks are moved onto the monotonic clock with the offset time.time() -
time.monotonic(), taken before and after the run (`clock_offset`; their difference, the
drift, is reported: a step of the wall clock during the run shows there).

The functions above the "Reading the database" line are pure (no I/O) and tested by
Tests/Deploy/test_bench.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass(frozen=True)
class Mark:
    """A point of an inbound SMS's path. NAME is its key, SHORT its column header,
    SOURCE where its time comes from, NEEDS what must be on for it ("" always, "stages":
    --stages, "commit_ts": track_commit_timestamp)."""

    name: str
    short: str
    source: str
    needs: str = ""


# In path order. A stage is the time between two consecutive marks of a run's chain.
MARKS: tuple[Mark, ...] = (
    Mark("published", "publish", "the benchmark's publisher, after basic_publish (time.monotonic)"),
    Mark("ingest_received", "ingest took",
         "ingest.messages.received_at: ingest's clock when its batch handler validated the delivery, before its transaction"),
    Mark("ingest_tx_start", "ingest tx", "ingest.messages.accepted_at: now(), the start of ingest's transaction"),
    Mark("ingest_event", "ingest event",
         "message.received's CloudEvent time: ingest's clock when it wrote the event, in the transaction "
         "(after the insert, before the outbox insert and COMMIT), floored to the ms", "stages"),
    Mark("ingest_commit", "ingest commit", "pg_xact_commit_timestamp(ingest.messages.xmin): ingest's commit", "commit_ts"),
    Mark("received_seen", "received seen", "message.received delivered to the benchmark's observer (time.monotonic)", "stages"),
    Mark("session_tx_start", "session tx",
         "session.inbox.received_at of the message.received event: now(), the start of session's transaction", "stages"),
    Mark("session_event", "session event",
         "interaction.message.appended's CloudEvent time: session's clock when it wrote the event, in the transaction "
         "(after the transcript insert, before the outbox insert and COMMIT), floored to the ms"),
    Mark("session_commit", "session commit", "pg_xact_commit_timestamp(session.transcript.xmin): session's commit", "commit_ts"),
    Mark("appended_seen", "appended seen",
         "interaction.message.appended delivered to the benchmark's observer (time.monotonic)"),
)
MARK_BY_NAME = {mark.name: mark for mark in MARKS}


def chain(stages: bool, commit_timestamps: bool) -> list[str]:
    """The marks a run measures, in path order: always the benchmark's own, ingest's
    stored times and session's event time; with STAGES (the observer also takes every
    message.received) ingest's event time, message.received seen and session's
    transaction start; with COMMIT_TIMESTAMPS both commits."""
    enabled = {"": True, "stages": stages, "commit_ts": commit_timestamps}
    return [mark.name for mark in MARKS if enabled[mark.needs]]


def stage_name(a: str, b: str) -> str:
    """A stage's header: 'publish → ingest took'."""
    return f"{MARK_BY_NAME[a].short} → {MARK_BY_NAME[b].short}"


def parse_event_time(text: str | None) -> float | None:
    """Epoch seconds of a CloudEvent `time` (RFC 3339, e.g. 2026-12-04T10:00:00.123Z or
    with an offset); None when absent or not a time."""
    if not text:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def clock_offset() -> float:
    """time.time() - time.monotonic() now: what to subtract from a wall-clock time (epoch
    seconds) to place it on the monotonic clock the benchmark's own marks use. The
    smallest of a few readings (the one least delayed between its two clock reads)."""
    samples = []
    for _ in range(5):
        m0 = time.monotonic()
        wall = time.time()
        m1 = time.monotonic()
        samples.append((m1 - m0, wall - (m0 + m1) / 2))
    return min(samples)[1]


# How far the wall clock may move against the monotonic one during a run before its
# stages are not to be trusted: the two readings agree to well under a millisecond on a
# steady clock, and a virtual machine's clock that is stepped moves by tens of ms to
# seconds (seen: 1.8 s and 17.5 s within a 20-s sweep step).
CLOCK_STEP_LIMIT_MS = 5.0


def clock_stepped(clock: dict | None) -> bool:
    """Whether the wall clock stepped during the run (CLOCK: clock_summary's dict): the
    stages between a wall-clock mark and a monotonic one are then off by up to the step.
    The end-to-end latency is not: the publish and the append are both monotonic."""
    drift = (clock or {}).get("drift_ms")
    return drift is not None and abs(drift) > CLOCK_STEP_LIMIT_MS


def clock_summary(offset_before: float, offset_after: float) -> dict:
    """The offset used (the mean of the two readings) and the drift between them, in ms."""
    return {
        "offset_s": (offset_before + offset_after) / 2,
        "drift_ms": round((offset_after - offset_before) * 1000, 3),
    }


def assemble_marks(
    index_of: dict[str, int],
    published: dict[int, float],
    appended: dict[str, tuple],
    received: dict[str, tuple] | None,
    db_marks: dict[str, dict[str, float]],
    inbox: dict[str, float] | None,
    offset: float,
) -> dict[int, dict[str, float]]:
    """Every message's marks on the monotonic clock, by its index.

    INDEX_OF: ingest's message id -> index. PUBLISHED: index -> monotonic time.
    APPENDED: ingest's message id -> (monotonic time seen, interaction id, seq, event time
    text). RECEIVED (with --stages, else None): ingest's message id -> (monotonic time
    seen, event id, event time text). DB_MARKS: ingest's message id -> {mark: epoch
    seconds} (ingest_received, ingest_tx_start and the commits). INBOX: event id -> epoch
    seconds of session's inbox record. OFFSET: clock_offset (wall - monotonic)."""
    marks: dict[int, dict[str, float]] = {}
    for message_id, index in index_of.items():
        m: dict[str, float] = {}
        if index in published:
            m["published"] = published[index]
        for name, wall in (db_marks.get(message_id) or {}).items():
            if wall is not None:
                m[name] = wall - offset
        seen = appended.get(message_id)
        if seen is not None:
            m["appended_seen"] = seen[0]
            event_time = parse_event_time(seen[3] if len(seen) > 3 else None)
            if event_time is not None:
                m["session_event"] = event_time - offset
        got = (received or {}).get(message_id)
        if got is not None:
            m["received_seen"] = got[0]
            event_time = parse_event_time(got[2])
            if event_time is not None:
                m["ingest_event"] = event_time - offset
            claimed = (inbox or {}).get(got[1])
            if claimed is not None:
                m["session_tx_start"] = claimed - offset
        marks[index] = m
    return marks


def stage_latencies(marks: dict[int, dict[str, float]], names: list[str]) -> list[tuple[str, str, list[float]]]:
    """For each pair of consecutive marks (a, b) of NAMES: the sorted times b - a in
    seconds, over the messages that have both."""
    stages = []
    for a, b in zip(names, names[1:]):
        values = sorted(m[b] - m[a] for m in marks.values() if a in m and b in m)
        stages.append((a, b, values))
    return stages


def stage_report(marks: dict[int, dict[str, float]], names: list[str], latency_ms) -> list[dict]:
    """The stages of NAMES as JSON-ready dicts: from, to, name, messages measured and
    latency_ms (LATENCY_MS: sorted seconds -> {p50, p90, p99, max} in ms, as
    switchboard_tools.latency_ms). A stage no message has both marks of has messages 0."""
    return [
        {"from": a, "to": b, "name": stage_name(a, b), "messages": len(values), "latency_ms": latency_ms(values)}
        for a, b, values in stage_latencies(marks, names)
    ]


def marks_for_dump(marks: dict[str, float], t_first: float) -> dict[str, float]:
    """One message's marks as seconds since the run's first publish (for --dump)."""
    return {name: round(value - t_first, 6) for name, value in marks.items()}


_EVENT_ID = re.compile(r"^[0-9A-Za-z._:-]{1,100}$")


def inbox_query(event_ids: list[str], since_epoch: float) -> str:
    """SQL for session's inbox records of EVENT_IDS (ids that are not plain tokens are
    left out: they come from the broker) written since SINCE_EPOCH (the BRIN index on
    received_at keeps it to this run's rows): rows (event id, epoch seconds)."""
    ids = [i for i in event_ids if _EVENT_ID.match(i)]
    array = "{" + ",".join(ids) + "}"
    return (
        "SELECT message_id, extract(epoch FROM min(received_at)) FROM session.inbox "
        f"WHERE received_at >= to_timestamp({since_epoch:.6f}) AND message_id = ANY('{array}'::text[]) "
        "GROUP BY message_id"
    )


def ingest_query(run_id: str, commit_timestamps: bool) -> str:
    """SQL for this run's rows of ingest.messages (carrier ids `bench-<run>-<index>`): id,
    carrier id, received_at and accepted_at as epoch seconds, and with
    COMMIT_TIMESTAMPS ingest's commit and the commit of session's transcript entry."""
    if not re.fullmatch(r"[0-9a-f]+", run_id):
        raise ValueError(f"unexpected run id {run_id!r}")
    columns = "m.id, m.carrier_message_id, extract(epoch FROM m.received_at), extract(epoch FROM m.accepted_at)"
    if commit_timestamps:
        columns += (
            ", extract(epoch FROM pg_xact_commit_timestamp(m.xmin))"
            ", (SELECT extract(epoch FROM pg_xact_commit_timestamp(t.xmin)) FROM session.transcript t"
            " WHERE t.message_id = m.id::text)"
        )
    return f"SELECT {columns} FROM ingest.messages m WHERE m.carrier_message_id LIKE 'bench-{run_id}-%'"


def parse_ingest_rows(rows: list[list[str]], commit_timestamps: bool) -> tuple[dict[str, int], dict[str, dict[str, float]]]:
    """The rows of ingest_query: (ingest's message id -> index, message id -> {mark: epoch
    seconds}); an empty field (no commit timestamp known) is left out."""
    names = ["ingest_received", "ingest_tx_start"] + (["ingest_commit", "session_commit"] if commit_timestamps else [])
    index_of: dict[str, int] = {}
    db_marks: dict[str, dict[str, float]] = {}
    for row in rows:
        message_id, carrier_id = row[0], row[1]
        index_of[message_id] = int(carrier_id.rsplit("-", 1)[1])
        db_marks[message_id] = {name: float(value) for name, value in zip(names, row[2:]) if value not in ("", None)}
    return index_of, db_marks


# --- Reading the database (psql) --------------------------------------------------------


def psql(postgres_url: str, sql: str, timeout: float = 120) -> list[list[str]]:
    """Rows of SQL (fields split on tabs), the statement given on psql's standard input so
    that a long one (thousands of ids) is not limited by the command line."""
    result = subprocess.run(
        ["psql", "-X", "-q", "-w", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", postgres_url, "-f", "-"],
        input=sql, capture_output=True, text=True, env={**os.environ, "PGCONNECT_TIMEOUT": "5"}, timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")
    return [line.split("\t") for line in result.stdout.splitlines() if line]


def commit_timestamps_on(postgres_url: str) -> bool:
    """Whether the server keeps commit timestamps (track_commit_timestamp)."""
    rows = psql(postgres_url, "SHOW track_commit_timestamp")
    return bool(rows) and rows[0][0].strip().lower() == "on"


def ingest_marks(postgres_url: str, run_id: str, commit_timestamps: bool) -> tuple[dict[str, int], dict[str, dict[str, float]]]:
    """This run's messages in ingest.messages: (message id -> index, message id -> marks
    in epoch seconds)."""
    try:
        rows = psql(postgres_url, ingest_query(run_id, commit_timestamps))
    except RuntimeError as error:
        raise RuntimeError(f"cannot read ingest.messages to match events to messages: {error}") from None
    return parse_ingest_rows(rows, commit_timestamps)


def inbox_marks(postgres_url: str, event_ids: list[str], since_epoch: float) -> dict[str, float]:
    """Event id -> epoch seconds of session's inbox record (its transaction's start)."""
    if not event_ids:
        return {}
    rows = psql(postgres_url, inbox_query(event_ids, since_epoch))
    return {row[0]: float(row[1]) for row in rows if len(row) > 1 and row[1]}
