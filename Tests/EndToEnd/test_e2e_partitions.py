"""Changing `SWITCHBOARD_SESSION_PARTITIONS` on a running system (issue #16), end to end:
the procedure of docs/architecture.md section 6, "Changing the partition count", run step
by step against the real `ingest` and `session` executables under a steady inbound load,
up (2 -> 6) and down (6 -> 3, with step 4):

1. stop every `ingest` (SIGTERM; inbound SMS wait in `ingest.messages`);
2. wait until `rabbitmqctl list_queues name messages_ready messages_unacknowledged` shows
   0 and 0 for every `session.inbound.N`, in a reading taken at least 10 s after ingest
   stopped (RabbitMQ refreshes a quorum queue's counts only at its 5 s tick);
3. restart with the new count, `session` first (once it is ready, `session.partitions` is
   bound to exactly the new partitions: the new ones added, those above the count
   removed), then, once it is ready, `ingest`;
4. after the lower count, delete `session.inbound.3..5` once they show 0 messages.

Meanwhile 45 SMS/s arrive over 60 conversations (the suite's confirming publisher, one
unconfirmed message per conversation, so the broker holds each conversation in publish
order). At each count every partition must have an active consumer (`list_consumers`)
and handle messages (session's `switchboard_messaging_handled_total{queue=
"session.inbound.N"}`), so the new partitions are used and conversations really move.
60 conversations make an empty partition among 6 unlikely (about 1 in 10,000 runs). At
the end every confirmed SMS is exactly one transcript entry, each conversation's entries
(by `seq`) follow the publish order, each conversation is one interaction (Session mode,
the default, with its 30-minute timeout), nothing reaches the vhost's `switchboard.dead`
and `session.partitions` has exactly the 3 bindings left.

Isolation: the suite's services share vhost `/` with the default 4 partitions, and a
different ring there would disturb them. This test runs its own `ingest` and `session`
(`ExtraService`) in a vhost of its own (`sb-partitions-<hex>`, with the `switchboard`
user's permissions and the dead-letter policy of scripts/lib/infra.sh; deleted at the end)
and a database of its own (`switchboard_partitions`, made anew, kept for a look). It needs
`rabbitmqctl` and `SWITCHBOARD_TEST_RABBITMQ_NODE` (scripts/test sets it); without them it
fails, it is never skipped. About 65 s (20 of them the two waits of step 2).

The test's `ingest` and `session` run with the batch linger on
(`SWITCHBOARD_BATCH_LINGER_MS`, off everywhere else in the suite), so the linger is
exercised by the executables under a steady load, through their SIGTERMs and restarts:
the guarantees above must hold with it, and ingest's consumer, fed at a steady rate, must
show the batches it forms: on average at least 2.5 SMS per batch (3.4 in a run on the
2-core development machine, against 1.7 with the linger off).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
import requests

import e2e_support as sb
import switchboard_tools as sbt  # scripts/lib, on sys.path through e2e_support

RATE = 45.0  # inbound SMS per second, for the whole procedure
CONVERSATIONS = 60
COUNTS = (2, 6, 3)  # the partition count at start, after the change up, after the change down
DWELL = 3.0  # seconds of load at a count once each of its partitions has handled messages
DRAIN_TIMEOUT = 30.0  # step 2, and the final transcript count
# Step 2 trusts a reading of list_queues only this long after ingest stopped: RabbitMQ
# refreshes a quorum queue's message counts at the queue's tick, every 5 s.
STATS_AGE = 10.0
DATABASE = "switchboard_partitions"
# A 50-ms linger: at 45 SMS/s about 2 more SMS are expected within it, so workers wait
# (the rule lingers only when at least one more is expected, docs/architecture.md section 6).
LINGER_MS = 50
LINGER_MEAN_BATCH = 2.5
PARTITION_QUEUE = re.compile(r"^session\.inbound\.(\d+)$")
HANDLED = re.compile(r'^switchboard_messaging_handled_total\{[^}]*queue="session\.inbound\.(\d+)"[^}]*\}\s+(\S+)', re.M)


# --- The broker, through rabbitmqctl as the procedure uses it ------------------------------


class Broker:
    """`rabbitmqctl -n NODE … -p VHOST`: the vhost's life and what the procedure reads."""

    def __init__(self, node: str, vhost: str):
        self.node = node
        self.vhost = vhost

    def ctl(self, *args: str, timeout: float = 60) -> str:
        command = ["rabbitmqctl", "-n", self.node, "-q", *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(command)}: status {result.returncode}: {(result.stderr or result.stdout).strip()}")
        return result.stdout

    def create(self) -> None:
        """The vhost, with what sb_rabbitmq_setup gives vhost `/`: the user's permissions and
        the dead-letter policy (its values read from scripts/lib/infra.sh)."""
        name, pattern, definition = _dead_letter_policy()
        self.ctl("add_vhost", self.vhost)
        self.ctl("set_permissions", "-p", self.vhost, "switchboard", ".*", ".*", ".*")
        self.ctl("set_policy", "-p", self.vhost, "--apply-to", "queues", "--priority", "0", name, pattern, definition)

    def delete(self) -> None:
        self.ctl("delete_vhost", self.vhost, timeout=120)

    def queues(self) -> dict[str, tuple[int, int, int, int]]:
        """name -> (messages_ready, messages_unacknowledged, messages, consumers); -1 where
        the broker gives no number (a queue without a leader)."""
        out = self.ctl("list_queues", "-p", self.vhost, "--no-table-headers",
                       "name", "messages_ready", "messages_unacknowledged", "messages", "consumers")
        rows = {}
        for line in out.splitlines():
            fields = line.split("\t")
            if len(fields) == 5:
                rows[fields[0]] = tuple(int(f) if f.isdigit() else -1 for f in fields[1:])
        return rows

    def partitions(self) -> dict[int, tuple[int, int, int, int]]:
        return {int(m.group(1)): row for name, row in self.queues().items() if (m := PARTITION_QUEUE.match(name))}

    def consumers(self) -> dict[str, list[str]]:
        """queue -> the `active` flag of each of its consumers. Live, unlike list_queues'
        `consumers`, which for a quorum queue is refreshed at the queue's tick (5 s)."""
        out = self.ctl("list_consumers", "-p", self.vhost, "--no-table-headers", "queue_name", "active")
        consumers: dict[str, list[str]] = {}
        for line in out.splitlines():
            fields = line.split("\t")
            if len(fields) == 2:
                consumers.setdefault(fields[0], []).append(fields[1])
        return consumers

    def bound_partitions(self) -> list[int]:
        """The partitions `session.partitions` routes to (its queue bindings)."""
        out = self.ctl("list_bindings", "-p", self.vhost, "--no-table-headers", "source_name", "destination_name")
        bound = []
        for line in out.splitlines():
            fields = line.split("\t")
            if len(fields) == 2 and fields[0] == "session.partitions" and (m := PARTITION_QUEUE.match(fields[1])):
                bound.append(int(m.group(1)))
        return sorted(bound)


def _dead_letter_policy() -> tuple[str, str, str]:
    script = ('source "$1" && printf "%s\\0%s\\0%s" '
              '"$SB_DEAD_LETTER_POLICY" "$SB_DEAD_LETTER_POLICY_PATTERN" "$SB_DEAD_LETTER_POLICY_DEFINITION"')
    out = subprocess.run(["bash", "-c", script, "policy", str(sb.INFRA_SH)], check=True, capture_output=True, text=True,
                         timeout=30).stdout
    name, pattern, definition = out.split("\0")
    assert name and pattern and definition, f"no dead-letter policy in {sb.INFRA_SH}: {out!r}"
    return name, pattern, definition


def _vhost_url(amqp_url: str, vhost: str) -> str:
    parts = urlsplit(amqp_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), parts.query, ""))


class DeadLetterTap:
    """A temporary exclusive queue bound to the vhost's `switchboard.dead` (`#`), consumed
    as letters come (live, unlike a quorum queue's counts in list_queues)."""

    def __init__(self, amqp_url: str):
        self.connection = sbt.blocking_connection(amqp_url, heartbeat=0)
        self.channel = self.connection.channel()
        queue = self.channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        self.channel.queue_bind(queue, "switchboard.dead", "#")
        self.bodies: list[bytes] = []
        self.channel.basic_consume(queue, lambda _c, _m, _p, body: self.bodies.append(body), auto_ack=True)

    def collect(self, seconds: float) -> list[bytes]:
        self.connection.process_data_events(time_limit=seconds)
        return self.bodies

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


# --- The services ------------------------------------------------------------------------


class Services:
    """The test's own `ingest` and `session`: one of each at a time, each started with the
    vhost, the database and a partition count."""

    def __init__(self, system, log_dir: Path, overrides: dict[str, str]):
        self.system = system
        self.log_dir = log_dir
        self.overrides = overrides
        self.running: dict[str, sb.ExtraService] = {}
        self.started: list[sb.ExtraService] = []
        self.stops: list[str] = []

    def start(self, name: str, partitions: int) -> sb.ExtraService:
        assert name not in self.running, f"{name} is already running"
        service = sb.ExtraService(self.system, name, {**self.overrides, "SWITCHBOARD_SESSION_PARTITIONS": str(partitions)},
                                  self.log_dir, label=f"partitions{partitions}")
        self.running[name] = service
        self.started.append(service)
        service.wait_ready()
        return service

    def stop(self, name: str) -> float:
        """SIGTERM; it must exit 0 within 10 s (docs/architecture.md section 5)."""
        service = self.running.pop(name)
        took, status = service.stop()
        assert took is not None and took <= sb.STOP_LIMIT and status == 0, (
            f"{name} (log {service.log}) after SIGTERM: "
            f"{'killed after 15 s' if took is None else f'exited after {took:.1f}s'}, status {status}:\n{sb.tail(service.log, 30)}"
        )
        self.stops.append(f"{name} {took:.1f}s")
        return took

    def stop_all(self) -> None:
        for service in self.running.values():
            service.stop()
        self.running.clear()

    def logs(self, lines: int = 25) -> str:
        return "\n".join(f"--- {s.log} (last {lines} lines):\n{sb.tail(s.log, lines)}" for s in self.started)


def _handled(session: sb.ExtraService) -> dict[int, float]:
    """Deliveries this session process has handled, per partition."""
    text = requests.get(session.base_url + "/metrics", timeout=5).text
    handled: dict[int, float] = {}
    for partition, value in HANDLED.findall(text):
        handled[int(partition)] = handled.get(int(partition), 0.0) + float(value)
    return handled


# --- The load ----------------------------------------------------------------------------


def _load(run: str, org: str, customers: list[str]):
    """Message k, endlessly: conversation k % CONVERSATIONS, text `part:{run}:{k}: …`."""
    k = 0
    while True:
        conversation = k % len(customers)
        body = json.dumps({
            "id": f"part-{run}-{k}", "from": customers[conversation], "to": org,
            "text": f"part:{run}:{k}: conversation {conversation}, message {k // len(customers) + 1}",
        }).encode()
        yield sbt.Message(k, "switchboard.inbound", "message", body, key=conversation, message_id=f"part-{run}-{k}")
        k += 1


def _transcripts(client: requests.Session, session_url: str, org: str, run: str) -> dict[str, list[tuple[str, list[int]]]]:
    """customer -> [(interaction id, [k of each inbound entry of this run, by seq])]."""
    items, cursor = [], None
    while True:
        params = {"to": org, "limit": 100, **({"cursor": cursor} if cursor else {})}
        response = client.get(session_url + "/v1/interactions", params=params, timeout=10)
        assert response.status_code == 200, f"GET /v1/interactions: {response.status_code} {response.text[:300]}"
        page = response.json()
        items += page["items"]
        cursor = page.get("next")
        if not cursor:
            break
    prefix = re.compile(rf"^part:{re.escape(run)}:(\d+):")
    out: dict[str, list[tuple[str, list[int]]]] = {}
    for item in items:
        response = client.get(session_url + f"/v1/interactions/{item['id']}", timeout=10)
        assert response.status_code == 200, f"GET /v1/interactions/{item['id']}: {response.status_code} {response.text[:300]}"
        entries = sorted(response.json().get("transcript") or [], key=lambda e: e["seq"])
        ks = [int(m.group(1)) for e in entries
              if e.get("kind") == "message" and e.get("direction") == "inbound" and (m := prefix.match(e.get("text") or ""))]
        out.setdefault(item["from"], []).append((item["id"], ks))
    return out


# --- The test ----------------------------------------------------------------------------


def test_changing_the_partition_count_under_load_keeps_every_conversation_in_order(system, desk, tmp_path, request):
    """docs/architecture.md section 6, "Changing the partition count", exactly as written,
    2 -> 6 -> 3 partitions under 45 SMS/s over 60 conversations: nothing lost, duplicated,
    reordered, split or dead-lettered; the new partitions consume; the surplus ones are
    unbound and deleted."""
    node = os.environ.get("SWITCHBOARD_TEST_RABBITMQ_NODE")
    if not node:
        pytest.fail("SWITCHBOARD_TEST_RABBITMQ_NODE is not set: this test runs the procedure's rabbitmqctl steps on that "
                    "RabbitMQ node (scripts/test sets it, e.g. rabbit@localhost)", pytrace=False)
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl not found: the procedure of docs/architecture.md section 6 uses it", pytrace=False)
    started = time.monotonic()
    run = uuid.uuid4().hex[:8]
    broker = Broker(node, f"sb-partitions-{run}")
    amqp_url = _vhost_url(system.amqp_url, broker.vhost)
    postgres_url = sb.fresh_database(system.env["SWITCHBOARD_POSTGRES_URL"], DATABASE)
    services = Services(system, sb.extra_log_dir(system, tmp_path),
                        {"SWITCHBOARD_AMQP_URL": amqp_url, "SWITCHBOARD_POSTGRES_URL": postgres_url,
                         "SWITCHBOARD_BATCH_LINGER_MS": str(LINGER_MS)})
    org = sb.org_number()
    customers: list[str] = []
    while len(customers) < CONVERSATIONS:
        customer = sb.customer_number()[1]
        if customer not in customers:
            customers.append(customer)
    publisher: sbt.PublisherProcess | None = None
    tap: DeadLetterTap | None = None
    notes: list[str] = []  # what each step saw, printed at the end
    vhost_made = False

    def load_at() -> int:
        return int(publisher.progress()["confirmed"]) if publisher else 0

    def at_count(count: int) -> None:
        """Every partition below COUNT exists, is bound, has one consumer and has handled
        messages of this session process; no other partition is bound. Then DWELL s more."""
        session = services.running["session"]
        last: dict = {}

        def probe():
            last["handled"] = _handled(session)
            return all(last["handled"].get(n, 0) > 0 for n in range(count))

        since = time.monotonic()
        try:
            sb.wait_until(probe, timeout=30, interval=0.5, what="")
        except AssertionError:
            raise AssertionError(f"at {count} partitions, not every partition handled messages within 30 s: "
                                 f"handled per partition {last.get('handled')}, queues {broker.partitions()}") from None
        assert sorted(broker.partitions()) == list(range(count)), f"partition queues at {count}: {broker.partitions()}"
        assert broker.bound_partitions() == list(range(count)), f"bindings at {count}: {broker.bound_partitions()}"
        consumers = broker.consumers()
        wrong = {n: consumers.get(f"session.inbound.{n}") for n in range(count)
                 if consumers.get(f"session.inbound.{n}") != ["true"]}
        assert not wrong, f"at {count} partitions, each needs one active consumer; these have not: {wrong}"
        time.sleep(DWELL)
        handled = _handled(session)
        notes.append(f"at {count}: every partition consumed within {time.monotonic() - since - DWELL:.1f}s; handled "
                     + ", ".join(f"{n}: {handled.get(n, 0):.0f}" for n in range(count)))

    def change(old: int, new: int) -> None:
        """docs/architecture.md section 6, "Changing the partition count", steps 1 to 4."""
        began, confirmed = time.monotonic(), load_at()
        # 1. Stop every ingest replica.
        services.stop("ingest")
        stopped = time.monotonic()
        # 2. Wait until every session.inbound.N shows 0 ready and 0 unacknowledged, in a
        #    reading taken at least STATS_AGE s after ingest stopped (a quorum queue's counts
        #    are refreshed at its tick: an earlier 0 may date from before the stop).
        deepest = 0

        def drained():
            nonlocal deepest
            taken = time.monotonic()
            partitions = broker.partitions()
            deepest = max([deepest] + [row[0] + row[1] for row in partitions.values()])
            empty = all(row[0] == 0 and row[1] == 0 for row in partitions.values())
            return empty and taken - stopped >= STATS_AGE and partitions

        sb.wait_until(drained, timeout=STATS_AGE + DRAIN_TIMEOUT, interval=0.5,
                      what=f"step 2 ({old} -> {new}): every session.inbound.N at 0 ready and 0 unacknowledged")
        step2 = time.monotonic() - began
        # 3. The new count, session first (its connections bind the new partitions and unbind
        #    those above the count, before it says ready); then ingest.
        services.stop("session")
        services.start("session", new)
        assert broker.bound_partitions() == list(range(new)), (
            f"step 3 ({old} -> {new}): once session is ready, session.partitions must be bound to partitions 0..{new - 1} "
            f"exactly; it is bound to {broker.bound_partitions()}")
        services.start("ingest", new)
        step3 = time.monotonic() - began
        # 4. After a lower count: delete the partitions above it once they show 0 messages.
        deleted = []
        if new < old:
            surplus = sorted(n for n in broker.partitions() if n >= new)
            assert surplus == list(range(new, old)), f"step 4: partitions above {new - 1}: {surplus}"
            for n in surplus:
                sb.wait_until(lambda n=n: broker.partitions()[n][2] == 0, timeout=10,
                              what=f"step 4: session.inbound.{n} at 0 messages")
                broker.ctl("delete_queue", "-p", broker.vhost, f"session.inbound.{n}")
                deleted.append(f"session.inbound.{n}")
            assert sorted(broker.partitions()) == list(range(new)), f"after step 4: {broker.partitions()}"
        notes.append(
            f"{old} -> {new} at {confirmed} SMS confirmed: step 2 done {step2:.1f}s after ingest's SIGTERM "
            f"(at most {deepest} in the partitions), both restarted after {step3:.1f}s"
            + (f"; deleted {', '.join(deleted)}" if deleted else ""))

    try:
        broker.create()
        vhost_made = True
        services.start("session", COUNTS[0])
        services.start("ingest", COUNTS[0])
        assert broker.bound_partitions() == list(range(COUNTS[0])), f"bindings at start: {broker.bound_partitions()}"
        tap = DeadLetterTap(amqp_url)

        publisher = sbt.PublisherProcess(
            amqp_url, _load(run, org, customers),
            sbt.PublisherSettings(window=200, rate=RATE, ordered=True, republish=True, reconnect=True, flush_timeout=20),
        )
        publisher.start(30)
        publisher.go()
        load_started = time.monotonic()

        at_count(COUNTS[0])
        for old, new in zip(COUNTS, COUNTS[1:]):
            change(old, new)
            at_count(new)

        published = publisher.stop(timeout=40)
        load_took = time.monotonic() - load_started
        assert not published["error"], f"publisher: {published['error']} {published['errors']}"
        count = published["generated"]
        confirmed = sorted(published["confirmed"])
        assert confirmed == list(range(count)), (
            f"{count - len(confirmed)} of {count} never confirmed by the broker: {published['errors']}")

        session_url = services.running["session"].base_url

        def complete():
            found = _transcripts(desk, session_url, org, run)
            total = sum(len(ks) for interactions in found.values() for _i, ks in interactions)
            return found if total >= count else None

        try:
            sb.wait_until(complete, timeout=DRAIN_TIMEOUT, interval=1.0, what="")
        except AssertionError:
            found = _transcripts(desk, session_url, org, run)
            seen = {k for interactions in found.values() for _i, ks in interactions for k in ks}
            missing = sorted(set(range(count)) - seen)
            raise AssertionError(f"{len(missing)} of {count} confirmed SMS have no transcript entry after "
                                 f"{DRAIN_TIMEOUT:.0f}s, e.g. {missing[:10]}; queues {broker.queues()}") from None
        time.sleep(1.0)  # a late duplicate (a redelivery) would show now
        found = _transcripts(desk, session_url, org, run)

        sb.assert_each_once_in_order(found, count, CONVERSATIONS)

        final = COUNTS[-1]
        assert broker.bound_partitions() == list(range(final)), f"bindings at the end: {broker.bound_partitions()}"
        partitions = broker.partitions()
        assert sorted(partitions) == list(range(final)), f"partition queues at the end: {partitions}"

        def busy():
            return {name: row for name, row in broker.queues().items()
                    if (PARTITION_QUEUE.match(name) or name == "ingest.messages") and row[:3] != (0, 0, 0)}

        try:  # the counts lag by up to a tick (5 s)
            sb.wait_until(lambda: not busy(), timeout=15, interval=1.0, what="")
        except AssertionError:
            raise AssertionError(f"not drained at the end (ready, unacked, messages, consumers): {busy()}") from None
        # The linger formed batches: ingest's last process, fed at a steady rate, took
        # several SMS per batch on average (fewer than 2 without it).
        metrics = requests.get(services.running["ingest"].base_url + "/metrics", timeout=5).text
        handled = sb.metric_sum(metrics, "switchboard_messaging_handled_total")
        batches = sb.metric_sum(metrics, "switchboard_messaging_batch_duration_seconds_count")
        assert batches > 0 and handled / batches >= LINGER_MEAN_BATCH, (
            f"with SWITCHBOARD_BATCH_LINGER_MS={LINGER_MS}, ingest handled {handled:.0f} deliveries in {batches:.0f} "
            f"batches: on average fewer than {LINGER_MEAN_BATCH} per batch")
        notes.append(f"linger {LINGER_MS} ms: ingest's last process took {handled:.0f} SMS in {batches:.0f} batches "
                     f"({handled / batches:.1f} per batch)")
        dead = tap.collect(0.5)
        assert not dead, f"{len(dead)} dead-lettered in vhost {broker.vhost}, e.g. {dead[0][:300]!r}"

        took = time.monotonic() - started
        print(f"\npartitions {' -> '.join(map(str, COUNTS))} under {RATE:g} SMS/s over {CONVERSATIONS} conversations "
              f"(vhost {broker.vhost}, database {DATABASE}):")
        for note in notes:
            print(f"  {note}")
        print(f"  {count} SMS confirmed in {load_took:.1f}s, each exactly once and in publish order, one interaction per "
              f"conversation; nothing dead-lettered; session.partitions bound to {broker.bound_partitions()}; "
              f"SIGTERM exits: {', '.join(services.stops)}; test {took:.1f}s")
    except BaseException:
        request.node.add_report_section("call", "partition test services", services.logs())
        raise
    finally:
        if publisher is not None:
            publisher.terminate()
        if tap is not None:
            tap.close()
        services.stop_all()
        if vhost_made:
            broker.delete()
