"""Idle live streams on one replica (issue #20; docs/architecture.md 10.2): what N desktops
that keep `GET /v1/stream` open and receive nothing cost `transfer`. scripts/bench.py
dispatches here for `scripts/bench --streams N`; the services are started, checked and
stopped there, as for the other modes.

What it does:

1. Reads transfer's pid (the one started with --start, or the one listening on its port)
   and its VmRSS and CPU time (/proc) after a short settle: the baseline.
2. Opens N streams as N desktops would, over plain sockets (one thread, `selectors`): a
   `GET /v1/stream` with a bearer token each, for agents `bench-stream-<run>-<k>` (at most
   SWITCHBOARD_STREAM_MAX_PER_AGENT per agent: the bench uses as many agents as that cap
   needs), and waits for every `200` and its first `retry:` line. A stream refused is
   counted and reported (it is a failure of the run).
3. Keeps them open and idle for --idle-seconds (default 30), reading the heartbeats so the
   service never sees a stalled reader, and measures transfer's VmRSS at the end and its
   CPU time over the idle period.
4. Reports: streams open, RSS before and after, per stream ((after - before) / N, KiB),
   transfer's CPU during the idle period (seconds and percent of one core), heartbeats
   received per stream, and the time it took to open them.

The target of issue #20: under 50 KiB per idle stream and no measurable idle CPU.
"""

from __future__ import annotations

import os
import resource
import selectors
import socket
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "lib"))

import switchboard_tools as sb  # noqa: E402

DEFAULT_IDLE_SECONDS = 30.0
PER_AGENT = 5  # SWITCHBOARD_STREAM_MAX_PER_AGENT's default


def add_arguments(parser):
    group = parser.add_argument_group(
        "idle streams (issue #20)",
        "scripts/bench --streams N: N idle desktop streams on one transfer replica, its memory and CPU "
        "(--start, --bin-dir, --run-dir and --out apply too)",
    )
    group.add_argument("--streams", type=int, default=None, metavar="N", help="measure N idle live streams instead")
    group.add_argument("--idle-seconds", type=float, default=None, metavar="S",
                       help=f"how long the streams stay idle while CPU is measured (default {DEFAULT_IDLE_SECONDS:.0f})")


def check_arguments(parser, args):
    if args.streams < 1:
        parser.error("--streams must be at least 1")
    if args.idle_seconds is None:
        args.idle_seconds = DEFAULT_IDLE_SECONDS
    # One socket per stream here, and one in transfer (the services --start spawns inherit this limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = args.streams + 256
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            parser.error(f"--streams {args.streams} needs {wanted} open files; the hard limit is {hard} (ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


class _Stream:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""
        self.status: int | None = None
        self.opened = False  # 200 and the first `retry:` line seen
        self.heartbeats = 0
        self.closed = False


def _request(token: str, host: str) -> bytes:
    return (f"GET /v1/stream HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
            f"Authorization: Bearer {token}\r\nConnection: keep-alive\r\n\r\n").encode()


def _read(stream: _Stream) -> None:
    try:
        data = stream.sock.recv(65536)
    except BlockingIOError:
        return
    except OSError:
        stream.closed = True
        return
    if not data:
        stream.closed = True
        return
    stream.buffer += data
    if stream.status is None and b"\r\n\r\n" in stream.buffer:
        head, _, rest = stream.buffer.partition(b"\r\n\r\n")
        try:
            stream.status = int(head.split(b" ", 2)[1])
        except (IndexError, ValueError):
            stream.status = -1
        stream.buffer = rest
    if stream.status == 200:
        if not stream.opened and b"retry:" in stream.buffer:
            stream.opened = True
        # Comment lines (`:`) are the heartbeats; keep only the tail of what was read.
        stream.heartbeats += stream.buffer.count(b"\n:")
        stream.buffer = stream.buffer[-64:]


def bench(args, env, services) -> dict:
    run_id = uuid.uuid4().hex[:8]
    port = sb.service_port("transfer")
    pid = services.pids()["transfer"] if services else sb.find_service_pids().get("transfer")
    if not pid:
        raise RuntimeError("transfer is not running here (start it, or pass --start)")
    secret = env["SWITCHBOARD_JWT_SECRET"]
    time.sleep(2.0)
    before = sb.proc_stats(pid)

    selector = selectors.DefaultSelector()
    streams: list[_Stream] = []
    agents = (args.streams + PER_AGENT - 1) // PER_AGENT
    tokens = [sb.mint_token(secret, f"bench-stream-{run_id}-{k}", ["agent"], ttl=3600) for k in range(agents)]
    started = time.monotonic()
    for index in range(args.streams):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(_request(tokens[index // PER_AGENT], f"127.0.0.1:{port}"))
        sock.setblocking(False)
        stream = _Stream(sock)
        streams.append(stream)
        selector.register(sock, selectors.EVENT_READ, stream)

    def pump(until: float) -> None:
        while time.monotonic() < until:
            for key, _ in selector.select(timeout=max(0.0, min(0.5, until - time.monotonic()))):
                _read(key.data)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pump(time.monotonic() + 0.5)
        if all(s.opened or s.closed or (s.status not in (None, 200)) for s in streams):
            break
    open_seconds = time.monotonic() - started
    opened = sum(1 for s in streams if s.opened and not s.closed)
    refused = {s.status for s in streams if s.status not in (None, 200)}

    time.sleep(0)  # the idle period starts once every stream is open
    idle_start = sb.proc_stats(pid)
    idle_started = time.monotonic()
    pump(idle_started + args.idle_seconds)
    idle_end = sb.proc_stats(pid)
    idle_seconds = time.monotonic() - idle_started
    still_open = sum(1 for s in streams if s.opened and not s.closed)

    for stream in streams:
        try:
            selector.unregister(stream.sock)
        except (KeyError, ValueError):
            pass
        stream.sock.close()
    selector.close()

    rss_before = before.get("VmRSS", 0)
    rss_after = idle_end.get("VmRSS", 0)
    cpu = idle_end.get("cpu_seconds", 0) - idle_start.get("cpu_seconds", 0)
    return {
        "mode": "streams",
        "streams": args.streams,
        "agents": agents,
        "opened": opened,
        "still_open_after_idle": still_open,
        "refused_statuses": sorted(str(s) for s in refused),
        "open_seconds": round(open_seconds, 2),
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "rss_per_stream_kib": round((rss_after - rss_before) / max(1, opened), 1),
        "idle_seconds": round(idle_seconds, 1),
        "idle_cpu_seconds": round(cpu, 3),
        "idle_cpu_percent_of_a_core": round(100 * cpu / idle_seconds, 2) if idle_seconds else None,
        "heartbeats_per_stream": round(sum(s.heartbeats for s in streams) / max(1, len(streams)), 1),
        "transfer_pid": pid,
        "hostname": os.uname().nodename,
    }


def complete(result: dict) -> bool:
    return result["opened"] == result["streams"] and result["still_open_after_idle"] == result["streams"]


def print_report(result: dict) -> None:
    print(f"## Idle live streams on one transfer replica ({result['streams']} streams, {result['agents']} agents)\n")
    print("| measure | value |")
    print("|---|---|")
    rows = [
        ("streams opened / still open after the idle period", f"{result['opened']} / {result['still_open_after_idle']}"),
        ("time to open them", f"{result['open_seconds']} s"),
        ("transfer RSS before / after", f"{result['rss_before_kib'] / 1024:.1f} MiB / {result['rss_after_kib'] / 1024:.1f} MiB"),
        ("RSS per idle stream", f"{result['rss_per_stream_kib']} KiB"),
        ("transfer CPU while idle", f"{result['idle_cpu_seconds']} s in {result['idle_seconds']} s "
                                    f"({result['idle_cpu_percent_of_a_core']} % of one core)"),
        ("heartbeats received per stream", f"{result['heartbeats_per_stream']}"),
    ]
    for name, value in rows:
        print(f"| {name} | {value} |")
    if result["refused_statuses"]:
        print(f"\nrefused with: {', '.join(result['refused_statuses'])}")
