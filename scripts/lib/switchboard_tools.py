"""Python helpers of the operator tools scripts/bench and scripts/drill: the services'
configuration and processes, PostgreSQL queries with psql, API tokens, what the
processes of a run cost (CPU, memory) and latency percentiles, and a confirming AMQP
publisher.

Import it from a script in scripts/ with

    sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))
    import switchboard_tools as sbt

It needs pika (and psql for `psql_rows`); nothing here imports test code. The service
helpers follow scripts/lib/infra.sh (sb_env, sb_service_port) and behave like the
end-to-end tests' ServiceSet (Tests/EndToEnd/e2e_support.py).

The publisher (`PublisherProcess`, `run_publishers`) runs in its own process, publishes
persistently with publisher confirms and a window of unconfirmed messages, optionally
paced at a fixed rate. For a fault drill it can also behave like a careful carrier
connector: at most one unconfirmed message per conversation (`ordered`), and what the
broker nacks, returns or never confirms before a disconnection is published again with
the same body and ids after reconnecting (`republish`, `reconnect`).
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

import pika

REPO = Path(__file__).resolve().parents[2]
INFRA_SH = REPO / "scripts" / "lib" / "infra.sh"

# Same order and defaults as infra.sh (sb_service_port), overridable the same way:
# SB_<NAME>_PORT.
SERVICES = ["ingest", "session", "transfer", "contacts", "callback", "media"]
DEFAULT_PORTS = {"ingest": 8081, "session": 8082, "transfer": 8083, "contacts": 8084, "callback": 8085, "media": 8086}
DEFAULT_BIN_DIR = "/tmp/sb-bin"

READY_TIMEOUT = float(os.environ.get("SB_READY_TIMEOUT", "60"))
# A service exits within 10 s of SIGTERM (docs/architecture.md section 5); what is left
# after this many seconds is killed.
KILL_AFTER = 15.0


# --- Configuration ----------------------------------------------------------------------


def service_port(name: str) -> int:
    return int(os.environ.get(f"SB_{name.upper()}_PORT", DEFAULT_PORTS[name]))


def base_url(name: str) -> str:
    return f"http://127.0.0.1:{service_port(name)}"


def sb_env(run_dir: Path) -> dict[str, str]:
    """The environment `sb_env RUN_DIR` of scripts/lib/infra.sh exports (values already
    set in our environment win, as there)."""
    out = subprocess.run(
        ["bash", "-c", 'source "$1" && sb_env "$2" && env -0', "sb_env", str(INFRA_SH), str(run_dir)],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    env: dict[str, str] = {}
    for item in out.split(b"\0"):
        if b"=" in item:
            key, _, value = item.decode().partition("=")
            env[key] = value
    for noise in ("_", "SHLVL", "PWD", "OLDPWD"):
        env.pop(noise, None)
    return env


def redact(url: str) -> str:
    return re.sub(r"^([a-z][a-z0-9+.-]*://[^:/@]*):[^@/]*@", r"\1:***@", url)


def amqp_urls(value) -> list[str]:
    """The broker URLs of VALUE: one URL, several comma-separated (as
    SWITCHBOARD_AMQP_URL for a cluster's nodes), or a list of URLs."""
    items = value.split(",") if isinstance(value, str) else list(value)
    urls = [item.strip() for item in items if item and item.strip()]
    if not urls:
        raise ValueError("no AMQP URL given")
    return urls


def blocking_connection(amqp_url, socket_timeout: float = 5, blocked_timeout: float | None = 10, heartbeat: int | None = None):
    """A pika BlockingConnection to the first of AMQP_URL's nodes (one URL, a comma-separated
    list or a list; see amqp_urls) that accepts it: pika tries a list of parameters in turn."""
    params = []
    for url in amqp_urls(amqp_url):
        p = pika.URLParameters(url)
        p.socket_timeout = socket_timeout
        p.blocked_connection_timeout = blocked_timeout
        p.connection_attempts = 1
        if heartbeat is not None:
            p.heartbeat = heartbeat
        params.append(p)
    return pika.BlockingConnection(params if len(params) > 1 else params[0])


def service_queues() -> list[str]:
    """The services' queues, from the broker definitions an operator imports
    (deploy/rabbitmq/definitions.json), without the dead letters and the unrouted replies
    (they keep what they hold until an operator looks)."""
    definitions = json.loads((REPO / "deploy" / "rabbitmq" / "definitions.json").read_text())
    return [q["name"] for q in definitions["queues"] if q["name"] not in ("switchboard.dead-letters", "outbound.unrouted")]


def service_queue_depths(amqp_url: str, purge: bool = False) -> dict[str, int]:
    """{queue: ready messages} of the services' queues that hold any (a queue not declared
    on this broker is left out). PURGE: empty them too, and say what they held."""
    connection = blocking_connection(amqp_url)
    try:
        channel = connection.channel()
        held = {}
        for name in service_queues():
            try:
                count = channel.queue_declare(queue=name, passive=True).method.message_count
                if count and purge:
                    channel.queue_purge(queue=name)
            except pika.exceptions.ChannelClosedByBroker:
                channel = connection.channel()  # not declared here
                continue
            if count:
                held[name] = count
        return held
    finally:
        connection.close()


def wait_until_quiet(waiting, what: str, timeout: float = 300.0, quiet_for: float = 3.0) -> None:
    """Return once WAITING() ({queue: ready messages} of the queues that hold any) has been
    empty for QUIET_FOR seconds; RuntimeError naming WHAT after TIMEOUT seconds."""
    deadline = time.monotonic() + timeout
    quiet_since = None
    while True:
        held = waiting()
        now = time.monotonic()
        if held:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = now
        elif now - quiet_since >= quiet_for:
            return
        if now > deadline:
            raise RuntimeError(f"{what} did not drain within {timeout:.0f} s: {held}")
        time.sleep(0.5)


def check_rabbitmq(amqp_url: str) -> None:
    """Raise RuntimeError with a readable reason when RabbitMQ does not accept us. With
    several URLs (a cluster's nodes, comma-separated or a list): when none of them does."""
    urls = amqp_urls(amqp_url)
    if len(urls) > 1:
        problems = []
        for url in urls:
            try:
                check_rabbitmq(url)
                return
            except RuntimeError as error:
                problems.append(str(error))
        raise RuntimeError("no node answers: " + " | ".join(problems))
    amqp_url = urls[0]
    parts = urlsplit(amqp_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5672
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as error:
        raise RuntimeError(
            f"RabbitMQ is not reachable at {host}:{port} ({error}); start it "
            "(source scripts/lib/infra.sh && sb_start_rabbitmq) or set SWITCHBOARD_AMQP_URL"
        ) from None
    try:
        params = pika.URLParameters(amqp_url)
        params.socket_timeout = 5
        params.blocked_connection_timeout = 5
        pika.BlockingConnection(params).close()
    except Exception as error:  # noqa: BLE001 - any failure is the message
        raise RuntimeError(f"RabbitMQ at {redact(amqp_url)} refused the AMQP connection: {error!r}") from None


def check_postgres(postgres_url: str) -> None:
    """Raise RuntimeError with a readable reason when PostgreSQL does not accept us."""
    parts = urlsplit(postgres_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as error:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {host}:{port} ({error}); start it "
            "(source scripts/lib/infra.sh && sb_start_postgres) or set SWITCHBOARD_POSTGRES_URL"
        ) from None
    try:
        psql_rows(postgres_url, "SELECT 1", timeout=20)
    except PsqlError as error:
        raise RuntimeError(f"cannot log in to PostgreSQL at {redact(postgres_url)}: {error}") from None


class PsqlError(RuntimeError):
    pass


def psql_rows(postgres_url: str, sql: str, timeout: float = 60, statement_timeout_ms: int | None = None) -> list[list[str]]:
    """Run SQL with psql (no password prompt, connect timeout 5 s); the rows of its last
    statement, fields split on tabs. Raises PsqlError (with psql's message) on failure,
    also when psql does not finish within TIMEOUT seconds."""
    env = {**os.environ, "PGCONNECT_TIMEOUT": "5"}
    if statement_timeout_ms:
        env["PGOPTIONS"] = f"-c statement_timeout={int(statement_timeout_ms)}"
    try:
        result = subprocess.run(
            ["psql", "-X", "-q", "-w", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-d", postgres_url, "-c", sql],
            capture_output=True, text=True, env=env, timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise PsqlError(f"psql did not finish within {timeout:.0f} s") from None
    except FileNotFoundError:
        raise PsqlError("psql is not installed (apt-get install postgresql-client)") from None
    if result.returncode != 0:
        raise PsqlError(result.stderr.strip() or f"psql exited with status {result.returncode}")
    return [line.split("\t") for line in result.stdout.splitlines() if line]


# --- Test data --------------------------------------------------------------------------


def nanp(area: str) -> tuple[str, str]:
    """A random valid NANP number in AREA: (national display form, E.164)."""
    exchange = random.randint(200, 999)
    line = random.randint(0, 9999)
    return f"({area}) {exchange:03d}-{line:04d}", f"+1{area}{exchange:03d}{line:04d}"


def customer_number() -> tuple[str, str]:
    return nanp("415")


def org_number() -> str:
    """An organisation number of our own: no leftover session (Session mode joins the
    messages between two numbers) meets this run's messages."""
    return nanp("628")[1]


# --- The services' processes ------------------------------------------------------------


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def readiness(port: int, timeout: float = 2.0) -> int | str:
    """GET /health/ready on PORT: the HTTP status, "refused" (nothing listens), "timeout"
    (no answer within TIMEOUT seconds) or "error" (the connection failed otherwise)."""
    return readiness_detail(port, timeout)[0]


def readiness_detail(port: int, timeout: float = 2.0) -> tuple[int | str, str]:
    """readiness() and, when not ready, why: the checks that are not "ok" from the
    response body (`{"checks": {"postgres": "unreachable", ...}}`), or the error."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=timeout) as response:
            response.read()
            return response.status, ""
    except urllib.error.HTTPError as error:
        try:
            checks = json.loads(error.read() or b"{}").get("checks") or {}
            detail = "; ".join(f"{k}: {v}" for k, v in sorted(checks.items()) if v != "ok")
        except (ValueError, AttributeError, OSError):
            detail = ""
        return error.code, detail
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ConnectionRefusedError):
            return "refused", ""
        if isinstance(reason, (socket.timeout, TimeoutError)):
            return "timeout", ""
        return "error", repr(reason)[:100]
    except (socket.timeout, TimeoutError):
        return "timeout", ""
    except (ConnectionError, OSError) as error:
        return "error", repr(error)[:100]


def ready(name: str) -> bool:
    return readiness(service_port(name)) == 200


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as error:
        return f"(cannot read {path}: {error})"


# A service that has not exited this long after SIGTERM is probably stuck (they exit in
# well under a second); its threads are dumped while it still hangs, since
# ServiceLifecycle traps it at 10 s and the trap's own backtrace stops at the first libc
# frame of a blocked thread.
DUMP_AFTER = 4.0


def dump_threads(pid: int, path: Path) -> bool:
    """Write every thread's stack of process PID to PATH with gdb, if gdb is installed
    (it is optional: a diagnosis aid, `apt-get install gdb`). True if written."""
    gdb = shutil.which("gdb")
    if gdb is None:
        return False
    try:
        out = subprocess.run(
            [gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt 60"],
            capture_output=True, text=True, timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    path.write_text(out.stdout + out.stderr)
    return True


def stop_processes(
    processes: dict[str, subprocess.Popen], log_dir: Path, dump_after: float = DUMP_AFTER, kill_after: float = KILL_AFTER,
) -> dict[str, tuple[float | None, int | None]]:
    """SIGTERM every process of PROCESSES (name -> process) at once; name -> (seconds until
    it exited, or None, and its exit status). One still running DUMP_AFTER seconds after
    SIGTERM has its threads dumped into LOG_DIR/<name>-stuck-<pid>.threads (dump_threads);
    one still running after KILL_AFTER seconds is killed (its status then negative)."""
    started = time.monotonic()
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    result: dict[str, tuple[float | None, int | None]] = {}
    pending = dict(processes)
    dumped: set[str] = set()
    while pending and time.monotonic() - started < kill_after:
        for name, process in list(pending.items()):
            if process.poll() is not None:
                result[name] = (time.monotonic() - started, process.returncode)
                del pending[name]
            elif name not in dumped and time.monotonic() - started > dump_after:
                dumped.add(name)
                path = log_dir / f"{name}-stuck-{process.pid}.threads"
                if dump_threads(process.pid, path):
                    print(f"{name} has not stopped {dump_after:.0f}s after SIGTERM: threads in {path}", file=sys.stderr)
        time.sleep(0.02)
    for name, process in pending.items():
        process.kill()
        process.wait()
        result[name] = (None, process.returncode)
    return result


@dataclass
class ServiceSet:
    """The six executables started by us: one process each, in its own session (a Ctrl-C
    does not reach them), logs in RUN_DIR/logs/<name>.log, each on service_port(name)."""

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
        """Start all six and wait until each answers 200 on /health/ready; on failure stop
        what was started and raise RuntimeError."""
        missing = [n for n in SERVICES if not os.access(self.bin_dir / n, os.X_OK)]
        if missing:
            raise RuntimeError(
                f"no executable {', '.join(str(self.bin_dir / n) for n in missing)} "
                "(set SWITCHBOARD_BIN_DIR or --bin-dir to the directory of the built executables)"
            )
        busy = [f"{n} ({service_port(n)})" for n in SERVICES if port_open(service_port(n))]
        if busy:
            raise RuntimeError(f"ports already in use: {', '.join(busy)}. Stop what listens there, or set SB_<NAME>_PORT")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in SERVICES:
            self.processes[name] = self.spawn(name)
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def spawn(self, name: str, port: int | None = None, log_name: str | None = None) -> subprocess.Popen:
        """Start one executable NAME on PORT (default its port); its output is appended to
        its log. Does not wait, and does not record the process (see restart)."""
        env = {**self.env, "SWITCHBOARD_HTTP_PORT": str(port or service_port(name))}
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_dir / f"{log_name or name}.log", "ab") as log:
            return subprocess.Popen(
                [str(self.bin_dir / name)], env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True,
            )

    def wait_ready(self, names: Iterable[str] | None = None, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        pending = list(names or SERVICES)
        while pending:
            for name in list(pending):
                process = self.processes[name]
                if process.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited with status {process.returncode}; "
                        f"last lines of {self.log(name)}:\n{tail(self.log(name))}"
                    )
                if ready(name):
                    pending.remove(name)
            if not pending:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    "not ready after %.0fs: %s\n%s"
                    % (timeout, ", ".join(pending), "\n".join(f"--- {self.log(n)}:\n{tail(self.log(n))}" for n in pending))
                )
            time.sleep(0.2)

    def kill(self, name: str, timeout: float = 10.0) -> int | None:
        """SIGKILL one service and reap it; its exit status (None if it did not die)."""
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def restart(self, name: str) -> subprocess.Popen:
        """Start NAME again (same environment, same port) after it exited; does not wait."""
        self.processes[name] = self.spawn(name)
        return self.processes[name]

    def stop(self) -> dict[str, tuple[float | None, int | None]]:
        """SIGTERM all at once; name -> (seconds until it exited or None, exit status).
        What is still running after KILL_AFTER seconds is killed (status then negative)."""
        return stop_processes(self.processes, self.log_dir)

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}


# --- API tokens -------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint_token(secret: str, sub: str, roles: list[str], name: str | None = None, perms: list[str] | None = None,
               ttl: int = 3600) -> str:
    """A bearer JWT (HS256) as docs/architecture.md section 3 describes it, signed with
    SECRET (the services' SWITCHBOARD_JWT_SECRET, which sb_env sets): what
    `switchboardctl token` makes, without needing the built executables."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": sub, "name": name or sub, "roles": roles, "perms": perms or [], "exp": int(time.time()) + ttl}
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


# --- What a run costs: CPU and memory from /proc, percentiles ---------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_stats(pid: int) -> dict[str, float]:
    """VmHWM and VmRSS (kB) and CPU seconds (user + system) of PID; {} once it is gone."""
    stats: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                stats[key] = int(value.split()[0])  # kB
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        stats["cpu_seconds"] = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
    except OSError:
        pass
    return stats


def _listening_pids(port: int) -> set[int]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    pids: set[int] = set()
    if not inodes:
        return pids
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    pids.add(int(entry.name))
                    break
        except OSError:
            continue
    return pids


def find_service_pids() -> dict[str, int]:
    """name -> pid of services we did not start, by process name; several with one name:
    the one on the service's port."""
    by_name: dict[str, list[int]] = {name: [] for name in SERVICES}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if comm in by_name:
            by_name[comm].append(int(entry.name))
    pids = {}
    for name, candidates in by_name.items():
        if len(candidates) == 1:
            pids[name] = candidates[0]
        elif candidates:
            on_port = _listening_pids(service_port(name)) & set(candidates)
            pids[name] = min(on_port) if on_port else min(candidates)
    return pids


def infra_cpu() -> dict[str, dict[int, float]]:
    """pid -> CPU seconds of RabbitMQ (beam.smp) and PostgreSQL (every postgres process)."""
    found: dict[str, dict[int, float]] = {"rabbitmq": {}, "postgresql": {}}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        group = "rabbitmq" if comm == "beam.smp" else "postgresql" if comm == "postgres" else None
        if group:
            cpu = proc_stats(int(entry.name)).get("cpu_seconds")
            if cpu is not None:
                found[group][int(entry.name)] = cpu
    return found


def infra_cpu_delta(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    return {
        group: round(sum(cpu - before[group].get(pid, 0.0) for pid, cpu in after[group].items()), 2)
        for group in after
    }


class UsageMeter:
    """What the six services (PIDS: name -> pid; NAMES: other processes' names, such as the
    floor pipeline's stages) and RabbitMQ and PostgreSQL spent between
    its creation and finish(): ({name: {pid, peak_rss_mib, rss_mib, cpu_seconds}},
    {"rabbitmq": CPU s, "postgresql": CPU s})."""

    def __init__(self, pids: dict[str, int], names: Iterable[str] = SERVICES):
        self.pids = dict(pids)
        self.names = tuple(names)
        self.before = {name: proc_stats(pid) for name, pid in self.pids.items()}
        self.infra_before = infra_cpu()

    def finish(self) -> tuple[dict[str, dict], dict[str, float]]:
        after = {name: proc_stats(pid) for name, pid in self.pids.items()}
        infra = infra_cpu_delta(self.infra_before, infra_cpu())
        services: dict[str, dict] = {}
        for name in self.names:
            if name not in self.pids:
                services[name] = {"pid": None}
                continue
            b, a = self.before.get(name, {}), after.get(name, {})
            services[name] = {
                "pid": self.pids[name],
                "peak_rss_mib": round(a.get("VmHWM", 0) / 1024, 1) if a else None,
                "rss_mib": round(a.get("VmRSS", 0) / 1024, 1) if a else None,
                "cpu_seconds": round(a.get("cpu_seconds", 0) - b.get("cpu_seconds", 0), 2) if a and b else None,
            }
        return services, infra


def print_usage(result: dict) -> None:
    """The Markdown table of the services (pid, memory, CPU, and how long each took to stop
    when RESULT has "stop_seconds") and the line of RabbitMQ's and PostgreSQL's CPU."""
    stops = result.get("stop_seconds")
    print("| service | pid | peak RSS (VmHWM) MiB | RSS MiB | CPU s during run |" + (" stop s |" if stops is not None else ""))
    print("|---|---|---|---|---|" + ("---|" if stops is not None else ""))
    for name, s in result["services"].items():
        row = f"| {name} | {s.get('pid')} | {s.get('peak_rss_mib')} | {s.get('rss_mib')} | {s.get('cpu_seconds')} |"
        if stops is not None:
            row += f" {stops.get(name)} |"
        print(row)
    infra = result.get("infrastructure_cpu_seconds") or {}
    if infra:
        print()
        print("CPU seconds during the run: " + ", ".join(f"{k} {v}" for k, v in infra.items()) + " (all processes of each)")


def percentile(sorted_values: list[float], q: float) -> float | None:
    """The Q-quantile (0-1) of SORTED_VALUES, interpolated linearly; None when empty."""
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def latency_ms(sorted_seconds: list[float]) -> dict[str, float | None]:
    """p50, p90, p99 and max of latencies given in seconds (sorted), in milliseconds."""
    def ms(value):
        return round(value * 1000, 1) if value is not None else None

    return {
        "p50": ms(percentile(sorted_seconds, 0.5)),
        "p90": ms(percentile(sorted_seconds, 0.9)),
        "p99": ms(percentile(sorted_seconds, 0.99)),
        "max": ms(sorted_seconds[-1] if sorted_seconds else None),
    }


def steady_rate(sorted_times: list[float]) -> float | None:
    """Events per second between the 10th and the 90th percentile of their times (sorted);
    None with fewer than 20 events."""
    if len(sorted_times) < 20:
        return None
    first, last = len(sorted_times) // 10, (len(sorted_times) * 9) // 10
    lo, hi = sorted_times[first], sorted_times[last]
    return (last - first) / (hi - lo) if hi > lo else None


# --- Publishing with confirms -----------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """One message to publish. KEY: with an ordered publisher, at most one message per key
    is unconfirmed at a time. MESSAGE_ID: the AMQP message-id, kept when the message is
    published again; None: a new UUID for every publish."""

    index: int
    exchange: str
    routing_key: str
    body: bytes
    key: object = None
    message_id: str | None = None


@dataclass
class PublisherSettings:
    window: int = 500  # unconfirmed messages at most
    rate: float = 0.0  # new messages per second (0: as fast as the window allows)
    ordered: bool = False  # one unconfirmed message per Message.key
    republish: bool = False  # nacked, returned and (with reconnect) unconfirmed messages are published again
    reconnect: bool = False  # reconnect after a lost connection instead of failing
    reconnect_delay: float = 0.5
    flush_timeout: float | None = None  # after the last message: give up on unconfirmed ones after this
    heartbeat: int = 0
    connect_timeout: float = 5.0


# Indices of the shared progress array (PublisherProcess.progress).
_PROGRESS = ["generated", "confirmed", "unconfirmed", "connected", "reconnects", "republished", "confirmed_below", "backlog"]

_WAIT = object()
_HELD = object()


class _Publisher:
    """The publishing loop; runs inside the publisher process (see PublisherProcess).

    Message k of the source is due at t0 + k/rate. It is published when it is due, the
    window has room and (ordered) its key has nothing unconfirmed; otherwise it waits,
    so the offered load stays the same during an outage and is caught up afterwards."""

    def __init__(self, amqp_url, source, settings: PublisherSettings, ready, go, stop, progress):
        # One URL, or several (a cluster's nodes): the publisher connects to the first and,
        # when a connection fails or is lost, moves on to the next (round robin).
        self.amqp_urls = amqp_urls(amqp_url)
        self.url_index = 0
        self.connections: list[list] = []  # [seconds since t0 (None: before), URL index] per connection opened
        self.settings = settings
        self.source = iter(source)
        self.total = len(source) if hasattr(source, "__len__") else None
        self.ready, self.go, self.stop_event, self.progress = ready, go, stop, progress
        self.connection = None
        self.channel = None
        self.next_tag = 1
        self.outstanding: dict[int, tuple[Message, str]] = {}  # delivery tag -> (message, AMQP message-id)
        self.retry: list[tuple[float, int, Message]] = []  # heap of (not before, index, message)
        self.released: deque[Message] = deque()  # next message of a key that just got free
        self.held: dict[object, deque[Message]] = {}  # key -> messages waiting for it
        self.busy: set[object] = set()  # keys with an unconfirmed message
        self.unfinished: set[int] = set()  # indices taken from the source, not yet done
        self.returned_ids: set[str] = set()
        self.published_at: dict[int, float] = {}
        self.confirmed: list[int] = []
        self.generated = 0
        self.last_index = -1
        self.publishes = self.republished = self.nacked = self.returned = self.reconnects = 0
        self.exhausted = self.stopping = self.finished = False
        self.flush_deadline = None
        self.t0 = self.t_last_publish = self.t_done = None
        self.pump_scheduled = False
        self.error = None
        self.errors: list[list] = []  # [seconds since t0, text, times in a row]
        self.disconnects: list[list[float | None]] = []  # [down, up]

    # The connection ---------------------------------------------------------------------

    def run(self):
        while not self.finished:
            self._connect()
            self.connection.ioloop.start()  # until the connection is closed
            self.channel = None
            self._set("connected", 0)
            if self.finished:
                break
            if not self.settings.reconnect:
                self.error = self.error or "connection lost"
                self.ready.set()
                break
            self._requeue_outstanding()
            if self.stopping and self.flush_deadline is not None and time.monotonic() > self.flush_deadline:
                self._give_up()
                break
            self._pause(self.settings.reconnect_delay)
        self._update_progress()

    def _next_node(self):
        """After a failed or lost connection: the next of several URLs (no-op with one)."""
        self.url_index = (self.url_index + 1) % len(self.amqp_urls)

    def _connect(self):
        params = pika.URLParameters(self.amqp_urls[self.url_index])
        params.heartbeat = self.settings.heartbeat
        params.socket_timeout = self.settings.connect_timeout
        params.stack_timeout = self.settings.connect_timeout * 2
        params.connection_attempts = 1
        if self.settings.reconnect:
            # Blocked by a resource alarm for this long: reconnect and try again.
            params.blocked_connection_timeout = 30
        self.pump_scheduled = False
        self.connection = pika.SelectConnection(
            params,
            on_open_callback=self._on_open,
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_close,
        )

    def _pause(self, seconds):
        """Sleep between reconnection attempts; the stop request is noticed meanwhile."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.stop_event is not None and self.stop_event.is_set() and not self.stopping:
                self._begin_stop()
            time.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        self._update_progress()

    def _on_open(self, connection):
        if self.disconnects and self.disconnects[-1][1] is None:
            self.disconnects[-1][1] = time.monotonic()
        self.connections.append([round(time.monotonic() - self.t0, 1) if self.t0 else None, self.url_index])
        connection.channel(on_open_callback=self._on_channel)

    def _on_channel(self, channel):
        self.channel = channel
        self.next_tag = 1
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(self._on_confirm, callback=self._on_confirm_ok)

    def _on_confirm_ok(self, _frame):
        self._set("connected", 1)
        if self.t0 is None:
            self.ready.set()
            if not self.go.wait(600):
                self.error = "not told to start within 600 s"
                self._finish()
                return
            self.t0 = time.monotonic()
        self._tick()

    def _on_open_error(self, connection, error):
        self._note_error(f"connection failed: {error!r}")
        self._next_node()
        if not self.settings.reconnect:
            self.error = f"connection failed: {error!r}"
        connection.ioloop.stop()

    def _on_close(self, connection, reason):
        if not self.finished:
            self._note_error(f"connection closed: {reason!r}")
            if not self.settings.reconnect:
                self.error = f"connection closed: {reason!r}"
            self.disconnects.append([time.monotonic(), None])
            self.reconnects += 1
            self._next_node()
        connection.ioloop.stop()

    def _on_channel_closed(self, _channel, reason):
        if not self.finished:
            self._note_error(f"channel closed: {reason!r}")
        if self.connection is not None and self.connection.is_open:
            self.connection.close()

    def _note_error(self, text):
        """Keep what went wrong: the first 50 different errors in a row, each with the time
        it first happened (seconds since t0) and how often it repeated."""
        text = text[:200]
        if self.errors and self.errors[-1][1] == text:
            self.errors[-1][2] += 1
        elif len(self.errors) < 50:
            self.errors.append([round(time.monotonic() - (self.t0 or time.monotonic()), 1), text, 1])

    # Publishing -------------------------------------------------------------------------

    def _tick(self):
        """Housekeeping every 0.2 s: the stop request, the flush deadline, progress."""
        if self.connection is None or not self.connection.is_open or self.channel is None:
            return
        if self.stop_event is not None and self.stop_event.is_set() and not self.stopping:
            self._begin_stop()
        if self.stopping and self.flush_deadline is not None and time.monotonic() > self.flush_deadline:
            self._give_up()
            return
        self._update_progress()
        self._pump()
        if not self.finished:
            self.connection.ioloop.call_later(0.2, self._tick)

    def _scheduled_pump(self):
        self.pump_scheduled = False
        self._pump()

    def _schedule_pump(self, delay):
        if not self.pump_scheduled and self.connection is not None:
            self.pump_scheduled = True
            self.connection.ioloop.call_later(max(0.0, delay), self._scheduled_pump)

    def _pump(self):
        if self.finished or self.channel is None or not self.channel.is_open:
            return
        now = time.monotonic()
        while len(self.outstanding) < self.settings.window:
            if self.retry and self.retry[0][0] <= now:
                message = heapq.heappop(self.retry)[2]
                self.republished += 1
            elif self.released:
                message = self.released.popleft()
            else:
                message = self._next_new(now)
                if message is _HELD:
                    continue
                if message is _WAIT or message is None:
                    break
            if not self._publish(message):
                return
        if self.retry and self.retry[0][0] > now:
            self._schedule_pump(self.retry[0][0] - now)
        self._check_finished()

    def _next_new(self, now):
        if self.stopping or self.exhausted:
            return None
        if self.total is not None and self.generated >= self.total:
            self._exhausted()
            return None
        if self.settings.rate:
            due = self.t0 + self.generated / self.settings.rate
            if due > now:
                self._schedule_pump(due - now)
                return _WAIT
        try:
            message = next(self.source)
        except StopIteration:
            self._exhausted()
            return None
        self.generated += 1
        self.last_index = message.index
        self.unfinished.add(message.index)
        if self.settings.ordered and message.key is not None:
            if message.key in self.busy:
                self.held.setdefault(message.key, deque()).append(message)
                return _HELD
            self.busy.add(message.key)
        return message

    def _publish(self, message):
        amqp_id = message.message_id or str(uuid.uuid4())
        try:
            self.channel.basic_publish(
                message.exchange,
                message.routing_key,
                message.body,
                pika.BasicProperties(
                    delivery_mode=2,
                    content_type="application/json",
                    message_id=amqp_id,
                    timestamp=int(time.time()),
                ),
                mandatory=True,
            )
        except Exception as error:  # noqa: BLE001 - a closed channel or connection: reconnect
            heapq.heappush(self.retry, (0.0, message.index, message))
            self._note_error(f"publish failed: {error!r}")
            if self.connection.is_open:
                self.connection.close()
            return False
        self.published_at.setdefault(message.index, time.monotonic())
        self.outstanding[self.next_tag] = (message, amqp_id)
        self.next_tag += 1
        self.publishes += 1
        return True

    def _on_return(self, _channel, _method, properties, _body):
        if properties.message_id:
            self.returned_ids.add(properties.message_id)

    def _on_confirm(self, frame):
        method = frame.method
        nack = isinstance(method, pika.spec.Basic.Nack)
        tags = [t for t in self.outstanding if t <= method.delivery_tag] if method.multiple else [method.delivery_tag]
        now = time.monotonic()
        for tag in tags:
            entry = self.outstanding.pop(tag, None)
            if entry is None:
                continue
            message, amqp_id = entry
            returned = amqp_id in self.returned_ids
            self.returned_ids.discard(amqp_id)
            if nack:
                self.nacked += 1
            elif returned:
                self.returned += 1
            if (nack or returned) and self.settings.republish:
                # Same body and ids again, a little later (an unroutable message would loop).
                heapq.heappush(self.retry, (now + (0.2 if nack else 1.0), message.index, message))
                continue
            if not nack and not returned:
                self.confirmed.append(message.index)
            self._done(message)
        self._pump()

    def _done(self, message):
        self.unfinished.discard(message.index)
        if self.settings.ordered and message.key is not None:
            waiting = self.held.get(message.key)
            if waiting:
                self.released.append(waiting.popleft())  # the key stays busy
                if not waiting:
                    del self.held[message.key]
            else:
                self.busy.discard(message.key)

    def _requeue_outstanding(self):
        """After a lost connection: what was not confirmed is published again (same ids)."""
        for message, _amqp_id in self.outstanding.values():
            if self.settings.republish:
                heapq.heappush(self.retry, (0.0, message.index, message))
            else:
                self._done(message)
        self.outstanding.clear()
        self.returned_ids.clear()

    # The end ----------------------------------------------------------------------------

    def _exhausted(self):
        self.exhausted = True
        if self.t_last_publish is None:
            self.t_last_publish = time.monotonic()
        self._begin_stop()

    def _begin_stop(self):
        if not self.stopping:
            self.stopping = True
            if self.settings.flush_timeout is not None:
                self.flush_deadline = time.monotonic() + self.settings.flush_timeout

    def _check_finished(self):
        if self.stopping and not (self.outstanding or self.retry or self.released or self.held):
            self._finish()

    def _finish(self):
        if self.finished:
            return
        self.finished = True
        self.t_done = time.monotonic()
        if self.connection is not None and self.connection.is_open:
            self.connection.close()

    def _give_up(self):
        self._note_error(f"gave up on {len(self.unfinished)} unconfirmed message(s) at the flush deadline")
        self._finish()

    def _set(self, name, value):
        if self.progress is not None:
            self.progress[_PROGRESS.index(name)] = value

    def _update_progress(self):
        if self.progress is None:
            return
        self._set("generated", self.generated)
        self._set("confirmed", len(self.confirmed))
        self._set("unconfirmed", len(self.unfinished))
        self._set("reconnects", self.reconnects)
        self._set("republished", self.republished)
        self._set("confirmed_below", min(self.unfinished) if self.unfinished else self.last_index + 1)
        self._set("backlog", len(self.retry) + len(self.released) + sum(len(q) for q in self.held.values()))

    def result(self):
        return {
            "t0": self.t0,
            "t_last_publish": self.t_last_publish,
            "t_done": self.t_done,
            "published_at": self.published_at,
            "confirmed": self.confirmed,
            "unconfirmed": sorted(self.unfinished),
            "generated": self.generated,
            "publishes": self.publishes,
            "republished": self.republished,
            "nacked": self.nacked,
            "returned": self.returned,
            "reconnects": self.reconnects,
            "disconnects": self.disconnects,
            "error": self.error,
            "errors": [f"{t}s {text}" + (f" ({n}x)" if n > 1 else "") for t, text, n in self.errors],
            # Connections opened: [seconds since t0 or None, redacted URL of the node].
            "connections": [[t, redact(self.amqp_urls[i])] for t, i in self.connections],
        }


def _publisher_main(amqp_url, source, settings, ready, go, stop, progress, results):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    for signum in (signal.SIGTERM, signal.SIGHUP):  # not the parent's handlers (fork)
        signal.signal(signum, signal.SIG_DFL)
    publisher = _Publisher(amqp_url, source, settings, ready, go, stop, progress)
    try:
        publisher.run()
    except Exception as error:  # noqa: BLE001 - reported to the parent
        publisher.error = f"publisher crashed: {error!r}"
        publisher.ready.set()
    results.put(publisher.result())


class PublisherProcess:
    """A publisher in its own process (fork). AMQP_URL: one URL, or a cluster's nodes
    (comma-separated or a list; see _Publisher). start() connects and waits until it is
    ready; go() starts publishing (t0); stop() asks it to finish (no new messages; what is
    unconfirmed gets settings.flush_timeout seconds) and returns its result dict."""

    def __init__(self, amqp_url: str, source: Iterable[Message], settings: PublisherSettings, go=None):
        self._ctx = mp.get_context("fork")
        self.ready = self._ctx.Event()
        self.go_event = go or self._ctx.Event()
        self.stop_event = self._ctx.Event()
        self.results = self._ctx.Queue()
        self.progress_array = self._ctx.Array("d", len(_PROGRESS), lock=False)
        self.process = self._ctx.Process(
            target=_publisher_main,
            args=(amqp_url, source, settings, self.ready, self.go_event, self.stop_event, self.progress_array, self.results),
            daemon=True,
        )
        self._result = None

    def start(self, timeout: float = 30.0) -> None:
        self.process.start()
        if not self.ready.wait(timeout):
            self.terminate()
            raise RuntimeError(f"the publisher did not connect within {timeout:.0f} s")

    def go(self) -> None:
        self.go_event.set()

    def progress(self) -> dict[str, float]:
        return {name: self.progress_array[i] for i, name in enumerate(_PROGRESS)}

    def result(self, timeout: float | None = None) -> dict:
        """The result dict, once the publisher has finished (raises queue.Empty on timeout)."""
        if self._result is None:
            self._result = self.results.get(timeout=timeout)
            self.process.join(10)
        return self._result

    def stop(self, timeout: float) -> dict:
        self.stop_event.set()
        return self.result(timeout)

    def terminate(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


def run_publishers(amqp_url: str, shards: list[list[Message]], window: int, rate: float) -> list[dict]:
    """One publisher process per shard (a list of messages), started together, without
    re-publishing; returns their result dicts. Raises RuntimeError when one failed."""
    ctx = mp.get_context("fork")
    go = ctx.Event()
    per_rate = rate / len(shards) if rate else 0
    publishers = [PublisherProcess(amqp_url, shard, PublisherSettings(window=window, rate=per_rate), go=go) for shard in shards]
    try:
        for publisher in publishers:
            publisher.start(30)
        go.set()
        out = [publisher.result() for publisher in publishers]
    finally:
        for publisher in publishers:
            publisher.terminate()
    errors = [r["error"] for r in out if r["error"]]
    if errors:
        raise RuntimeError("publisher failed: " + "; ".join(errors))
    return out
