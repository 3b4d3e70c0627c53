"""Helpers for the end-to-end tests: configuration, the services' processes, tokens,
AMQP observation and polling.

The tests drive the *running* executables as other systems (AMQP publishers, HTTP
clients with a `system` token) and agent desktops (HTTP with an agent token) do. Nothing
here imports Swift code or reads the services' tables: what is checked is what
docs/architecture.md sections 2, 3 and 5 promise to the outside.

The configuration and number helpers come from scripts/lib/switchboard_tools.py, which
scripts/bench and scripts/drill use too; the process set and the AMQP observer here are
the tests' own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pika
import requests

# What the operator tools (scripts/bench, scripts/drill) and these tests share —
# configuration after scripts/lib/infra.sh, ports, readiness, unique numbers — lives once
# in scripts/lib/switchboard_tools.py.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "lib"))
import switchboard_tools as _tools  # noqa: E402
from switchboard_tools import (  # noqa: E402,F401  (re-exported for the tests)
    DEFAULT_BIN_DIR,
    DEFAULT_PORTS,
    INFRA_SH,
    READY_TIMEOUT,
    REPO,
    SERVICES,
    base_url,
    check_postgres,
    check_rabbitmq,
    customer_number,
    nanp,
    org_number,
    port_open,
    redact,
    service_port,
    service_queue_depths,
    tail,
)

# docs/architecture.md section 5: a service exits within 10 s of SIGTERM.
STOP_LIMIT = 10.0
# After this, what is left is killed (the test has failed by then): the tools' limit.
KILL_AFTER = _tools.KILL_AFTER






# --- Configuration ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The one origin media may send the e2e channel's credentials to (test_e2e_media.py serves
# a carrier's media there); chosen once, as the services' environment is built once.
CREDENTIALED_MEDIA_PORT = _free_port()
MEDIA_CREDENTIALS = {"channel": "e2e-credentials", "user": "e2e-media-user", "password": "e2e-media-secret"}


def sb_env(run_dir: Path) -> dict[str, str]:
    """The services' environment as scripts/lib/infra.sh's sb_env builds it, with the
    tests' own shorter timers where the environment does not set them."""
    env = _tools.sb_env(run_dir)
    # Offers expire after 3 s in the tests (30 s by default) so expiry paths run quickly.
    env.setdefault("SWITCHBOARD_OFFER_TIMEOUT", "3")
    # Incomplete concatenated SMS are emitted after 5 s (60 s by default).
    env.setdefault("SWITCHBOARD_REASSEMBLY_TIMEOUT_SECONDS", "5")
    # The tests' image server listens on loopback, which media refuses unless allow-listed.
    env.setdefault("SWITCHBOARD_MEDIA_ALLOWED_HOSTS", "127.0.0.1")
    env.setdefault("SWITCHBOARD_MEDIA_CREDENTIALS", json.dumps({MEDIA_CREDENTIALS["channel"]: {
        "user": MEDIA_CREDENTIALS["user"], "password": MEDIA_CREDENTIALS["password"],
        "origins": [f"http://127.0.0.1:{CREDENTIALED_MEDIA_PORT}"]}}))
    # A carrier request times out after 3 s (10 s by default) and an SMS is `failed` after 4
    # attempts (8): test_e2e_outbound_faults.py's slow carrier and retry budget then take
    # seconds, not minutes (backoff 1, 2, 4 s between the 4 attempts).
    env.setdefault("SWITCHBOARD_SEND_TIMEOUT_SECONDS", "3")
    env.setdefault("SWITCHBOARD_SEND_MAX_ATTEMPTS", "4")
    return env








# --- The services' processes ------------------------------------------------------------




def ready(name: str) -> bool:
    try:
        return requests.get(base_url(name) + "/health/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def ready_at(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False




@dataclass
class ServiceSet:
    """The six executables started by us (one process each, own session, log files)."""

    bin_dir: Path
    run_dir: Path
    env: dict[str, str]
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    def log(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self) -> None:
        missing = [n for n in SERVICES if not os.access(self.bin_dir / n, os.X_OK)]
        if missing:
            raise RuntimeError(
                f"no executable {', '.join(str(self.bin_dir / n) for n in missing)} "
                "(set SWITCHBOARD_BIN_DIR to the directory of the built executables)"
            )
        busy = [f"{n} ({service_port(n)})" for n in SERVICES if port_open(service_port(n))]
        if busy:
            raise RuntimeError(
                f"ports already in use: {', '.join(busy)}. Stop what listens there, set "
                "SB_<NAME>_PORT, or set SWITCHBOARD_E2E_EXTERNAL=1 to test the running services"
            )
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            env = {**self.env, "SWITCHBOARD_HTTP_PORT": str(service_port(name))}
            with open(self.log(name), "wb") as log:
                self.processes[name] = subprocess.Popen(
                    [str(self.bin_dir / name)],
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # a Ctrl-C on pytest does not reach them
                )
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        pending = list(SERVICES)
        while pending:
            for name in list(pending):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with status {process.returncode} during start-up; "
                        f"last lines of {self.log(name)}:\n{tail(self.log(name))}"
                    )
                if ready(name):
                    pending.remove(name)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "not ready after %.0fs: %s\n%s"
                    % (
                        timeout,
                        ", ".join(pending),
                        "\n".join(f"--- {self.log(n)}:\n{tail(self.log(n))}" for n in pending),
                    )
                )
            time.sleep(0.2)

    def stop(self) -> dict[str, tuple[float | None, int | None]]:
        """SIGTERM all at once; name -> (seconds until it exited or None, exit status).
        What is still running after KILL_AFTER seconds is killed (status then negative)."""
        return _tools.stop_processes(self.processes, self.log_dir)

    def spawn(self, name: str, port: int, log_name: str | None = None) -> subprocess.Popen:
        """Start one executable NAME on PORT (a restart, or an extra replica)."""
        env = {**self.env, "SWITCHBOARD_HTTP_PORT": str(port)}
        with open(self.log_dir / f"{log_name or name}.log", "ab") as log:
            return subprocess.Popen(
                [str(self.bin_dir / name)], env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )

    def restart(self, name: str, timeout: float = READY_TIMEOUT) -> float:
        """SIGTERM one service, wait for it to exit (at most 10 s), start it again and wait
        until ready. Returns the seconds it took to stop."""
        process = self.processes[name]
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=KILL_AFTER)
        stopped_after = time.monotonic() - started
        self.processes[name] = self.spawn(name, service_port(name))
        deadline = time.monotonic() + timeout
        while not ready(name):
            if self.processes[name].poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not come back: {tail(self.log(name))}")
            time.sleep(0.1)
        return stopped_after

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}


def free_port() -> int:
    """A TCP port nothing listens on now (the kernel's pick)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def extra_log_dir(system, tmp_path: Path) -> Path:
    """Where an ExtraService logs: beside the suite's services, else in TMP_PATH."""
    return system.services.log_dir if system.services is not None else tmp_path


class ExtraService:
    """One more instance of a service, started with ENV overrides on a free port (a second
    replica, or one that reaches RabbitMQ or PostgreSQL through a proxy). Its log is
    `<log_dir>/<name>-<label>-<port>.log`."""

    def __init__(self, system, name: str, overrides: dict[str, str], log_dir: Path, label: str = "extra"):
        self.name = name
        self.port = free_port()
        bin_dir = Path(os.environ.get("SWITCHBOARD_BIN_DIR", DEFAULT_BIN_DIR))
        executable = bin_dir / name
        if not os.access(executable, os.X_OK):
            raise AssertionError(f"no executable {executable} (set SWITCHBOARD_BIN_DIR)")
        env = {**system.env, **overrides, "SWITCHBOARD_HTTP_PORT": str(self.port)}
        self.log = log_dir / f"{name}-{label}-{self.port}.log"
        with open(self.log, "ab") as handle:
            self.process = subprocess.Popen(
                [str(executable)], env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        def is_ready():
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{tail(self.log, 30)}")
            return ready_at(self.port)

        wait_until(is_ready, timeout=timeout, what=f"{self.name} on {self.port} ready (log {self.log})", interval=0.1)

    def stop(self) -> tuple[float | None, int | None]:
        """SIGTERM and wait: (seconds until it exited, or None when it had to be killed; status)."""
        if self.process.poll() is not None:
            return 0.0, self.process.returncode
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            status = self.process.wait(timeout=KILL_AFTER)
            return time.monotonic() - started, status
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None, self.process.returncode


# --- Tokens -----------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint_token(
    secret: str,
    sub: str,
    roles: list[str],
    name: str | None = None,
    perms: list[str] | None = None,
    ttl: int = 3600,
) -> str:
    """A JWT (HS256) as docs/architecture.md section 3 describes it, made independently of the
    Swift code (switchboardctl makes the same)."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": sub, "name": name or sub, "roles": roles, "perms": perms or [], "exp": int(time.time()) + ttl}
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


# --- Unique test data -------------------------------------------------------------------








def carrier_id(prefix: str = "SM") -> str:
    return f"{prefix}{uuid.uuid4().hex}"


# --- AMQP -------------------------------------------------------------------------------


@dataclass
class Delivery:
    exchange: str
    routing_key: str
    properties: pika.BasicProperties
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def headers(self) -> dict[str, Any]:
        return self.properties.headers or {}


class Observer:
    """One AMQP connection of a test: a publishing channel with publisher confirms, and
    two temporary exclusive queues bound before anything is published: one to
    `switchboard.events` (`#`) and one to `switchboard.dead` (`#`). Nothing shared is
    purged or consumed from."""

    def __init__(self, amqp_url: str):
        params = pika.URLParameters(amqp_url)
        params.heartbeat = 0
        self.connection = pika.BlockingConnection(params)
        self.publisher = self.connection.channel()
        self.publisher.confirm_delivery()
        self.consumer = self.connection.channel()
        self.events: list[Delivery] = []
        self.dead: list[Delivery] = []
        self._bind("switchboard.events", self.events)
        self._bind("switchboard.dead", self.dead)

    def _bind(self, exchange: str, sink: list[Delivery]) -> None:
        queue = self.consumer.queue_declare("", exclusive=True, auto_delete=True).method.queue
        self.consumer.queue_bind(queue, exchange, "#")

        def on_message(_channel, method, properties, body):
            sink.append(Delivery(method.exchange, method.routing_key, properties, body, time.monotonic()))

        self.consumer.basic_consume(queue, on_message, auto_ack=True)

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection
            pass

    def publish(
        self,
        body: bytes | str | dict,
        exchange: str = "switchboard.inbound",
        routing_key: str = "message",
        message_id: str | None = None,
    ) -> str:
        """Publish persistently with publisher confirms (mandatory: an unroutable message
        fails the test); returns the AMQP message_id used."""
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        message_id = message_id or str(uuid.uuid4())
        self.publisher.basic_publish(
            exchange,
            routing_key,
            body,
            pika.BasicProperties(
                delivery_mode=2,
                content_type="application/json",
                message_id=message_id,
                timestamp=int(time.time()),
            ),
            mandatory=True,
        )
        return message_id

    def pump(self, seconds: float = 0.0) -> None:
        self.connection.process_data_events(time_limit=seconds)

    def _wait(self, sink: list[Delivery], predicate: Callable[[Delivery], bool], timeout: float, what: str) -> Delivery:
        deadline = time.monotonic() + timeout
        while True:
            for delivery in sink:
                if predicate(delivery):
                    return delivery
            if time.monotonic() > deadline:
                seen = "\n".join(f"  {d.exchange} {d.routing_key} {d.body[:300]!r}" for d in sink[-10:])
                raise AssertionError(f"no {what} within {timeout:.0f}s; last deliveries seen:\n{seen or '  (none)'}")
            self.pump(0.05)

    def wait_event(self, predicate: Callable[[Delivery], bool], timeout: float = 10, what: str = "event") -> Delivery:
        return self._wait(self.events, predicate, timeout, what)

    def wait_dead(self, predicate: Callable[[Delivery], bool], timeout: float = 10, what: str = "dead letter") -> Delivery:
        return self._wait(self.dead, predicate, timeout, what)

    def events_of(self, event_type: str, predicate: Callable[[Delivery], bool] = lambda _d: True) -> list[Delivery]:
        return [d for d in self.events if d.routing_key == event_type and predicate(d)]


def event_data(delivery: Delivery) -> dict[str, Any]:
    try:
        return delivery.json.get("data") or {}
    except (ValueError, AttributeError):
        return {}


# --- Polling ----------------------------------------------------------------------------


def wait_until(probe: Callable[[], Any], timeout: float = 10, what: str = "condition", interval: float = 0.05) -> Any:
    """Call PROBE until it returns something truthy; return that. On timeout fail with
    WHAT and PROBE's last answer."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not after {timeout:.0f}s (last: {last!r})")
        time.sleep(interval)


def metric_sum(text: str, name: str) -> float:
    """Sum of every sample of metric NAME (any labels) in Prometheus text."""
    total = 0.0
    pattern = re.compile(rf"^{re.escape(name)}(\{{[^}}]*\}})?\s+(\S+)")
    for line in text.splitlines():
        match = pattern.match(line)
        if match:
            total += float(match.group(2))
    return total


# --- HTTP (session's interactions API) --------------------------------------------------


def assert_each_once_in_order(found: dict[str, list[tuple[str, list[int]]]], count: int, conversations: int) -> None:
    """FOUND: customer -> [(interaction id, the publish indexes k of its inbound entries, by
    seq)]. Every k below COUNT has exactly one transcript entry, each of the CONVERSATIONS
    conversations is one interaction, and its entries follow the publish order."""
    counts: dict[int, int] = {}
    split, out_of_order = [], []
    for customer, interactions in found.items():
        if len(interactions) != 1:
            split.append((customer, [i for i, _ks in interactions]))
        for interaction_id, ks in interactions:
            for k in ks:
                counts[k] = counts.get(k, 0) + 1
            if ks != sorted(ks):
                first = next(i for i in range(1, len(ks)) if ks[i] < ks[i - 1])
                out_of_order.append((customer, interaction_id, f"…{ks[max(0, first - 3):first + 3]}…"))
    missing = [k for k in range(count) if k not in counts]
    duplicated = {k: n for k, n in counts.items() if n > 1}
    assert not missing, f"{len(missing)} of {count} confirmed SMS without a transcript entry, e.g. {missing[:10]}"
    assert not duplicated, f"{len(duplicated)} SMS with more than one transcript entry, e.g. {list(duplicated.items())[:10]}"
    assert not out_of_order, f"{len(out_of_order)} conversation(s) out of publish order, e.g. {out_of_order[:3]}"
    assert len(found) == conversations and not split, (
        f"{len(found)} conversations of {conversations}, {len(split)} split over several interactions: {split[:3]}")


def find_interactions(client: requests.Session, **params) -> list[dict]:
    response = client.get(base_url("session") + "/v1/interactions", params=params, timeout=5)
    assert response.status_code == 200, f"GET /v1/interactions {params}: {response.status_code} {response.text}"
    return response.json()["items"]


def get_interaction(client: requests.Session, interaction_id: str) -> dict:
    response = client.get(base_url("session") + f"/v1/interactions/{interaction_id}", timeout=5)
    assert response.status_code == 200, f"GET /v1/interactions/{interaction_id}: {response.status_code} {response.text}"
    return response.json()


def wait_for_interaction(client: requests.Session, timeout: float = 10, **params) -> dict:
    """The single interaction matching PARAMS, once it is visible."""
    items = wait_until(lambda: find_interactions(client, **params), timeout, f"an interaction with {params}")
    assert len(items) == 1, f"expected one interaction for {params}, got {items}"
    return items[0]


def wait_for_transcript(client: requests.Session, interaction_id: str, count: int, timeout: float = 10) -> dict:
    """The interaction once its transcript has at least COUNT entries."""

    def probe():
        interaction = get_interaction(client, interaction_id)
        return interaction if len(interaction.get("transcript") or []) >= count else None

    return wait_until(probe, timeout, f"interaction {interaction_id} with {count} transcript entries")


def session_opted_out(postgres_url: str, customer: str, org: str) -> bool:
    """Whether session has recorded the customer's opt-out from `org` (its consent table),
    read without sending anything: a test that must see a refusal waits for this first,
    since a request made before session learned of the opt-out is rightly accepted."""
    stored = subprocess.run(
        ["psql", "-X", "-q", "-w", "-At", "-d", postgres_url, "-c",
         f"SELECT opted_out FROM session.consent WHERE org_number = '{org}' AND customer_number = '{customer}'"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    return stored == "t"


def database_url(url: str, name: str) -> str:
    """`url` with its database replaced by `name`."""
    return url.rsplit("/", 1)[0] + "/" + name


def psql(url: str, sql: str) -> None:
    result = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"psql failed: {result.stderr.strip()}")


def fresh_database(url: str, name: str) -> str:
    """Drops and creates database `name` next to `url`'s (through the role's own database
    `switchboard`, which may create databases) and returns its URL. The end-to-end suite
    and the drill each run in a database of their own, so that neither leaves its
    interactions, agents and channels in the one `scripts/run` and the README's walkthrough use."""
    admin = database_url(url, "switchboard")
    psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(admin, f"CREATE DATABASE {name}")
    return database_url(url, name)

