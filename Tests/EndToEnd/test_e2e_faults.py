"""Faults no other end-to-end test covers (issue #19, "Also test what no test covers yet").

- **A heartbeat timeout on a half-open connection.** An extra `ingest` instance reaches
  RabbitMQ through a TCP proxy this module controls (`BlackholeProxy`). `freeze()`
  blackholes the link: nothing is forwarded either way and no socket is closed, so
  neither side sees an error — only the missing heartbeats tell. The service must notice
  within about 3 heartbeats, say so on `/health/ready` (503, `checks.amqp` =
  `disconnected`) while answering it within a second, stay not-ready while the link is
  down, be ready again within a few seconds of the link coming back (through a fresh
  connection: the frozen ones stay frozen) and then handle new messages end to end.
- **The heartbeat is set by the AMQP URL** (`?heartbeat=2`, as RabbitMQ's URI spec
  allows): what the service sends in Connection.Tune-Ok, seen by the proxy.
- **SIGTERM under load.** 50 SMS/s over 20 conversations for 10 s, published with
  confirms (one unconfirmed message per conversation, so the broker holds each
  conversation in order). `session`, then in another test `ingest`, gets a SIGTERM
  mid-load, stays down 3 s (a backlog builds up), is started again and gets a second
  SIGTERM as soon as it has begun working through that backlog, then is started again.
  Each time it exits 0 within 10 s; every confirmed message ends up as exactly one
  transcript entry, in publish order within its conversation, none dead-lettered.

- **SIGTERM during a database outage.** An extra `ingest` (or `session`) reaches PostgreSQL
  through a proxy (`TcpProxy`), which then makes an outage for it alone: half-open
  (`freeze()`) or every connection dropped and new ones refused. Work keeps arriving for it
  (inbound SMS; for session, `contact.identified` events) and it holds its share; readiness
  says 503 with `postgres: unreachable`; SIGTERM: it exits 0 within 10 s, and everything
  published then takes effect once through the suite's services (what it held went back to
  the queue), none dead-lettered.

(SIGTERM during a PostgreSQL outage at start-up is in test_e2e_shutdown.py; PostgreSQL is
not restarted here: the machine's PostgreSQL is shared.)
"""

from __future__ import annotations

import json
import re
import select
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pika
import pytest
import requests

import e2e_support as sb
import switchboard_tools as sbt  # scripts/lib, on sys.path through e2e_support

UPSTREAM = ("127.0.0.1", 5672)


# --- A TCP proxy the test controls ------------------------------------------------------

# AMQP 0-9-1 frames: type (1 octet), channel (2), payload size (4), payload, 0xCE.
# Connection.Tune is class 10 method 30 (broker -> client), Tune-Ok method 31 (client ->
# broker); both carry channel-max (2), frame-max (4), heartbeat (2) after class and method.
_FRAME_METHOD = 1
_CONNECTION_CLASS = 10
_TUNE, _TUNE_OK = 30, 31
_HEARTBEAT_OFFSET = 7 + 4 + 2 + 4  # header, class+method, channel-max, frame-max


class _Handshake:
    """Follows one direction of an AMQP connection up to Connection.Tune (broker to client)
    or Tune-Ok (client to broker) and reads the heartbeat in it; changes nothing."""

    def __init__(self, method: int, skip: int = 0):
        self.method = method
        self.skip = skip  # the client's protocol header, 8 octets, before its first frame
        self.pending = b""
        self.done = False
        self.heartbeat: int | None = None  # as sent by the peer
        self.seen = threading.Event()

    def feed(self, data: bytes) -> bytes:
        if self.done:
            return data
        self.pending += data
        out = bytearray()
        if self.skip:
            if len(self.pending) < self.skip:
                return b""
            out += self.pending[: self.skip]
            self.pending = self.pending[self.skip :]
            self.skip = 0
        while not self.done and len(self.pending) >= 7:
            kind, _channel, size = struct.unpack(">BHI", self.pending[:7])
            if len(self.pending) < 8 + size:
                break
            frame = bytearray(self.pending[: 8 + size])
            self.pending = self.pending[8 + size :]
            if kind == _FRAME_METHOD and size >= 12 and struct.unpack(">HH", frame[7:11]) == (_CONNECTION_CLASS, self.method):
                (self.heartbeat,) = struct.unpack(">H", frame[_HEARTBEAT_OFFSET : _HEARTBEAT_OFFSET + 2])
                self.done = True
                self.seen.set()
            out += frame
        if self.done:
            out += self.pending
            self.pending = b""
        return bytes(out)


class _Link:
    """One client connection and its upstream. state: "held" (accepted during a partition,
    not connected upstream yet), "flowing", "frozen" (nothing forwarded, nothing closed)
    or "closed"."""

    def __init__(self, client: socket.socket, state: str):
        self.client = client
        self.upstream: socket.socket | None = None
        self.state = state
        self.lock = threading.Lock()
        self.to_client = _Handshake(_TUNE)
        self.to_broker = _Handshake(_TUNE_OK, skip=8)
        self.threads: list[threading.Thread] = []

    @property
    def negotiated_heartbeat(self) -> int | None:
        """The heartbeat the client asked for in Tune-Ok (the one both sides use)."""
        return self.to_broker.heartbeat

    def close(self) -> None:
        with self.lock:
            self.state = "closed"
        for sock in (self.client, self.upstream):
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()


class BlackholeProxy:
    """A threaded TCP proxy from 127.0.0.1:port to RabbitMQ.

    - `freeze()`: a network partition that drops packets. The links open now stop
      forwarding in both directions, for good, without closing a socket (half-open: the
      service learns nothing from TCP, only from missing heartbeats). Connections accepted
      during the partition are held: nothing reaches the broker, nothing comes back.
    - `thaw()`: the partition heals. Held connections are connected upstream and forward
      (as TCP would resume after retransmission); new ones forward at once. The links
      frozen by `freeze()` stay frozen: their peers have given up on them.
    - `drop()`: closes every link (both sockets). `close()`: that, and stop listening.

    Each link records the heartbeat the broker proposed (Connection.Tune) and the one the
    client asked for (Tune-Ok, the one both sides then use)."""

    def __init__(self, upstream: tuple[str, int] = UPSTREAM):
        self.upstream = upstream
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.links: list[_Link] = []
        self.lock = threading.Lock()
        self.partitioned = False
        self.closed = False
        self.acceptor = threading.Thread(target=self._accept_loop, name="proxy-accept", daemon=True)
        self.acceptor.start()

    # Control ----------------------------------------------------------------------------

    def freeze(self) -> None:
        with self.lock:
            self.partitioned = True
            links = list(self.links)
        for link in links:
            with link.lock:  # after this, no byte of this link is forwarded
                if link.state == "flowing":
                    link.state = "frozen"

    def thaw(self) -> None:
        with self.lock:
            self.partitioned = False
            held = [link for link in self.links if link.state == "held"]
        for link in held:
            self._start(link)

    def drop(self) -> None:
        with self.lock:
            links = list(self.links)
        for link in links:
            link.close()

    def close(self) -> None:
        self.closed = True
        try:
            self.listener.close()
        except OSError:
            pass
        self.drop()
        with self.lock:
            threads = [t for link in self.links for t in link.threads] + [self.acceptor]
        for thread in threads:
            thread.join(timeout=2)

    def links_in(self, state: str) -> list[_Link]:
        with self.lock:
            return [link for link in self.links if link.state == state]

    # Forwarding -------------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self.closed:
            try:
                ready, _, _ = select.select([self.listener], [], [], 0.1)
                if not ready:
                    continue
                client, _ = self.listener.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self.lock:
                link = _Link(client, "held" if self.partitioned else "flowing")
                self.links.append(link)
                held = self.partitioned
            if not held:
                self._start(link)

    def _start(self, link: _Link) -> None:
        try:
            upstream = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            link.close()
            return
        upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        upstream.settimeout(None)
        with link.lock:
            if link.state == "closed":
                upstream.close()
                return
            link.upstream = upstream
            link.state = "flowing"
        link.threads = [
            threading.Thread(target=self._pump, args=(link, link.client, upstream, link.to_broker), daemon=True),
            threading.Thread(target=self._pump, args=(link, upstream, link.client, link.to_client), daemon=True),
        ]
        for thread in link.threads:
            thread.start()

    @staticmethod
    def _pump(link: _Link, source: socket.socket, target: socket.socket, handshake: _Handshake) -> None:
        while True:
            with link.lock:
                state = link.state
            if state == "closed":
                return
            if state != "flowing":
                time.sleep(0.05)  # frozen: the kernel buffers fill, nothing is read
                continue
            try:
                readable, _, _ = select.select([source], [], [], 0.1)
            except (OSError, ValueError):
                return
            if not readable:
                continue
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            with link.lock:
                if link.state != "flowing":
                    continue  # read just as the link froze: lost with the rest of the partition's packets
                if not data:  # the peer closed: pass the end of stream on
                    try:
                        target.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    return
                try:
                    target.sendall(handshake.feed(data))
                except OSError:
                    return


# --- Readiness --------------------------------------------------------------------------


def probe_ready(port: int) -> tuple[float, int | str, dict]:
    """GET /health/ready: (seconds it took, status or "timeout"/"error", JSON body or {})."""
    started = time.monotonic()
    try:
        response = requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=3)
    except requests.Timeout:
        return time.monotonic() - started, "timeout", {}
    except requests.RequestException as error:
        return time.monotonic() - started, "error", {"error": repr(error)}
    took = time.monotonic() - started
    try:
        body = response.json()
    except ValueError:
        body = {"text": response.text[:200]}
    return took, response.status_code, body


def handled_total(port: int, queue: str) -> float:
    """switchboard_messaging_handled_total{queue=QUEUE} of the service on PORT."""
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    pattern = re.compile(r'^switchboard_messaging_handled_total\{[^}]*queue="' + re.escape(queue) + r'"[^}]*\}\s+(\S+)', re.M)
    return sum(float(value) for value in pattern.findall(text))


def amqp_url_through(amqp_url: str, port: int, heartbeat: int | None) -> str:
    """AMQP_URL with its host and port replaced by 127.0.0.1:PORT, and ?heartbeat=N."""
    parts = urlsplit(amqp_url)
    credentials = ""
    if parts.username is not None:
        credentials = quote(parts.username, safe="")
        if parts.password is not None:
            credentials += ":" + quote(parts.password, safe="")
        credentials += "@"
    url = f"amqp://{credentials}127.0.0.1:{port}{parts.path or '/%2F'}"
    return url + (f"?heartbeat={heartbeat}" if heartbeat is not None else "")


# --- Heartbeats -------------------------------------------------------------------------

HEARTBEAT = 2  # seconds, in the service's SWITCHBOARD_AMQP_URL (?heartbeat=2)


def test_the_amqp_url_sets_the_heartbeat(system, tmp_path):
    """`SWITCHBOARD_AMQP_URL=amqp://…/%2F?heartbeat=2` (RabbitMQ's URI query parameter):
    the service asks the broker for a 2 s heartbeat on both of its connections (what it
    sends in Connection.Tune-Ok, read by a proxy that changes nothing)."""
    proxy = BlackholeProxy()
    service = sb.ExtraService(system, "ingest", {"SWITCHBOARD_AMQP_URL": amqp_url_through(system.amqp_url, proxy.port, HEARTBEAT)},
                              sb.extra_log_dir(system, tmp_path), "faults")
    try:
        service.wait_ready()
        links = sb.wait_until(
            lambda: (tuned := [l for l in proxy.links_in("flowing") if l.to_broker.seen.is_set()]) and len(tuned) >= 2 and tuned,
            timeout=10, what="the consume and publish connections' Connection.Tune-Ok through the proxy")
        asked = sorted({l.negotiated_heartbeat for l in links})
        proposed = sorted({l.to_client.heartbeat for l in links})
        assert asked == [HEARTBEAT], (
            f"with ?heartbeat={HEARTBEAT} in SWITCHBOARD_AMQP_URL the service asked for heartbeat {asked} "
            f"(the broker proposed {proposed}): the URL's heartbeat parameter is ignored"
        )
    finally:
        service.stop()
        proxy.close()


def test_heartbeat_timeout_on_a_half_open_connection(system, system_client, desk, observer, tmp_path):
    """A blackholed link (no FIN, no RST, no error: packets just stop) is noticed by the
    heartbeat alone: readiness 503 with `amqp: disconnected` within 3 heartbeats (+ margin),
    answered within a second throughout; not ready while the partition lasts; ready again
    within a few seconds of it healing; then an inbound SMS over HTTP to this instance
    (its relay publishing through the new connection) and SMS published to the broker (some
    consumed by this instance) reach their transcripts."""
    proxy = BlackholeProxy()
    service = sb.ExtraService(system, "ingest", {"SWITCHBOARD_AMQP_URL": amqp_url_through(system.amqp_url, proxy.port, HEARTBEAT)},
                              sb.extra_log_dir(system, tmp_path), "faults")
    probes: list[tuple[float, float, int | str, dict]] = []  # (at, took, status, body)

    def probe() -> tuple[int | str, dict]:
        took, status, body = probe_ready(service.port)
        probes.append((time.monotonic(), took, status, body))
        return status, body

    def context() -> str:
        shown = "\n".join(f"  {at - probes[0][0]:6.2f}s took {took:.2f}s {status} {body.get('checks', body)}"
                          for at, took, status, body in probes[-12:])
        return f"\nlast readiness probes:\n{shown}\nlog {service.log}:\n{sb.tail(service.log, 25)}"

    try:
        service.wait_ready()
        sb.wait_until(lambda: len([l for l in proxy.links_in("flowing") if l.to_broker.seen.is_set()]) >= 2, timeout=10,
                      what="the consume and publish connections through the proxy")
        heartbeats = {l.negotiated_heartbeat for l in proxy.links_in("flowing")}
        assert heartbeats == {HEARTBEAT}, f"negotiated heartbeats {heartbeats}, expected {HEARTBEAT}"
        assert probe()[0] == 200, "ready before the partition" + context()

        # The partition: both connections go silent, half-open.
        frozen_at = time.monotonic()
        proxy.freeze()
        frozen = proxy.links_in("frozen")
        assert len(frozen) >= 2, f"froze {len(frozen)} links"
        limit = 3 * HEARTBEAT + 2
        detected_after = None
        while time.monotonic() - frozen_at < limit + 3:
            status, body = probe()
            if status == 503:
                detected_after = time.monotonic() - frozen_at
                break
            time.sleep(0.1)
        assert detected_after is not None, f"still not 503 {limit + 3:.0f}s after the link went silent" + context()
        assert detected_after <= limit, f"503 only after {detected_after:.1f}s (limit {limit}s)" + context()
        assert body.get("status") == "not_ready", body
        assert body["checks"]["amqp"] == "disconnected", f"amqp check {body['checks']}" + context()

        # While the partition lasts (its reconnection attempts go nowhere) it stays 503.
        hold_until = time.monotonic() + 2.0
        while time.monotonic() < hold_until:
            status, body = probe()
            assert status == 503 and body["checks"]["amqp"] != "ok", f"{status} while the broker is unreachable" + context()
            time.sleep(0.2)

        # The partition heals: new (and held) connections forward; the frozen ones stay frozen.
        healed_at = time.monotonic()
        proxy.thaw()
        while True:
            status, _body = probe()
            if status == 200:
                break
            assert time.monotonic() - healed_at < 5, "not ready within 5 s of the link coming back" + context()
            time.sleep(0.1)
        ready_after = time.monotonic() - healed_at
        slow = [(round(at - frozen_at, 2), round(took, 2)) for at, took, _s, _b in probes if took > 1.0]
        assert not slow, f"/health/ready took more than a second (at, took): {slow}" + context()
        assert all(l.state == "frozen" for l in frozen), "a frozen link was used again"
        fresh = [l for l in proxy.links_in("flowing") if l not in frozen]
        assert len(fresh) >= 2, f"ready again over {len(fresh)} fresh connection(s)" + context()

        # End to end again. Over HTTP to this instance: stored, then published by its relay
        # through the new publish connection, then session's transcript.
        national, customer = sb.customer_number()
        org = sb.org_number()
        text = f"after the partition, over HTTP {uuid.uuid4().hex[:8]}"
        response = system_client.post(f"http://127.0.0.1:{service.port}/v1/inbound",
                                      json={"id": sb.carrier_id("HB"), "from": national, "to": org, "text": text}, timeout=5)
        assert response.status_code == 202, response.text
        interaction = sb.wait_for_interaction(desk, timeout=15, **{"from": customer, "to": org})
        assert [e["text"] for e in sb.wait_for_transcript(desk, interaction["id"], 1)["transcript"]] == [text]

        # Over AMQP, published straight to the broker: ingest.messages has a single active
        # consumer, so the suite's ingest is restarted to hand that role to this instance,
        # whose consumer re-attached through the new connection; it must handle them.
        system.services.restart("ingest")
        handled_before = handled_total(service.port, "ingest.messages")
        sent = []
        for n in range(12):
            _, sms_from = sb.customer_number()
            sms_text = f"after the partition, over AMQP {n}"
            observer.publish({"id": sb.carrier_id("HB"), "from": sms_from, "to": org, "text": sms_text})
            sent.append((sms_from, sms_text))
        for sms_from, sms_text in sent:
            found = sb.wait_for_interaction(desk, timeout=15, **{"from": sms_from, "to": org})
            entries = sb.wait_for_transcript(desk, found["id"], 1)["transcript"]
            assert [e["text"] for e in entries] == [sms_text], entries
        sb.wait_until(lambda: handled_total(service.port, "ingest.messages") > handled_before, timeout=5,
                      what="the proxied ingest handling inbound SMS after the partition")
        print(f"\nheartbeat {HEARTBEAT}s: 503 after {detected_after:.1f}s of silence, ready {ready_after:.1f}s after the "
              f"link came back; slowest readiness answer {max(t for _a, t, _s, _b in probes):.2f}s; "
              f"{handled_total(service.port, 'ingest.messages') - handled_before:.0f} of 12 SMS handled by this instance")
    finally:
        stopped_after, status = service.stop()
        proxy.close()
    assert status == 0 and stopped_after is not None and stopped_after <= sb.STOP_LIMIT, (
        f"the proxied ingest stopped with {status} after {stopped_after}s:\n{sb.tail(service.log, 20)}"
    )


# --- SIGTERM under load -----------------------------------------------------------------

RATE = 50.0  # SMS per second
CONVERSATIONS = 20
DURATION = 10.0  # seconds of load
SIGTERM_AFTER = 2.5  # seconds into the load
DOWN = 3.0  # seconds the service stays down after the first SIGTERM: a backlog of RATE * DOWN SMS


class DeadLetterTap:
    """A temporary exclusive queue bound to `switchboard.dead` (`#`) before anything is published."""

    def __init__(self, amqp_url: str):
        params = pika.URLParameters(amqp_url)
        params.heartbeat = 0
        self.connection = pika.BlockingConnection(params)
        self.channel = self.connection.channel()
        queue = self.channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
        self.channel.queue_bind(queue, "switchboard.dead", "#")
        self.bodies: list[bytes] = []
        self.channel.basic_consume(queue, lambda _c, _m, _p, body: self.bodies.append(body), auto_ack=True)

    def collect(self, seconds: float = 0.5) -> list[bytes]:
        self.connection.process_data_events(time_limit=seconds)
        return self.bodies

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass


def _load(run: str, org: str, customers: list[str], count: int) -> list[sbt.Message]:
    """Message k belongs to conversation k % CONVERSATIONS (its position k // CONVERSATIONS);
    its text starts with `{run}:{k}:`."""
    messages = []
    for k in range(count):
        conversation = k % len(customers)
        body = json.dumps({
            "id": f"load-{run}-{k}", "from": customers[conversation], "to": org,
            "text": f"{run}:{k}: conversation {conversation}, message {k // len(customers) + 1}",
        }).encode()
        messages.append(sbt.Message(k, "switchboard.inbound", "message", body, key=conversation, message_id=f"load-{run}-{k}"))
    return messages


def _transcripts(desk: requests.Session, org: str, run: str) -> dict[str, list[tuple[str, list[int]]]]:
    """customer -> [(interaction id, [k of each of its inbound entries of this run, by seq])]."""
    items = sb.find_interactions(desk, to=org, limit=200)
    out: dict[str, list[tuple[str, list[int]]]] = {}
    prefix = re.compile(rf"^{re.escape(run)}:(\d+):")
    for item in items:
        detail = sb.get_interaction(desk, item["id"])
        entries = sorted(detail.get("transcript") or [], key=lambda e: e["seq"])
        ks = [int(m.group(1)) for e in entries if e.get("kind") == "message" and (m := prefix.match(e.get("text") or ""))]
        out.setdefault(item["from"], []).append((item["id"], ks))
    return out


def _handled(name: str) -> float | None:
    """Deliveries the service NAME has handled since it started (all its queues), or None
    while it does not answer."""
    try:
        text = requests.get(sb.base_url(name) + "/metrics", timeout=1).text
    except requests.RequestException:
        return None
    return sb.metric_sum(text, "switchboard_messaging_handled_total")


def _sigterm(system, name: str) -> float:
    """SIGTERM the suite's NAME and wait for it to exit: it must exit 0 within 10 s.
    Returns the seconds it took."""
    process = system.services.processes[name]
    asked = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        status = process.wait(timeout=sb.KILL_AFTER)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        status = None
    took = time.monotonic() - asked
    assert status == 0, f"{name} exited with status {status} after SIGTERM under load:\n{sb.tail(system.services.log(name), 30)}"
    assert took <= sb.STOP_LIMIT, f"{name} took {took:.1f}s to exit after SIGTERM:\n{sb.tail(system.services.log(name), 30)}"
    return took


@pytest.mark.heavy
@pytest.mark.parametrize("name", ["session", "ingest"])
def test_sigterm_under_load_loses_nothing_and_keeps_order(system, desk, name):
    """SIGTERMs while 50 SMS/s arrive over 20 conversations: one mid-load, then, after the
    service was down for 3 s, one as soon as the restarted service has begun handling the
    backlog that built up meanwhile (~150 SMS, most of them then in flight). Each time it
    exits 0 within 10 s and is started again; every confirmed SMS has exactly one
    transcript entry, in publish order within its conversation (one interaction each);
    nothing is dead-lettered."""
    if system.services is None:
        pytest.skip("needs to stop and start the services: run without SWITCHBOARD_E2E_EXTERNAL")
    started = time.monotonic()
    run = f"sigterm-{name}-{uuid.uuid4().hex[:8]}"
    org = sb.org_number()
    customers: list[str] = []
    while len(customers) < CONVERSATIONS:
        customer = sb.customer_number()[1]
        if customer not in customers:
            customers.append(customer)
    count = int(RATE * DURATION)
    tap = DeadLetterTap(system.amqp_url)
    publisher = sbt.PublisherProcess(
        system.amqp_url, _load(run, org, customers, count),
        sbt.PublisherSettings(window=200, rate=RATE, ordered=True, republish=True, reconnect=True, flush_timeout=20),
    )
    try:
        publisher.start(30)
        publisher.go()
        load_started = time.monotonic()
        time.sleep(SIGTERM_AFTER)
        confirmed_at_sigterm = int(publisher.progress()["confirmed"])
        assert confirmed_at_sigterm > 0, "nothing confirmed before the SIGTERM"
        first_stop = _sigterm(system, name)

        # Down for a while: the load goes on, the broker keeps what arrives.
        time.sleep(DOWN)
        system.services.processes[name] = system.services.spawn(name, sb.service_port(name))
        # The second SIGTERM as soon as the new process has handled anything: it is then
        # working through the backlog.
        def draining():
            if system.services.processes[name].poll() is not None:
                pytest.fail(f"{name} exited after its restart:\n{sb.tail(system.services.log(name), 30)}", pytrace=False)
            return _handled(name) or None

        handled_at_sigterm = sb.wait_until(draining, timeout=30, what=f"{name} handling deliveries after its restart",
                                           interval=0.02)
        second_stop = _sigterm(system, name)

        system.services.processes[name] = system.services.spawn(name, sb.service_port(name))
        restarted = time.monotonic()
        sb.wait_until(lambda: system.services.processes[name].poll() is None and sb.ready(name), timeout=60,
                      what=f"{name} ready after its restart", interval=0.1)
        ready_after = time.monotonic() - restarted

        published = publisher.result(timeout=DURATION + 40)
        assert not published["error"], published["error"]
        confirmed = sorted(published["confirmed"])
        assert confirmed == list(range(count)), (
            f"{count - len(confirmed)} of {count} never confirmed by the broker: {published['errors']}"
        )
        load_took = time.monotonic() - load_started

        def complete():
            found = _transcripts(desk, org, run)
            total = sum(len(ks) for interactions in found.values() for _i, ks in interactions)
            return found if total >= count else None

        try:
            found = sb.wait_until(complete, timeout=30, what=f"{count} transcript entries", interval=0.5)
        except AssertionError:
            found = _transcripts(desk, org, run)
            seen = {k for interactions in found.values() for _i, ks in interactions for k in ks}
            missing = sorted(set(range(count)) - seen)
            raise AssertionError(f"{len(missing)} of {count} confirmed SMS have no transcript entry after 30 s, "
                                 f"e.g. {missing[:10]}") from None
        time.sleep(1.0)  # a late duplicate (a redelivery) would show now
        found = _transcripts(desk, org, run)

        sb.assert_each_once_in_order(found, count, CONVERSATIONS)
        dead = [body for body in tap.collect(0.5) if run.encode() in body or org.encode() in body]
        assert not dead, f"{len(dead)} dead-lettered, e.g. {dead[0][:300]!r}"
        took = time.monotonic() - started
        print(f"\nSIGTERM {name} at {confirmed_at_sigterm} confirmed: exited 0 after {first_stop:.2f}s; down {DOWN:g}s; "
              f"SIGTERM again after {handled_at_sigterm:.0f} handled by the restarted process: exited 0 after "
              f"{second_stop:.2f}s; ready {ready_after:.1f}s after the next start; {count} SMS confirmed, load done after "
              f"{load_took:.1f}s, each once and in order over {CONVERSATIONS} conversations; test {took:.1f}s")
        assert took < 60, f"took {took:.1f}s"
    finally:
        publisher.terminate()
        tap.close()
        if system.services.processes[name].poll() is not None:  # a failed step: the next tests need it
            system.services.processes[name] = system.services.spawn(name, sb.service_port(name))
            system.services.wait_ready()


# --- SIGTERM during a database outage ---------------------------------------------------

OUTAGE_HOLD = 3.0  # seconds of outage at least before the SIGTERM: ingest's channel cache (2 s) has expired;
# the consumer, the relay, the timers and the readiness probes have all met the outage
INGEST_WAVES = (30, 20)  # inbound SMS published right after the outage begins, then once readiness says 503
SESSION_CONVERSATIONS = 24  # interactions whose contact.identified events are published during the outage


class _Verbatim:
    """Stands in for `_Handshake` on a link that is not AMQP: passes every byte on as it comes."""

    heartbeat = None

    def __init__(self):
        self.seen = threading.Event()

    def feed(self, data: bytes) -> bytes:
        return data


class TcpProxy(BlackholeProxy):
    """`BlackholeProxy` for any protocol (here PostgreSQL's): bytes are forwarded verbatim; no
    AMQP handshake is followed, which would hold a PostgreSQL stream back waiting for a frame.
    `freeze()` is a half-open outage; `close()` drops every link (both sockets) and refuses
    new connections (nothing listens on the port any more)."""

    def _start(self, link: _Link) -> None:
        link.to_client, link.to_broker = _Verbatim(), _Verbatim()
        super()._start(link)


def postgres_upstream(postgres_url: str) -> tuple[str, int]:
    parts = urlsplit(postgres_url)
    return parts.hostname or "127.0.0.1", parts.port or 5432


def postgres_url_through(postgres_url: str, port: int) -> str:
    """POSTGRES_URL with its host and port replaced by 127.0.0.1:PORT (credentials, database
    and query kept)."""
    parts = urlsplit(postgres_url)
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=(credentials + "@" if credentials else "") + f"127.0.0.1:{port}"))


def _metric(port: int, name: str, queue: str) -> float | None:
    """NAME{queue=QUEUE} of the service on PORT, or None when it does not answer."""
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
    except requests.RequestException:
        return None
    pattern = re.compile(rf'^{re.escape(name)}\{{[^}}]*queue="{re.escape(queue)}"[^}}]*\}}\s+(\S+)', re.M)
    return sum(float(value) for value in pattern.findall(text))


def _log_lines(path: Path) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()
    except OSError:
        return []


def _log_digest(lines: list[str], limit: int = 12) -> str:
    """What LINES (JSON log lines) say, one line per distinct (level, msg) with its count and
    its first reason, most frequent first."""
    seen: dict[tuple[str, str], list] = {}
    other: list[str] = []  # not JSON: a crash report (Swift's fatalError and backtrace)
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            if line.strip():
                other.append(line.strip())
            continue
        key = (str(entry.get("level", "?")), str(entry.get("msg", "")))
        detail = entry.get("reason") or entry.get("error") or entry.get("psql_error") or ""
        if key not in seen:
            seen[key] = [0, str(detail)[:200]]
        seen[key][0] += 1
    ranked = sorted(seen.items(), key=lambda item: -item[1][0])
    digest = "\n".join(f"  {count:4d} x {level:7s} {msg}" + (f"  [{detail}]" if detail else "")
                       for (level, msg), (count, detail) in ranked[:limit]) or "  (nothing)"
    if other:
        crash = [line for line in other if "Fatal error" in line or "crashed" in line or "Signal" in line][:4] or other[:3]
        digest += f"\n  and {len(other)} lines of other output, e.g.:\n" + "\n".join(f"    {line[:200]}" for line in crash)
    return digest


def _json_tail(path: Path, count: int) -> str:
    """The last COUNT JSON lines of a service log (each cut at 400 characters): its own words,
    not the registers of a crash report."""
    lines = [line[:400] for line in _log_lines(path) if line.startswith("{")]
    return "\n".join(lines[-count:]) or "(no JSON log lines)"


def _publish_event(observer, event_type: str, data: dict) -> None:
    """A CloudEvent on `switchboard.events`, as another service publishes it."""
    event_id = str(uuid.uuid4())
    envelope = {
        "specversion": "1.0", "id": event_id, "source": "/switchboard/e2e", "type": f"switchboard.{event_type}",
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "subject": None,
        "datacontenttype": "application/json", "data": data,
    }
    observer.publish(envelope, exchange="switchboard.events", routing_key=event_type, message_id=event_id)


# Issue #19: graceful shutdown used to wait for handlers stuck in their 10 s transaction
# deadline, and the cancellation that followed sometimes overran ServiceLifecycle's 1 s
# (exit by signal 4). Now the consumers cancel what is still running after their drain
# limit (3 s) and a cancelled deadline answers at once.
@pytest.mark.parametrize("outage", ["frozen", "refused"])
@pytest.mark.parametrize("name", ["ingest", "session"])
def test_sigterm_during_a_database_outage_stops_in_time(system, desk, observer, tmp_path, name, outage):
    """An extra `ingest` (or `session`) reaches PostgreSQL through a proxy; PostgreSQL keeps
    running for everyone else. The proxy then makes an outage for this instance alone:
    `frozen` (half-open: nothing forwarded, nothing closed, new connections accepted and held)
    or `refused` (every connection dropped, new ones refused). Meanwhile work keeps arriving for
    it — inbound SMS on `ingest.messages` for ingest, `contact.identified` events on
    `session.events` for session (session's inbound partitions have a single active consumer,
    the suite's own session) — and it holds its share of them (seen from outside: while it
    lives, that share has no effect). Readiness says 503 with `postgres: unreachable`. Then
    SIGTERM: it must exit 0 within 10 s (graceful 9 s + 1 s cancellation, ServiceRuntime).
    After that (the outage ends: the proxy is gone) everything published has its effect
    through the suite's services, once each: the deliveries it held went back to the queue
    when its connection closed; none is dead-lettered."""
    started = time.monotonic()
    postgres_url = system.env["SWITCHBOARD_POSTGRES_URL"]
    queue = "ingest.messages" if name == "ingest" else "session.events"
    run = f"pg-{outage}-{name}-{uuid.uuid4().hex[:8]}"
    org = sb.org_number()
    proxy = TcpProxy(postgres_upstream(postgres_url))
    tap = DeadLetterTap(system.amqp_url)
    service: sb.ExtraService | None = None
    probes: list[tuple[float, float, int | str, dict]] = []  # (at, took, status, body)

    def probe() -> tuple[int | str, dict]:
        took, status, body = probe_ready(service.port)
        probes.append((time.monotonic(), took, status, body))
        return status, body

    def context(lines: int = 30) -> str:
        shown = "\n".join(f"  {at - started:6.2f}s took {took:.2f}s {status} {body.get('checks', body)}"
                          for at, took, status, body in probes[-6:])
        return (f"\nlast readiness probes (s since the test began):\n{shown or '  (none)'}"
                f"\nlast {lines} JSON lines of {service.log}:\n{_json_tail(service.log, lines)}")

    # Work for the proxied instance, and how to see from outside which of it took effect.
    customers: list[str] = []
    texts: dict[str, str] = {}  # customer -> the SMS text (ingest)
    interactions: dict[str, str] = {}  # interaction id -> the contact id its event sets (session)

    def publish_wave(count: int) -> None:
        for _ in range(count):
            if name == "ingest":
                customer = sb.customer_number()[1]
                while customer in texts:
                    customer = sb.customer_number()[1]
                texts[customer] = f"{run}: during the database outage {len(texts) + 1}"
                customers.append(customer)
                observer.publish({"id": sb.carrier_id("PG"), "from": customer, "to": org, "text": texts[customer]})
            else:
                pending = [i for i in interactions if not interactions[i]]
                interaction_id = pending[0]
                interactions[interaction_id] = f"{run}-contact-{len(interactions) - len(pending) + 1}"
                _publish_event(observer, "contact.identified", {
                    "interaction_id": interaction_id, "contact_id": interactions[interaction_id],
                    "contact_name": f"Contact {interactions[interaction_id][-2:]}"})

    def took_effect() -> int:
        items = sb.find_interactions(desk, to=org, limit=200)
        if name == "ingest":
            return len({item["from"] for item in items} & set(texts))
        return sum(1 for item in items if item.get("contact") and item["contact"]["id"] == interactions.get(item["id"]))

    try:
        if name == "session":
            # The interactions first, made by the suite's services (the extra session is a
            # standby on the inbound partitions).
            while len(customers) < SESSION_CONVERSATIONS:
                customer = sb.customer_number()[1]
                if customer not in customers:
                    customers.append(customer)
                    observer.publish({"id": sb.carrier_id("PG"), "from": customer, "to": org, "text": f"{run}: hello"})
            made = sb.wait_until(lambda: (items := sb.find_interactions(desk, to=org, limit=200))
                                 and len(items) >= SESSION_CONVERSATIONS and items,
                                 timeout=20, what=f"{SESSION_CONVERSATIONS} interactions for {org}")
            interactions = {item["id"]: "" for item in made}

        service = sb.ExtraService(system, name, {"SWITCHBOARD_POSTGRES_URL": postgres_url_through(postgres_url, proxy.port)},
                                  sb.extra_log_dir(system, tmp_path), "faults")
        service.wait_ready()
        if name == "ingest":
            # `ingest.messages` has a single active consumer (one conversation's messages in
            # order across replicas): restarting the suite's ingest hands that role to this
            # one, and the suite's comes back as its standby.
            system.services.restart("ingest")
        assert proxy.links_in("flowing"), "ready without a PostgreSQL connection through the proxy" + context()
        assert probe()[0] == 200, "ready before the outage" + context()
        links_before = len(proxy.links_in("flowing"))
        log_start = len(_log_lines(service.log))

        # The outage, for this instance only.
        outage_at = time.monotonic()
        if outage == "frozen":
            proxy.freeze()
        else:
            proxy.close()
        publish_wave(INGEST_WAVES[0] if name == "ingest" else SESSION_CONVERSATIONS // 2)

        detected_after = None
        while time.monotonic() - outage_at < 6:
            status, body = probe()
            if status == 503 and body.get("checks", {}).get("postgres") == "unreachable":
                detected_after = time.monotonic() - outage_at
                break
            assert service.process.poll() is None, f"{name} exited during the outage" + context()
            time.sleep(0.1)
        assert detected_after is not None, "not 503 with postgres unreachable within 6 s of the outage" + context()
        publish_wave(INGEST_WAVES[1] if name == "ingest" else SESSION_CONVERSATIONS - SESSION_CONVERSATIONS // 2)
        published = len(texts) if name == "ingest" else sum(1 for contact in interactions.values() if contact)

        # The suite's instance handles its share at once; what is left without effect is held by
        # this one. Wait until that settles (and the outage has lasted OUTAGE_HOLD).
        last_count, settled_since = -1, time.monotonic()
        while True:
            count = took_effect()
            now = time.monotonic()
            if count != last_count:
                last_count, settled_since = count, now
            if now - outage_at >= OUTAGE_HOLD and now - settled_since >= 1.5:
                break
            assert now - outage_at < 12, f"the suite's {name} still handling the outage's messages after 12 s"
            time.sleep(0.2)
        held = published - last_count
        status, body = probe()
        assert status == 503 and body["checks"]["postgres"] == "unreachable", (
            f"{status} {body.get('checks')} while the database is unreachable for it" + context())
        assert service.process.poll() is None, f"{name} exited during the outage" + context()
        assert held > 0, (f"the proxied {name} holds none of the {published} deliveries published during the outage "
                          f"(all {last_count} took effect through the suite's {name})" + context())
        retried = _metric(service.port, "switchboard_messaging_retried_total", queue)

        # SIGTERM during the outage.
        sigterm_at = time.monotonic()
        service.process.send_signal(signal.SIGTERM)
        try:
            status = service.process.wait(timeout=sb.KILL_AFTER)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait()
            status = None
        exit_after = time.monotonic() - sigterm_at
        outage_log = _log_lines(service.log)[log_start:]
        assert status == 0 and exit_after <= sb.STOP_LIMIT, (
            f"{name} SIGTERMed {sigterm_at - outage_at:.1f}s into a {outage} database outage ({held} of {published} "
            f"deliveries without effect while it lived): "
            + (f"still running after {sb.KILL_AFTER:.0f}s (killed)" if status is None
               else f"exited with status {status} after {exit_after:.2f}s")
            + f" (must be 0 within {sb.STOP_LIMIT:.0f}s)\nwhat it logged since the outage began:\n{_log_digest(outage_log)}"
            + context(25)
        )

        # The outage ends (for a frozen link: PostgreSQL learns its client is gone). Everything
        # published has its effect, through the suite's services.
        proxy.close()
        drained_at = time.monotonic()
        try:
            sb.wait_until(lambda: took_effect() >= published, timeout=20, interval=0.25,
                          what=f"all {published} deliveries published during the outage taking effect")
        except AssertionError:
            raise AssertionError(f"{published - took_effect()} of {published} deliveries published during the outage "
                                 f"never took effect after {name} exited (it held {held})") from None
        drained_after = time.monotonic() - drained_at
        time.sleep(0.5)  # a late duplicate would show now
        if name == "ingest":
            by_customer = {item["from"]: item for item in sb.find_interactions(desk, to=org, limit=200)}
            for customer in customers:
                entries = sb.get_interaction(desk, by_customer[customer]["id"])["transcript"] or []
                assert [e["text"] for e in entries] == [texts[customer]], f"{customer}: {entries}"
        dead = [body for body in tap.collect(0.5) if run.encode() in body or org.encode() in body]
        assert not dead, f"{len(dead)} dead-lettered, e.g. {dead[0][:300]!r}"

        took = time.monotonic() - started
        slowest = max(t for _a, t, _s, _b in probes)
        print(f"\n{name}, {outage} outage ({links_before} PostgreSQL link(s) through the proxy): 503 postgres=unreachable "
              f"{detected_after:.2f}s in (slowest readiness answer {slowest:.2f}s); {held} of {published} without effect "
              f"while it lived, held by it "
              f"({retried if retried is not None else '?'} retries counted on {queue}); SIGTERM {sigterm_at - outage_at:.1f}s "
              f"into the outage: exit 0 after {exit_after:.2f}s"
              f"{' (the 9 s graceful deadline passed: it stopped by cancellation)' if exit_after >= 9.0 else ''}; "
              f"all {published} took effect {drained_after:.1f}s after, "
              f"each once, none dead-lettered; test {took:.1f}s\nwhat it logged since the outage began:\n"
              f"{_log_digest(outage_log)}")
    finally:
        if service is not None and service.process.poll() is None:
            service.process.kill()
            service.process.wait()
        proxy.close()
        tap.close()
