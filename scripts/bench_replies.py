"""The send path of scripts/bench (issue #14; docs/architecture.md 10.1): agents' replies
through session and ingest to the `simulator` carrier, until their receipts. scripts/bench.py
dispatches here for `scripts/bench --replies N`; the services are started, checked and
stopped there, as for the inbound benchmark.

What it does:

1. Creates the simulator channel `bench-sim-<run>` on ingest (PUT /v1/channels/{name},
   admin token): outbound enabled, `max_per_second` 1000 (the most a channel allows),
   `delivery_delay_ms` 0; waits until ingest has bound `sms.<channel>` for it
   (`ingest.outbound_bindings`, read with psql), so that no reply goes unrouted.
   Pins the run's organisation number to Session mode (PUT /v1/numbers/{number}), so a
   reply never closes its interaction whatever SWITCHBOARD_DEFAULT_MODE says.
2. Opens C conversations: one POST /v1/simulator/{channel}/inbound (system token) from
   each of C customer numbers to the run's organisation number, waits until session lists
   the C interactions (GET /v1/interactions?to=..., supervisor token), publishes
   `session.interaction.assign` for each to agent `bench` (switchboard.commands, publisher
   confirms, mandatory) and waits until session shows them owned by `bench`.
3. Binds an exclusive queue to `switchboard.events` with key `message.status` and
   consumes it in its own process, before any reply is sent.
4. Sends N replies from K threads (one keep-alive HTTP connection each): POST
   /v1/interactions/{id}/messages {"text"} as agent `bench`, reply i to conversation
   i mod C, a short GSM-7 text (one SMS). Each reply's POST time, answer time and
   `message_id` are kept; a POST that fails is not sent again (it could be a second
   reply).
5. Once every POST has been answered, hands the accepted message ids to the observer,
   which stops when each has `sent` and a final status (`delivered`, or `undelivered` /
   `failed`), or when nothing new came for --idle-timeout seconds.
6. Reports, from the observer's times (time.monotonic, one clock for both processes):
   replies/s accepted by the API (first POST to last 202), sent (carrier accepted:
   `message.status` `sent`) and delivered (receipt applied: `message.status`
   `delivered`), each also steady (10th to 90th percentile); latency p50/p90/p99/max
   from POST to 202, to `sent` and to `delivered`; CPU of the services and of RabbitMQ
   and PostgreSQL from the first POST until the observer stopped (per reply: their sum
   over the delivered replies), and the benchmark's own CPU.

Setup (steps 1 and 2) is outside the measured time. What stays behind: the channel, the
number's settings and C open interactions (they time out with the number's inactivity
timeout); the observer's queue is exclusive and goes with its connection, the sender
threads and the observer process are joined before the report.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing as mp
import queue as queue_module
import random
import resource
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))

import pika  # noqa: E402

import bench_machine  # noqa: E402  (the machine's CPU, and what its host took back)
import switchboard_tools as sb  # noqa: E402
from switchboard_tools import Message, run_publishers  # noqa: E402

DEFAULT_CONVERSATIONS = 200
DEFAULT_CONCURRENCY = 16
AGENT_ID = "bench"
AGENT_NAME = "Bench Agent"
MAX_PER_SECOND = 1000  # the most a channel allows (docs/architecture.md 10.1)
DELIVERY_DELAY_MS = 0
TOKEN_TTL = 6 * 3600
HTTP_TIMEOUT = 30.0
FINAL = ("delivered", "undelivered", "failed")


# --- Options --------------------------------------------------------------------------


def add_arguments(parser):
    group = parser.add_argument_group(
        "send path (issue #14)",
        "scripts/bench --replies N: agents' replies to the simulator carrier, until their receipts "
        "(-c, --idle-timeout, --start, --bin-dir, --run-dir and --out apply too)",
    )
    group.add_argument("--replies", type=int, default=None, metavar="N",
                       help="measure the send path with N replies instead of the inbound path")
    group.add_argument("--concurrency", type=int, default=None, metavar="K",
                       help=f"HTTP senders (threads, one connection each) (default {DEFAULT_CONCURRENCY})")


def check_arguments(parser, args):
    if args.conversations is None:
        args.conversations = DEFAULT_CONVERSATIONS
    if args.concurrency is None:
        args.concurrency = DEFAULT_CONCURRENCY
    if args.replies < 1 or args.conversations < 1 or args.concurrency < 1:
        parser.error("--replies, --conversations and --concurrency must be at least 1")
    args.conversations = min(args.conversations, args.replies)


# --- HTTP -----------------------------------------------------------------------------


class ApiClient:
    """One keep-alive HTTP/1.1 connection to a service, with one bearer token. Not shared
    between threads."""

    def __init__(self, service: str, token: str, timeout: float = HTTP_TIMEOUT):
        self.port = sb.service_port(service)
        self.token = token
        self.timeout = timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body=None):
        """(HTTP status, parsed JSON body or text). A connection error is raised (and the
        connection dropped): the caller decides whether the request may go again."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.will_close:
            self.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode(errors="replace")[:300]
        return response.status, data

    def get(self, path: str):
        """GET, once more on a dropped keep-alive connection (a GET may go twice)."""
        try:
            return self.request("GET", path)
        except (OSError, http.client.HTTPException):
            return self.request("GET", path)

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Posted:
    t_post: float
    t_answer: float | None = None
    status: int | None = None
    data: object = None
    error: str | None = None


def post_all(service, token, count, request_of, concurrency):
    """POST request_of(i) = (path, body) for i in 0..COUNT-1 from CONCURRENCY threads, each
    with its own connection, taken in index order; a failed POST is recorded, not
    repeated. Returns [Posted] by index. Every thread is joined before it returns, also
    on Ctrl-C (they stop taking new requests then)."""
    results: list[Posted | None] = [None] * count
    lock = threading.Lock()
    next_index = [0]
    stop = threading.Event()

    def sender():
        client = ApiClient(service, token)
        try:
            while not stop.is_set():
                with lock:
                    i = next_index[0]
                    if i >= count:
                        return
                    next_index[0] = i + 1
                path, body = request_of(i)
                posted = Posted(time.monotonic())
                try:
                    posted.status, posted.data = client.request("POST", path, body)
                except (OSError, http.client.HTTPException) as error:
                    posted.error = repr(error)[:200]
                posted.t_answer = time.monotonic()
                results[i] = posted
        finally:
            client.close()

    threads = [threading.Thread(target=sender, name=f"bench-sender-{k}") for k in range(min(concurrency, count))]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    return results


def _outcomes(posted):
    """{"202": 180, "409": 2, "ConnectionResetError(...)": 1} of a post_all result: the HTTP
    status of each POST, or the error that left it without one."""
    counts: dict[str, int] = {}
    for p in posted:
        key = "not sent" if p is None else (p.error or str(p.status))
        counts[key] = counts.get(key, 0) + 1
    return counts


def _first_problem(posted, expected_status):
    for p in posted:
        if p is None:
            return "not sent"
        if p.status != expected_status:
            return p.error or f"{p.status} {json.dumps(p.data)[:300]}"
    return None


# --- Setup: the channel and the conversations -----------------------------------------


def create_channel(admin, postgres_url, channel, idle_timeout):
    body = {"carrier": "simulator",
            "outbound": {"enabled": True, "max_per_second": MAX_PER_SECOND, "delivery_delay_ms": DELIVERY_DELAY_MS}}
    status, data = admin.request("PUT", f"/v1/channels/{channel}", body)
    if status not in (200, 201):
        raise RuntimeError(f"PUT /v1/channels/{channel}: {status} {data}")
    # ingest binds sms.<channel> on ingest.outbound in a pass after the save, and records
    # the binding in the same transaction; a reply published before would wait in
    # outbound.unrouted.
    wait = max(30.0, idle_timeout)  # the pass runs at once after a save, and every 15 s anyway
    deadline = time.monotonic() + wait
    while True:
        try:
            if sb.psql_rows(postgres_url, f"SELECT 1 FROM ingest.outbound_bindings WHERE channel = '{channel}'", timeout=20):
                return
        except sb.PsqlError as error:
            raise RuntimeError(f"cannot read ingest.outbound_bindings: {error}") from None
        if time.monotonic() > deadline:
            raise RuntimeError(f"ingest did not bind sms.{channel} within {wait:.0f} s (ingest's log says why)")
        time.sleep(0.2)


def pin_session_mode(session_admin, org):
    status, data = session_admin.request("PUT", f"/v1/numbers/{quote(org, safe='')}", {"mode": "session"})
    if status != 200:
        raise RuntimeError(f"PUT /v1/numbers/{org}: {status} {data}")


def open_interactions(supervisor, org):
    """customer number -> interaction (list view) of every open interaction to ORG."""
    found = {}
    cursor = None
    while True:
        params = {"to": org, "state": "open", "limit": 200}
        if cursor:
            params["cursor"] = cursor
        status, data = supervisor.get("/v1/interactions?" + urlencode(params))
        if status != 200:
            raise RuntimeError(f"GET /v1/interactions: {status} {data}")
        for item in data["items"]:
            found.setdefault(item["from"], item)  # newest first
        cursor = data.get("next")
        if not cursor:
            return found


def wait_for(what, probe, total, idle_timeout):
    """Poll PROBE (-> how many of TOTAL are there) until it reaches TOTAL; RuntimeError
    after IDLE_TIMEOUT seconds without the count growing."""
    best, last_progress = -1, time.monotonic()
    while True:
        count = probe()
        if count >= total:
            return
        if count > best:
            best, last_progress = count, time.monotonic()
        elif time.monotonic() - last_progress > idle_timeout:
            raise RuntimeError(f"{what}: {count} of {total} after {idle_timeout:.0f} s without progress")
        time.sleep(0.3)


def open_conversations(args, tokens, org, customers, channel, amqp_url):
    """The C interactions, owned by agent bench: customer -> interaction id."""
    posted = post_all(
        "ingest", tokens["system"], len(customers),
        lambda c: (f"/v1/simulator/{channel}/inbound", {"from": customers[c], "to": org, "text": "Hello, I need help with my order"}),
        args.concurrency,
    )
    problem = _first_problem(posted, 202)
    if problem:
        raise RuntimeError(f"POST /v1/simulator/{channel}/inbound: {problem} (answers: {_outcomes(posted)})")

    supervisor = ApiClient("session", tokens["supervisor"])
    try:
        wanted = set(customers)
        state = {}

        def listed():
            state["open"] = {k: v for k, v in open_interactions(supervisor, org).items() if k in wanted}
            return len(state["open"])

        wait_for("interactions in session", listed, len(customers), args.idle_timeout)
        interactions = state["open"]
        commands = [
            Message(c, "switchboard.commands", "session.interaction.assign", json.dumps({
                "interaction_id": interactions[customer]["id"], "agent_id": AGENT_ID, "agent_name": AGENT_NAME,
                "expected_owner_id": None, "reason": "routed",
            }).encode())
            for c, customer in enumerate(customers)
        ]
        [published] = run_publishers(amqp_url, [commands], 200, 0)
        if published["nacked"] or published["returned"]:
            raise RuntimeError(f"assign commands: {published['nacked']} nacked, {published['returned']} returned")

        def owned():
            state["open"] = {k: v for k, v in open_interactions(supervisor, org).items() if k in wanted}
            return sum(1 for item in state["open"].values() if (item.get("owner") or {}).get("id") == AGENT_ID)

        wait_for(f"interactions owned by {AGENT_ID}", owned, len(customers), args.idle_timeout)
        return {customer: state["open"][customer]["id"] for customer in customers}
    finally:
        supervisor.close()


# --- Observing message.status ---------------------------------------------------------


def _status_consumer(amqp_url, idle_timeout, ready, expected_queue, stop, results):
    """Consume message.status from an exclusive queue, keeping the first time each
    (message_id, status) was seen. Until the parent says which message ids are the run's
    (EXPECTED_QUEUE: the replies were being sent meanwhile), it keeps every message's;
    then only those, until each has `sent` and a final status, or nothing new came for
    them for IDLE_TIMEOUT s, or STOP is set. Puts {seen: {message_id: {status: time}},
    duplicates, error} on RESULTS."""
    try:
        params = pika.URLParameters(amqp_url)
        params.heartbeat = 0
        connection = pika.BlockingConnection(params)
        channel = connection.channel()
        queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        channel.queue_bind(queue, "switchboard.events", "message.status")
        channel.basic_qos(prefetch_count=2000)
    except Exception as error:  # noqa: BLE001 - reported to the parent
        results.put({"seen": {}, "duplicates": 0, "error": f"observer: {error!r}"})
        ready.set()
        return
    seen: dict[str, dict[str, float]] = {}
    run = {"expected": None, "pending": None, "last_progress": time.monotonic(), "duplicates": 0}

    def finished(statuses):
        return any(s in statuses for s in FINAL) and ("sent" in statuses or "failed" in statuses)

    def on_message(_channel, _method, _properties, body):
        now = time.monotonic()
        try:
            data = json.loads(body).get("data") or {}
        except (ValueError, AttributeError):
            return
        message_id, status = data.get("message_id"), data.get("status")
        if not message_id or not status:
            return
        if run["expected"] is not None and message_id not in run["expected"]:
            return  # another sender's SMS
        statuses = seen.setdefault(message_id, {})
        if status in statuses:
            run["duplicates"] += 1  # the same status again (a part of a longer SMS, or a duplicate)
            return
        statuses[status] = now
        run["last_progress"] = now
        if run["pending"] is not None and finished(statuses):
            run["pending"].discard(message_id)

    channel.basic_consume(queue, on_message, auto_ack=True)
    ready.set()
    error = None
    try:
        while not stop.is_set():
            connection.process_data_events(time_limit=0.2)
            if run["expected"] is None:
                try:
                    run["expected"] = set(expected_queue.get_nowait())
                except queue_module.Empty:
                    continue
                for message_id in [m for m in seen if m not in run["expected"]]:
                    del seen[message_id]
                run["pending"] = {m for m in run["expected"] if not finished(seen.get(m, {}))}
                run["last_progress"] = time.monotonic()
            if not run["pending"] or time.monotonic() - run["last_progress"] > idle_timeout:
                break
        connection.close()
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        error = f"observer: {exc!r}"
    results.put({"seen": seen if run["expected"] is not None else {}, "duplicates": run["duplicates"], "error": error})


class StatusObserver:
    """_status_consumer in its own process (fork): started, bound and consuming before
    anything is sent; finish(ids) hands it the run's message ids and returns what it saw."""

    def __init__(self, amqp_url, idle_timeout):
        ctx = mp.get_context("fork")
        self.ready = ctx.Event()
        self.stop_event = ctx.Event()
        self.expected = ctx.Queue()
        self.results = ctx.Queue()
        self.process = ctx.Process(
            target=_status_consumer, args=(amqp_url, idle_timeout, self.ready, self.expected, self.stop_event, self.results),
            daemon=True,
        )

    def start(self):
        self.process.start()
        if not self.ready.wait(30):
            self.close()
            raise RuntimeError("the message.status observer did not start within 30 s")

    def finish(self, message_ids):
        self.expected.put(list(message_ids))
        while True:
            try:
                result = self.results.get(timeout=1)
                break
            except queue_module.Empty:
                if not self.process.is_alive():
                    raise RuntimeError(f"the message.status observer exited with status {self.process.exitcode}") from None
        self.process.join(10)
        if result.get("error") and not result.get("seen"):
            raise RuntimeError(result["error"])
        return result

    def close(self):
        """Stop it (if it still runs) and reap it; its queue goes with its connection."""
        self.stop_event.set()
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self.expected.cancel_join_thread()  # what it never read is not waited for
        self.expected.close()
        self.results.close()


# --- The run ---------------------------------------------------------------------------


def bench(args, env, services):
    amqp_url, postgres_url = env["SWITCHBOARD_AMQP_URL"], env["SWITCHBOARD_POSTGRES_URL"]
    secret = env["SWITCHBOARD_JWT_SECRET"]
    run_id = uuid.uuid4().hex[:10]
    channel = f"bench-sim-{run_id}"
    tokens = {
        "admin": sb.mint_token(secret, "bench-admin", ["admin"], "Bench Admin", ttl=TOKEN_TTL),
        "system": sb.mint_token(secret, "bench-system", ["system"], "Bench", ttl=TOKEN_TTL),
        "supervisor": sb.mint_token(secret, "bench-supervisor", ["supervisor"], "Bench Supervisor", ttl=TOKEN_TTL),
        "agent": sb.mint_token(secret, AGENT_ID, ["agent"], AGENT_NAME, ttl=TOKEN_TTL),
    }
    org = sb.org_number()
    customers = set()
    while len(customers) < args.conversations:
        customers.add(sb.customer_number()[1])
    customers = sorted(customers)
    random.shuffle(customers)

    t_setup = time.monotonic()
    print(f"creating the simulator channel {channel}...", file=sys.stderr)
    ingest_admin, session_admin = ApiClient("ingest", tokens["admin"]), ApiClient("session", tokens["admin"])
    try:
        create_channel(ingest_admin, postgres_url, channel, args.idle_timeout)
        pin_session_mode(session_admin, org)
        print(f"opening {args.conversations} conversations and assigning them to {AGENT_ID}...", file=sys.stderr)
        interaction_of = open_conversations(args, tokens, org, customers, channel, amqp_url)
    except (OSError, http.client.HTTPException) as error:
        raise RuntimeError(f"setting up the run: {error!r}") from None
    finally:
        ingest_admin.close()
        session_admin.close()
    interactions = [interaction_of[customer] for customer in customers]
    setup_seconds = time.monotonic() - t_setup

    def reply(i):
        return (f"/v1/interactions/{interactions[i % len(interactions)]}/messages",
                {"text": f"bench {run_id} reply {i}: your order ships today."})

    observer = StatusObserver(amqp_url, args.idle_timeout)
    try:
        observer.start()
        usage = sb.UsageMeter(services.pids() if services else sb.find_service_pids())
        machine_before = bench_machine.snapshot()
        client_before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"sending {args.replies} replies over {args.conversations} conversations from {args.concurrency} HTTP senders...",
              file=sys.stderr)
        posted = post_all("session", tokens["agent"], args.replies, reply, args.concurrency)
        accepted = {}  # message_id -> index
        for i, p in enumerate(posted):
            if p is not None and p.status == 202 and isinstance(p.data, dict) and p.data.get("message_id"):
                accepted[p.data["message_id"]] = i
        print(f"{len(accepted)} accepted; waiting for their message.status sent and delivered...", file=sys.stderr)
        observed = observer.finish(accepted)
        service_stats, infra = usage.finish()
        machine = bench_machine.activity(machine_before, bench_machine.snapshot())
        client_after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        observer.close()
    client_cpu = sum(
        (a.ru_utime + a.ru_stime) - (b.ru_utime + b.ru_stime) for a, b in zip(client_after, client_before)
    )
    return summarise(args, run_id, channel, services, posted, accepted, observed, service_stats, infra, client_cpu,
                     setup_seconds, len(reply(args.replies - 1)[1]["text"]), machine)


def _rate(count, t0, t1):
    return round(count / (t1 - t0), 1) if count and t1 > t0 else None


def summarise(args, run_id, channel, services, posted, accepted, observed, service_stats, infra, client_cpu,
              setup_seconds, text_chars, machine=None):
    seen = observed["seen"]
    answered = [p for p in posted if p is not None]
    if not answered:
        raise RuntimeError("no reply was sent")
    t_first = min(p.t_post for p in answered)
    t_accepted_last = max((posted[i].t_answer for i in accepted.values()), default=t_first)
    api_latencies = sorted(posted[i].t_answer - posted[i].t_post for i in accepted.values())

    def stage(status):
        times = sorted(seen[m][status] for m in accepted if status in seen.get(m, {}))
        latencies = sorted(seen[m][status] - posted[i].t_post for m, i in accepted.items() if status in seen.get(m, {}))
        steady = sb.steady_rate(times)
        return {
            "count": len(times),
            "seconds": round(times[-1] - t_first, 3) if times else None,
            "per_s": _rate(len(times), t_first, times[-1]) if times else None,
            "steady_per_s": round(steady, 1) if steady else None,
            "latency_ms": sb.latency_ms(latencies),
        }

    sent, delivered = stage("sent"), stage("delivered")
    refused = sum(1 for m in accepted if any(s in seen.get(m, {}) for s in ("undelivered", "failed")))
    complete_count = sum(1 for m in accepted if {"sent", "delivered"} <= set(seen.get(m, {})))
    multi_part = sum(1 for i in accepted.values() if len(posted[i].data.get("parts") or []) > 1)
    services_cpu = sum(s.get("cpu_seconds") or 0 for s in service_stats.values())
    total_cpu = services_cpu + sum(infra.values())
    per = delivered["count"] or None

    def per_reply_ms(seconds):
        return round(seconds / per * 1000, 2) if per else None

    return {
        "mode": "replies",
        "run_id": run_id,
        "started_services": services is not None,
        "machine": bench_machine.described(),
        "parameters": {
            "replies": args.replies,
            "conversations": args.conversations,
            "concurrency": args.concurrency,
            "channel": channel,
            "carrier": "simulator",
            "max_per_second": MAX_PER_SECOND,
            "delivery_delay_ms": DELIVERY_DELAY_MS,
            "text_characters": text_chars,
        },
        "setup_seconds": round(setup_seconds, 1),
        "api": {
            "accepted": len(accepted),
            "outcomes": _outcomes(posted),
            "seconds": round(t_accepted_last - t_first, 3),
            "accepted_per_s": _rate(len(accepted), t_first, t_accepted_last),
            "latency_ms": sb.latency_ms(api_latencies),
        },
        "sent": sent,
        "delivered": delivered,
        "complete": complete_count,
        "undelivered_or_failed": refused,
        "missing": len(accepted) - complete_count - refused,
        "not_accepted": args.replies - len(accepted),
        "multi_part_replies": multi_part,
        "duplicate_events": observed["duplicates"],
        "observer_error": observed.get("error"),
        "services": service_stats,
        "infrastructure_cpu_seconds": infra,
        "cpu_per_delivered_reply_ms": {
            "services": per_reply_ms(services_cpu),
            **{group: per_reply_ms(seconds) for group, seconds in infra.items()},
            "total": per_reply_ms(total_cpu),
        },
        "client_cpu_seconds": round(client_cpu, 2),
        "machine_cpu": machine,
    }


def complete(r):
    """Every reply accepted, sent and delivered."""
    return r["not_accepted"] == 0 and r["complete"] == r["parameters"]["replies"]


def _lat(latency):
    return f"{latency['p50']} / {latency['p90']} / {latency['p99']} / {latency['max']} ms"


def print_report(r):
    p, api, sent, delivered = r["parameters"], r["api"], r["sent"], r["delivered"]
    cpu = r["cpu_per_delivered_reply_ms"]
    print()
    print(f"## Switchboard bench: send path (run {r['run_id']}, {r['machine']['cpus']} CPUs)")
    print()
    print(
        f"{p['replies']} replies over {p['conversations']} conversations, {p['concurrency']} HTTP senders, "
        f"channel {p['channel']} (simulator, max {p['max_per_second']}/s, delivery delay {p['delivery_delay_ms']} ms), "
        f"{p['text_characters']} characters per reply; setup {r['setup_seconds']} s (not measured)"
    )
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| accepted by the API (202), first POST to last 202 | {api['accepted_per_s']} replies/s over {api['seconds']} s |")
    print(f"| sent (carrier accepted), first POST to last `sent` | {sent['per_s']} replies/s over {sent['seconds']} s |")
    print(f"| delivered (receipt applied), first POST to last `delivered` | {delivered['per_s']} replies/s over {delivered['seconds']} s |")
    print(f"| sent / delivered, steady (10th-90th percentile) | {sent['steady_per_s']} / {delivered['steady_per_s']} replies/s |")
    print(f"| latency POST to 202 p50 / p90 / p99 / max | {_lat(api['latency_ms'])} |")
    print(f"| latency POST to `sent` p50 / p90 / p99 / max | {_lat(sent['latency_ms'])} |")
    print(f"| latency POST to `delivered` p50 / p90 / p99 / max | {_lat(delivered['latency_ms'])} |")
    print(f"| accepted / sent and delivered / undelivered or failed / missing | {api['accepted']} / {r['complete']} / {r['undelivered_or_failed']} / {r['missing']} |")
    print(f"| API answers | {', '.join(f'{k}: {v}' for k, v in sorted(api['outcomes'].items()))} |")
    print(f"| duplicate status events / replies of more than one SMS | {r['duplicate_events']} / {r['multi_part_replies']} |")
    print(f"| CPU per delivered reply: services / RabbitMQ / PostgreSQL / total | {cpu['services']} / {cpu.get('rabbitmq')} / {cpu.get('postgresql')} / {cpu['total']} ms |")
    print(f"| CPU of the benchmark itself (HTTP senders, observer) | {r['client_cpu_seconds']} s |")
    print(f"| the machine's CPUs during the run | {bench_machine.summary(r.get('machine_cpu'))} |")
    if r.get("observer_error"):
        print(f"| observer | {r['observer_error']} |")
    print()
    warning = bench_machine.stolen_warning(r.get("machine_cpu"))
    if warning:
        print(f"Warning: {warning}.")
        print()
    sb.print_usage(r)
