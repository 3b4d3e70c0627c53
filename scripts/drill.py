#!/usr/bin/env python3
"""Switchboard's fault drill (issue 19): the six services under a steady inbound SMS load
while they, PostgreSQL and RabbitMQ fail, then a check that nothing was lost, written
twice, reordered or dead-lettered. Run it through scripts/drill (see --help).

What it does, in one run:

1. Binds a temporary durable queue `drill.dead.<run>` to `switchboard.dead` (`#`) before
   anything else, so every dead letter of the run is seen without touching the shared
   `switchboard.dead-letters` queue (a durable queue, not an exclusive one: it must
   survive the RabbitMQ restart; it expires on its own if the drill dies).
2. Starts the six services from --bin-dir on their own ports (9081-9086 unless
   SB_<NAME>_PORT says otherwise), logs in a new run directory under /tmp.
3. Publishes inbound SMS at a fixed rate from one publisher process
   (scripts/lib/switchboard_tools.py, shared with scripts/bench): persistent, publisher
   confirms, many conversations (one customer number each, to one organisation number of
   this run) of several messages each, interleaved so that two messages of a
   conversation are --spacing seconds apart. Like a careful carrier connector it keeps at
   most one unconfirmed message per conversation and publishes again, with the same
   carrier id, what the broker nacked, returned or did not confirm before a lost
   connection. Message k has the carrier id `drill-<run>-<k>` and the text
   `drill:<run>:<k>: ...`.
4. Samples GET /health/ready of every service every 0.5 s (2 s timeout: no answer
   within 2 s counts as "no answer") for the whole run.
5. Runs the faults in order, each followed by a wait until every service is ready and
   the pipeline has caught up (every message confirmed before the fault's end has its
   transcript entry), bounded by --settle, or until nothing progresses for --idle
   seconds:
   - kill: `kill -9` of each service in turn, restarted after --down seconds (same
     environment, same port);
   - pg-restart: `<pg-ctl> restart`;
   - pg-outage: `<pg-ctl> stop`, --pg-outage seconds, `<pg-ctl> start`;
   - rabbit-restart: `<rabbitmqctl> stop_app`, --rabbit-outage seconds, `start_app`.
   A service that exits on its own is restarted (as an orchestrator would) and reported.
6. Stops the publisher (what is unconfirmed gets --flush seconds), waits until the
   transcripts stop growing (--drain at most), then reads ingest.messages and
   session.transcript with psql, the dead letters of the run from its queue, the
   outboxes' unsent rows and the queues' depths, and prints the report.

With --cluster (issue 16) the same runs against scripts/cluster: the drill starts it
(`scripts/cluster --bin-dir <hard links in the run dir> --run-dir <run dir>/cluster`, with
database switchboard_cluster_drill made afresh, SWITCHBOARD_OFFER_TIMEOUT=10) or uses the
one of --cluster-run-dir, and stops what it started whatever happens. The publisher has the
three nodes' URLs (node 2 first) and moves to the next when its node goes away; the
dead-letter tap and an observer of `callback.due` are quorum queues of the run, so they
survive a node's stop. Before the load: the run's number routed to a queue of its own with
--agents agents Ready in it (so interactions are offered, and offers expire and move on),
and --callbacks callbacks due over --callback-span seconds from the first fault on.
Readiness is sampled for all eighteen replicas. Faults: kill -9 of one replica of each
service (replicas 1, 2, 3, 1, 2, 3), restarted with the command line, environment and
directory read from /proc before the kill, output appended to its log, its pid file
rewritten (scripts/cluster --stop stops it); the application of --stop-node (sb2) stopped
for --node-outage s (stop_app / start_app); a PostgreSQL restart. Extra checks: every
callback's `callback.due` seen exactly once by the observer and every callback fired in
the callback schema; no interaction (or callback) offered twice to one agent
(transfer.offers grouped by subject and agent_id).

Exit status: 0 when nothing was lost, duplicated, reordered or dead-lettered, every
fault ran, every service was ready again after it and no outbox row of the run was
left unsent; 1 otherwise; 2 when the drill could not run. PostgreSQL and RabbitMQ are
left running whatever happens (also on Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import queue as queue_module
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))

import pika  # noqa: E402

import switchboard_tools as sbt  # noqa: E402  (configuration, the services, the confirming publisher; shared with scripts/bench)

FAULTS = ["kill", "pg-restart", "pg-outage", "rabbit-restart"]
SAMPLE_INTERVAL = 0.5
# How long outbox rows of the run may stay unsent after the drain (a relay batch that hung
# on a connection killed by the PostgreSQL restart gives up at its 15 s deadline, then retries).
OUTBOX_GRACE = 45.0
SAMPLE_TIMEOUT = 2.0
DEAD_EXCHANGE = "switchboard.dead"

# Full run and --short; an option given on the command line wins.
PROFILES = {
    "full": {
        "rate": 100.0, "faults": ",".join(FAULTS), "warmup": 10.0, "down": 2.0, "settle": 40.0,
        "idle": 10.0, "dwell": 5.0, "drain": 60.0, "flush": 30.0, "pg_outage": 90.0, "rabbit_outage": 5.0,
    },
    "short": {
        "rate": 30.0, "faults": "kill,pg-restart", "warmup": 5.0, "down": 2.0, "settle": 20.0,
        "idle": 8.0, "dwell": 4.0, "drain": 30.0, "flush": 20.0, "pg_outage": 90.0, "rabbit_outage": 5.0,
    },
    # --cluster (issue 16): scripts/cluster's three nodes and eighteen replicas.
    "cluster": {
        "rate": 60.0, "faults": "kill,node-stop,pg-restart", "kill": ",".join(sbt.SERVICES), "warmup": 10.0, "down": 2.0,
        "settle": 60.0, "idle": 15.0, "dwell": 5.0, "drain": 90.0, "flush": 40.0, "pg_outage": 90.0, "rabbit_outage": 5.0,
        "node_outage": 30.0, "callbacks": 40, "callback_span": 150.0,
    },
    "cluster-short": {
        "rate": 20.0, "faults": "kill,node-stop", "kill": "session", "warmup": 5.0, "down": 2.0, "settle": 30.0,
        "idle": 10.0, "dwell": 3.0, "drain": 40.0, "flush": 30.0, "pg_outage": 90.0, "rabbit_outage": 5.0,
        "node_outage": 20.0, "callbacks": 10, "callback_span": 30.0,
    },
}


class Interrupted(Exception):
    """SIGTERM or SIGHUP: stop the drill, clean up, leave the infrastructure running."""


def log(text: str) -> None:
    print(f"[drill] {text}", file=sys.stderr, flush=True)


# --- The load ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    """Message k belongs to conversation conversation(k). Conversations come in blocks of
    PER_BLOCK, each of LENGTH messages published round-robin within its block, so two
    messages of one conversation are PER_BLOCK/rate seconds apart."""

    run_id: str
    org: str
    per_block: int
    length: int

    def conversation(self, k: int) -> tuple[int, int]:
        """(conversation, position in it) of message k."""
        block, rest = divmod(k, self.per_block * self.length)
        position, within = divmod(rest, self.per_block)
        return block * self.per_block + within, position

    @staticmethod
    def customer(conversation: int) -> str:
        # +1 415 2XX XXXX: valid NANP numbers; unique per conversation; the organisation
        # number is this run's own, so no other run's session meets them.
        return f"+1415{200 + conversation // 10000:03d}{conversation % 10000:04d}"

    def carrier_id(self, k: int) -> str:
        return f"drill-{self.run_id}-{k}"

    def message(self, k: int) -> sbt.Message:
        conversation, position = self.conversation(k)
        body = json.dumps({
            "id": self.carrier_id(k),
            "from": self.customer(conversation),
            "to": self.org,
            "text": f"drill:{self.run_id}:{k}: conversation {conversation}, message {position + 1}. Where is my order?",
        }).encode()
        return sbt.Message(k, "switchboard.inbound", "message", body, key=conversation, message_id=self.carrier_id(k))

    def messages(self):
        k = 0
        while True:
            yield self.message(k)
            k += 1


# --- Readiness --------------------------------------------------------------------------


class ReadinessMonitor:
    """One thread per service: GET /health/ready every SAMPLE_INTERVAL s with a
    SAMPLE_TIMEOUT s timeout; samples (start, end, result, detail) with result an HTTP
    status, "timeout", "refused" or "error", and detail the checks that failed."""

    def __init__(self, services: list[str], ports: dict[str, int] | None = None):
        self.ports = ports or {name: sbt.service_port(name) for name in services}
        self.samples: dict[str, list[tuple[float, float, int | str, str]]] = {name: [] for name in services}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._loop, args=(name,), daemon=True) for name in services]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(SAMPLE_TIMEOUT + 1)

    def _loop(self, name: str) -> None:
        port = self.ports[name]
        while not self._stop.is_set():
            started = time.monotonic()
            result, detail = sbt.readiness_detail(port, SAMPLE_TIMEOUT)
            self.samples[name].append((started, time.monotonic(), result, detail))
            self._stop.wait(max(0.0, started + SAMPLE_INTERVAL - time.monotonic()))

    def last(self, name: str):
        samples = self.samples[name]
        return samples[-1] if samples else None

    def ready_since(self, name: str, since: float) -> bool:
        """The latest sample, started at or after SINCE, answered 200."""
        last = self.last(name)
        return last is not None and last[0] >= since and last[2] == 200

    def summary(self, name: str, start: float, end: float, ready_at: float | None, until: float) -> dict:
        """Readiness of NAME for a fault from START to END, observed until UNTIL, every
        service ready at READY_AT (None: not all of them were). ready_after: seconds from
        END until the 200 that followed the last other answer before READY_AT (0.0: it
        answered 200 throughout; None: not 200 again before UNTIL); what it answered
        meanwhile; and answers other than 200 after READY_AT (flapping)."""
        window = [s for s in self.samples[name] if start <= s[0] <= until]
        cutoff = ready_at if ready_at is not None else until
        bad = [s for s in window if s[2] != 200 and s[0] <= cutoff]
        if not window:
            ready_after = None
        elif not bad:
            ready_after = 0.0
        else:
            after = [s for s in window if s[0] > bad[-1][0] and s[2] == 200]
            ready_after = max(0.0, after[0][1] - end) if after else None
        outage = [s for s in window if s[0] <= cutoff]
        counts = collections.Counter(_kind(s[2]) for s in outage)
        details = collections.Counter(f"{s[2]} {s[3]}".strip() for s in window if s[2] not in (200, "refused"))
        later = [s for s in window if s[0] > cutoff and s[2] != 200]
        return {
            "ready_after": None if ready_after is None else round(ready_after, 1),
            "saw_503": counts.get("503", 0) > 0,
            "no_answer_s": round(counts.get("timeout", 0) * SAMPLE_TIMEOUT, 1),
            "errors": counts.get("error", 0),
            "refused": counts.get("refused", 0) > 0,
            "flapped": len(later),
            "samples": dict(counts),
            "why": details.most_common(3),
        }


def _kind(result) -> str:
    if result == 200:
        return "ok"
    if result == 503:
        return "503"
    return result if isinstance(result, str) else f"http {result}"


# --- PostgreSQL and RabbitMQ ------------------------------------------------------------


class Infrastructure:
    """Stops and starts PostgreSQL and the RabbitMQ application with the configured
    commands, and makes sure both run again at the end."""

    def __init__(self, pg_ctl: list[str], rabbitmqctl: list[str], env: dict[str, str]):
        self.pg_ctl = pg_ctl
        self.rabbitmqctl = rabbitmqctl
        self.postgres_url = env["SWITCHBOARD_POSTGRES_URL"]
        self.amqp_url = env["SWITCHBOARD_AMQP_URL"]
        self.touched_pg = False
        self.touched_rabbit = False

    @staticmethod
    def run(command: list[str], timeout: float) -> tuple[bool, str]:
        """Run COMMAND; (succeeded, its output). Never raises."""
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return False, f"{shlex.join(command)}: no result within {timeout:.0f} s"
        except OSError as error:
            return False, f"{shlex.join(command)}: {error}"
        output = (result.stdout + result.stderr).strip()
        if result.returncode != 0:
            return False, f"{shlex.join(command)}: exit status {result.returncode}: {output[-500:]}"
        return True, output

    def pg(self, action: str, timeout: float = 120) -> tuple[bool, str]:
        self.touched_pg = True
        return self.run([*self.pg_ctl, action], timeout)

    def rabbit(self, action: str, timeout: float = 180) -> tuple[bool, str]:
        self.touched_rabbit = True
        return self.run([*self.rabbitmqctl, action], timeout)

    def wait_postgres(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                sbt.check_postgres(self.postgres_url)
                return True
            except RuntimeError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.5)

    def wait_rabbitmq(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                sbt.check_rabbitmq(self.amqp_url)
                return True
            except RuntimeError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.5)

    def ensure_running(self) -> list[str]:
        """Start PostgreSQL and the RabbitMQ application if the drill touched them and they
        do not answer; problems left, for the report (and stderr)."""
        problems = []
        if self.touched_pg and not self.wait_postgres(3):
            log("PostgreSQL does not answer: starting it")
            ok, output = self.pg("start")
            if not self.wait_postgres(60):
                problems.append(f"PostgreSQL is NOT running after the drill ({output}); start it: {shlex.join([*self.pg_ctl, 'start'])}")
        if self.touched_rabbit and not self.wait_rabbitmq(3):
            log("RabbitMQ does not answer: starting its application")
            ok, output = self.rabbit("start_app")
            if not self.wait_rabbitmq(60):
                problems.append(f"RabbitMQ is NOT running after the drill ({output}); start it: {shlex.join([*self.rabbitmqctl, 'start_app'])}")
        for problem in problems:
            log(problem)
        return problems

    def queue_depths(self) -> dict[str, tuple[int, int, int]]:
        """Queue -> (ready, unacknowledged, consumers) for Switchboard's queues, from
        rabbitmqctl; empty when it does not answer."""
        ok, output = self.run([*self.rabbitmqctl, "-q", "list_queues", "name", "messages_ready", "messages_unacknowledged", "consumers"], 30)
        depths = {}
        if not ok:
            return depths
        for line in output.splitlines():
            fields = line.split()
            # outbound.sms is consumed by carrier connectors, not by the services.
            if len(fields) == 4 and fields[1].isdigit() and fields[0].startswith(("ingest.", "session.", "transfer.", "contacts.", "callback.", "media.")):
                depths[fields[0]] = (int(fields[1]), int(fields[2]), int(fields[3]))
        return depths


# --- Dead letters -----------------------------------------------------------------------


class DeadLetterTap:
    """A durable queue of our own bound to switchboard.dead (`#`): a copy of every dead
    letter from its creation on. Durable, so it survives stop_app/start_app (an exclusive
    queue would not); x-expires removes it if the drill dies before deleting it."""

    def __init__(self, amqp_url: str, run_id: str, queue_type: str = "classic", exchange: str = DEAD_EXCHANGE,
                 keys: tuple[str, ...] = ("#",), prefix: str = "drill.dead"):
        # A cluster: a quorum queue (three members), so that it survives one node's stop;
        # AMQP_URL then lists the nodes (comma-separated) and a live one is used.
        self.amqp_url = amqp_url
        self.name = f"{prefix}.{run_id}"
        self.queue_type = queue_type
        self.exchange = exchange
        self.keys = keys

    def _connect(self):
        return sbt.blocking_connection(self.amqp_url, socket_timeout=5, blocked_timeout=10)

    def create(self) -> None:
        connection = self._connect()
        try:
            channel = connection.channel()
            channel.queue_declare(self.name, durable=True, arguments={"x-queue-type": self.queue_type, "x-expires": 3 * 3600 * 1000})
            for key in self.keys:
                channel.queue_bind(self.name, self.exchange, key)
        finally:
            connection.close()

    def count(self) -> int | None:
        try:
            connection = self._connect()
        except Exception:  # noqa: BLE001 - the broker may be down right now
            return None
        try:
            return connection.channel().queue_declare(self.name, passive=True).method.message_count
        except Exception:  # noqa: BLE001
            return None
        finally:
            try:
                connection.close()
            except Exception:  # noqa: BLE001
                pass

    def collect(self, timeout: float = 120) -> list[dict]:
        """Every dead letter in the queue (consumed: the queue is ours), then the queue is
        deleted. Each: routing key, headers, body."""
        deadline = time.monotonic() + timeout
        connection = self._connect()
        letters = []
        try:
            channel = connection.channel()
            while time.monotonic() < deadline:
                method, properties, body = channel.basic_get(self.name, auto_ack=True)
                if method is None:
                    break
                letters.append({"routing_key": method.routing_key, "headers": properties.headers or {}, "body": body})
            channel.queue_delete(self.name)
        finally:
            connection.close()
        return letters

    def delete(self) -> None:
        try:
            connection = self._connect()
        except Exception:  # noqa: BLE001
            return
        try:
            connection.channel().queue_delete(self.name)
        except Exception:  # noqa: BLE001
            pass
        finally:
            try:
                connection.close()
            except Exception:  # noqa: BLE001
                pass


def _text(value) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def dead_letter_origin(letter: dict) -> tuple[str, str]:
    """(queue it came from, reason): x-death for the broker's dead-lettering (reason e.g.
    delivery_limit), x-switchboard-* for a service's."""
    headers = letter["headers"]
    deaths = headers.get("x-death") or []
    if deaths:
        first = deaths[0]
        return _text(first.get("queue", "?")), _text(first.get("reason", "?"))
    return _text(headers.get("x-switchboard-queue", "?")), "service: " + _text(headers.get("x-switchboard-error", "?"))[:80]


# --- The database -----------------------------------------------------------------------


def transcript_count(postgres_url: str, load: Load, below: int | None = None) -> int | None:
    """Distinct messages of this run below index BELOW (all: None) with a transcript
    entry; None when the database does not answer."""
    condition = f" AND split_part(t.text, ':', 3)::bigint < {int(below)}" if below is not None else ""
    sql = (
        "SELECT count(DISTINCT split_part(t.text, ':', 3)) FROM session.transcript t "
        "JOIN session.interactions i ON i.id = t.interaction_id "
        f"WHERE i.to_number = '{load.org}' AND t.kind = 'message' AND t.text LIKE 'drill:{load.run_id}:%'{condition}"
    )
    try:
        rows = sbt.psql_rows(postgres_url, sql, timeout=10, statement_timeout_ms=5000)
        return int(rows[0][0])
    except (sbt.PsqlError, IndexError, ValueError):
        return None


def database_now(postgres_url: str) -> str:
    return sbt.psql_rows(postgres_url, "SELECT now()", timeout=20)[0][0]


def unsent_outbox(postgres_url: str, since: str) -> dict[str, int]:
    """Schema -> outbox rows created since SINCE and still unsent 10 s after."""
    parts = [
        f"SELECT '{s}', count(*) FROM {s}.outbox WHERE sent_at IS NULL AND created_at >= '{since}' AND created_at < now() - interval '10 seconds'"
        for s in sbt.SERVICES
    ]
    rows = sbt.psql_rows(postgres_url, " UNION ALL ".join(parts), timeout=60)
    return {schema: int(count) for schema, count in rows}


# --- Faults -----------------------------------------------------------------------------


@dataclass
class Fault:
    kind: str
    target: str  # a service, "postgresql" or "rabbitmq"
    started: float = 0.0
    ended: float = 0.0  # the fault's end: the service restarted, the database/broker back
    observed_until: float = 0.0
    error: str | None = None
    ready_at: float | None = None  # every service answered 200 again (None: not all did)
    confirmed_below: int = 0  # every message below this index was confirmed at the fault's end
    caught_up_after: float | None = None
    missing: int | None = None  # transcripts missing when the wait gave up
    notes: list[str] = field(default_factory=list)
    readiness: dict[str, dict] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return {
            "kill": f"kill -9 {self.target}",
            "pg-restart": "PostgreSQL restart",
            "pg-outage": "PostgreSQL stopped",
            "rabbit-restart": "RabbitMQ stop_app/start_app",
            "node-stop": f"RabbitMQ node {self.target} stopped",
        }.get(self.kind, self.kind)


# --- The drill --------------------------------------------------------------------------


class Drill:
    def __init__(self, args, env: dict[str, str], run_dir: Path):
        self.args = args
        self.env = env
        self.run_dir = run_dir
        self.postgres_url = env["SWITCHBOARD_POSTGRES_URL"]
        self.amqp_url = env["SWITCHBOARD_AMQP_URL"]
        self.run_id = uuid.uuid4().hex[:10]
        per_block = max(1, round(args.rate * args.spacing))
        self.load = Load(self.run_id, sbt.org_number(), per_block, args.length)
        self.infra = Infrastructure(shlex.split(args.pg_ctl), shlex.split(args.rabbitmqctl), env)
        self.services = sbt.ServiceSet(snapshot_executables(Path(args.bin_dir), run_dir), run_dir, env)
        self.instances = list(sbt.SERVICES)  # what the readiness monitor samples (cluster: every replica)
        self.monitor = ReadinessMonitor(self.instances)
        self.tap = DeadLetterTap(self.amqp_url, self.run_id)
        self.publisher: sbt.PublisherProcess | None = None
        self.faults: list[Fault] = []
        self.events: list[str] = []  # services that exited on their own, and such
        self.killed_by_us: set[str] = set()
        self.t_start = time.monotonic()
        self.db_started_at = None
        self.cleanup_problems: list[str] = []
        self._last_status = 0.0

    def at(self, t: float) -> float:
        return round(t - self.t_start, 1)

    # Run ---------------------------------------------------------------------------------

    def run(self) -> dict:
        args = self.args
        self._prepare()
        self.tap.create()
        self.db_started_at = database_now(self.postgres_url)
        log(f"run {self.run_id}: starting the services from {args.bin_dir} (as {self.services.bin_dir}) on ports "
            f"{', '.join(str(sbt.service_port(n)) for n in sbt.SERVICES)} (logs in {self.services.log_dir})")
        self.services.start()
        self._before_load()
        log(f"publishing {args.rate:g} SMS/s to {self.load.org}: conversations of {args.length} messages, "
            f"{self.load.per_block} at a time ({args.spacing:g} s between two messages of one conversation)")
        settings = sbt.PublisherSettings(
            window=args.window, rate=args.rate, ordered=True, republish=True, reconnect=True,
            flush_timeout=args.flush, heartbeat=10,
        )
        self.publisher = sbt.PublisherProcess(self.amqp_url, self.load.messages(), settings)
        self.publisher.start(30)  # forked before the monitor's threads exist
        self.monitor.start()
        self.publisher.go()

        warmup = Fault("warmup", "-")
        warmup.started = time.monotonic()
        cpu_before = cpu_times()
        self._wait(args.warmup, "warm-up")
        warmup.ended = time.monotonic()
        self.cpu_busy_warmup = cpu_busy(cpu_before, cpu_times())
        warmup.confirmed_below = int(self.publisher.progress()["confirmed_below"])
        self._settle(warmup, dwell=0)
        baseline = {"caught_up_after": warmup.caught_up_after, "missing": warmup.missing,
                    "cpu_busy_percent": self.cpu_busy_warmup}

        for fault in self._plan():
            self.faults.append(fault)
            log(f"fault {len(self.faults)}: {fault.label}")
            fault.started = time.monotonic()
            try:
                self._inject(fault)
            except (sbt.PsqlError, OSError, RuntimeError, subprocess.SubprocessError) as error:
                fault.error = f"{type(error).__name__}: {error}"
                log(f"  {fault.label}: {fault.error}")
            finally:
                fault.ended = fault.ended or time.monotonic()
                fault.confirmed_below = int(self.publisher.progress()["confirmed_below"])
            self._settle(fault, dwell=args.dwell)

        self._after_faults()
        log(f"stopping the publisher (unconfirmed messages get {args.flush:g} s)")
        try:
            published = self.publisher.stop(args.flush + 30)
        except queue_module.Empty:
            self.publisher.terminate()
            raise RuntimeError("the publisher did not finish") from None
        drain = self._drain(published)
        self.monitor.stop()
        for fault in self.faults:
            for name in self.instances:
                fault.readiness[name] = self.monitor.summary(name, fault.started, fault.ended, fault.ready_at, fault.observed_until)
        return self._analyse(published, drain, baseline)

    # Hooks of the cluster drill (ClusterDrill); nothing to do for single instances.
    def _prepare(self) -> None:
        pass

    def _before_load(self) -> None:
        pass

    def _after_faults(self) -> None:
        pass

    def _extra_analysis(self) -> dict:
        return {}

    def _plan(self) -> list[Fault]:
        plan = []
        for kind in self.args.faults:
            if kind == "kill":
                plan += [Fault("kill", name) for name in self.args.kill]
            elif kind in ("pg-restart", "pg-outage"):
                plan.append(Fault(kind, "postgresql"))
            else:
                plan.append(Fault(kind, "rabbitmq"))
        return plan

    def _inject(self, fault: Fault) -> None:
        args = self.args
        if fault.kind == "kill":
            self.killed_by_us.add(fault.target)
            status = self.services.kill(fault.target)
            if status is None:
                fault.error = "did not die within 10 s of SIGKILL"
            self._wait(args.down, f"{fault.target} down")
            self._restart(fault.target, fault)
            self.killed_by_us.discard(fault.target)
            fault.ended = time.monotonic()
        elif fault.kind == "pg-restart":
            ok, output = self.infra.pg("restart")
            fault.ended = time.monotonic()
            if not ok:
                fault.error = output
            if not self.infra.wait_postgres(60):
                fault.error = (fault.error or "") + " PostgreSQL does not answer after the restart"
                self.cleanup_problems += self.infra.ensure_running()
        elif fault.kind == "pg-outage":
            ok, output = self.infra.pg("stop")
            if not ok:
                fault.error = output
            self._wait(args.pg_outage, "PostgreSQL stopped")
            ok, output = self.infra.pg("start")
            fault.ended = time.monotonic()
            if not ok:
                fault.error = ((fault.error + "; ") if fault.error else "") + output
            if not self.infra.wait_postgres(60):
                fault.error = (fault.error or "") + " PostgreSQL does not answer after the start"
                self.cleanup_problems += self.infra.ensure_running()
        elif fault.kind == "rabbit-restart":
            ok, output = self.infra.rabbit("stop_app")
            if not ok:
                fault.error = output
            self._wait(args.rabbit_outage, "RabbitMQ application stopped")
            ok, output = self.infra.rabbit("start_app")
            fault.ended = time.monotonic()
            if not ok:
                fault.error = ((fault.error + "; ") if fault.error else "") + output
            if not self.infra.wait_rabbitmq(60):
                fault.error = (fault.error or "") + " RabbitMQ does not answer after start_app"
                self.cleanup_problems += self.infra.ensure_running()
        if fault.error:
            log(f"  {fault.label}: {fault.error}")

    def _wait(self, seconds: float, what: str) -> None:
        """Sleep SECONDS, keeping watch (services that exit, a status line)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._supervise()
            self._status(what)
            time.sleep(min(0.25, max(0.0, deadline - time.monotonic())))

    def _supervise(self) -> None:
        """A service that exited without our kill is restarted, as an orchestrator would.
        The publisher must be alive."""
        if self.publisher is not None and not self.publisher.process.is_alive() and self.publisher._result is None:
            raise RuntimeError(f"the publisher process died (exit status {self.publisher.process.exitcode})")
        for name, process in self.services.processes.items():
            if name in self.killed_by_us or process.poll() is None:
                continue
            note = f"{self.at(time.monotonic())} s: {name} exited on its own (status {process.returncode}); restarted"
            self.events.append(note)
            if self.faults:
                self.faults[-1].notes.append(f"{name} exited on its own (status {process.returncode})")
            log(note)
            self._restart(name, self.faults[-1] if self.faults else None)

    def _restart(self, name: str, fault: Fault | None) -> None:
        """Start NAME again; an executable that cannot be started right now (e.g. "text
        file busy") is retried every second for --ready-timeout seconds."""
        deadline = time.monotonic() + self.args.ready_timeout
        while True:
            try:
                self.services.restart(name)
                return
            except OSError as error:
                if fault is not None and not any(n.startswith(f"cannot restart {name}") for n in fault.notes):
                    fault.notes.append(f"cannot restart {name}: {error}; retrying")
                log(f"  cannot restart {name}: {error}")
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def _status(self, what: str, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_status < 5:
            return
        self._last_status = now
        p = self.publisher.progress() if self.publisher else {}
        ready = self._ready_line()
        log(f"  {self.at(now):6.1f}s {what}: generated {int(p.get('generated', 0))}, confirmed {int(p.get('confirmed', 0))}, "
            f"waiting {int(p.get('backlog', 0) + p.get('unconfirmed', 0))}, reconnects {int(p.get('reconnects', 0))} | ready {ready}")

    def _ready_line(self) -> str:
        return " ".join(f"{name}:{(self.monitor.last(name) or (0, 0, '-'))[2]}" for name in self.instances)

    def _settle(self, fault: Fault, dwell: float) -> None:
        """After a fault, watch two things at once: every service answering 200 on
        /health/ready (given up after --ready-timeout), and every message confirmed before
        the fault's end having its transcript entry (given up --settle seconds after the
        services were ready, or when the transcripts did not grow for --idle seconds while
        they were). Then keep watching until DWELL seconds after the fault's end."""
        args = self.args
        below = fault.confirmed_below
        ready_deadline = fault.ended + args.ready_timeout
        base = None  # when every service was ready (or we stopped waiting for that)
        all_ready = False
        last_missing, last_change = None, time.monotonic()
        while True:
            now = time.monotonic()
            if base is None:
                late = [n for n in self.instances if not self.monitor.ready_since(n, fault.ended)]
                if not late:
                    base, all_ready = now, True
                    fault.ready_at = now
                elif now > ready_deadline:
                    base = now
                    fault.notes.append(f"not ready {args.ready_timeout:g} s after the fault: {', '.join(late)}")
                    log(f"  not ready after {args.ready_timeout:g} s: {', '.join(late)}")
            if fault.caught_up_after is None:
                count = transcript_count(self.postgres_url, self.load, below)
                if count is not None:
                    missing = below - count
                    if missing <= 0:
                        fault.caught_up_after = round(time.monotonic() - fault.ended, 1)
                        fault.missing = 0
                        log(f"  caught up {fault.caught_up_after:g} s after the end of {fault.label}")
                    elif missing != last_missing:
                        last_missing, last_change = missing, now
            if fault.caught_up_after is not None and base is not None:
                break
            if base is not None and fault.caught_up_after is None:
                if now - max(last_change, base) > args.idle:
                    fault.missing = last_missing
                    fault.notes.append(
                        f"stalled: {last_missing} of the {below} messages confirmed before its end had no transcript "
                        f"entry, and none came for {args.idle:g} s" + (" with every service ready" if all_ready else "")
                    )
                    log(f"  stalled: {last_missing} transcript entries missing, none came for {args.idle:g} s")
                    break
                if now - base > args.settle:
                    fault.missing = last_missing
                    fault.notes.append(f"not caught up within {args.settle:g} s of readiness ({last_missing} transcript entries missing)")
                    log(f"  not caught up within {args.settle:g} s ({last_missing} missing)")
                    break
            self._supervise()
            self._status(f"after {fault.label}")
            time.sleep(0.5)
        self._wait(fault.ended + dwell - time.monotonic(), f"after {fault.label}")
        fault.observed_until = time.monotonic()

    def _drain(self, published: dict) -> dict:
        """Wait until every message has its transcript entry, or nothing changes for
        --idle seconds (3 s once every confirmed one could be there), or --drain seconds."""
        args = self.args
        generated, confirmed = published["generated"], len(set(published["confirmed"]))
        started = time.monotonic()
        deadline = started + args.drain
        last, last_change, count = None, started, None
        log(f"draining: {generated} messages published, {confirmed} confirmed")
        while time.monotonic() < deadline:
            count = transcript_count(self.postgres_url, self.load)
            now = time.monotonic()
            if count is not None:
                if count >= generated:
                    break
                if count != last:
                    last, last_change = count, now
                elif now - last_change > (3 if count >= confirmed else args.idle):
                    break
            self._supervise()
            self._status("draining")
            time.sleep(0.5)
        return {"seconds": round(time.monotonic() - started, 1), "transcripts": count}

    # Analysis -----------------------------------------------------------------------------

    def _analyse(self, published: dict, drain: dict, baseline: dict) -> dict:
        load = self.load
        generated = published["generated"]
        confirmed = set(published["confirmed"])
        pattern = re.compile(rf"drill-{load.run_id}-(\d+)$")

        ingest_rows = sbt.psql_rows(
            self.postgres_url,
            f"SELECT carrier_message_id, id FROM ingest.messages WHERE carrier_message_id LIKE 'drill-{load.run_id}-%'",
        )
        ingest_count = collections.Counter()
        k_of_message = {}
        for carrier_id, message_id in ingest_rows:
            match = pattern.match(carrier_id)
            if match:
                k = int(match.group(1))
                ingest_count[k] += 1
                k_of_message[message_id] = k

        transcript_rows = sbt.psql_rows(
            self.postgres_url,
            "SELECT t.interaction_id, t.seq, coalesce(t.message_id, ''), split_part(t.text, ':', 3) "
            "FROM session.transcript t JOIN session.interactions i ON i.id = t.interaction_id "
            f"WHERE i.to_number = '{load.org}' AND t.kind = 'message' AND t.direction = 'inbound' "
            f"AND t.text LIKE 'drill:{load.run_id}:%' ORDER BY t.interaction_id, t.seq",
        )
        interactions = {r[0] for r in sbt.psql_rows(self.postgres_url, f"SELECT id FROM session.interactions WHERE to_number = '{load.org}'")}
        transcript_count_by_k = collections.Counter()
        by_interaction = collections.defaultdict(list)
        mismatched = 0
        for interaction_id, _seq, message_id, k_text in transcript_rows:
            if not k_text.isdigit():
                continue
            k = int(k_text)
            transcript_count_by_k[k] += 1
            by_interaction[interaction_id].append(k)
            if message_id and k_of_message.get(message_id, k) != k:
                mismatched += 1

        # Order: within an interaction the entries (by seq) follow the publish order; a
        # conversation is one interaction (Session mode, no timeout during the drill).
        out_of_order, interactions_of = set(), collections.defaultdict(set)
        for interaction_id, ks in by_interaction.items():
            conversation = load.conversation(ks[0])[0]
            for k in ks:
                interactions_of[load.conversation(k)[0]].add(interaction_id)
            if any(b < a for a, b in zip(ks, ks[1:])):
                out_of_order.add(conversation)
        split = sum(1 for ids in interactions_of.values() if len(ids) > 1)
        conversations = len({load.conversation(k)[0] for k in range(generated)})

        # Dead letters of this run.
        letters = self.tap.collect()
        ours, others = [], collections.Counter()
        dead_ks = set()
        for letter in letters:
            body = _text(letter["body"])
            ks = {int(m) for m in re.findall(rf"drill[-:]{load.run_id}[-:](\d+)", body)}
            ks |= {k_of_message[m] for m in re.findall(r"[0-9a-fA-F-]{36}", body) if m in k_of_message}
            related = bool(ks) or load.org in body or any(i in body for i in re.findall(r"[0-9a-fA-F-]{36}", body) if i in interactions)
            if not related:
                others[(*dead_letter_origin(letter)[:1], letter["routing_key"], dead_letter_origin(letter)[1])] += 1
                continue
            dead_ks |= ks
            origin, reason = dead_letter_origin(letter)
            ours.append((origin, letter["routing_key"], reason))
        dead_by_origin = collections.Counter(ours)

        in_transcript = set(transcript_count_by_k)
        lost = sorted(k for k in confirmed if k not in in_transcript and k not in dead_ks)
        lost_not_in_ingest = sum(1 for k in lost if k not in ingest_count)
        try:
            # message.received of this run's messages that ingest's outbox still holds.
            unsent = {
                int(k) for (k,) in sbt.psql_rows(
                    self.postgres_url,
                    f"SELECT substring(convert_from(body, 'UTF8') from 'drill-{load.run_id}-([0-9]+)') FROM ingest.outbox "
                    f"WHERE sent_at IS NULL AND position('drill-{load.run_id}-'::bytea in body) > 0",
                ) if k.isdigit()
            }
            lost_in_outbox = sum(1 for k in lost if k in unsent)
        except sbt.PsqlError:
            lost_in_outbox = None
        duplicates_ingest = sum(n - 1 for n in ingest_count.values() if n > 1)
        duplicates_transcript = sum(n - 1 for n in transcript_count_by_k.values() if n > 1)

        # A relay batch caught by the PostgreSQL restart ends at its deadline (15 s) and is
        # retried: rows still unsent then are late, not lost. What is still unsent after
        # OUTBOX_GRACE seconds counts.
        grace_until = time.monotonic() + OUTBOX_GRACE
        while True:
            try:
                outbox = unsent_outbox(self.postgres_url, self.db_started_at)
            except sbt.PsqlError as error:
                outbox = {"error": str(error)}
                break
            if not any(outbox.values()) or time.monotonic() >= grace_until:
                break
            time.sleep(2)
        depths = self.infra.queue_depths()
        catching_up: dict[str, int] = {}
        if any(u for _r, u, _c in depths.values()):
            # An unacked delivery may just be in hand: count only what is still there 3 s later.
            # A queue whose ready count fell meanwhile is being worked through (a consumer
            # catching up with a backlog, e.g. transfer after the outage), not stalled.
            time.sleep(3)
            again = self.infra.queue_depths()
            catching_up = {q: r - again[q][0] for q, (r, _u, _c) in depths.items() if q in again and again[q][0] < r}
            depths = {q: (r, min(u, again.get(q, (0, u, 0))[1]), c) for q, (r, u, c) in depths.items()}

        not_ready = [
            (f.label, name) for f in self.faults for name, r in f.readiness.items() if r["ready_after"] is None
        ]
        result = {
            "run_id": load.run_id,
            "org_number": load.org,
            "run_dir": str(self.run_dir),
            "parameters": {
                "rate": self.args.rate, "conversation_length": load.length, "conversations_at_a_time": load.per_block,
                "faults": self.args.faults, "killed": self.args.kill, "down_s": self.args.down,
                "pg_outage_s": self.args.pg_outage if "pg-outage" in self.args.faults else None,
                "rabbit_outage_s": self.args.rabbit_outage if "rabbit-restart" in self.args.faults else None,
            },
            "seconds": round(time.monotonic() - self.t_start, 1),
            "publisher": {
                "generated": generated, "confirmed": len(confirmed), "unconfirmed_at_end": len(published["unconfirmed"]),
                "publishes": published["publishes"], "republished": published["republished"], "nacked": published["nacked"],
                "returned": published["returned"], "reconnects": published["reconnects"],
                "disconnected_s": round(sum((up or published["t_done"] or down) - down for down, up in published["disconnects"]), 1),
                "errors": published["errors"][-10:], "connections": published.get("connections", []),
            },
            "ingest": {"stored": len(ingest_count), "stored_once": sum(1 for n in ingest_count.values() if n == 1), "duplicates": duplicates_ingest},
            "transcript": {"entries": sum(transcript_count_by_k.values()), "messages": len(in_transcript), "duplicates": duplicates_transcript, "message_id_mismatches": mismatched},
            "conversations": {"total": conversations, "out_of_order": len(out_of_order), "split": split},
            "dead_letters": {"this_run": len(ours), "messages": len(dead_ks), "other": sum(others.values()),
                             "other_by_origin": [{"queue": q, "routing_key": rk, "reason": r, "count": n} for (q, rk, r), n in others.most_common(10)],
                             "by_origin": [{"queue": q, "routing_key": rk, "reason": r, "count": n} for (q, rk, r), n in dead_by_origin.most_common()]},
            "lost": {"total": len(lost), "not_in_ingest": lost_not_in_ingest, "in_ingest_without_transcript": len(lost) - lost_not_in_ingest,
                     "in_ingest_outbox": lost_in_outbox, "sample": [load.carrier_id(k) for k in lost[:5]]},
            "outbox_unsent": outbox,
            "queues_at_end": {q: {"ready": r, "unacked": u, "consumers": c, "handled_in_3s": catching_up.get(q, 0)}
                              for q, (r, u, c) in sorted(depths.items())},
            "baseline": baseline,
            "drain": drain,
            "faults": [
                {"fault": f.label, "at_s": self.at(f.started), "outage_s": round(f.ended - f.started, 1), "error": f.error,
                 "caught_up_after_s": f.caught_up_after, "missing": f.missing, "notes": f.notes, "readiness": f.readiness}
                for f in self.faults
            ],
            "events": self.events,
            "not_ready_again": not_ready,
            "logs": log_summary(self.services, self.instances),
        }
        result.update(self._extra_analysis())
        result["failures"] = failures(result)
        return result

    # Cleanup ------------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Whatever happened: stop the publisher and the services, leave PostgreSQL and
        RabbitMQ running, remove our dead-letter queue."""
        if self.publisher is not None:
            self.publisher.terminate()
        self.monitor.stop()
        self.cleanup_problems += self.infra.ensure_running()
        if self.services.processes:
            log("stopping the services")
            self.services.stop()
        if self.services.bin_dir == self.run_dir / "bin":
            # The links would keep replaced executables on disk.
            shutil.rmtree(self.services.bin_dir, ignore_errors=True)
        self.tap.delete()


# --- The cluster drill (issue 16) ---------------------------------------------------------

CLUSTER_FAULTS = ["kill", "node-stop", "pg-restart"]
CLUSTER_NODES = ["sb1@localhost", "sb2@localhost", "sb3@localhost"]
CLUSTER_DATABASE = "switchboard_cluster_drill"
GATEWAY = os.environ.get("SB_CLUSTER_GATEWAY_LISTEN", "127.0.0.1:8090")
CLUSTER_SCRIPT = Path(__file__).resolve().parent / "cluster"


class Replica:
    """One replica of scripts/cluster, known by its pid file RUN_DIR/pids/<instance>.pid.
    poll() as subprocess.Popen's: None while it runs."""

    def __init__(self, instance: str, port: int, run_dir: Path):
        self.instance = instance
        self.service = instance.rsplit("-", 1)[0]
        self.port = port
        self.pidfile = run_dir / "pids" / f"{instance}.pid"
        self.log = run_dir / "logs" / f"{instance}.log"
        self.pid = int(self.pidfile.read_text().strip())
        self.popen: subprocess.Popen | None = None  # set once we restarted it (our child)
        self.returncode: int | str | None = None
        self.cmdline, self.environ, self.cwd = self.snapshot()

    def snapshot(self) -> tuple[list[str], dict[str, str], str]:
        """Its command line, environment and working directory, from /proc."""
        proc = Path(f"/proc/{self.pid}")
        cmdline = [a.decode() for a in proc.joinpath("cmdline").read_bytes().split(b"\0") if a]
        environ = dict(
            item.decode(errors="replace").partition("=")[::2]
            for item in proc.joinpath("environ").read_bytes().split(b"\0") if b"=" in item
        )
        return cmdline, environ, os.readlink(proc / "cwd")

    def alive(self) -> bool:
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return False
        return state != "Z"

    def poll(self):
        if self.popen is not None:
            self.returncode = self.popen.poll()
            return self.returncode
        if self.alive():
            return None
        self.returncode = "?"  # not our child: its status went to its parent
        return self.returncode

    def kill(self, timeout: float = 10.0):
        """kill -9 (after reading its command line and environment again, for the restart)."""
        self.cmdline, self.environ, self.cwd = self.snapshot()
        os.kill(self.pid, signal.SIGKILL)
        if self.popen is not None:
            try:
                return self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                return None
        deadline = time.monotonic() + timeout
        while self.alive():
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)
        return -9

    def restart(self) -> None:
        """The same command line, environment and directory; output appended to its log;
        a session of its own, as scripts/cluster's setsid; the pid file updated, so that
        scripts/cluster --stop stops it."""
        with open(self.log, "ab") as log_file:
            self.popen = subprocess.Popen(
                self.cmdline, env=self.environ, cwd=self.cwd, stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.pid = self.popen.pid
        self.returncode = None
        tmp = self.pidfile.with_suffix(".pid.tmp")
        tmp.write_text(f"{self.pid}\n")
        tmp.replace(self.pidfile)


class ClusterReplicas:
    """The replicas of a running scripts/cluster, in the shape of sbt.ServiceSet that the
    drill uses: processes (instance -> Replica), kill, restart, log."""

    def __init__(self, run_dir: Path, instances: dict[str, int]):
        self.run_dir = run_dir
        self.bin_dir = run_dir
        self.instances = instances
        self.processes: dict[str, Replica] = {}

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self) -> None:
        """Read the pid files (the cluster is already running)."""
        for instance, port in self.instances.items():
            self.processes[instance] = Replica(instance, port, self.run_dir)

    def kill(self, name: str):
        return self.processes[name].kill()

    def restart(self, name: str) -> Replica:
        self.processes[name].restart()
        return self.processes[name]

    def reap(self) -> None:
        for replica in self.processes.values():
            if replica.popen is not None:
                try:
                    replica.popen.wait(1)
                except subprocess.TimeoutExpired:
                    pass


def _http(method: str, url: str, token: str, body: dict | None = None, timeout: float = 10) -> tuple[int, dict | str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else {})
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")[:300]


def rfc3339(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


class ClusterDrill(Drill):
    """The drill against scripts/cluster: three RabbitMQ nodes, three replicas of each
    service, the gateway. Faults: kill -9 of one replica of each service (replica 1, 2,
    3, 1, ... in turn), one node's application stopped for --node-outage seconds, a
    PostgreSQL restart. Besides the single drill's checks: callbacks due during the faults
    fire exactly once, and no interaction is offered twice to one agent."""

    def __init__(self, args, env: dict[str, str], run_dir: Path):
        super().__init__(args, env, run_dir)
        self.services_bin = self.services.bin_dir
        self.cluster_dir = Path(args.cluster_run_dir) if args.cluster_run_dir else run_dir / "cluster"
        self.started_cluster = False
        self.database_made = False
        self.replica_ports = {
            f"{name}-{r}": sbt.service_port(name) + 100 * r for name in sbt.SERVICES for r in range(1, 4)
        }
        self.instances = list(self.replica_ports)
        self.monitor = ReadinessMonitor(self.instances, self.replica_ports)
        self.services = ClusterReplicas(self.cluster_dir, self.replica_ports)
        self.services.bin_dir = self.services_bin
        self.tap = DeadLetterTap(self.amqp_url, self.run_id, queue_type="quorum")
        self.observer = DeadLetterTap(self.amqp_url, self.run_id, queue_type="quorum", exchange="switchboard.events",
                                      keys=("callback.due",), prefix="drill.events")
        self.infra.rabbitmqctl = ["rabbitmqctl", "-n", CLUSTER_NODES[0]]
        self.gateway = f"http://{GATEWAY}"
        self.queue = f"drill-{self.run_id}"
        self.agents: list[str] = []
        self.callbacks: dict[str, float] = {}  # id -> due (epoch)
        self.callback_errors: list[str] = []
        self.node_connections: dict[str, dict[str, int]] = {}
        secret = env["SWITCHBOARD_JWT_SECRET"]
        self.admin_token = sbt.mint_token(secret, "drill-admin", ["admin"], name="Drill Admin")
        self.supervisor_token = sbt.mint_token(secret, "drill-supervisor", ["supervisor"], name="Drill Supervisor")

    # The cluster ---------------------------------------------------------------------------

    def _prepare(self) -> None:
        args = self.args
        if args.cluster_run_dir:
            log(f"using the cluster running from {self.cluster_dir}")
            return
        admin = self.postgres_url.rsplit("/", 1)[0] + "/switchboard"
        sbt.psql_rows(admin, f"DROP DATABASE IF EXISTS {CLUSTER_DATABASE} WITH (FORCE)")
        self.database_made = True  # scripts/cluster makes it (sb_start_postgres)
        command = [str(CLUSTER_SCRIPT), "--bin-dir", str(self.services_bin), "--run-dir", str(self.cluster_dir)]
        log(f"starting the cluster: {shlex.join(command)} (database {CLUSTER_DATABASE}; output in {self.run_dir}/cluster-start.log)")
        env = {**os.environ, "SB_CLUSTER_DATABASE": CLUSTER_DATABASE,
               "SWITCHBOARD_OFFER_TIMEOUT": str(int(args.offer_timeout))}
        env.pop("SWITCHBOARD_AMQP_URL", None)
        env.pop("SWITCHBOARD_POSTGRES_URL", None)
        started = time.monotonic()
        self.started_cluster = True  # from here on, cleanup stops it (also a half-started one)
        with open(self.run_dir / "cluster-start.log", "wb") as out:
            result = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"scripts/cluster did not start (status {result.returncode}):\n"
                               + sbt.tail(self.run_dir / "cluster-start.log", 40))
        self.cluster_start_s = round(time.monotonic() - started, 1)
        log(f"cluster running after {self.cluster_start_s:g} s")

    def _before_load(self) -> None:
        """The run's number routed to a queue of its own, agents Ready in it, an observer of
        callback.due, and callbacks due during the faults."""
        args = self.args
        self.observer.create()
        number = urllib.parse.quote(self.load.org, safe="")
        status, body = _http("PUT", f"{self.gateway}/v1/numbers/{number}", self.admin_token, {"mode": "session", "queue": self.queue})
        if status != 200:
            raise RuntimeError(f"PUT /v1/numbers: {status} {body}")
        for i in range(args.agents):
            agent = f"drill-{self.run_id}-agent{i + 1}"
            status, body = _http("PUT", f"{self.gateway}/v1/agents/{agent}", self.admin_token,
                                 {"name": f"Drill Agent {i + 1}", "queues": [self.queue], "capacity": {"sms": args.agent_capacity}})
            if status != 200:
                raise RuntimeError(f"PUT /v1/agents/{agent}: {status} {body}")
            token = sbt.mint_token(self.env["SWITCHBOARD_JWT_SECRET"], agent, ["agent"], name=f"Drill Agent {i + 1}")
            status, body = _http("PUT", f"{self.gateway}/v1/agents/{agent}/presence", token, {"channel": "sms", "state": "ready"})
            if status != 200:
                raise RuntimeError(f"PUT /v1/agents/{agent}/presence: {status} {body}")
            self.agents.append(agent)
        # Due from the first fault on, spread over --callback-span seconds.
        first = time.time() + args.warmup + 5
        for i in range(args.callbacks):
            due = first + i * args.callback_span / max(1, args.callbacks - 1)
            status, body = _http("POST", f"{self.gateway}/v1/callbacks", self.supervisor_token, {
                "phone": Load.customer(900000 + i), "due_at": rfc3339(due), "target": {"type": "queue", "id": self.queue},
                "channel": "sms", "notes": f"drill {self.run_id} callback {i}"})
            if status == 201 and isinstance(body, dict) and body.get("id"):
                self.callbacks[body["id"]] = due
            else:
                self.callback_errors.append(f"POST /v1/callbacks: {status} {body}")
        log(f"queue {self.queue}: {len(self.agents)} agents Ready (capacity {args.agent_capacity} each, offers expire after "
            f"{args.offer_timeout:g} s); {len(self.callbacks)} callbacks due over {args.callback_span:g} s from "
            f"{args.warmup + 5:g} s on")

    def _after_faults(self) -> None:
        """Every callback is due (and had time to fire) before the checks."""
        if self.callbacks:
            last = max(self.callbacks.values()) + 5
            if time.time() < last:
                self._wait(last - time.time(), "the last callbacks due")

    # Faults ----------------------------------------------------------------------------------

    def _plan(self) -> list[Fault]:
        plan = []
        for kind in self.args.faults:
            if kind == "kill":
                plan += [Fault("kill", f"{name}-{i % 3 + 1}") for i, name in enumerate(self.args.kill)]
            elif kind == "node-stop":
                plan.append(Fault("node-stop", self.args.stop_node))
            else:
                plan.append(Fault(kind, "postgresql"))
        return plan

    def connections_per_node(self) -> dict[str, int]:
        counts = {}
        for node in CLUSTER_NODES:
            # list_connections lists the whole cluster's; these are the node's own.
            ok, output = Infrastructure.run(["rabbitmqctl", "-q", "-n", node, "eval", "length(rabbit_networking:local_connections())."], 30)
            counts[node] = int(output.strip()) if ok and output.strip().isdigit() else -1
        return counts

    def _inject(self, fault: Fault) -> None:
        if fault.kind != "node-stop":
            return super()._inject(fault)
        before = self.connections_per_node()
        self.node_connections["before"] = before
        node = fault.target
        if before.get(node, 0) == 0 and max(before.values()) > 0:
            fault.notes.append(f"{node} held no connections; stopping the one with most")
            node = fault.target = max(before, key=before.get)
        log(f"  connections per node: {before}; stopping {node}")
        ok, output = Infrastructure.run(["rabbitmqctl", "-n", node, "stop_app"], 120)
        if not ok:
            fault.error = output
        self._wait(min(5.0, self.args.node_outage), f"{node} stopped")
        self.node_connections["during"] = self.connections_per_node()
        self._wait(self.args.node_outage - min(5.0, self.args.node_outage), f"{node} stopped")
        ok, output = Infrastructure.run(["rabbitmqctl", "-n", node, "start_app"], 180)
        fault.ended = time.monotonic()
        if not ok:
            fault.error = ((fault.error + "; ") if fault.error else "") + output
        log(f"  connections per node while {node} was stopped: {self.node_connections['during']}")

    def _ready_line(self) -> str:
        bad = [f"{n}:{(self.monitor.last(n) or (0, 0, '-'))[2]}" for n in self.instances if (self.monitor.last(n) or (0, 0, 0))[2] != 200]
        return f"{len(self.instances) - len(bad)}/{len(self.instances)} " + " ".join(bad)

    # Checks ----------------------------------------------------------------------------------

    def _extra_analysis(self) -> dict:
        fired = collections.Counter()
        letters = []
        try:
            letters = self.observer.collect()
        except Exception as error:  # noqa: BLE001 - reported
            self.callback_errors.append(f"observer: {error!r}")
        ids = set(self.callbacks)
        for letter in letters:
            for found in set(re.findall(r"[0-9a-fA-F-]{36}", _text(letter["body"]))) & ids:
                fired[found] += 1
        states = collections.Counter()
        try:
            for state, n in sbt.psql_rows(self.postgres_url, f"SELECT state, count(*) FROM callback.callbacks WHERE notes LIKE 'drill {self.run_id} %' GROUP BY state"):
                states[state] = int(n)
        except sbt.PsqlError as error:
            self.callback_errors.append(f"callback schema: {error}")
        offers = {}
        try:
            rows = sbt.psql_rows(self.postgres_url, "SELECT kind, state, count(*) FROM transfer.offers GROUP BY 1, 2")
            offers["by_kind_state"] = {f"{k} {st}": int(n) for k, st, n in rows}
            twice = sbt.psql_rows(self.postgres_url, "SELECT coalesce(interaction_id::text, callback_id::text), agent_id, count(*) FROM transfer.offers "
                                  "GROUP BY 1, 2 HAVING count(*) > 1")
            offers["same_agent_twice"] = len(twice)
            offers["same_agent_twice_sample"] = [f"{a} to {b}: {n}x" for a, b, n in twice[:5]]
            offers["interactions_offered"] = int(sbt.psql_rows(self.postgres_url, "SELECT count(DISTINCT interaction_id) FROM transfer.offers")[0][0])
        except sbt.PsqlError as error:
            offers["error"] = str(error)
        return {"cluster": {
            "started_in_s": getattr(self, "cluster_start_s", None),
            "stop_node": self.args.stop_node,
            "connections": self.node_connections,
            "callbacks": {
                "scheduled": len(self.callbacks), "errors": self.callback_errors[:5],
                "fired_once": sum(1 for i in ids if fired[i] == 1), "never": sum(1 for i in ids if fired[i] == 0),
                "twice_or_more": sum(1 for i in ids if fired[i] > 1),
                "states": dict(states),
                "deliveries_seen": sum(fired.values()),
            },
            "offers": offers,
            "agents": len(self.agents),
        }, "run_dir": str(self.cluster_dir)}

    def cleanup(self) -> None:
        if self.publisher is not None:
            self.publisher.terminate()
        self.monitor.stop()
        self.observer.delete()
        self.tap.delete()
        if self.infra.touched_pg:
            self.cleanup_problems += self.infra.ensure_running()
        if self.started_cluster:
            log(f"stopping the cluster (scripts/cluster --stop --run-dir {self.cluster_dir})")
            result = subprocess.run([str(CLUSTER_SCRIPT), "--stop", "--run-dir", str(self.cluster_dir)], stdin=subprocess.DEVNULL,
                                    capture_output=True, text=True, timeout=300)
            if result.returncode != 0:
                self.cleanup_problems.append(f"scripts/cluster --stop failed: {result.stderr[-500:]}")
            self.services.reap()
            left = [n for n, r in self.services.processes.items() if r.poll() is None]
            if left:
                self.cleanup_problems.append(f"replicas still running after --stop: {', '.join(left)}")
        if self.database_made and not self.args.keep_database:
            admin = self.postgres_url.rsplit("/", 1)[0] + "/switchboard"
            try:
                sbt.psql_rows(admin, f"DROP DATABASE IF EXISTS {CLUSTER_DATABASE} WITH (FORCE)")
            except sbt.PsqlError as error:
                self.cleanup_problems.append(f"cannot drop {CLUSTER_DATABASE}: {error}")
        if self.services_bin == self.run_dir / "bin":
            shutil.rmtree(self.services_bin, ignore_errors=True)


def cluster_cell(readiness: dict, service: str) -> str:
    """The three replicas of SERVICE in one cell: the slowest one's time, and what the
    replicas that were not 200 throughout answered."""
    reps = {r: readiness[f"{service}-{r}"] for r in (1, 2, 3) if f"{service}-{r}" in readiness}
    never = [r for r, x in reps.items() if x["ready_after"] is None]
    if never:
        return "never (" + ", ".join(f"r{r}" for r in never) + ")"
    disturbed = {r: readiness_cell(x) for r, x in reps.items() if readiness_cell(x) != "0.0 (200 throughout)"}
    if not disturbed:
        return "200 throughout"
    return "; ".join(f"r{r} {text}" for r, text in disturbed.items())


def print_cluster_report(r: dict) -> None:
    c = r["cluster"]
    cb, offers = c["callbacks"], c["offers"]
    print()
    print("Cluster: three RabbitMQ nodes, three replicas of each service"
          + (f" (cluster started in {c['started_in_s']:g} s)" if c["started_in_s"] else "") + ".")
    print()
    print("| cluster measure | value |")
    print("|---|---|")
    print(f"| callbacks scheduled (due during the faults) | {cb['scheduled']} |")
    print(f"| callback.due seen by the observer: once / never / twice or more | {cb['fired_once']} / {cb['never']} / {cb['twice_or_more']} "
          f"({cb['deliveries_seen']} deliveries) |")
    print(f"| callbacks by state | {', '.join(f'{k} {v}' for k, v in sorted(cb['states'].items())) or '-'} |")
    if "error" in offers:
        print(f"| offers | cannot read: {offers['error']} |")
    else:
        print(f"| offers ({c['agents']} agents Ready) | {', '.join(f'{k} {v}' for k, v in sorted(offers['by_kind_state'].items()))}; "
              f"{offers['interactions_offered']} interactions offered |")
        print(f"| one interaction (or callback) offered twice to one agent | {offers['same_agent_twice']} |")
    conns = c["connections"]
    if conns:
        print(f"| AMQP connections per node before / during the node stop | {conns.get('before')} / {conns.get('during')} |")
    pub = r["publisher"]
    moves = pub.get("connections") or []
    if moves:
        text = "; ".join(f"{t}: {u.split('@')[-1]}" for t, u in moves)
        print(f"| publisher's connections (s since start, node) | {text} |")
    if cb["errors"]:
        print()
        print("Callback problems: " + "; ".join(cb["errors"]))
    if offers.get("same_agent_twice_sample"):
        print("Offered twice to one agent, e.g.: " + "; ".join(offers["same_agent_twice_sample"]))


def cluster_failures(r: dict) -> list[str]:
    c = r.get("cluster")
    if not c:
        return []
    found = []
    cb = c["callbacks"]
    if cb["errors"]:
        found.append(f"callbacks: {cb['errors'][0]}")
    if cb["scheduled"] == 0:
        found.append("no callback was scheduled")
    if cb["never"] or cb["twice_or_more"]:
        found.append(f"callback.due not exactly once: {cb['never']} never, {cb['twice_or_more']} twice or more (observer)")
    if sum(cb["states"].values()) != cb["scheduled"] or cb["states"].get("scheduled"):
        found.append(f"callbacks not all fired in the callback schema: {cb['states']}")
    offers = c["offers"]
    if "error" in offers:
        found.append(f"cannot read transfer.offers: {offers['error']}")
    elif offers["same_agent_twice"]:
        found.append(f"{offers['same_agent_twice']} interaction(s) or callback(s) offered twice to one agent")
    return found


def cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


def cpu_busy(before: tuple[int, int], after: tuple[int, int]) -> float | None:
    """Percent of all CPUs busy between two cpu_times()."""
    total = after[1] - before[1]
    return round(100.0 * (after[0] - before[0]) / total, 1) if total > 0 else None


def snapshot_executables(bin_dir: Path, run_dir: Path) -> Path:
    """Hard links to the six executables in RUN_DIR/bin, so that a build replacing them
    during the drill does not change (or, "text file busy", block) what is restarted.
    BIN_DIR itself when they cannot be linked (another file system)."""
    snapshot = run_dir / "bin"
    try:
        snapshot.mkdir(parents=True, exist_ok=True)
        for name in sbt.SERVICES:
            target = snapshot / name
            if not target.exists():
                os.link(bin_dir / name, target)
        # switchboardctl: scripts/cluster makes the demo channel with it (optional).
        if (bin_dir / "switchboardctl").exists() and not (snapshot / "switchboardctl").exists():
            os.link(bin_dir / "switchboardctl", snapshot / "switchboardctl")
        return snapshot
    except OSError:
        return bin_dir


def log_summary(services, names: list[str] | None = None, top: int = 3) -> dict[str, dict]:
    """Per service (or replica): lines at warning or above in its log, and the most frequent messages."""
    summary = {}
    for name in names or sbt.SERVICES:
        counts = collections.Counter()
        levels = collections.Counter()
        try:
            lines = services.log(name).read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                if line.strip():
                    levels["unparsed"] += 1
                    counts[line.strip()[:120]] += 1
                continue
            level = entry.get("level")
            if level in ("warning", "error", "critical"):
                levels[level] += 1
                counts[f"{level}: {str(entry.get('msg'))[:120]}"] += 1
        summary[name] = {"levels": dict(levels), "top": counts.most_common(top)}
    return summary


def failures(r: dict) -> list[str]:
    found = []
    if r["lost"]["total"]:
        found.append(f"{r['lost']['total']} confirmed message(s) lost (no transcript entry, not dead-lettered)")
    duplicates = r["ingest"]["duplicates"] + r["transcript"]["duplicates"]
    if duplicates:
        found.append(f"{duplicates} duplicate(s)")
    if r["conversations"]["out_of_order"]:
        found.append(f"{r['conversations']['out_of_order']} conversation(s) out of order")
    if r["dead_letters"]["this_run"]:
        found.append(f"{r['dead_letters']['this_run']} dead letter(s) of this run")
    for fault in r["faults"]:
        if fault["error"]:
            found.append(f"{fault['fault']} could not be run as planned: {fault['error']}")
    for label, name in r["not_ready_again"]:
        found.append(f"{name} was not ready again after {label}")
    outbox = r["outbox_unsent"]
    if "error" in outbox:
        found.append(f"cannot read the outboxes: {outbox['error']}")
    elif any(outbox.values()):
        found.append("outbox rows of the run left unsent: " + ", ".join(f"{s} {n}" for s, n in outbox.items() if n))
    return found + cluster_failures(r)


# --- Report -----------------------------------------------------------------------------


def readiness_cell(r: dict) -> str:
    if r["ready_after"] is None:
        text = "never"
    else:
        text = f"{r['ready_after']:.1f}"
    notes = []
    if r["refused"]:
        notes.append("down")
    if r["saw_503"]:
        notes.append("503")
    if r["no_answer_s"]:
        notes.append(f"no answer {r['no_answer_s']:.0f}s")
    if r["errors"]:
        notes.append(f"{r['errors']} failed")
    if r["flapped"]:
        notes.append(f"then {r['flapped']}x not 200")
    if r["ready_after"] == 0.0 and not notes:
        notes.append("200 throughout")
    return f"{text} ({', '.join(notes)})" if notes else text


def print_report(r: dict, cleanup_problems: list[str]) -> None:
    p, pub = r["parameters"], r["publisher"]
    verdict = "PASSED" if not r["failures"] else "FAILED"
    print()
    print(f"## Switchboard fault drill (run {r['run_id']}, {os.cpu_count()} CPUs, {r['seconds']:.0f} s): {verdict}")
    print()
    print(f"{p['rate']:g} SMS/s to {r['org_number']}, conversations of {p['conversation_length']} messages "
          f"({p['conversations_at_a_time']} at a time); faults: {', '.join(p['faults'])}; logs in {r['run_dir']}/logs")
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| messages published (distinct carrier ids) | {pub['generated']} |")
    print(f"| confirmed by the broker | {pub['confirmed']} |")
    print(f"| not confirmed when the publisher stopped | {pub['unconfirmed_at_end']} |")
    print(f"| published again (same carrier id) | {pub['republished']} (nacked {pub['nacked']}, returned {pub['returned']}, "
          f"reconnections {pub['reconnects']}, {pub['disconnected_s']} s disconnected) |")
    print(f"| stored once in ingest | {r['ingest']['stored_once']} |")
    print(f"| transcript entries | {r['transcript']['entries']} |")
    print(f"| duplicates (ingest / transcript) | {r['ingest']['duplicates'] + r['transcript']['duplicates']} "
          f"({r['ingest']['duplicates']} / {r['transcript']['duplicates']}) |")
    print(f"| conversations out of order | {r['conversations']['out_of_order']} of {r['conversations']['total']} "
          f"(split over several interactions: {r['conversations']['split']}) |")
    print(f"| dead-lettered (this run) | {r['dead_letters']['this_run']} ({r['dead_letters']['messages']} inbound messages; "
          f"other dead letters meanwhile: {r['dead_letters']['other']}) |")
    lost = r["lost"]
    print(f"| lost (confirmed, no transcript entry, not dead-lettered) | {lost['total']} "
          f"(not in ingest {lost['not_in_ingest']}; in ingest, no transcript {lost['in_ingest_without_transcript']}, "
          f"of which message.received still unsent in ingest's outbox {lost['in_ingest_outbox']}) |")
    outbox = r["outbox_unsent"]
    outbox_text = outbox["error"] if "error" in outbox else (", ".join(f"{s} {n}" for s, n in outbox.items() if n) or "0")
    print(f"| outbox rows of the run unsent after the drain | {outbox_text} |")
    print(f"| drain | {r['drain']['seconds']} s |")
    if r["baseline"].get("cpu_busy_percent") is not None:
        print(f"| CPU busy during the warm-up (all CPUs, no fault) | {r['baseline']['cpu_busy_percent']} % |")
    print()
    print("Seconds each service needed to answer 200 on /health/ready again after the fault's end "
          "(kill: from its restart); in brackets what it answered meanwhile: down = nothing listening, "
          "503, no answer = no reply within 2 s; never = not ready until the drill moved on. "
          "Caught up = every message confirmed before the fault's end in a transcript.")
    print()
    print("| # | fault | at s | outage s | caught up s | " + " | ".join(sbt.SERVICES) + " |")
    print("|---|---|---|---|---|" + "---|" * len(sbt.SERVICES))
    for i, f in enumerate(r["faults"], 1):
        caught = f"{f['caught_up_after_s']:.1f}" if f["caught_up_after_s"] is not None else f"no ({f['missing']} missing)"
        if "cluster" in r:
            cells = " | ".join(cluster_cell(f["readiness"], n) for n in sbt.SERVICES)
        else:
            cells = " | ".join(readiness_cell(f["readiness"][n]) for n in sbt.SERVICES)
        print(f"| {i} | {f['fault']} | {f['at_s']:.0f} | {f['outage_s']:.1f} | {caught} | {cells} |")
    notes = [(f["fault"], n) for f in r["faults"] for n in ([f"error: {f['error']}"] if f["error"] else []) + f["notes"]]
    for f in r["faults"]:
        for name, readiness in f["readiness"].items():
            if readiness["ready_after"] is None or readiness["flapped"]:
                why = "; ".join(f"{text} ({n}x)" for text, n in readiness["why"]) or "no detail"
                notes.append((f["fault"], f"{name} answered: {why}"))
    if notes or r["events"] or r["baseline"]["caught_up_after"] is None:
        print()
        if r["baseline"]["caught_up_after"] is None:
            print(f"- before any fault the pipeline did not keep up ({r['baseline']['missing']} transcript entries missing after the warm-up)")
        for label, note in notes:
            print(f"- {label}: {note}")
        for event in r["events"]:
            print(f"- {event}")
    if r["dead_letters"]["by_origin"]:
        print()
        print("Dead letters of this run, by origin:")
        for d in r["dead_letters"]["by_origin"]:
            print(f"- {d['count']} from {d['queue']} ({d['routing_key']}): {d['reason']}")
    if r["dead_letters"]["other_by_origin"]:
        print()
        print("Other dead letters during the run (not attributable to this run): " + "; ".join(
            f"{d['count']} from {d['queue']} ({d['routing_key']}): {d['reason']}" for d in r["dead_letters"]["other_by_origin"]))
    if r["lost"]["sample"]:
        print()
        print(f"Lost, for example: {', '.join(r['lost']['sample'])}")
    busy = {q: d for q, d in r["queues_at_end"].items() if d["ready"] or d["unacked"] or not d["consumers"]}
    if busy:
        print()
        print("Queues not empty (or without a consumer) after the drain, all messages, not only this run's: "
              + ", ".join(f"{q} {d['ready']} ready / {d['unacked']} unacked ({d['consumers']} consumers"
                          + (f", {d['handled_in_3s']} fewer ready 3 s later: catching up)" if d.get("handled_in_3s") else ")")
                          for q, d in busy.items()))
        if any(d["unacked"] and not d.get("handled_in_3s") for d in busy.values()):
            print("Unacknowledged deliveries left after the drain: a consumer holds deliveries it does not handle "
                  "(a stall); they would be delivered again only when its connection closes (e.g. a restart).")
    if pub["errors"]:
        print()
        print("Publisher: " + "; ".join(pub["errors"][-5:]))
    if "cluster" in r:
        print_cluster_report(r)
    print()
    print("Service logs, lines at warning or above (most frequent):")
    for name, s in r["logs"].items():
        levels = ", ".join(f"{k} {v}" for k, v in sorted(s["levels"].items())) or "none"
        top = "; ".join(f"{n}x {text}" for text, n in s["top"])
        print(f"- {name}: {levels}" + (f" -- {top}" if top else ""))
    print()
    if r["failures"]:
        print("FAILED:")
        for failure in r["failures"]:
            print(f"- {failure}")
    else:
        print("PASSED: nothing lost, duplicated, out of order or dead-lettered; every service ready again after every fault.")
    for problem in cleanup_problems:
        print(f"WARNING: {problem}")


# --- Main -------------------------------------------------------------------------------


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="scripts/drill",
        description="Fault drill: the six services under a steady inbound SMS load while services, PostgreSQL and "
                    "RabbitMQ fail; then checks that nothing was lost, duplicated, reordered or dead-lettered. "
                    "Restarts PostgreSQL and RabbitMQ: run it on a machine of its own (needs root or their users).",
    )
    parser.add_argument("--short", action="store_true", help="the short form for scripts/test: one kill -9 of each service and one PostgreSQL restart at 30 SMS/s (under about 2 minutes)")
    parser.add_argument("--faults", default=None, help=f"comma-separated, in this order: {','.join(FAULTS)} (default all; --short: kill,pg-restart); "
                        f"with --cluster: {','.join(CLUSTER_FAULTS)} (default all; --short: kill,node-stop)")
    parser.add_argument("--kill", default=None, help="services to kill -9, in turn (default all six; --cluster --short: session); "
                        "with --cluster one replica of each (replica 1, 2, 3, 1, ... in turn)")
    parser.add_argument("--rate", type=float, default=None, help="inbound SMS per second (default 100; --short: 30; --cluster: 60, with --short 20)")
    parser.add_argument("--length", type=int, default=5, help="messages per conversation (default 5)")
    parser.add_argument("--spacing", type=float, default=2.0, help="seconds between two messages of one conversation (default 2)")
    parser.add_argument("--window", type=int, default=500, help="unconfirmed messages at most (default 500)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of load before the first fault (default 10; --short: 5)")
    parser.add_argument("--down", type=float, default=None, help="seconds a killed service stays down (default 2)")
    parser.add_argument("--pg-outage", type=float, default=None, help="seconds PostgreSQL stays stopped (default 90)")
    parser.add_argument("--rabbit-outage", type=float, default=None, help="seconds between stop_app and start_app (default 5)")
    parser.add_argument("--settle", type=float, default=None, help="after a fault, wait at most this long (once every service is ready) for the pipeline to catch up (default 40; --short: 20)")
    parser.add_argument("--idle", type=float, default=None, help="stop waiting when the transcripts did not grow for this long (default 10; --short: 8)")
    parser.add_argument("--dwell", type=float, default=None, help="watch at least this long after each fault's end before the next one (default 5; --short: 4)")
    parser.add_argument("--ready-timeout", type=float, default=60.0, help="after a fault, wait at most this long for every service to be ready (default 60)")
    parser.add_argument("--drain", type=float, default=None, help="after the load, wait at most this long for the last transcripts (default 60; --short: 30)")
    parser.add_argument("--flush", type=float, default=None, help="after the load, seconds for unconfirmed messages to be confirmed (default 30; --short: 20)")
    parser.add_argument("--bin-dir", default=os.environ.get("SWITCHBOARD_BIN_DIR", sbt.DEFAULT_BIN_DIR), help="the services' executables (default $SWITCHBOARD_BIN_DIR or /tmp/sb-bin)")
    parser.add_argument("--run-dir", default=None, help="logs of the services (default: a new directory under /tmp)")
    parser.add_argument("--port-base", type=int, default=9081, help="ports of the six services, in order, from this one, unless SB_<NAME>_PORT is set (default 9081)")
    parser.add_argument("--pg-ctl", default="pg_ctlcluster 15 main", help="command to which restart/stop/start is appended (default: pg_ctlcluster 15 main)")
    parser.add_argument("--rabbitmqctl", default=f"rabbitmqctl -n {os.environ.get('SB_RABBITMQ_NODE', 'rabbit@localhost')}", help="command to which stop_app/start_app is appended (default: rabbitmqctl -n rabbit@localhost)")
    parser.add_argument("--out", default=None, help="write the results as JSON to this file")
    cluster = parser.add_argument_group("cluster (issue 16)", "the drill against scripts/cluster: faults kill (one replica of "
                                        "each service), node-stop, pg-restart; --short: one node stop and one replica kill")
    cluster.add_argument("--cluster", action="store_true", help="start scripts/cluster (three RabbitMQ nodes, three replicas of "
                         f"each service, database {CLUSTER_DATABASE} made afresh and dropped) from --bin-dir, drill it, stop it")
    cluster.add_argument("--cluster-run-dir", default=None, help="with --cluster: use the cluster already running from this "
                         "run directory (scripts/cluster --run-dir) and its database; neither is stopped or dropped")
    cluster.add_argument("--stop-node", default="sb2@localhost", help="the node whose application is stopped (default sb2@localhost, "
                         "where replica 2 of every service and the load publisher connect; if it holds no connection, the one with most)")
    cluster.add_argument("--node-outage", type=float, default=None, help="seconds the node stays stopped (default 30; --short: 20)")
    cluster.add_argument("--agents", type=int, default=4, help="agents Ready in the run's queue (default 4)")
    cluster.add_argument("--agent-capacity", type=int, default=3, help="SMS capacity of each agent (default 3)")
    cluster.add_argument("--offer-timeout", type=float, default=10, help="SWITCHBOARD_OFFER_TIMEOUT of the cluster started (default 10 s)")
    cluster.add_argument("--callbacks", type=int, default=None, help="callbacks scheduled, due during the faults (default 40; --short: 10)")
    cluster.add_argument("--callback-span", type=float, default=None, help="seconds over which they are due, from the warm-up's end (default 150; --short: 30)")
    cluster.add_argument("--keep-database", action="store_true", help=f"do not drop {CLUSTER_DATABASE} at the end")
    args = parser.parse_args(argv)

    if args.cluster_run_dir:
        args.cluster = True
    profile = PROFILES[("cluster-short" if args.short else "cluster") if args.cluster else ("short" if args.short else "full")]
    profile = {"kill": ",".join(sbt.SERVICES), "node_outage": 30.0, "callbacks": 0, "callback_span": 0.0, **profile}
    for key, value in profile.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    known = CLUSTER_FAULTS if args.cluster else FAULTS
    args.faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = [f for f in args.faults if f not in known]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)} (known{' with --cluster' if args.cluster else ''}: {', '.join(known)})")
    args.faults = [f for f in known if f in args.faults]  # always in the documented order
    if args.cluster and args.stop_node not in CLUSTER_NODES:
        parser.error(f"--stop-node: one of {', '.join(CLUSTER_NODES)}")
    args.kill = [s.strip() for s in args.kill.split(",") if s.strip()]
    unknown = [s for s in args.kill if s not in sbt.SERVICES]
    if unknown:
        parser.error(f"unknown service(s) for --kill: {', '.join(unknown)}")
    if args.rate <= 0 or args.length < 1 or args.spacing <= 0 or args.window < 1:
        parser.error("--rate and --spacing must be positive, --length and --window at least 1")
    return args


def preflight(args, env) -> None:
    """Raise RuntimeError when the drill cannot run here."""
    sbt.check_rabbitmq(env["SWITCHBOARD_AMQP_URL"])
    sbt.check_postgres(env["SWITCHBOARD_POSTGRES_URL"])
    if shutil.which("psql") is None:
        raise RuntimeError("psql is needed to check the results (apt-get install postgresql-client)")
    needed = []
    if {"pg-restart", "pg-outage"} & set(args.faults):
        needed.append(shlex.split(args.pg_ctl)[0])
    if "rabbit-restart" in args.faults:
        needed.append(shlex.split(args.rabbitmqctl)[0])
    missing = [c for c in needed if shutil.which(c) is None]
    if missing:
        raise RuntimeError(f"not found: {', '.join(missing)} (see --pg-ctl, --rabbitmqctl)")
    if "rabbit-restart" in args.faults:
        ok, output = Infrastructure.run([*shlex.split(args.rabbitmqctl), "-q", "status"], 30)
        if not ok:
            raise RuntimeError(f"cannot control RabbitMQ: {output} (see --rabbitmqctl; needs root or the rabbitmq user)")


def _raise_interrupted(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def cluster_env(args, run_dir: Path) -> dict[str, str]:
    """The configuration of the cluster drill: the cluster's when one runs (--cluster-run-dir,
    from its first ingest replica's environment), else what scripts/cluster will use. The
    publisher and the drill's own queues get the three nodes' URLs starting with node 2."""
    env = sbt.sb_env(run_dir)
    if args.cluster_run_dir:
        pidfile = Path(args.cluster_run_dir) / "pids" / "ingest-1.pid"
        try:
            pid = int(pidfile.read_text().strip())
            running = dict(item.decode().partition("=")[::2] for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in item)
        except (OSError, ValueError) as error:
            raise RuntimeError(f"no cluster running from {args.cluster_run_dir} ({pidfile}: {error})") from None
        urls = sbt.amqp_urls(running["SWITCHBOARD_AMQP_URL"])
        env.update({k: v for k, v in running.items() if k.startswith("SWITCHBOARD_")})
    else:
        base = int(os.environ.get("SB_CLUSTER_AMQP_PORT", "5701"))
        urls = [f"amqp://switchboard:switchboard@127.0.0.1:{base + i}/%2F" for i in range(3)]
        pg_port = urlsplit_port(env["SWITCHBOARD_POSTGRES_URL"])
        env["SWITCHBOARD_POSTGRES_URL"] = f"postgres://switchboard:switchboard@127.0.0.1:{pg_port}/{CLUSTER_DATABASE}"
    env["SWITCHBOARD_AMQP_URL"] = ",".join(urls[1:] + urls[:1])
    return env


def urlsplit_port(url: str) -> int:
    return urllib.parse.urlsplit(url).port or 5432


def cluster_preflight(args, env) -> None:
    if shutil.which("psql") is None:
        raise RuntimeError("psql is needed to check the results (apt-get install postgresql-client)")
    missing = [c for c in ("rabbitmqctl", shlex.split(args.pg_ctl)[0]) if shutil.which(c) is None]
    if missing:
        raise RuntimeError(f"not found: {', '.join(missing)}")
    if args.cluster_run_dir:
        sbt.check_rabbitmq(env["SWITCHBOARD_AMQP_URL"])
        sbt.check_postgres(env["SWITCHBOARD_POSTGRES_URL"])
    else:
        sbt.check_postgres(env["SWITCHBOARD_POSTGRES_URL"].rsplit("/", 1)[0] + "/switchboard")
        missing = [n for n in sbt.SERVICES if not os.access(Path(args.bin_dir) / n, os.X_OK)]
        if missing:
            raise RuntimeError(f"no executable {', '.join(missing)} in {args.bin_dir} (see --bin-dir)")


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.cluster:
        for offset, name in enumerate(sbt.SERVICES):
            os.environ.setdefault(f"SB_{name.upper()}_PORT", str(args.port_base + offset))
    run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix="switchboard-cluster-drill-" if args.cluster else "switchboard-drill-", dir="/tmp"))
    if args.cluster and not args.run_dir:
        run_dir.chmod(0o755)  # the RabbitMQ nodes run as user rabbitmq, their files are in here
    try:
        if args.cluster:
            env = cluster_env(args, run_dir)
            cluster_preflight(args, env)
        else:
            env = sbt.sb_env(run_dir)
            preflight(args, env)
    except RuntimeError as error:
        print(f"drill: {error}", file=sys.stderr)
        return 2

    drill = (ClusterDrill if args.cluster else Drill)(args, env, run_dir)
    signal.signal(signal.SIGTERM, _raise_interrupted)
    signal.signal(signal.SIGHUP, _raise_interrupted)
    result, error = None, None
    try:
        result = drill.run()
    except (Interrupted, KeyboardInterrupt) as interruption:
        error = f"interrupted ({interruption or 'SIGINT'})"
    except Exception as failure:  # noqa: BLE001 - reported, after cleaning up
        error = f"{type(failure).__name__}: {failure}"
    finally:
        # Cleaning up must not be cut short: PostgreSQL and RabbitMQ must run afterwards.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        log("cleaning up (PostgreSQL and RabbitMQ are left running)")
        drill.cleanup()
    if result is None:
        print(f"drill: did not complete: {error}", file=sys.stderr)
        print(f"drill: logs in {drill.services.log_dir}", file=sys.stderr)
        for problem in drill.cleanup_problems:
            print(f"drill: WARNING: {problem}", file=sys.stderr)
        return 2
    result["cleanup_problems"] = drill.cleanup_problems
    print_report(result, drill.cleanup_problems)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2, default=str) + "\n")
        print(f"\nJSON written to {args.out}")
    return 0 if not result["failures"] and not drill.cleanup_problems else 1


if __name__ == "__main__":
    sys.exit(main())
