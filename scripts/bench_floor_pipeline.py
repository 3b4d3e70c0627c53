"""The floor pipeline (issue #17; docs/benchmark.md, "tenth pass"): the contract's durable
path with no Switchboard code, swept like the services. scripts/bench.py dispatches here
for `scripts/bench --floor-pipeline`; the services must be stopped.

`scripts/bench --floor` measures what one hop and one transaction cost, one at a time.
This answers the question that leaves open: with the cheapest clients there are, batching
as the services do, what latency does the contract's path itself have at half of its own
peak on this machine? If the goal of issue #17 (p99 under 100 ms, p50 under 25 ms at half
the peak) does not hold even here, no implementation of the contract holds it on this
machine; if it holds, the services' own cost is what stops it, and by how much is measured.

The path mirrors an inbound SMS's (architecture sections 1 and 5): the publisher (the
benchmark's own, with confirms) -> quorum queue A -> stage A (ingest's place) -> quorum
queue B -> stage B (session's place) -> a fanout exchange -> quorum queue C -> stage C
(transfer's place, which publishes nothing) and the observer's queue, where latency is
measured as in `scripts/bench` (publish -> seen by the observer). Everything is one C
program (scripts/bench_floor_pipeline.c, compiled with the machine's cc against rabbitmq-c
and libpq), the publisher (confirms, a window, a fixed rate) and the observer included:
Python's would take a good part of the two CPUs at the rates this pipeline reaches. Each
stage takes every delivery already received as a batch, runs one transaction
(inbox, messages, and its outbox rows, in one round trip), acks the batch with one frame,
and publishes its outbox rows with confirms that it reads between batches; rows confirmed
are deleted by the next batch's statement. Each stage has its own schema, like a service.

The sweep is `scripts/bench --sweep`'s (scripts/bench_sweep.py): as fast as possible (the
peak), the raw broker reference, then 10/25/50/75 % of the measured peak for
--sweep-seconds each; CPU per message is the three stages + RabbitMQ + PostgreSQL.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))

import switchboard_tools as sb  # noqa: E402

import bench_machine  # noqa: E402
import bench_sweep  # noqa: E402
import bench_wal  # noqa: E402

SOURCE = Path(__file__).resolve().parent / "bench_floor_pipeline.c"
STAGES = ("stage-a", "stage-b", "stage-c")
PREFETCH = 500
DEFAULT_MESSAGES = 20000
DEFAULT_SWEEP_SECONDS = 20.0
STAGE_START_TIMEOUT = 15.0  # seconds for a stage or the observer to say it is ready
TEXT = "hello, I need help with my order"


def add_arguments(parser):
    group = parser.add_argument_group(
        "the floor pipeline (issue #17)",
        "scripts/bench --floor-pipeline [-n N] [--sweep-seconds S] [--out FILE] [--plot FILE.png]: the contract's "
        "durable path in C with no Switchboard code, swept like the services (services stopped)",
    )
    group.add_argument("--floor-pipeline", action="store_true", help="sweep the floor pipeline instead")
    group.add_argument("--floor-round-trips", choices=("one", "each"), default=None,
                       help="each stage's transaction in one round trip (default) or one per statement, as a client that "
                            "waits for each statement's answer")


def check_arguments(parser, args, others):
    """OTHERS: options given that this mode does not take. With --rate: one step at that
    rate instead of the sweep."""
    if others:
        parser.error(f"--floor-pipeline takes -n, --rate, --sweep-seconds, --window, --raw-messages, --no-raw, "
                     f"--floor-round-trips, --out and --plot only: leave out {', '.join(others)}")
    if args.rate < 0:
        parser.error("--rate must be positive (or 0: the sweep)")
    if args.rate and (args.plot is not None or args.sweep_seconds is not None):
        parser.error("--floor-pipeline --rate R runs one step of -n messages at R: --plot and --sweep-seconds are the sweep's")
    if args.floor_round_trips is None:
        args.floor_round_trips = "one"
    if args.messages is None:
        args.messages = DEFAULT_MESSAGES
    if args.sweep_seconds is None:
        args.sweep_seconds = DEFAULT_SWEEP_SECONDS
    if args.messages < bench_sweep.MIN_STEP_MESSAGES or args.sweep_seconds <= 0 or args.window < 1:
        parser.error(f"--floor-pipeline needs -n of at least {bench_sweep.MIN_STEP_MESSAGES}, a positive --sweep-seconds "
                     "and --window")
    # The sweep's steps take these from the arguments; the pipeline has no conversations.
    args.conversations = 1
    args.publishers = 1


def compile_flags() -> list[str]:
    """The flags to build a stage against rabbitmq-c and libpq: pkg-config's, else
    Debian's paths."""
    if shutil.which("pkg-config"):
        found = subprocess.run(["pkg-config", "--cflags", "--libs", "librabbitmq", "libpq"], capture_output=True, text=True)
        if found.returncode == 0:
            return found.stdout.split()
    return ["-I/usr/include/postgresql", "-lrabbitmq", "-lpq"]


def build_stage(directory: Path) -> Path:
    """Compile the stage into DIRECTORY; RuntimeError with the compiler's reason."""
    compiler = next((c for c in (os.environ.get("CC"), "cc", "gcc", "clang") if c and shutil.which(c)), None)
    if compiler is None:
        raise RuntimeError("no C compiler (cc, gcc or clang) to build the floor pipeline's stage: apt-get install gcc")
    binary = directory / "floor_pipeline"
    built = subprocess.run([compiler, "-O2", "-Wall", "-o", str(binary), str(SOURCE), *compile_flags()],
                           capture_output=True, text=True)
    if built.returncode != 0:
        raise RuntimeError(
            "cannot build the floor pipeline's stage (it needs librabbitmq-dev and libpq-dev): "
            + (built.stderr.strip().splitlines() or ["no output"])[-1]
        )
    return binary


def amqp_parts(amqp_url: str) -> list[str]:
    """HOST PORT USER PASSWORD VHOST of an amqp:// URL, as the stage takes them."""
    url = urllib.parse.urlsplit(amqp_url)
    if url.scheme != "amqp" or not url.hostname:
        raise RuntimeError(f"the floor pipeline needs a plain amqp:// URL, not {sb.redact(amqp_url)}")
    vhost = urllib.parse.unquote(url.path[1:]) if len(url.path) > 1 else "/"
    return [url.hostname, str(url.port or 5672), urllib.parse.unquote(url.username or "guest"),
            urllib.parse.unquote(url.password or "guest"), vhost]


def schema_sql(schema: str) -> str:
    """A stage's tables: what a service's inbound path writes, and no more."""
    return (
        f"CREATE SCHEMA {schema};"
        f" CREATE TABLE {schema}.inbox (message_id text PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now());"
        f" CREATE TABLE {schema}.messages (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text NOT NULL,"
        f" created_at timestamptz NOT NULL DEFAULT now());"
        f" CREATE TABLE {schema}.outbox (id bigint PRIMARY KEY, body text NOT NULL);"
    )


def first_line_bytes(process: subprocess.Popen, timeout: float) -> bytes:
    """first_line of a process whose stdout is a binary pipe."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline() if ready else b""


def first_line(process: subprocess.Popen, timeout: float) -> str:
    """The first line PROCESS writes to its stdout (a text pipe), or '' when none came within
    TIMEOUT seconds: a stage or observer stuck connecting must not hold the benchmark."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline() if ready else ""


class Pipeline:
    """The three stages, their queues, exchange and schemas, for one sweep."""

    def __init__(self, amqp_url: str, postgres_url: str, binary: Path, log_dir: Path, round_trips: str = "one"):
        self.amqp_url, self.postgres_url, self.binary, self.log_dir = amqp_url, postgres_url, binary, log_dir
        self.round_trips = round_trips
        run = uuid.uuid4().hex[:10]
        self.run = run
        self.queues = {name: f"floorpipe.{run}.{name[-1]}" for name in STAGES}
        self.events = f"floorpipe.{run}.events"
        self.schemas = {name: f"floorpipe_{run}_{name[-1]}" for name in STAGES}
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: list = []
        self.counts: dict = {}

    def __enter__(self):
        # Whatever part of the start failed, what was made before it is removed again.
        try:
            self.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def start(self) -> None:
        parts = amqp_parts(self.amqp_url)
        connection = sb.blocking_connection(self.amqp_url)
        try:
            channel = connection.channel()
            for queue in self.queues.values():
                channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
            channel.exchange_declare(self.events, "fanout", durable=True)
            channel.queue_bind(self.queues["stage-c"], self.events)
        finally:
            connection.close()
        sb.psql_rows(self.postgres_url, " ".join(schema_sql(s) for s in self.schemas.values()))
        outputs = {"stage-a": ("", self.queues["stage-b"]), "stage-b": (self.events, ""), "stage-c": ("-", "-")}
        for name in STAGES:
            exchange, key = outputs[name]
            log = open(self.log_dir / f"{name}.log", "w")
            self.logs.append(log)
            self.processes[name] = subprocess.Popen(
                [str(self.binary), "stage", *parts, self.queues[name], exchange or "", key,
                 self.postgres_url, self.schemas[name], str(PREFETCH), self.round_trips],
                stdout=subprocess.PIPE, stderr=log, text=True,
            )
        for name, process in self.processes.items():
            if '"ready"' not in first_line(process, STAGE_START_TIMEOUT):
                raise RuntimeError(f"the floor pipeline's {name} did not start: {sb.tail(self.log_dir / f'{name}.log')}")

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def check_running(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise RuntimeError(f"the floor pipeline's {name} ended: {sb.tail(self.log_dir / f'{name}.log')}")

    def held(self) -> dict[str, int]:
        """{queue: ready messages} of the pipeline's queues that hold any; RuntimeError when a
        stage ended."""
        self.check_running()
        connection = sb.blocking_connection(self.amqp_url)
        try:
            channel = connection.channel()
            depths = {q: channel.queue_declare(q, passive=True).method.message_count for q in self.queues.values()}
        finally:
            connection.close()
        return {queue: count for queue, count in depths.items() if count}

    def wait_quiet(self, timeout: float = 300.0, quiet_for: float = 2.0) -> None:
        sb.wait_until_quiet(self.held, "the floor pipeline's queues", timeout, quiet_for)

    def __exit__(self, *_exc):
        counts = {}
        for name, process in self.processes.items():
            if process.poll() is None:
                process.terminate()
            try:
                out, _ = process.communicate(timeout=10)
                counts[name] = json.loads(out.strip().splitlines()[-1]) if out.strip() else None
            except (subprocess.TimeoutExpired, ValueError):
                process.kill()
                counts[name] = None
        self.counts = counts
        for log in self.logs:
            log.close()
        try:
            connection = sb.blocking_connection(self.amqp_url)
            channel = connection.channel()
            for queue in self.queues.values():
                channel.queue_delete(queue)
            channel.exchange_delete(self.events)
            connection.close()
        except Exception as error:  # noqa: BLE001 - cleanup; the result stands
            print(f"bench: warning: the floor pipeline's queues were not deleted: {error}", file=sys.stderr)
        try:
            sb.psql_rows(self.postgres_url, " ".join(f"DROP SCHEMA IF EXISTS {s} CASCADE;" for s in self.schemas.values()))
        except sb.PsqlError as error:
            print(f"bench: warning: the floor pipeline's schemas were not dropped: {error}", file=sys.stderr)
        return False


def run_step(args, pipeline: Pipeline) -> dict:
    """One step: args.messages at args.rate (0: as fast as possible) through the pipeline,
    published and observed by the C tool too (a Python publisher and observer would take
    a good part of the machine at the pipeline's rates); the result in the shape of
    `scripts/bench`'s, which the sweep's table reads."""
    pipeline.check_running()
    step = uuid.uuid4().hex[:8]
    usage = sb.UsageMeter(pipeline.pids(), names=STAGES)
    wal_before = bench_wal.snapshot(pipeline.postgres_url)
    machine_before = bench_machine.snapshot()
    observer = subprocess.Popen(
        [str(pipeline.binary), "observe", *amqp_parts(pipeline.amqp_url), pipeline.events, str(args.messages),
         str(args.idle_timeout)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        if '"ready"' not in first_line(observer, STAGE_START_TIMEOUT):
            raise RuntimeError(f"the floor pipeline's observer did not start: {observer.stderr.read()[-1000:]}")
        publisher = subprocess.run(
            [str(pipeline.binary), "publish", *amqp_parts(pipeline.amqp_url), "", pipeline.queues["stage-a"],
             str(args.messages), f"{args.rate or 0:g}", str(args.window), step],
            capture_output=True, text=True, timeout=(args.messages / args.rate if args.rate else 0) + args.idle_timeout + 600,
        )
        if publisher.returncode != 0 or not publisher.stdout.strip():
            raise RuntimeError(f"the floor pipeline's publisher failed: {publisher.stderr[-1000:]}")
        published = json.loads(publisher.stdout)
        out, err = observer.communicate(timeout=args.idle_timeout + 600)
        if observer.returncode != 0:
            raise RuntimeError(f"the floor pipeline's observer failed: {err[-1000:]}")
        observed = json.loads(out)
    finally:
        if observer.poll() is None:
            observer.kill()
            observer.wait()
    stages, infra = usage.finish()
    machine = bench_machine.activity(machine_before, bench_machine.snapshot())
    wal_after = bench_wal.snapshot(pipeline.postgres_url)
    pipeline.check_running()

    publish_time = published["published_at"]
    t_first, t_published = published["t0"], published["t_done"]
    done = {i: t for i, t in observed["seen_at"] if i < len(publish_time)}
    latencies = sorted(done[i] - publish_time[i] for i in done)
    seen = sorted(done.values())
    t_last = seen[-1] if seen else t_published
    steady = sb.steady_rate(seen)
    return {
        "machine": bench_machine.described(),
        "parameters": {"messages": args.messages, "conversations": None, "publishers": 1, "window": args.window,
                       "rate": args.rate or None, "body_bytes": len(body(step, args.messages // 2))},
        "publish": {"seconds": round(t_published - t_first, 3),
                    "confirmed_per_s": round(args.messages / (t_published - t_first), 1) if t_published > t_first else None,
                    "nacked": published["nacked"], "returned": 0},
        "e2e": {"appended": len(done), "missing": args.messages - len(done), "duplicate_events": observed["duplicates"],
                "seconds": round(t_last - t_first, 3),
                "per_s": round(len(done) / (t_last - t_first), 1) if t_last > t_first else None,
                "steady_per_s": round(steady, 1) if steady else None, "latency_ms": sb.latency_ms(latencies)},
        "stages": None,
        "services": stages,
        "infrastructure_cpu_seconds": infra,
        "postgres_wal": bench_wal.activity(wal_before, wal_after, len(done)),
        "machine_cpu": machine,
    }


def body(run: str, index: int) -> bytes:
    """The body the C publisher sends for message INDEX of step RUN (about the size of
    the benchmark's inbound SMS); for its size in the report."""
    return (f'{{"id": "floor-{run}-{index}", "i": {index}, "from": "+15555550123", "to": "+15555550100", '
            f'"text": "floor:{run}:{index} {TEXT}"}}').encode()


def bench(args, env, raw_run) -> dict:
    """The sweep over the floor pipeline. RAW_RUN(messages, body_bytes): the raw reference."""
    amqp_url, postgres_url = env["SWITCHBOARD_AMQP_URL"], env["SWITCHBOARD_POSTGRES_URL"]
    work = Path(tempfile.mkdtemp(prefix="switchboard-floor-pipeline-", dir="/tmp"))
    binary = build_stage(work)
    print(f"floor pipeline: three C stages (logs in {work})", file=sys.stderr)
    with Pipeline(amqp_url, postgres_url, binary, work, args.floor_round_trips) as pipeline:
        if args.rate:
            step = run_step(args, pipeline)
            result = {"mode": "fixed", "rate": args.rate, "result": step,
                      "table": [bench_sweep.table_row(f"{args.rate:g}/s", args.rate, None, step)]}
        else:
            result = bench_sweep.run_sweep(args, lambda step_args: run_step(step_args, pipeline), raw_run,
                                           wait_quiet=pipeline.wait_quiet)
        # The third stage follows the observer's: it finishes the last step before the
        # stages stop, so their counts add up.
        pipeline.wait_quiet()
    result["floor_pipeline"] = True
    result["round_trips"] = args.floor_round_trips
    result["title"] = "Floor pipeline (C, no Switchboard code), publish → seen after two stages"
    result["rate_label"] = "rate achieved (messages seen per s, first publish to last seen)"
    result["stage_counts"] = pipeline.counts
    # What it made and removed again, by name (its queues, exchange and schemas).
    result["made"] = {"queues": sorted(pipeline.queues.values()), "exchange": pipeline.events,
                      "schemas": sorted(pipeline.schemas.values())}
    return result


def print_report(result: dict) -> None:
    trips = "one round trip per transaction" if result["round_trips"] == "one" else "one round trip per statement"
    print()
    if result["mode"] == "fixed":
        step = result["result"]
        print(f"## The floor pipeline at {result['rate']:g} msg/s ({step['machine']['cpus']} CPUs)")
        print()
        print(f"Three C stages (rabbitmq-c, libpq; {trips}) on the contract's durable path, no Switchboard code: "
              f"{step['parameters']['messages']} messages, {step['parameters']['body_bytes']} B each. Latency: publish -> "
              "seen after stages A and B; CPU: the three stages + RabbitMQ + PostgreSQL per message.")
    else:
        peak = result["peak"]
        print(f"## The floor pipeline: rate sweep ({peak['machine']['cpus']} CPUs)")
        print()
        print(
            f"Three C stages (rabbitmq-c, libpq; {trips}) on the contract's durable path, no Switchboard code. peak: "
            f"{peak['parameters']['messages']} messages as fast as possible; then {result['sweep_seconds']:g} s per fixed "
            f"rate; {peak['parameters']['body_bytes']} B per message. Measured steady peak: "
            f"{bench_sweep._fmt(result['peak_per_s'])} msg/s. Latency: publish -> seen after stages A and B; CPU: the "
            "three stages + RabbitMQ + PostgreSQL per message."
        )
    print()
    for line in bench_sweep.markdown_table(result["table"], False):
        print(line)
    print()
    note = bench_sweep.stolen_note(result["table"])
    if note:
        print(note)
        print()
    raw = result.get("raw_broker")
    if raw:
        print(f"Raw broker (quorum queue, same message size): 1 consumer with manual acks {raw['consume_acked_per_s']} msg/s. "
              f"Peak / raw single hop (consumer): {bench_sweep._fmt(result['peak_over_raw_consumer_percent'])} %.")
    counts = result.get("stage_counts") or {}
    for name in STAGES:
        c = counts.get(name)
        if c and c.get("batches"):
            print(f"{name}: {c['messages']} messages in {c['batches']} batches "
                  f"(mean {c['messages'] / c['batches']:.1f}, largest {c['largest_batch']}).")
