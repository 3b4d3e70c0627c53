#!/usr/bin/env python3
"""Switchboard's benchmark (docs/architecture.md section 7): inbound SMS end to end,
compared with the raw broker in the same run. Run it through scripts/bench (see --help).

What it does:

1. Binds an exclusive queue to `switchboard.events` (key `interaction.message.appended`)
   and consumes it in its own process.
2. Publishes N inbound SMS over C conversations (conversation = one customer number to
   one organisation number of this run) to `switchboard.inbound`/`message`, from P
   publisher processes (pika, publisher confirms, a window of unconfirmed messages),
   each conversation from one publisher, in order. Each SMS has the carrier id
   `bench-<run>-<index>`.
3. Latency of message i = time its `interaction.message.appended` was seen - time it
   was published. The event carries ingest's `message_id`; after the run, ingest's table
   (`ingest.messages`: id, carrier id) maps it back to i. (Earlier versions also consumed
   every `message.received` for that, one more event copy per SMS on the broker and in
   the observer, both on the machine being measured.)
4. Sustained rate: N / (last appended event - first publish), and the steady rate
   between the 10th and the 90th percentile of the appended events.
5. Peak RSS (VmHWM) and CPU time of each of the six services, from /proc.
6. Raw broker reference, same run, same message size: one pika publisher with confirms
   (same window) to a temporary quorum queue, and one consumer with manual acks.
7. Per-stage latency (scripts/bench_stages.py has the marks and their sources): the time
   between consecutive marks of each SMS's path, p50/p90/p99/max. Always: publish ->
   ingest took it (ingest.messages.received_at) -> ingest's transaction start
   (accepted_at, PostgreSQL now()) -> session's event time (the CloudEvent `time` of
   interaction.message.appended, written in session's transaction) -> appended seen.
   With --stages the observer also consumes every message.received (one more event copy
   per SMS on the broker, which is why it is opt-in), adding ingest's event time,
   message.received seen and session's transaction start (session.inbox.received_at).
   With track_commit_timestamp on in PostgreSQL, both commits too. The services' times
   are wall-clock; they are moved onto time.monotonic() with the offset between the two
   clocks, read before and after the run.

Prints a Markdown table; --out FILE writes the same as JSON; --dump FILE one line per SMS.

With --sweep (scripts/bench_sweep.py): the run above as fast as possible (the peak), the
raw reference once, then fixed rates at 10/25/50/75 % of the measured steady peak for
--sweep-seconds each, in the same conversations; one table of latency (and with
--stages each stage's p50/p99) and CPU per SMS per rate. --plot FILE.png draws latency
against rate (scripts/bench_plot.py, matplotlib), also from a saved sweep:
--plot-from FILE.json --plot FILE.png.

With --replies N it measures the send path instead (issue #14): agents' replies through
session and ingest to the simulator carrier, until their receipts; scripts/bench_replies.py
has that method. Both modes share the options that start the services and the
measurements of scripts/lib/switchboard_tools.py (CPU, memory, percentiles).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))

import pika  # noqa: E402

import switchboard_tools as sb  # noqa: E402  (configuration, the services, the confirming publisher; shared with scripts/drill)
from switchboard_tools import Message, run_publishers  # noqa: E402

import bench_client  # noqa: E402  (the C publisher and observer, --tools c)
import bench_floor  # noqa: E402  (--floor: what the contract's durable steps cost this machine)
import bench_floor_pipeline  # noqa: E402  (--floor-pipeline: the contract's path in C, swept)
import bench_machine  # noqa: E402  (the machine's CPU: busy, and what a virtual machine's host took back)
import bench_plot  # noqa: E402  (--plot: latency against rate, matplotlib)
import bench_replies  # noqa: E402  (the send-path mode, --replies)
import bench_stages  # noqa: E402  (per-stage latency of the inbound path)
import bench_streams  # noqa: E402  (the idle-streams mode, --streams)
import bench_sweep  # noqa: E402  (--sweep: the peak, then fixed rates below it)
import bench_wal  # noqa: E402  (PostgreSQL's WAL and checkpoints around each run)

# With --stages, how long the observer still waits for message.received events once every
# expected append was seen.
RECEIVED_GRACE = 5.0


# --- Observing events -------------------------------------------------------------------


def _event_consumer(amqp_url, expected, idle_timeout, stages, ready, results):
    """Consume interaction.message.appended until EXPECTED message entries were seen, or
    nothing new came for IDLE_TIMEOUT s. Which of them are this run's is decided afterwards
    from ingest's table (bench_stages.ingest_marks), so the observer costs the system one
    event copy per SMS, not two. With STAGES it also consumes every message.received (one
    more copy per SMS, the price of its stages), for at most RECEIVED_GRACE s after the
    last expected append."""
    params = pika.URLParameters(amqp_url)
    params.heartbeat = 0
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue, "switchboard.events", "interaction.message.appended")
    if stages:
        channel.queue_bind(queue, "switchboard.events", "message.received")
    channel.basic_qos(prefetch_count=2000)
    appended_at = {}  # ingest message_id -> (time seen, interaction_id, seq, event time)
    received_at = {}  # ingest message_id -> (time seen, event id, event time)
    state = {"last_progress": time.monotonic(), "redelivered": 0}

    def on_message(_channel, method, properties, body):
        now = time.monotonic()
        outcome = bench_client.record_event(appended_at, received_at, method.routing_key, now, properties.message_id, body)
        if outcome == "duplicate":
            state["redelivered"] += 1
        elif outcome == "appended":
            state["last_progress"] = now

    channel.basic_consume(queue, on_message, auto_ack=True)
    ready.set()
    while len(appended_at) < expected and time.monotonic() - state["last_progress"] < idle_timeout:
        connection.process_data_events(time_limit=0.2)
    if stages:
        # message.received precedes its append: what is missing now is already queued.
        grace = time.monotonic() + RECEIVED_GRACE
        while len(received_at) < len(appended_at) and time.monotonic() < grace:
            connection.process_data_events(time_limit=0.2)
    connection.close()
    results.put({"appended": appended_at, "received": received_at if stages else None, "duplicates": state["redelivered"]})


# --- Raw broker reference ---------------------------------------------------------------


def _raw_consumer(amqp_url, queue, expected, prefetch, ready, results):
    params = pika.URLParameters(amqp_url)
    params.heartbeat = 0
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    state = {"count": 0, "first": None, "last": None}

    def on_message(ch, method, _properties, _body):
        now = time.monotonic()
        if state["first"] is None:
            state["first"] = now
        state["last"] = now
        state["count"] += 1
        ch.basic_ack(method.delivery_tag)  # one manual ack per message
        if state["count"] >= expected:
            ch.stop_consuming()

    channel.basic_consume(queue, on_message, auto_ack=False)
    ready.set()
    deadline = time.monotonic() + 600
    while state["count"] < expected and time.monotonic() < deadline:
        connection.process_data_events(time_limit=0.5)
    connection.close()
    results.put(state)


def wait_until_drained(amqp_url, timeout=300.0, quiet_for=3.0):
    """Wait until every service queue has had no ready message for QUIET_FOR seconds: a
    step must not share the machine with the previous step's backlog (transfer and
    contacts follow every inbound SMS through the events, after the transcript)."""
    sb.wait_until_quiet(lambda: sb.service_queue_depths(amqp_url), "the services' queues", timeout, quiet_for)


def raw_reference(amqp_url, count, body_size, window, prefetch):
    """One confirming publisher to a temporary quorum queue and one consumer with manual
    acks, concurrently. Returns rates in msgs/s."""
    queue = f"bench.raw.{uuid.uuid4().hex[:12]}"
    params = pika.URLParameters(amqp_url)
    admin = pika.BlockingConnection(params)
    channel = admin.channel()
    channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
    try:
        ctx = mp.get_context("fork")
        results = ctx.Queue()
        ready = ctx.Event()
        consumer = ctx.Process(target=_raw_consumer, args=(amqp_url, queue, count, prefetch, ready, results), daemon=True)
        consumer.start()
        ready.wait(30)
        body = json.dumps({"id": "x", "text": "x" * max(1, body_size - 20)}).encode()[:body_size]
        body = body.ljust(body_size, b" ")
        [pub] = run_publishers(amqp_url, [[Message(i, "", queue, body) for i in range(count)]], window, 0)
        consumed = results.get(timeout=900)
        consumer.join(10)
    finally:
        try:
            channel.queue_delete(queue)
        finally:
            admin.close()
    publish_seconds = pub["t_done"] - pub["t0"]
    consume_seconds = (consumed["last"] or 0) - (consumed["first"] or 0)
    return {
        "queue_type": "quorum",
        "messages": count,
        "body_bytes": body_size,
        "publisher_window": window,
        "consumer_prefetch": prefetch,
        "publish_confirmed_per_s": round(count / publish_seconds, 1) if publish_seconds > 0 else None,
        "consume_acked_per_s": round(consumed["count"] / consume_seconds, 1) if consume_seconds > 0 else None,
        "consumed": consumed["count"],
        "nacked": pub["nacked"],
    }


# --- Main -------------------------------------------------------------------------------


INBOUND_DEFAULTS = {"messages": 20000, "conversations": 500}


def build_parser():
    """The options of every mode (inbound, --sweep, --replies, --streams, --plot-from)."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=(
            "End-to-end benchmark of inbound SMS (ingest -> session), with the raw broker rates of the same run; "
            "with --stages, where each SMS's time goes; with --sweep, latency and CPU per SMS at fixed rates below "
            "the measured peak; with --replies, of the send path instead (agents' replies to the simulator carrier, "
            "until their receipts)."
        ),
        epilog=(
            "Modes: inbound (default): scripts/bench -n 20000 -c 500 [--stages] --start --bin-dir DIR. "
            "Rate sweep (issue #17): scripts/bench --sweep -n 20000 [--sweep-seconds 20] [--stages] "
            "[--out FILE.json] [--plot FILE.png] --start --bin-dir DIR; "
            "redraw a saved sweep: scripts/bench --plot-from FILE.json --plot FILE.png. "
            "Send path (issue #14): scripts/bench --replies 2000 [-c 200] [--concurrency 16] --start --bin-dir DIR. "
            "Idle live streams (issue #20): scripts/bench --streams 1000 [--idle-seconds 30] --start --bin-dir DIR. "
            "The floor under an SMS (issue #17): scripts/bench --floor [--floor-rates 150,800], with the services stopped; "
            "the contract's path in C, swept: scripts/bench --floor-pipeline [-n 20000] [--sweep-seconds 20] "
            "[--floor-round-trips one|each] [--out FILE.json] [--plot FILE.png], or at one rate: scripts/bench "
            "--floor-pipeline --rate R -n N, with the services stopped. "
            "docs/benchmark.md has the method and the figures."
        ),
    )
    parser.add_argument("-n", "--messages", type=int, default=None, help="inbound SMS to publish (default 20000; with --sweep: of the peak step)")
    parser.add_argument("-c", "--conversations", type=int, default=None,
                        help="conversations (customer numbers) (default 500; with --replies: %d)" % bench_replies.DEFAULT_CONVERSATIONS)
    parser.add_argument("-p", "--publishers", type=int, default=1, help="publisher processes (default 1: one reaches several thousand confirmed msgs/s, see the raw reference)")
    parser.add_argument("--window", type=int, default=500, help="unconfirmed messages per publisher (default 500)")
    parser.add_argument("--rate", type=float, default=0, help="total publish rate in msgs/s (default 0: as fast as possible)")
    parser.add_argument("--idle-timeout", type=float, default=60, help="give up after this many seconds without progress (default 60)")
    parser.add_argument("--raw-messages", type=int, default=None, help="messages for the raw broker reference (default: --messages)")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw broker reference")
    parser.add_argument("--stages", action="store_true",
                        help="also observe every message.received (one more event copy per SMS on the broker and in the "
                             "observer) for the per-stage latency of ingest's event, message.received seen and session's "
                             "transaction start; the other stages are always measured")
    parser.add_argument("--tools", choices=("c", "python"), default=None,
                        help="the inbound benchmark's publisher and observer: c (default: scripts/bench_floor_pipeline.c, "
                             "built with the machine's cc, so the tools take little of the machine being measured) or "
                             "python (pika, as before the fifteenth pass); the raw broker reference is pika's either way")
    bench_sweep.add_arguments(parser)
    parser.add_argument("--plot", default=None, metavar="FILE.png",
                        help="with --sweep or --plot-from: draw latency p50/p90/p99 against the rate achieved (matplotlib: "
                             "Debian's python3-matplotlib)")
    parser.add_argument("--plot-from", default=None, metavar="FILE.json",
                        help="draw --plot from a sweep's JSON (--sweep --out) instead of running anything")
    parser.add_argument("--start", action="store_true", help="start the six services (from --bin-dir) and stop them at the end")
    parser.add_argument("--bin-dir", default=os.environ.get("SWITCHBOARD_BIN_DIR", sb.DEFAULT_BIN_DIR), help="executables for --start (default $SWITCHBOARD_BIN_DIR or /tmp/sb-bin)")
    parser.add_argument("--run-dir", default=None, help="logs of services started with --start (default: a new directory under /tmp)")
    parser.add_argument("--cpus", default=None, metavar="LIST",
                        help="confine the run to these CPUs (taskset's list: 0, 0,1, 0-1, all): this benchmark and what it "
                             "starts, RabbitMQ's, PostgreSQL's and running services' processes, every thread, given back "
                             "their CPUs at the end; the machine's CPU is then measured over these CPUs only. How latency "
                             "and the peak follow the number of cores (docs/benchmark.md, sixteenth pass)")
    parser.add_argument("--unpin", action="store_true",
                        help="run nothing: put every thread of RabbitMQ's, PostgreSQL's and the services' processes back "
                             "on all of this machine's CPUs (after a --cpus run was killed with SIGKILL)")
    parser.add_argument("--out", default=None, help="write the results as JSON to this file")
    parser.add_argument("--dump", default=None, help="write one JSON line per message (index, conversation, published, appended, interaction, seq, and its stage marks) to this file")
    bench_replies.add_arguments(parser)
    bench_streams.add_arguments(parser)
    bench_floor.add_arguments(parser)
    bench_floor_pipeline.add_arguments(parser)
    return parser


def check_arguments(parser, args):
    """Refuse combinations no mode takes, fill in the inbound defaults, and find how to
    draw --plot now rather than after the run (args.plotter)."""
    if args.cpus is not None:
        if args.plot_from is not None:
            parser.error("--cpus confines a run; --plot-from runs nothing")
        try:
            args.cpus = bench_machine.parse_cpu_list(args.cpus, os.sched_getaffinity(0))
        except ValueError as error:
            parser.error(str(error))
    inbound_extras = [
        option for option, given in (
            ("--stages", args.stages), ("--sweep", args.sweep), ("--sweep-seconds", args.sweep_seconds is not None),
            ("--plot", args.plot is not None and args.plot_from is None), ("--tools", args.tools is not None),
        ) if given
    ]
    if args.floor_pipeline:
        others = [
            option for option, given in (
                ("--floor", args.floor), ("--sweep", args.sweep), ("--replies", args.replies is not None),
                ("--streams", args.streams is not None), ("--start", args.start), ("--stages", args.stages),
                ("-c/--conversations", args.conversations is not None), ("-p/--publishers", args.publishers != 1),
                ("--plot-from", args.plot_from is not None), ("--dump", args.dump is not None),
                ("--floor-rates", args.floor_rates is not None), ("--floor-seconds", args.floor_seconds is not None),
                ("--tools", args.tools is not None),
            ) if given
        ]
        bench_floor_pipeline.check_arguments(parser, args, others)
        args.plotter = None
        if args.plot is not None:
            args.plotter = bench_plot.find_plotter()
            if args.plotter is None:
                parser.error(bench_plot.MISSING_MATPLOTLIB)
        return
    if args.floor:
        others = [
            option for option, given in (
                ("--sweep", args.sweep), ("--replies", args.replies is not None), ("--streams", args.streams is not None),
                ("--start", args.start), ("--stages", args.stages), ("-n/--messages", args.messages is not None),
                ("--rate", args.rate != 0), ("--plot", args.plot is not None), ("--plot-from", args.plot_from is not None),
                ("--dump", args.dump is not None), ("--tools", args.tools is not None),
            ) if given
        ]
        bench_floor.check_arguments(parser, args, others)
        args.plotter = None
        return
    if args.floor_rates is not None or args.floor_seconds is not None:
        parser.error("--floor-rates and --floor-seconds are options of --floor")
    if args.floor_round_trips is not None:
        parser.error("--floor-round-trips is an option of --floor-pipeline")
    if args.plot_from is not None:
        others = [
            option for option, given in (
                ("--sweep", args.sweep), ("--replies", args.replies is not None), ("--streams", args.streams is not None),
                ("--start", args.start), ("--stages", args.stages), ("-n/--messages", args.messages is not None),
                ("--tools", args.tools is not None),
            ) if given
        ]
        if args.plot is None:
            parser.error("--plot-from FILE.json needs --plot FILE.png")
        if others:
            parser.error(f"--plot-from only draws a saved sweep: leave out {', '.join(others)}")
    elif args.streams is not None:
        if args.replies is not None or args.messages is not None or args.rate != 0 or args.dump is not None or inbound_extras:
            parser.error("--streams measures idle live streams only (no -n, --rate, --dump, --replies, --stages, --sweep, --plot or --tools)")
        bench_streams.check_arguments(parser, args)
    elif args.replies is not None:
        inbound_only = [
            option for option, given in (
                ("-n/--messages", args.messages is not None), ("-p/--publishers", args.publishers != 1),
                ("--window", args.window != 500), ("--rate", args.rate != 0), ("--raw-messages", args.raw_messages is not None),
                ("--no-raw", args.no_raw), ("--dump", args.dump is not None),
            ) if given
        ] + inbound_extras
        if inbound_only:
            parser.error(f"{', '.join(inbound_only)}: options of the inbound benchmark, not of --replies")
        bench_replies.check_arguments(parser, args)
    else:
        if args.concurrency is not None:
            parser.error("--concurrency is an option of --replies")
        if args.tools is None:
            args.tools = "c"
        for name, default in INBOUND_DEFAULTS.items():
            if getattr(args, name) is None:
                setattr(args, name, default)
        if args.messages < 1 or args.conversations < 1 or args.publishers < 1 or args.window < 1:
            parser.error("--messages, --conversations, --publishers and --window must be at least 1")
        args.conversations = min(args.conversations, args.messages)
        args.publishers = min(args.publishers, args.conversations)
        bench_sweep.check_arguments(parser, args)
        if args.plot is not None and not args.sweep:
            parser.error("--plot draws a sweep: give --sweep (or --plot-from a sweep's JSON)")
    args.plotter = None
    if args.plot is not None:
        args.plotter = bench_plot.find_plotter()
        if args.plotter is None:
            parser.error(bench_plot.MISSING_MATPLOTLIB)


def replot(args):
    """--plot-from FILE --plot OUT: draw a saved sweep again; nothing is measured."""
    try:
        sweep = bench_plot.load_sweep(args.plot_from)
        bench_plot.render(sweep, args.plot, args.plotter)
    except (ValueError, RuntimeError) as error:
        sys.exit(f"bench: {error}")
    print(f"plot written to {args.plot}")
    return 0


def floor_environment(mode):
    """The URLs of the infrastructure, checked, for a mode that measures the machine with no
    service running (MODE names it in the refusal)."""
    env = sb.sb_env(Path(tempfile.mkdtemp(prefix="switchboard-bench-", dir="/tmp")))
    try:
        sb.check_rabbitmq(env["SWITCHBOARD_AMQP_URL"])
        sb.check_postgres(env["SWITCHBOARD_POSTGRES_URL"])
    except RuntimeError as error:
        sys.exit(f"bench: {error}")
    running = [name for name in sb.SERVICES if sb.port_open(sb.service_port(name))]
    if running:
        sys.exit(f"bench: {mode} measures the machine with no service running; stop {', '.join(running)} first (scripts/run --stop)")
    return env


def floor_pipeline(args):
    """--floor-pipeline: the contract's path in C, swept, with the services stopped
    (bench_floor_pipeline)."""
    env = floor_environment("--floor-pipeline")
    amqp_url = env["SWITCHBOARD_AMQP_URL"]
    try:
        result = bench_floor_pipeline.bench(
            args, env, lambda count, body_size: raw_reference(amqp_url, count, body_size, args.window, 200))
    except (RuntimeError, sb.PsqlError) as error:
        sys.exit(f"bench: {error}")
    bench_floor_pipeline.print_report(result)
    write_out(args, result)
    plotted = plot(args, result)
    return 0 if plotted and all((row.get("missing") or 0) == 0 for row in result["table"]) else 1


def floor(args):
    """--floor: the floor under an SMS, with the services stopped (bench_floor)."""
    env = floor_environment("--floor")
    try:
        result = bench_floor.bench(args, env)
    except (RuntimeError, sb.PsqlError) as error:
        sys.exit(f"bench: {error}")
    bench_floor.print_report(result)
    write_out(args, result)
    return 0


def write_out(args, result):
    """--out FILE: the result as JSON."""
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nJSON written to {args.out}")


def plot(args, result):
    """--plot FILE.png: the sweep's latency against rate. False when it could not be drawn
    (the reason on stderr); True when drawn or not asked for."""
    if args.plot is None:
        return True
    try:
        bench_plot.render(result, args.plot, args.plotter)
        print(f"plot written to {args.plot}")
        return True
    except RuntimeError as error:
        print(f"bench: no plot: {error}", file=sys.stderr)
        return False


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    check_arguments(parser, args)
    if args.unpin:
        if len(sys.argv[1:] if argv is None else argv) != 1:
            parser.error("--unpin runs nothing: give it alone")
        moved = bench_machine.spread_over_all_cpus()
        print(f"{moved} threads put back on all CPUs" + ("" if moved else " (none were confined)"))
        return 0
    if args.plot_from is not None:
        return replot(args)
    if args.cpus is None:
        return run(args)
    # SIGTERM (a timeout, `kill`) ends the run through `finally` too, as Ctrl-C does, so the
    # CPUs are given back; after SIGKILL, `scripts/bench --unpin` gives them back.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    pinning = None
    try:
        pinning = bench_machine.pin(args.cpus)
        print(f"confined to CPU {', '.join(map(str, sorted(args.cpus)))}: this benchmark and what it starts, "
              f"{pinning.describe() or 'nothing else running'}", file=sys.stderr)
        return run(args)
    except bench_machine.PinningRefused as error:
        sys.exit(f"bench: {error}")
    finally:
        if pinning is not None:
            bench_machine.unpin(pinning)
            print("CPUs given back", file=sys.stderr)


def run(args):
    """The mode args name, measured (main confines it first with --cpus)."""
    if args.floor_pipeline:
        return floor_pipeline(args)
    if args.floor:
        return floor(args)

    run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix="switchboard-bench-", dir="/tmp"))
    env = sb.sb_env(run_dir)
    amqp_url = env["SWITCHBOARD_AMQP_URL"]
    postgres_url = env["SWITCHBOARD_POSTGRES_URL"]
    try:
        sb.check_rabbitmq(amqp_url)
        sb.check_postgres(postgres_url)
    except RuntimeError as error:
        sys.exit(f"bench: {error}")
    if shutil.which("psql") is None:
        # Checked now, not after the run: bench_stages reads ingest.messages with it (and
        # --replies waits for the channel's outbound binding with it).
        sys.exit("bench: psql is needed to read ingest's tables (apt-get install postgresql-client)")

    services = None
    if args.start:
        services = sb.ServiceSet(Path(args.bin_dir), run_dir, env)
        print(f"starting the services from {args.bin_dir} (logs in {services.log_dir})", file=sys.stderr)
        try:
            services.start()
            # A backlog an earlier run left (transfer follows the transcript, and lags at
            # the peak) is handled before anything is measured, not during it.
            wait_until_drained(amqp_url)
        except RuntimeError as error:
            services.stop()
            sys.exit(f"bench: cannot start the services: {error}")
    else:
        not_ready = [name for name in sb.SERVICES if not sb.ready(name)]
        if not_ready:
            sys.exit(f"bench: not ready on /health/ready: {', '.join(not_ready)} (start them, or pass --start)")

    try:
        if args.streams is not None:
            result = bench_streams.bench(args, env, services)
        elif args.replies is not None:
            result = bench_replies.bench(args, env, services)
        elif args.sweep:
            # Every step publishes into the same conversations: the fixed rates measure
            # messages into open sessions, not the creation of -c new interactions each.
            numbers = conversation_numbers(args.conversations)
            result = bench_sweep.run_sweep(
                args,
                lambda step_args: bench(step_args, amqp_url, postgres_url, services, numbers),
                lambda count, body_size: raw_reference(amqp_url, count, body_size, args.window, 200),
                wait_quiet=lambda: wait_until_drained(amqp_url),
            )
        else:
            result = bench(args, amqp_url, postgres_url, services)
        if services:
            # Services this run started finish what it published before they stop, so
            # the next run (or the end-to-end suite) does not inherit its backlog.
            try:
                wait_until_drained(amqp_url)
            except RuntimeError as error:
                print(f"bench: warning: {error}; stopping the services anyway", file=sys.stderr)
    except RuntimeError as error:
        sys.exit(f"bench: {error}")
    finally:
        stopped = services.stop() if services else None
    if stopped:
        result["stop_seconds"] = {name: (round(t, 2) if t is not None else None) for name, (t, _s) in stopped.items()}
    if args.streams is not None:
        bench_streams.print_report(result)
    elif args.replies is not None:
        bench_replies.print_report(result)
    elif args.sweep:
        bench_sweep.print_report(result)
    else:
        print_report(result)
    write_out(args, result)
    plotted = plot(args, result)
    if args.streams is not None:
        return 0 if bench_streams.complete(result) else 1
    if args.replies is not None:
        return 0 if bench_replies.complete(result) else 1
    if args.sweep:
        return 0 if bench_sweep.complete(result) and plotted else 1
    return 0 if result["e2e"]["missing"] == 0 else 1


def conversation_numbers(count):
    """A run's numbers: an organisation number of its own and COUNT distinct customer
    numbers, in random order (conversation c is customers[c])."""
    customers = set()
    while len(customers) < count:
        customers.add(sb.customer_number()[1])
    customers = sorted(customers)
    random.shuffle(customers)
    return sb.org_number(), customers


def bench(args, amqp_url, postgres_url, services, numbers=None):
    """One inbound run (see the module's docstring). NUMBERS: (organisation number,
    customer numbers) to publish from, at least args.conversations of them (the steps of
    a sweep continue the peak's conversations); None: new ones."""
    run_id = uuid.uuid4().hex[:10]
    org, customers = numbers or conversation_numbers(args.conversations)

    # Message i belongs to conversation i % C; conversation c is published by publisher c % P.
    shards = [[] for _ in range(args.publishers)]
    conversation_of = []
    for i in range(args.messages):
        c = i % args.conversations
        conversation_of.append(c)
        body = json.dumps(
            {"id": f"bench-{run_id}-{i}", "from": customers[c], "to": org, "text": f"bench:{run_id}:{i} hello, I need help with my order"}
        ).encode()
        shards[c % args.publishers].append(Message(i, "switchboard.inbound", "message", body))
    body_size = round(statistics.mean(len(m.body) for shard in shards for m in shard))

    stages = bool(getattr(args, "stages", False))
    commit_timestamps = bench_stages.commit_timestamps_on(postgres_url)
    usage = sb.UsageMeter(services.pids() if services else sb.find_service_pids())

    tools = getattr(args, "tools", None) or "c"
    work = Path(tempfile.mkdtemp(prefix="switchboard-bench-run-", dir="/tmp"))
    observer = consumer = None
    try:
        if tools == "c":
            observer = bench_client.Observer(amqp_url, args.messages, args.idle_timeout, stages, RECEIVED_GRACE)
        else:
            ctx = mp.get_context("fork")
            events = ctx.Queue()
            ready = ctx.Event()
            consumer = ctx.Process(
                target=_event_consumer, args=(amqp_url, args.messages, args.idle_timeout, stages, ready, events), daemon=True
            )
            consumer.start()
            if not ready.wait(30):
                raise RuntimeError("the event consumer did not start within 30 s")

        print(f"publishing {args.messages} SMS over {args.conversations} conversations from {args.publishers} publisher(s) "
              f"({tools} tools)...", file=sys.stderr)
        offset_before = bench_stages.clock_offset()
        wal_before = bench_wal.snapshot(postgres_url)
        machine_before = bench_machine.snapshot()
        if observer is not None:
            published = bench_client.publish(amqp_url, shards, args.window, args.rate, work)
            observed = observer.finish(timeout=args.idle_timeout + RECEIVED_GRACE + 600)
        else:
            published = run_publishers(amqp_url, shards, args.window, args.rate)
            observed = events.get()
            consumer.join(10)
    finally:
        if observer is not None:
            observer.kill()
        shutil.rmtree(work, ignore_errors=True)
    service_stats, infra = usage.finish()
    machine = bench_machine.activity(machine_before, bench_machine.snapshot())
    wal_after = bench_wal.snapshot(postgres_url)
    clock = bench_stages.clock_summary(offset_before, bench_stages.clock_offset())

    publish_time = {}
    for shard in published:
        publish_time.update(shard["published_at"])
    t_first = min(r["t0"] for r in published)
    t_published = max(r["t_done"] for r in published)
    index_of, db_marks = bench_stages.ingest_marks(postgres_url, run_id, commit_timestamps)
    done = {index_of[m]: v for m, v in observed["appended"].items() if m in index_of}
    marks, stage_result = measure_stages(
        postgres_url, index_of, db_marks, publish_time, observed, clock, t_first, stages, commit_timestamps
    )
    latencies = sorted(done[i][0] - publish_time[i] for i in done)
    seen = sorted(v[0] for v in done.values())
    t_last = seen[-1] if seen else t_published

    # Per-conversation order: within an interaction, seq must grow with the publish index.
    out_of_order = 0
    by_conversation = {}
    for i, (_t, interaction_id, seq, _event_time) in done.items():
        by_conversation.setdefault(conversation_of[i], []).append((i, interaction_id, seq))
    split = 0
    for entries in by_conversation.values():
        entries.sort()
        if len({e[1] for e in entries}) > 1:
            split += 1
        seqs = [e[2] for e in entries]
        if seqs != sorted(seqs):
            out_of_order += 1

    if args.dump:
        with open(args.dump, "w") as dump:
            for i in range(args.messages):
                t, interaction_id, seq, _event_time = done.get(i, (None, None, None, None))
                dump.write(json.dumps({
                    "index": i, "conversation": conversation_of[i], "published": publish_time.get(i) - t_first,
                    "appended": t - t_first if t is not None else None, "interaction_id": interaction_id, "seq": seq,
                    "marks": bench_stages.marks_for_dump(marks.get(i, {}), t_first),
                }) + "\n")

    steady = sb.steady_rate(seen)

    result = {
        "run_id": run_id,
        "started_services": services is not None,
        "machine": bench_machine.described(),
        "parameters": {
            "messages": args.messages,
            "conversations": args.conversations,
            "publishers": args.publishers,
            "window": args.window,
            "rate": args.rate or None,
            "body_bytes": body_size,
            "tools": tools,
        },
        "publish": {
            "seconds": round(t_published - t_first, 3),
            "confirmed_per_s": round(args.messages / (t_published - t_first), 1),
            "nacked": sum(r["nacked"] for r in published),
            "returned": sum(r["returned"] for r in published),
        },
        "e2e": {
            "appended": len(done),
            "missing": args.messages - len(done),
            "stored_by_ingest": len(index_of),
            "duplicate_events": observed["duplicates"],
            "seconds": round(t_last - t_first, 3),
            "per_s": round(len(done) / (t_last - t_first), 1) if t_last > t_first else None,
            "steady_per_s": round(steady, 1) if steady else None,
            "latency_ms": sb.latency_ms(latencies),
            "conversations_out_of_order": out_of_order,
            "conversations_split": split,
        },
        "stages": stage_result,
        "services": service_stats,
        "infrastructure_cpu_seconds": infra,
        "postgres_wal": bench_wal.activity(wal_before, wal_after, len(done)),
        "machine_cpu": machine,
    }
    if not args.no_raw:
        print("raw broker reference (quorum queue, 1 publisher with confirms, 1 consumer with manual acks)...", file=sys.stderr)
        result["raw_broker"] = raw_reference(amqp_url, args.raw_messages or args.messages, body_size, args.window, 200)
    return result


def measure_stages(postgres_url, index_of, db_marks, publish_time, observed, clock, t_first, stages, commit_timestamps):
    """Every message's marks (bench_stages.assemble_marks) and the run's stages as a
    JSON-ready dict: the chain of marks, where each comes from, and each stage's
    percentiles. With STAGES, session's inbox records of the observed message.received
    events are read too (their transaction's start)."""
    offset = clock["offset_s"]
    received = observed.get("received")
    inbox = None
    if stages and received:
        event_ids = [v[1] for m, v in received.items() if m in index_of and v[1]]
        inbox = bench_stages.inbox_marks(postgres_url, event_ids, t_first + offset - 60)
    marks = bench_stages.assemble_marks(index_of, publish_time, observed["appended"], received, db_marks, inbox, offset)
    names = bench_stages.chain(stages, commit_timestamps)
    return marks, {
        "observed_message_received": stages,
        "message_received_seen": sum(1 for m in (received or {}) if m in index_of),
        "commit_timestamps": commit_timestamps,
        "clock": {"wall_minus_monotonic_s": round(offset, 6), "drift_ms": clock["drift_ms"]},
        "chain": names,
        "marks": {name: bench_stages.MARK_BY_NAME[name].source for name in names},
        "stages": bench_stages.stage_report(marks, names, sb.latency_ms),
    }


def print_stages(st):
    """The per-stage table of a run, with where its marks come from."""
    print("| stage | messages | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|")
    for stage in st["stages"]:
        lat = stage["latency_ms"]
        print(f"| {stage['name']} | {stage['messages']} | {lat['p50']} | {lat['p90']} | {lat['p99']} | {lat['max']} |")
    print()
    for name in st["chain"]:
        print(f"- {bench_stages.MARK_BY_NAME[name].short}: {st['marks'][name]}")
    print()
    if st["observed_message_received"]:
        print(f"--stages: the observer also consumed every message.received ({st['message_received_seen']} of this run's seen): "
              "one more event copy per SMS through the broker and the observer, on the machine being measured.")
    else:
        print("message.received not observed: --stages adds ingest's event time, message.received seen and "
              "session's transaction start, at the cost of one more event copy per SMS on the broker.")
    if not st["commit_timestamps"]:
        print("No commit times (track_commit_timestamp is off): each service's event time, written in its transaction "
              "just before the outbox insert and COMMIT, is the nearest mark to its commit.")
    print(f"Clock: wall-clock marks moved onto the monotonic clock; the offset drifted {st['clock']['drift_ms']} ms during the run.")
    if bench_stages.clock_stepped(st["clock"]):
        print(f"WARNING: the wall clock stepped by {st['clock']['drift_ms']} ms during the run: the stages above are off by up to "
              "that much (the end-to-end latency is not: both its ends are monotonic). Run again for the stages.")
    print()


def print_report(r):
    p, e, pub = r["parameters"], r["e2e"], r["publish"]
    lat = e["latency_ms"]
    print()
    print(f"## Switchboard bench (run {r['run_id']}, {r['machine']['cpus']} CPUs)")
    print()
    print(
        f"{p['messages']} SMS, {p['conversations']} conversations, {p['publishers']} publisher(s), "
        f"window {p['window']}, rate {p['rate'] or 'unlimited'}, {p['body_bytes']} B per message, "
        f"{p.get('tools', 'python')} publisher and observer"
    )
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| published (confirmed) | {pub['confirmed_per_s']} msg/s over {pub['seconds']} s (nacked {pub['nacked']}, returned {pub['returned']}) |")
    print(f"| end to end (first publish to last appended) | {e['per_s']} msg/s over {e['seconds']} s |")
    print(f"| end to end, steady (10th-90th percentile of appends) | {e['steady_per_s']} msg/s |")
    print(f"| latency p50 / p90 / p99 / max | {lat['p50']} / {lat['p90']} / {lat['p99']} / {lat['max']} ms |")
    print(f"| appended / missing | {e['appended']} / {e['missing']} |")
    print(f"| conversations out of order / split | {e['conversations_out_of_order']} / {e['conversations_split']} |")
    wal = r.get("postgres_wal")
    if wal:
        print(
            f"| PostgreSQL's WAL per SMS (bytes, full-page images, flushes) | {wal['wal_bytes_per_message']} B, "
            f"{wal['full_page_images_per_message']}, {wal['wal_syncs_per_message']} |"
        )
        print(f"| checkpoints during the run (timed / requested) | {wal['checkpoints_timed']} / {wal['checkpoints_requested']} |")
    print(f"| the machine's CPUs during the run | {bench_machine.summary(r.get('machine_cpu'))} |")
    raw = r.get("raw_broker")
    if raw:
        print(f"| raw broker: 1 publisher, confirms, quorum queue | {raw['publish_confirmed_per_s']} msg/s |")
        print(f"| raw broker: 1 consumer, manual acks, quorum queue | {raw['consume_acked_per_s']} msg/s |")
    print()
    warning = bench_machine.stolen_warning(r.get("machine_cpu"))
    if warning:
        print(f"Warning: {warning}.")
        print()
    if r.get("stages"):
        print_stages(r["stages"])
    sb.print_usage(r)


if __name__ == "__main__":
    sys.exit(main())
