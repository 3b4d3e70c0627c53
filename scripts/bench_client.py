"""The benchmark's publisher and observer in C (`scripts/bench --tools c`, the default;
docs/benchmark.md, "fifteenth pass").

The benchmark runs on the machine it measures. Its Python publisher and observer (pika)
took 0.2 of the two CPUs at 400 SMS/s, a tenth of the machine, waiting for the same CPUs as
the services (fourteenth pass). The floor pipeline, which the services are set against,
has published and observed in C since the tenth pass. With `--tools c` the services are
measured the same way: the program of scripts/bench_floor_pipeline.c (rabbitmq-c) publishes each
publisher's messages from a file (`publish-file`) and keeps every event it observes in
memory (`observe-events`), and the JSON is read here after the run. `--tools python`
keeps the pika clients, to compare with earlier measurements.

Both produce what bench.py's Python clients produce: the publishers' results (as
switchboard_tools.run_publishers) and the observer's (as bench._event_consumer).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import uuid
from pathlib import Path

import bench_floor_pipeline
import switchboard_tools as sb

OBSERVER_START_TIMEOUT = 15.0  # seconds for the observer to say it is consuming
APPENDED = "interaction.message.appended"
RECEIVED = "message.received"

_binary: Path | None = None


def binary() -> Path:
    """The C program, built once per process (RuntimeError with the compiler's reason)."""
    global _binary
    if _binary is None or not _binary.exists():
        _binary = bench_floor_pipeline.build_stage(Path(tempfile.mkdtemp(prefix="switchboard-bench-client-", dir="/tmp")))
    return _binary


def message_line(message: sb.Message, amqp_id: str) -> bytes:
    """One message as the C publisher reads it: exchange, key, AMQP message id and body,
    separated by tabs (ValueError for a field that holds a tab or a newline)."""
    fields = [message.exchange.encode(), message.routing_key.encode(), amqp_id.encode(), message.body]
    if any(b"\t" in field or b"\n" in field for field in fields):
        raise ValueError(f"message {message.index} holds a tab or a newline, which the C publisher's file cannot")
    return b"\t".join(fields) + b"\n"


def broker_parts(amqp_url: str) -> list[str]:
    """HOST PORT USER PASSWORD VHOST of the broker the C tools use: the first of the URLs
    SWITCHBOARD_AMQP_URL names (a cluster's list of nodes, as everywhere). RuntimeError for
    one they cannot use (TLS: `--tools python` then)."""
    first = sb.amqp_urls(amqp_url)[0]
    try:
        return bench_floor_pipeline.amqp_parts(first)
    except RuntimeError as error:
        raise RuntimeError(f"{error}; the C tools speak plain AMQP only: use --tools python") from None


def publish(amqp_url: str, shards: list[list[sb.Message]], window: int, rate: float, work: Path) -> list[dict]:
    """One C publisher per shard, started together once every shard's file is written, the
    rate split between them; their results as switchboard_tools.run_publishers returns them
    (published_at: index -> time). RuntimeError when one failed or a message was refused or
    returned."""
    per_rate = rate / len(shards) if rate else 0
    parts = broker_parts(amqp_url)
    program = binary()
    paths = []
    for number, shard in enumerate(shards):
        path = work / f"publisher-{number}.messages"
        with open(path, "wb") as file:
            for message in shard:
                file.write(message_line(message, message.message_id or str(uuid.uuid4())))
        paths.append(path)
    processes = []
    try:
        for shard, path in zip(shards, paths):
            processes.append((shard, subprocess.Popen(
                [str(program), "publish-file", *parts, str(path), f"{per_rate:g}", str(window)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )))
        # Left to right: each one's output first, then its exit status.
        finished = [(shard, *process.communicate(), process.returncode) for shard, process in processes]
    finally:
        for _, process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    results = []
    errors = []
    for shard, out, err, returncode in finished:
        try:
            published = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
        except ValueError:
            published = None
        if published is None:
            errors.append(f"the C publisher failed ({returncode}): {err.strip()[-500:]}")
            continue
        if returncode != 0:
            errors.append(f"the C publisher had {published['nacked']} refused and {published['returned']} returned "
                          f"of {published['published']}: {err.strip()[-500:]}")
        results.append({
            "t0": published["t0"], "t_done": published["t_done"], "nacked": published["nacked"],
            "returned": published["returned"],
            "published_at": {message.index: at for message, at in zip(shard, published["published_at"])},
            "error": None,
        })
    if errors:
        raise RuntimeError("; ".join(errors))
    return results


class Observer:
    """The C observer of interaction.message.appended (and, with STAGES, message.received)
    on EXCHANGE (switchboard.events), started before the run and read after it."""

    def __init__(self, amqp_url: str, expected: int, idle_timeout: float, stages: bool, grace: float,
                 exchange: str = "switchboard.events"):
        self.process = subprocess.Popen(
            [str(binary()), "observe-events", *broker_parts(amqp_url), exchange, APPENDED,
             RECEIVED if stages else "-", str(expected), f"{idle_timeout:g}", f"{grace:g}"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.stages = stages
        line = bench_floor_pipeline.first_line_bytes(self.process, OBSERVER_START_TIMEOUT)
        if b'"ready"' not in line:
            self.process.kill()
            _, err = self.process.communicate()
            raise RuntimeError(f"the C observer did not start: {err.decode(errors='replace').strip()[-1000:]}")

    def finish(self, timeout: float) -> dict:
        """What bench._event_consumer returns: {"appended": {message_id: (seen, interaction,
        seq, event time)}, "received": {message_id: (seen, event id, event time)} or None,
        "duplicates": n}, once the observer has seen what it waits for."""
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise RuntimeError("the C observer did not finish") from None
        if self.process.returncode != 0:
            raise RuntimeError(f"the C observer failed: {err.decode(errors='replace').strip()[-1000:]}")
        return parse_observed(out, self.stages)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def parse_observed(out: bytes, stages: bool) -> dict:
    """The observer's output (a JSON line of counts, then each delivery's header line and
    body line) read into what bench._event_consumer returns. An event that is not JSON or
    has no `data.message_id` (a system entry) is left out, as there."""
    counts_line, _, rest = out.partition(b"\n")
    json.loads(counts_line)  # the counts; the events below are what is measured
    appended: dict = {}
    received: dict = {}
    duplicates = 0
    at = 0
    while at < len(rest):
        header_end = rest.index(b"\n", at)
        seen, key, amqp_id, length = rest[at:header_end].decode().split("\t")
        body_start = header_end + 1
        body = rest[body_start:body_start + int(length)]
        at = body_start + int(length) + 1
        if record_event(appended, received, key, float(seen), amqp_id, body) == "duplicate":
            duplicates += 1
    return {"appended": appended, "received": received if stages else None, "duplicates": duplicates}


def record_event(appended: dict, received: dict, routing_key: str, seen: float, amqp_id: str | None, body: bytes) -> str | None:
    """Records one observed event, for both observers: an `interaction.message.appended`
    into APPENDED (message_id -> (seen, interaction, seq, event time)), a
    `message.received` into RECEIVED (message_id -> (seen, event id, event time)). Returns
    "appended", "received", "duplicate" (an appended event seen before: a redelivery), or
    None for an event that is not JSON or has no `data.message_id` (a system entry, such as
    an earlier run's session timing out)."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    data = event.get("data") or {}
    message_id = data.get("message_id")
    if not message_id:
        return None
    if routing_key == RECEIVED:
        received.setdefault(message_id, (seen, amqp_id or event.get("id"), event.get("time")))
        return "received"
    if message_id in appended:
        return "duplicate"
    appended[message_id] = (seen, data.get("interaction_id"), data.get("seq"), event.get("time"))
    return "appended"
