"""The floor under an inbound SMS (issue #17; docs/benchmark.md, "eighth pass"): what the
contract's durable steps cost this machine with no Switchboard code running.
scripts/bench.py dispatches here for `scripts/bench --floor`; the services must be
stopped, since what is measured is the whole machine's busy time.

An inbound SMS crosses three quorum queues on its way to an agent (`ingest.messages`,
`session.inbound.N`, `transfer.events`) and three service transactions (ingest, session,
transfer). This measures, at each fixed rate of --floor-rates, for --floor-seconds:

1. **idle**: the machine's busy CPU with nothing running, per second (the baseline
   subtracted from the two below);
2. **a quorum-queue hop**: one publisher sending one message at a time, each waiting for
   its publisher confirm, into a temporary quorum queue, and one consumer acking each
   (prefetch 50): RabbitMQ's CPU per message;
3. **a transaction like a service's**: `BEGIN`, an inbox insert, a message insert, an
   outbox insert, `COMMIT`, with `pgbench -M prepared -c 1 -R <rate>` (a C client) in a
   temporary schema: PostgreSQL's CPU per transaction.

"The server's CPU" is the machine's busy time (/proc/stat) over the step, minus what the
clients used (their rusage), minus the idle baseline over the same time. The report adds
the floor of one SMS handled alone (three hops and three transactions) and sets it
against the budget at that rate: the machine's CPUs divided by the rate.
"""

from __future__ import annotations

import glob
import multiprocessing as mp
import os
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))

import pika  # noqa: E402
import switchboard_tools as sb  # noqa: E402
import bench_machine  # noqa: E402  (busy, not idle, iowait, steal or guest; over --cpus when confined)

DEFAULT_RATES = "150,800"
DEFAULT_SECONDS = 20.0
HOPS_PER_SMS = 3
TRANSACTIONS_PER_SMS = 3
BODY = b'{"type":"message.received","data":{"text":"hello there, is my order ready?"}}' * 4

PGBENCH_SCRIPT = """\
BEGIN;
INSERT INTO {schema}.inbox (message_id) VALUES (gen_random_uuid()::text);
INSERT INTO {schema}.messages (id, body) VALUES (gen_random_uuid(), 'hello there, is my order ready?');
INSERT INTO {schema}.outbox (body) VALUES ('{{"type":"message.received","data":{{"text":"hello there"}}}}');
COMMIT;
"""


def add_arguments(parser):
    group = parser.add_argument_group(
        "the floor (issue #17)",
        "scripts/bench --floor: what a quorum-queue hop and a service-like transaction cost this machine, "
        "with the services stopped (--out applies too)",
    )
    group.add_argument("--floor", action="store_true", help="measure the floor under an SMS instead")
    group.add_argument("--floor-rates", default=None, metavar="R1,R2",
                       help=f"fixed rates, per second, to measure at (default {DEFAULT_RATES})")
    group.add_argument("--floor-seconds", type=float, default=None, metavar="S",
                       help=f"how long each step runs (default {DEFAULT_SECONDS:.0f})")


def parse_rates(text):
    """'150,800' -> [150.0, 800.0]; ValueError with a reason for anything else."""
    rates = []
    for part in text.split(","):
        part = part.strip()
        try:
            rate = float(part)
        except ValueError:
            raise ValueError(f"not a rate: {part!r}") from None
        if not 0 < rate <= 100_000:
            raise ValueError(f"a rate must be above 0 and at most 100000 per second: {part}")
        rates.append(rate)
    if not rates:
        raise ValueError("no rate given")
    return rates


def check_arguments(parser, args, others):
    """OTHERS: the options of other modes that were given (refused with --floor)."""
    if others:
        parser.error(f"--floor measures the floor only: leave out {', '.join(others)}")
    try:
        args.floor_rates = parse_rates(args.floor_rates or DEFAULT_RATES)
    except ValueError as error:
        parser.error(f"--floor-rates: {error}")
    if args.floor_seconds is None:
        args.floor_seconds = DEFAULT_SECONDS
    if args.floor_seconds < 2:
        parser.error("--floor-seconds must be at least 2")


def server_ms_per_operation(busy, clients, idle_per_second, seconds, operations):
    """CPU milliseconds per operation the server spent: the machine's busy seconds minus
    the clients' and the idle baseline's over the step. None without operations."""
    if operations <= 0:
        return None
    return round(max(0.0, busy - clients - idle_per_second * seconds) * 1000 / operations, 3)


def sms_floor(hop_ms, transaction_ms, cpus, rate):
    """The floor of one SMS handled alone at RATE, and the budget the machine has per SMS
    there (its CPUs over the rate), in ms."""
    if hop_ms is None or transaction_ms is None:
        return None
    floor = HOPS_PER_SMS * hop_ms + TRANSACTIONS_PER_SMS * transaction_ms
    budget = cpus * 1000 / rate
    return {"floor_ms": round(floor, 2), "budget_ms": round(budget, 2), "share_of_budget": round(floor / budget, 2)}


def table(result):
    """The report as one Markdown table, a row per rate."""
    lines = [
        "| rate | RabbitMQ per quorum hop | PostgreSQL per transaction | SMS floor (3 hops + 3 tx) | budget per SMS | floor / budget |",
        "|---|---|---|---|---|---|",
    ]
    for step in result["steps"]:
        sms = step.get("sms") or {}

        def ms(value):
            return "—" if value is None else f"{value:.2f} ms"

        lines.append(
            f"| {step['rate']:g}/s | {ms(step['hop']['server_ms'])} | {ms(step['transaction']['server_ms'])} "
            f"| {ms(sms.get('floor_ms'))} | {ms(sms.get('budget_ms'))} "
            f"| {'—' if sms.get('share_of_budget') is None else format(sms['share_of_budget'], '.0%')} |"
        )
    return "\n".join(lines)


# --- Measuring --------------------------------------------------------------------------


def machine_busy_seconds():
    """The measured CPUs' busy time since boot (/proc/stat: all of them, or those of
    --cpus), in seconds."""
    return bench_machine.snapshot()["ticks"]["busy"] / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(work):
    """Runs WORK (whose clients are child processes it waits for) and returns (its value,
    the machine's busy seconds, the clients' CPU seconds, wall seconds)."""
    busy, children, started = machine_busy_seconds(), children_cpu_seconds(), time.monotonic()
    value = work()
    return value, machine_busy_seconds() - busy, children_cpu_seconds() - children, time.monotonic() - started


def _hop_consumer(amqp_url, queue_name, count, ready, done):
    connection = sb.blocking_connection(amqp_url)
    channel = connection.channel()
    channel.basic_qos(prefetch_count=50)
    received = [0]

    def on_message(chan, method, _properties, _body):
        chan.basic_ack(method.delivery_tag)
        received[0] += 1

    channel.basic_consume(queue_name, on_message)
    ready.set()
    deadline = time.monotonic() + 120 + count / 10
    while received[0] < count and time.monotonic() < deadline:
        connection.process_data_events(time_limit=0.5)
    connection.close()
    done.put(received[0])


def _hop_publisher(amqp_url, queue_name, rate, count, done):
    connection = sb.blocking_connection(amqp_url)
    channel = connection.channel()
    channel.confirm_delivery()
    properties = pika.BasicProperties(delivery_mode=2)
    started = time.monotonic()
    for k in range(count):
        delay = started + k / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        channel.basic_publish("", queue_name, BODY, properties)  # returns once confirmed
    connection.close()
    done.put(count)


def quorum_hop(amqp_url, rate, seconds):
    """One step of item 2: returns (messages consumed, busy, clients, wall)."""
    count = max(1, int(rate * seconds))
    queue_name = f"bench.floor.{uuid.uuid4().hex[:12]}"
    admin = sb.blocking_connection(amqp_url)
    channel = admin.channel()
    channel.queue_declare(queue_name, durable=True, arguments={"x-queue-type": "quorum"})
    ctx = mp.get_context("fork")
    try:

        def run():
            ready, done = ctx.Event(), ctx.Queue()
            consumer = ctx.Process(target=_hop_consumer, args=(amqp_url, queue_name, count, ready, done), daemon=True)
            consumer.start()
            if not ready.wait(30):
                consumer.kill()
                consumer.join()
                raise RuntimeError("the floor's consumer did not start within 30 s")
            publisher = ctx.Process(target=_hop_publisher, args=(amqp_url, queue_name, rate, count, done), daemon=True)
            publisher.start()
            publisher.join()
            consumer.join(120 + count / 10)
            # The smaller of the two counts: what the consumer received. A publisher that
            # died (a refused publish, a lost connection) reports nothing: said, not a traceback.
            try:
                return min(done.get(timeout=5), done.get(timeout=5))
            except queue.Empty:
                raise RuntimeError(
                    f"the floor's publisher (exit {publisher.exitcode}) or consumer (exit {consumer.exitcode}) did not finish"
                ) from None

        return measured(run)
    finally:
        try:
            channel.queue_delete(queue_name)
        finally:
            admin.close()


def find_pgbench():
    """pgbench on PATH, else the newest Debian one (it ships with the server package)."""
    found = shutil.which("pgbench")
    if found:
        return found
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), key=lambda p: int(Path(p).parts[4]))
    return candidates[-1] if candidates else None


def transactions(pgbench, postgres_url, rate, seconds):
    """One step of item 3: returns (transactions processed, busy, clients, wall)."""
    schema = f"bench_floor_{uuid.uuid4().hex[:12]}"
    sb.psql_rows(
        postgres_url,
        f"CREATE SCHEMA {schema}; "
        f"CREATE TABLE {schema}.inbox (message_id text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); "
        f"CREATE TABLE {schema}.messages (id uuid PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now()); "
        f"CREATE TABLE {schema}.outbox (id bigserial PRIMARY KEY, body text NOT NULL)",
    )
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".sql", prefix="switchboard-floor-") as script:
            script.write(PGBENCH_SCRIPT.format(schema=schema))
            script.flush()

            def run():
                result = subprocess.run(
                    [pgbench, "-n", "-M", "prepared", "-f", script.name, "-R", f"{rate:g}", "-T", f"{max(1, round(seconds))}", "-c", "1",
                     postgres_url],
                    capture_output=True, text=True, timeout=seconds + 120,
                )
                if result.returncode != 0:
                    raise RuntimeError(f"pgbench failed: {result.stderr.strip()[-400:]}")
                for line in result.stdout.splitlines():
                    if line.startswith("number of transactions actually processed:"):
                        return int(line.split(":")[1].split("/")[0])
                raise RuntimeError("pgbench did not say how many transactions it processed")

            return measured(run)
    finally:
        sb.psql_rows(postgres_url, f"DROP SCHEMA {schema} CASCADE")


def bench(args, env):
    """The whole floor run; the services must be stopped (checked by the caller)."""
    pgbench = find_pgbench()
    if pgbench is None:
        raise RuntimeError("pgbench is missing (it ships with the postgresql package)")
    amqp_url, postgres_url = sb.amqp_urls(env["SWITCHBOARD_AMQP_URL"])[0], env["SWITCHBOARD_POSTGRES_URL"]
    seconds, cpus = args.floor_seconds, bench_machine.measured_cpu_count()
    print(f"floor: idle baseline for {seconds:g} s", file=sys.stderr)
    _, idle_busy, _, idle_wall = measured(lambda: time.sleep(seconds))
    idle_per_second = idle_busy / idle_wall
    steps = []
    for rate in args.floor_rates:
        print(f"floor: a quorum-queue hop at {rate:g}/s for {seconds:g} s", file=sys.stderr)
        hops, busy, clients, wall = quorum_hop(amqp_url, rate, seconds)
        hop = {"messages": hops, "busy_s": round(busy, 2), "clients_s": round(clients, 2), "wall_s": round(wall, 2),
               "server_ms": server_ms_per_operation(busy, clients, idle_per_second, wall, hops)}
        print(f"floor: a service-like transaction at {rate:g}/s for {seconds:g} s", file=sys.stderr)
        count, busy, clients, wall = transactions(pgbench, postgres_url, rate, seconds)
        transaction = {"transactions": count, "busy_s": round(busy, 2), "clients_s": round(clients, 2), "wall_s": round(wall, 2),
                       "server_ms": server_ms_per_operation(busy, clients, idle_per_second, wall, count)}
        steps.append({"rate": rate, "hop": hop, "transaction": transaction,
                      "sms": sms_floor(hop["server_ms"], transaction["server_ms"], cpus, rate)})
    result = {"mode": "floor", "cpus": cpus, "seconds": seconds, "idle_busy_per_s": round(idle_per_second, 3),
              "body_bytes": len(BODY), "steps": steps}
    result["table"] = table(result)
    return result


def print_report(result):
    print(f"\nThe floor under an SMS on this machine ({result['cpus']} CPUs; idle baseline "
          f"{result['idle_busy_per_s']:.3f} CPU-s/s subtracted; {result['body_bytes']}-byte messages):\n")
    print(result["table"])
