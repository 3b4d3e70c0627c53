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

Prints a Markdown table; --out FILE writes the same as JSON.

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
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))

import pika  # noqa: E402

import switchboard_tools as sb  # noqa: E402  (configuration, the services, the confirming publisher; shared with scripts/drill)
from switchboard_tools import Message, run_publishers  # noqa: E402

import bench_replies  # noqa: E402  (the send-path mode, --replies)
import bench_streams  # noqa: E402  (the idle-streams mode, --streams)


# --- Observing events -------------------------------------------------------------------


def _event_consumer(amqp_url, expected, idle_timeout, ready, results):
    """Consume interaction.message.appended until EXPECTED message entries were seen, or
    nothing new came for IDLE_TIMEOUT s. Which of them are this run's is decided afterwards
    from ingest's table (ingest_ids), so the observer costs the system one event copy per
    SMS, not two."""
    params = pika.URLParameters(amqp_url)
    params.heartbeat = 0
    connection = pika.BlockingConnection(params)
    channel = connection.channel()
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    channel.queue_bind(queue, "switchboard.events", "interaction.message.appended")
    channel.basic_qos(prefetch_count=2000)
    appended_at = {}  # ingest message_id -> (time seen, interaction_id, seq)
    state = {"last_progress": time.monotonic(), "redelivered": 0}

    def on_message(_channel, _method, _properties, body):
        now = time.monotonic()
        try:
            data = json.loads(body).get("data") or {}
        except ValueError:
            return
        message_id = data.get("message_id")
        if not message_id:
            # A system entry (a session of an earlier run timing out, ...): no message.
            return
        if message_id in appended_at:
            state["redelivered"] += 1
            return
        appended_at[message_id] = (now, data.get("interaction_id"), data.get("seq"))
        state["last_progress"] = now

    channel.basic_consume(queue, on_message, auto_ack=True)
    ready.set()
    while len(appended_at) < expected and time.monotonic() - state["last_progress"] < idle_timeout:
        connection.process_data_events(time_limit=0.2)
    connection.close()
    results.put({"appended": appended_at, "duplicates": state["redelivered"]})


def ingest_ids(postgres_url, run_id):
    """ingest's message_id -> our index, for this run's messages (their carrier ids are
    `bench-<run>-<index>`), read from ingest.messages with psql."""
    result = subprocess.run(
        [
            "psql", "-X", "-q", "-w", "-At", "-F", " ", "-d", postgres_url, "-c",
            f"SELECT id, carrier_message_id FROM ingest.messages WHERE carrier_message_id LIKE 'bench-{run_id}-%'",
        ],
        capture_output=True, text=True, env={**os.environ, "PGCONNECT_TIMEOUT": "5"}, timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cannot read ingest.messages to match events to messages: {result.stderr.strip()}")
    output = result.stdout
    index_of = {}
    for line in output.splitlines():
        message_id, carrier_id = line.split(" ", 1)
        index_of[message_id] = int(carrier_id.rsplit("-", 1)[1])
    return index_of


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


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=(
            "End-to-end benchmark of inbound SMS (ingest -> session), with the raw broker rates of the same run; "
            "with --replies, of the send path instead (agents' replies to the simulator carrier, until their receipts)."
        ),
        epilog=(
            "Modes: inbound (default): scripts/bench -n 20000 -c 500 --start --bin-dir DIR. "
            "Send path (issue #14): scripts/bench --replies 2000 [-c 200] [--concurrency 16] --start --bin-dir DIR. "
            "Idle live streams (issue #20): scripts/bench --streams 1000 [--idle-seconds 30] --start --bin-dir DIR. "
            "docs/benchmark.md has the method and the figures of both."
        ),
    )
    parser.add_argument("-n", "--messages", type=int, default=None, help="inbound SMS to publish (default 20000)")
    parser.add_argument("-c", "--conversations", type=int, default=None,
                        help="conversations (customer numbers) (default 500; with --replies: %d)" % bench_replies.DEFAULT_CONVERSATIONS)
    parser.add_argument("-p", "--publishers", type=int, default=1, help="publisher processes (default 1: one reaches several thousand confirmed msgs/s, see the raw reference)")
    parser.add_argument("--window", type=int, default=500, help="unconfirmed messages per publisher (default 500)")
    parser.add_argument("--rate", type=float, default=0, help="total publish rate in msgs/s (default 0: as fast as possible)")
    parser.add_argument("--idle-timeout", type=float, default=60, help="give up after this many seconds without progress (default 60)")
    parser.add_argument("--raw-messages", type=int, default=None, help="messages for the raw broker reference (default: --messages)")
    parser.add_argument("--no-raw", action="store_true", help="skip the raw broker reference")
    parser.add_argument("--start", action="store_true", help="start the six services (from --bin-dir) and stop them at the end")
    parser.add_argument("--bin-dir", default=os.environ.get("SWITCHBOARD_BIN_DIR", sb.DEFAULT_BIN_DIR), help="executables for --start (default $SWITCHBOARD_BIN_DIR or /tmp/sb-bin)")
    parser.add_argument("--run-dir", default=None, help="logs of services started with --start (default: a new directory under /tmp)")
    parser.add_argument("--out", default=None, help="write the results as JSON to this file")
    parser.add_argument("--dump", default=None, help="write one JSON line per message (index, conversation, published, appended, interaction, seq) to this file")
    bench_replies.add_arguments(parser)
    bench_streams.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.streams is not None:
        if args.replies is not None or args.messages is not None or args.rate != 0 or args.dump is not None:
            parser.error("--streams measures idle live streams only (no -n, --rate, --dump or --replies)")
        bench_streams.check_arguments(parser, args)
    elif args.replies is not None:
        inbound_only = [
            option for option, given in (
                ("-n/--messages", args.messages is not None), ("-p/--publishers", args.publishers != 1),
                ("--window", args.window != 500), ("--rate", args.rate != 0), ("--raw-messages", args.raw_messages is not None),
                ("--no-raw", args.no_raw), ("--dump", args.dump is not None),
            ) if given
        ]
        if inbound_only:
            parser.error(f"{', '.join(inbound_only)}: options of the inbound benchmark, not of --replies")
        bench_replies.check_arguments(parser, args)
    else:
        if args.concurrency is not None:
            parser.error("--concurrency is an option of --replies")
        for name, default in INBOUND_DEFAULTS.items():
            if getattr(args, name) is None:
                setattr(args, name, default)
        if args.messages < 1 or args.conversations < 1 or args.publishers < 1 or args.window < 1:
            parser.error("--messages, --conversations, --publishers and --window must be at least 1")
        args.conversations = min(args.conversations, args.messages)
        args.publishers = min(args.publishers, args.conversations)

    run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix="switchboard-bench-", dir="/tmp"))
    env = sb.sb_env(run_dir)
    amqp_url = env["SWITCHBOARD_AMQP_URL"]
    try:
        sb.check_rabbitmq(amqp_url)
        sb.check_postgres(env["SWITCHBOARD_POSTGRES_URL"])
    except RuntimeError as error:
        sys.exit(f"bench: {error}")
    if shutil.which("psql") is None:
        # Checked now, not after the run: ingest_ids reads ingest.messages with it (and
        # --replies waits for the channel's outbound binding with it).
        sys.exit("bench: psql is needed to read ingest's tables (apt-get install postgresql-client)")

    services = None
    if args.start:
        services = sb.ServiceSet(Path(args.bin_dir), run_dir, env)
        print(f"starting the services from {args.bin_dir} (logs in {services.log_dir})", file=sys.stderr)
        try:
            services.start()
        except RuntimeError as error:
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
        else:
            result = bench(args, amqp_url, env["SWITCHBOARD_POSTGRES_URL"], services)
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
    else:
        print_report(result)
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nJSON written to {args.out}")
    if args.streams is not None:
        return 0 if bench_streams.complete(result) else 1
    if args.replies is not None:
        return 0 if bench_replies.complete(result) else 1
    return 0 if result["e2e"]["missing"] == 0 else 1


def bench(args, amqp_url, postgres_url, services):
    run_id = uuid.uuid4().hex[:10]
    org = sb.org_number()
    customers = set()
    while len(customers) < args.conversations:
        customers.add(sb.customer_number()[1])
    customers = sorted(customers)
    random.shuffle(customers)

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

    usage = sb.UsageMeter(services.pids() if services else sb.find_service_pids())

    ctx = mp.get_context("fork")
    events = ctx.Queue()
    ready = ctx.Event()
    consumer = ctx.Process(target=_event_consumer, args=(amqp_url, args.messages, args.idle_timeout, ready, events), daemon=True)
    consumer.start()
    if not ready.wait(30):
        raise RuntimeError("the event consumer did not start within 30 s")

    print(f"publishing {args.messages} SMS over {args.conversations} conversations from {args.publishers} publisher(s)...", file=sys.stderr)
    published = run_publishers(amqp_url, shards, args.window, args.rate)
    observed = events.get()
    consumer.join(10)
    service_stats, infra = usage.finish()

    publish_time = {}
    for shard in published:
        publish_time.update(shard["published_at"])
    t_first = min(r["t0"] for r in published)
    t_published = max(r["t_done"] for r in published)
    index_of = ingest_ids(postgres_url, run_id)
    done = {index_of[m]: v for m, v in observed["appended"].items() if m in index_of}
    latencies = sorted(done[i][0] - publish_time[i] for i in done)
    seen = sorted(v[0] for v in done.values())
    t_last = seen[-1] if seen else t_published

    # Per-conversation order: within an interaction, seq must grow with the publish index.
    out_of_order = 0
    by_conversation = {}
    for i, (_t, interaction_id, seq) in done.items():
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
                t, interaction_id, seq = done.get(i, (None, None, None))
                dump.write(json.dumps({
                    "index": i, "conversation": conversation_of[i], "published": publish_time.get(i) - t_first,
                    "appended": t - t_first if t is not None else None, "interaction_id": interaction_id, "seq": seq,
                }) + "\n")

    steady = sb.steady_rate(seen)

    result = {
        "run_id": run_id,
        "started_services": services is not None,
        "machine": {"cpus": os.cpu_count(), "loadavg": os.getloadavg()},
        "parameters": {
            "messages": args.messages,
            "conversations": args.conversations,
            "publishers": args.publishers,
            "window": args.window,
            "rate": args.rate or None,
            "body_bytes": body_size,
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
        "services": service_stats,
        "infrastructure_cpu_seconds": infra,
    }
    if not args.no_raw:
        print("raw broker reference (quorum queue, 1 publisher with confirms, 1 consumer with manual acks)...", file=sys.stderr)
        result["raw_broker"] = raw_reference(amqp_url, args.raw_messages or args.messages, body_size, args.window, 200)
    return result


def print_report(r):
    p, e, pub = r["parameters"], r["e2e"], r["publish"]
    lat = e["latency_ms"]
    print()
    print(f"## Switchboard bench (run {r['run_id']}, {r['machine']['cpus']} CPUs)")
    print()
    print(
        f"{p['messages']} SMS, {p['conversations']} conversations, {p['publishers']} publisher(s), "
        f"window {p['window']}, rate {p['rate'] or 'unlimited'}, {p['body_bytes']} B per message"
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
    raw = r.get("raw_broker")
    if raw:
        print(f"| raw broker: 1 publisher, confirms, quorum queue | {raw['publish_confirmed_per_s']} msg/s |")
        print(f"| raw broker: 1 consumer, manual acks, quorum queue | {raw['consume_acked_per_s']} msg/s |")
    print()
    sb.print_usage(r)


if __name__ == "__main__":
    sys.exit(main())
