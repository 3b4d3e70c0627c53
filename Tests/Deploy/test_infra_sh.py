"""scripts/lib/infra.sh and scripts/run, without Swift, RabbitMQ or PostgreSQL.

The six services are replaced by fake_service.py (same command line contract: an
executable per service, SWITCHBOARD_HTTP_PORT, /health/ready, SIGTERM), on free ports so
that the tests do not collide with a real local run. The gateway is the real nginx with
the real template.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from deploy_support import REPO, SERVICE_PORTS, find_binary

LIB = REPO / "scripts" / "lib" / "infra.sh"
RUN = REPO / "scripts" / "run"
CLUSTER = REPO / "scripts" / "cluster"
FAKE_SERVICE = Path(__file__).with_name("fake_service.py")
SERVICES = list(SERVICE_PORTS)

MISSING = [tool for tool in ("bash", "curl", "setsid", "envsubst", "nginx") if find_binary(tool) is None]
needs_tools = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)}")


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_replica_ports(count: int, replicas: int) -> tuple[list[int], int]:
    """COUNT base ports and a gateway port such that every replica's port (base + 100 * r,
    r = 1..REPLICAS) and the gateway's are distinct and free now. Plain free ports are not
    enough: CI once drew a gateway port equal to callback's base + 300."""
    for _ in range(100):
        *bases, gateway = free_ports(count + 1)
        wanted = [base + 100 * r for base in bases for r in range(1, replicas + 1)] + [gateway]
        if len(set(wanted)) != len(wanted) or max(wanted) > 65535:
            continue
        sockets = []
        try:
            for port in wanted:
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return bases, gateway
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError("no free set of replica ports found")


def bash(script: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `script` in bash with the library sourced under `set -euo pipefail`."""
    full_env = {**os.environ, **(env or {})}
    path = full_env.get("PATH", "")
    full_env["PATH"] = ":".join([path, "/usr/sbin", "/sbin"])  # nginx, runuser
    return subprocess.run(
        ["bash", "-c", f'set -euo pipefail\nsource "{LIB}"\n{script}'],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def stack(request):
    """A run directory, a directory of fake service executables, and free ports for the
    services and the gateway. Modes per service (fake_service.py) through indirect
    parametrization: {"session": "crash"}."""
    modes = getattr(request, "param", {})
    # Not pytest's tmp_path: that is 0700, and nginx's workers (user nobody when the tests
    # run as root) must reach the run directory.
    root = Path(tempfile.mkdtemp(prefix="switchboard-infra-test-"))
    os.chmod(root, 0o755)
    bin_dir, run_dir = root / "bin", root / "run"
    bin_dir.mkdir()
    for name in SERVICES:
        executable = bin_dir / name
        executable.write_text(
            f'#!/bin/sh\nexec "{sys.executable}" "{FAKE_SERVICE}" "$0" {modes.get(name, "ok")}\n'
        )
        executable.chmod(executable.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    ports = free_ports(len(SERVICES) + 1)
    env = {f"SB_{name.upper()}_PORT": str(port) for name, port in zip(SERVICES, ports)}
    env["SB_GATEWAY_LISTEN"] = f"127.0.0.1:{ports[-1]}"
    env["SB_READY_TIMEOUT"] = "20"
    env["SB_STOP_TIMEOUT"] = "5"
    # The tests check sb_env's defaults: none of the caller's SWITCHBOARD_* settings.
    clean_environ = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    yield {
        "root": root,
        "bin": bin_dir,
        "run": run_dir,
        "env": env,
        "ports": dict(zip(SERVICES, ports)),
        "gateway": ports[-1],
        "clean_environ": clean_environ,
    }
    # Whatever a failed test left running.
    bash(f'sb_stop_gateway "{run_dir}" || true; sb_stop_services "{run_dir}" || true', env)
    shutil.rmtree(root, ignore_errors=True)


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone for our purpose.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


# --- Static checks --------------------------------------------------------------------


@pytest.mark.parametrize("script", [LIB, RUN, CLUSTER])
def test_bash_syntax(script):
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_scripts_are_executable():
    assert os.access(RUN, os.X_OK)
    assert os.access(CLUSTER, os.X_OK)


@pytest.mark.skipif(find_binary("shellcheck") is None, reason="shellcheck not installed (apt-get install shellcheck)")
def test_shellcheck():
    scripts = [RUN, LIB, CLUSTER, REPO / "scripts" / "test", REPO / "scripts" / "bench", REPO / "scripts" / "drill", REPO / ".ci" / "run",
               REPO / "scripts" / "format", REPO / "scripts" / "lib" / "format_check.sh"]
    result = subprocess.run(
        ["shellcheck", "-x", *map(str, scripts)], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_daemon_started_from_here_inherits_no_descriptor_above_2(tmp_path):
    """`sb_without_inherited_fds` (how RabbitMQ is started) closes every descriptor above 2
    and keeps 0-2 and the environment: rabbitmq-server -detached keeps what it inherits, so
    a broker started under `flock LOCK ...` held LOCK for as long as it ran."""
    lock = tmp_path / "lock"
    probe = (
        "import os, sys\n"
        "for fd in (7, 9):\n"
        "    try:\n"
        "        os.fstat(fd)\n"
        "        print(f'open {fd}')\n"
        "    except OSError:\n"
        "        print(f'closed {fd}')\n"
        "print('env', os.environ.get('SB_PROBE'))\n"
        "print('stderr kept', file=sys.stderr)\n"
    )
    script = f"""exec 7>"{lock}" 9<"{lock}"
flock 7
SB_PROBE=kept sb_without_inherited_fds python3 -c "$PROBE"
[ -e /proc/self/fd/7 ] && echo "caller keeps 7"
"""
    result = bash(script, env={"PROBE": probe})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:4] == ["closed 7", "closed 9", "env kept", "caller keeps 7"], result.stdout
    assert "stderr kept" in result.stderr
    # The lock is free once the caller is gone, though the child ran while it was held.
    assert subprocess.run(["flock", "-n", str(lock), "true"]).returncode == 0


def test_service_ports_default_to_the_design():
    result = bash('for s in "${SB_SERVICES[@]}"; do printf "%s=%s\\n" "$s" "$(sb_service_port "$s")"; done')
    assert result.returncode == 0, result.stderr
    assert dict(line.split("=") for line in result.stdout.split()) == {k: str(v) for k, v in SERVICE_PORTS.items()}
    assert bash("sb_service_port nope").returncode != 0


def test_env_defaults_and_overrides(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    script = f'sb_env "{tmp_path}/run"; env | grep ^SWITCHBOARD_ | sort'
    result = subprocess.run(
        ["bash", "-c", f'set -euo pipefail\nsource "{LIB}"\n{script}'],
        env={**environ, "SWITCHBOARD_LOG_LEVEL": "debug"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert env == {
        "SWITCHBOARD_AMQP_URL": "amqp://switchboard:switchboard@127.0.0.1:5672/%2F",
        "SWITCHBOARD_POSTGRES_URL": "postgres://switchboard:switchboard@127.0.0.1:5432/switchboard",
        "SWITCHBOARD_JWT_SECRET": "dev-only-secret-change-me-0123456789abcdef",
        "SWITCHBOARD_CREDENTIALS_KEY": "ZGV2LW9ubHkta2V5LWNoYW5nZS1tZS0wMTIzNDU2Nzg=",
        "SWITCHBOARD_LOG_LEVEL": "debug",
        "SWITCHBOARD_DEFAULT_REGION": "US",
        "SWITCHBOARD_MEDIA_STORE_PATH": f"{tmp_path}/run/media",
    }
    assert (tmp_path / "run" / "media").is_dir()


def test_replicas_ports_and_amqp_urls():
    """SB_REPLICAS: replica r of a service on its port + 100*r; with SB_AMQP_NODE_URLS each
    replica gets every node's URL, starting with node r (or only that one)."""
    result = bash(
        'sb_instances | tr "\\n" " "; echo; '
        'for i in ingest-1 ingest-2 ingest-3 media-3; do printf "%s=%s=%s=%s\\n" "$i" "$(sb_instance_port "$i")" '
        '"$(sb_instance_amqp_url "$i")" "$(SB_AMQP_FIRST_URL_ONLY=1 sb_instance_amqp_url "$i")"; done',
        {"SB_REPLICAS": "3", "SB_AMQP_NODE_URLS": "amqp://a amqp://b amqp://c"},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == [f"{name}-{r}" for name in SERVICES for r in (1, 2, 3)]
    assert lines[1:] == [
        "ingest-1=8181=amqp://a,amqp://b,amqp://c=amqp://a",
        "ingest-2=8281=amqp://b,amqp://c,amqp://a=amqp://b",
        "ingest-3=8381=amqp://c,amqp://a,amqp://b=amqp://c",
        "media-3=8386=amqp://c,amqp://a,amqp://b=amqp://c",
    ]
    # One instance each (scripts/run): the names, ports and URL of old.
    result = bash('sb_instances | tr "\\n" " "; sb_instance_port session; SWITCHBOARD_AMQP_URL=amqp://x sb_instance_amqp_url session')
    assert result.stdout.split() == SERVICES + ["8082", "amqp://x"]


def test_redact_url():
    result = bash('sb_redact_url "amqp://switchboard:s3cret@127.0.0.1:5672/%2F"; sb_redact_url "http://h/x"')
    assert result.stdout.split() == ["amqp://switchboard:***@127.0.0.1:5672/%2F", "http://h/x"]


# --- Services and gateway -------------------------------------------------------------


def run_in_stack(stack, script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", f'set -euo pipefail\nsource "{LIB}"\n{script}'],
        env={**stack["clean_environ"], "PATH": os.environ["PATH"] + ":/usr/sbin:/sbin", **stack["env"]},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@needs_tools
def test_services_and_gateway_start_route_and_stop(stack):
    run, bin_dir = stack["run"], stack["bin"]
    result = run_in_stack(
        stack, f'sb_env "{run}"; sb_start_services "{bin_dir}" "{run}"; sb_start_gateway "{run}"'
    )
    assert result.returncode == 0, result.stderr

    pids = {}
    for name in SERVICES:
        pids[name] = int((run / "pids" / f"{name}.pid").read_text())
        assert alive(pids[name])
        port = stack["ports"][name]
        status, body = get(f"http://127.0.0.1:{port}/anything")
        assert status == 200 and body["service"] == name
        assert body["env"]["SWITCHBOARD_HTTP_PORT"] == str(port)
        assert body["env"]["SWITCHBOARD_MEDIA_STORE_PATH"] == f"{run}/media"
        assert body["env"]["SWITCHBOARD_AMQP_URL"] == "amqp://switchboard:switchboard@127.0.0.1:5672/%2F"
        assert (run / "logs" / f"{name}.log").exists()

    gateway = f"http://127.0.0.1:{stack['gateway']}"
    assert get(f"{gateway}/health")[0] == 200
    for name, path in [("ingest", "/v1/inbound"), ("session", "/v1/interactions/abc"), ("transfer", "/v1/offers/1/accept"),
                       ("contacts", "/v1/consent/+14155550100"), ("callback", "/v1/callbacks"), ("media", "/v1/media/m1/thumbnail")]:
        status, body = get(gateway + path)
        assert status == 200 and body["service"] == name and body["path"] == path
    status, body = get(f"{gateway}/nope")
    assert status == 404 and body["code"] == "not_found"
    # Rendered from the template with the local ports, kept in the run directory.
    rendered = (run / "nginx" / "default.conf").read_text()
    assert f"server 127.0.0.1:{stack['ports']['media']};" in rendered
    assert f"listen 127.0.0.1:{stack['gateway']};" in rendered
    assert "$proxy_add_x_forwarded_for" in rendered
    gateway_pid = int((run / "nginx" / "nginx.pid").read_text())

    # Idempotent: starting again restarts the services and reloads the gateway.
    result = run_in_stack(stack, f'sb_env "{run}"; sb_start_services "{bin_dir}" "{run}"; sb_start_gateway "{run}"')
    assert result.returncode == 0, result.stderr
    assert "reloading the gateway" in result.stderr
    assert int((run / "nginx" / "nginx.pid").read_text()) == gateway_pid
    assert all(not alive(pid) for pid in pids.values()), "the first services must have been stopped"
    assert (run / "logs" / "ingest.log.1").exists(), "the previous log is kept"
    new_pids = {name: int((run / "pids" / f"{name}.pid").read_text()) for name in SERVICES}

    result = run_in_stack(stack, f'sb_stop_gateway "{run}"; sb_stop_services "{run}"')
    assert result.returncode == 0, result.stderr
    assert not alive(gateway_pid)
    for name, pid in new_pids.items():
        assert not alive(pid), name
        assert not (run / "pids" / f"{name}.pid").exists()
        assert "SIGTERM received" in (run / "logs" / f"{name}.log").read_text(), "stopped gracefully"
    # Stopping what is not running is fine.
    assert run_in_stack(stack, f'sb_stop_gateway "{run}"; sb_stop_services "{run}"').returncode == 0


@needs_tools
@pytest.mark.parametrize("stack", [{"session": "crash"}], indirect=True)
def test_a_service_that_exits_fails_the_start_and_nothing_is_left_running(stack):
    run = stack["run"]
    result = run_in_stack(stack, f'sb_env "{run}"; sb_start_services "{stack["bin"]}" "{run}"')
    assert result.returncode == 1
    assert "session exited during start-up" in result.stderr
    assert "boom: session cannot start" in result.stderr, "the end of its log is shown"
    assert not list((run / "pids").glob("*.pid"))


@needs_tools
@pytest.mark.parametrize("stack", [{"media": "never-ready"}], indirect=True)
def test_a_service_that_never_gets_ready_times_out(stack):
    run = stack["run"]
    stack["env"]["SB_READY_TIMEOUT"] = "3"
    started = time.monotonic()
    result = run_in_stack(stack, f'sb_env "{run}"; sb_start_services "{stack["bin"]}" "{run}"')
    assert result.returncode == 1
    assert time.monotonic() - started < 30
    assert "media is not ready after 3s" in result.stderr
    assert '"msg": "listening"' in result.stderr, "the end of its log is shown"
    assert not list((run / "pids").glob("*.pid"))


@needs_tools
@pytest.mark.parametrize("stack", [{"callback": "stubborn"}], indirect=True)
def test_a_service_that_ignores_sigterm_is_killed(stack):
    run = stack["run"]
    stack["env"]["SB_STOP_TIMEOUT"] = "2"
    result = run_in_stack(stack, f'sb_env "{run}"; sb_start_services "{stack["bin"]}" "{run}"')
    assert result.returncode == 0, result.stderr
    pid = int((run / "pids" / "callback.pid").read_text())
    result = run_in_stack(stack, f'sb_stop_services "{run}"')
    assert result.returncode == 0, result.stderr
    assert "callback did not stop within 2s of SIGTERM: killing it" in result.stderr
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)


@needs_tools
def test_a_busy_port_is_reported(stack):
    run = stack["run"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", stack["ports"]["contacts"]))
        sock.listen()
        result = run_in_stack(stack, f'sb_env "{run}"; sb_start_services "{stack["bin"]}" "{run}"')
    assert result.returncode == 1
    assert f"port {stack['ports']['contacts']} (for contacts) is already in use" in result.stderr


def stubbed_scripts_run(stack) -> Path:
    """A copy of scripts/run whose library has the infrastructure steps stubbed out."""
    scripts = stack["root"] / "scripts"
    if not (scripts / "run").exists():
        (scripts / "lib").mkdir(parents=True)
        shutil.copy(RUN, scripts / "run")
        (scripts / "lib" / "infra.sh").write_text(
            f'source "{LIB}"\n'
            "sb_install_deps() { sb_log 'stub: deps'; }\n"
            "sb_start_rabbitmq() { sb_log 'stub: rabbitmq'; }\n"
            "sb_start_postgres() { sb_log 'stub: postgres'; }\n"
        )
    return scripts / "run"


def scripts_run(stack, *args: str, **popen) -> subprocess.Popen:
    """scripts/run (the stubbed copy) on the stack's executables and run directory."""
    return subprocess.Popen(
        ["bash", str(stubbed_scripts_run(stack)), "--bin-dir", str(stack["bin"]), "--run-dir", str(stack["run"]), *args],
        env={**stack["clean_environ"], "PATH": os.environ["PATH"] + ":/usr/sbin:/sbin", **stack["env"]},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **popen,
    )


def read_until(process: subprocess.Popen, marker: str, timeout: float = 60) -> str:
    output = ""
    deadline = time.monotonic() + timeout
    while marker not in output:
        line = process.stdout.readline()
        assert line or process.poll() is None, output
        output += line
        assert time.monotonic() < deadline, output
    return output


@needs_tools
def test_scripts_run_starts_everything_and_stops_on_sigterm(stack):
    """scripts/run with prebuilt executables (--bin-dir), with RabbitMQ and PostgreSQL
    replaced by no-op functions: the start order, the summary and the SIGTERM trap."""
    run = stack["run"]
    process = scripts_run(stack)
    try:
        output = read_until(process, "Press Ctrl-C")
        # "Switchboard is running" (what the README's walkthrough waits for) comes only
        # once every service answered /health/ready.
        assert output.index("Switchboard is running") > max(output.index(f"{name} is ready") for name in SERVICES)
        assert f"http://127.0.0.1:{stack['gateway']}" in output
        assert "switchboardctl token --agent kate" in output
        assert "amqp://switchboard:***@127.0.0.1:5672/%2F" in output
        assert get(f"http://127.0.0.1:{stack['gateway']}/v1/callbacks")[1]["service"] == "callback"
        pids = [int((run / "pids" / f"{name}.pid").read_text()) for name in SERVICES]
        gateway_pid = int((run / "nginx" / "nginx.pid").read_text())
        assert int((run / "pids" / "run.pid").read_text()) == process.pid

        process.terminate()
        rest, _ = process.communicate(timeout=60)
        output += rest
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, output
    assert "RabbitMQ and PostgreSQL are still running" in output
    assert "pg_ctlcluster 15 main stop" in output
    assert not alive(gateway_pid)
    assert all(not alive(pid) for pid in pids)
    assert not (run / "pids" / "run.pid").exists()


@needs_tools
@pytest.mark.parametrize("own_group", [True, False], ids=["job-of-an-interactive-shell", "child-of-a-script"])
def test_scripts_run_stop_from_another_shell(stack, own_group):
    """The README's walkthrough starts scripts/run in the background and ends with
    `scripts/run --stop`: it stops that scripts/run (and, through its clean-up, the
    services and the gateway) and waits for it; a second start on the same run directory
    is refused meanwhile."""
    run = stack["run"]
    process = scripts_run(stack, start_new_session=own_group)
    try:
        output = read_until(process, "Press Ctrl-C")
        assert "scripts/run --stop" in output
        pids = [int((run / "pids" / f"{name}.pid").read_text()) for name in SERVICES]
        gateway_pid = int((run / "nginx" / "nginx.pid").read_text())

        second = scripts_run(stack)
        second_output, _ = second.communicate(timeout=30)
        assert second.returncode == 1, second_output
        assert f"already running for {run} (pid {process.pid})" in second_output
        assert all(alive(pid) for pid in pids), "the refused start must leave the running one alone"

        stop = scripts_run(stack, "--stop")
        stop_output, _ = stop.communicate(timeout=60)
        assert stop.returncode == 0, stop_output
        assert f"stopping scripts/run (pid {process.pid})" in stop_output
        # --stop returns once scripts/run has exited, its clean-up done.
        assert process.wait(timeout=5) == 143
        output += process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert "stopped the gateway and the services" in output
    assert not alive(gateway_pid)
    assert all(not alive(pid) for pid in pids)
    assert not (run / "pids" / "run.pid").exists()

    again = scripts_run(stack, "--stop")
    again_output, _ = again.communicate(timeout=30)
    assert again.returncode == 0, again_output
    assert "no scripts/run is running" in again_output


class _FakeIngest:
    """An HTTP server standing in for ingest's `/v1/channels/demo`: GET answers `existing`
    (404 when None), PUT answers 201 with the body it got; every request is recorded."""

    def __init__(self, existing: dict | None):
        self.requests: list[tuple[str, str, str | None, dict | None]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                fake.requests.append(("GET", self.path, self.headers.get("Authorization"), None))
                if existing is None:
                    self._answer(404, {"code": "not_found"})
                else:
                    self._answer(200, {"name": "demo", **existing})

            def do_PUT(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(("PUT", self.path, self.headers.get("Authorization"), body))
                self._answer(201, {"name": "demo", **body})

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _fake_switchboardctl(directory: Path) -> None:
    """A switchboardctl that prints a token naming its secret and arguments."""
    tool = directory / "switchboardctl"
    tool.write_text('#!/bin/sh\necho "token:$SWITCHBOARD_JWT_SECRET:$*" | tr " " "_"\n')
    tool.chmod(0o755)


@needs_tools
@pytest.mark.parametrize(
    "existing, created, warned",
    [
        (None, True, False),
        ({"carrier": "simulator", "outbound": {"enabled": True, "delivery_delay_ms": 500}}, False, False),
        ({"carrier": "twilio", "outbound": None}, False, True),
    ],
    ids=["missing-is-created", "a-sending-simulator-is-kept", "another-channel-is-kept-with-a-warning"],
)
def test_demo_channel(tmp_path, existing, created, warned):
    """scripts/run makes sure the README's walkthrough has its simulator channel `demo`,
    with an admin token from switchboardctl, without touching one an admin made."""
    _fake_switchboardctl(tmp_path)
    ingest = _FakeIngest(existing)
    try:
        result = bash(f'sb_demo_channel "{tmp_path}"',
                      env={"SB_INGEST_PORT": str(ingest.port), "SWITCHBOARD_JWT_SECRET": "s3cret"})
    finally:
        ingest.close()
    assert result.returncode == 0, result.stderr
    token = "Bearer token:s3cret:token_--agent_scripts-run_--name_scripts/run_--role_admin_--ttl_300"
    methods = [(method, path, authorization) for method, path, authorization, _ in ingest.requests]
    expected = [("GET", "/v1/channels/demo", token)] + ([("PUT", "/v1/channels/demo", token)] if created else [])
    assert methods == expected
    if created:
        assert ingest.requests[1][3] == {"carrier": "simulator", "outbound": {"enabled": True}}
        assert "created channel demo" in result.stderr
    assert ("warning: channel demo exists but is not a simulator channel that sends" in result.stderr) == warned


@needs_tools
def test_demo_channel_without_switchboardctl_is_a_warning(tmp_path):
    result = bash(f'sb_demo_channel "{tmp_path}" || echo "returned $?"')
    assert result.returncode == 0
    assert "returned 1" in result.stdout
    assert "channel demo not checked" in result.stderr


@needs_tools
def test_replicas_start_balance_and_stop(stack):
    """scripts/cluster's use of the library: three instances of each service, each with its
    port and node list, the gateway balancing over them, and all stopped."""
    run, bin_dir = stack["run"], stack["bin"]
    bases, gateway_port = free_replica_ports(len(SERVICES), 3)
    stack["ports"] = dict(zip(SERVICES, bases))
    stack["gateway"] = gateway_port
    stack["env"].update({f"SB_{name.upper()}_PORT": str(port) for name, port in stack["ports"].items()})
    stack["env"]["SB_GATEWAY_LISTEN"] = f"127.0.0.1:{gateway_port}"
    stack["env"].update({"SB_REPLICAS": "3", "SB_AMQP_NODE_URLS": "amqp://n1 amqp://n2 amqp://n3"})
    result = run_in_stack(stack, f'sb_env "{run}"; sb_start_services "{bin_dir}" "{run}"; sb_start_gateway "{run}"')
    assert result.returncode == 0, result.stderr
    pids = []
    for name in SERVICES:
        for r in (1, 2, 3):
            pid = int((run / "pids" / f"{name}-{r}.pid").read_text())
            assert alive(pid)
            pids.append(pid)
            port = stack["ports"][name] + 100 * r
            status, body = get(f"http://127.0.0.1:{port}/x")
            assert status == 200 and body["service"] == name
            assert body["env"]["SWITCHBOARD_HTTP_PORT"] == str(port)
            assert body["env"]["SWITCHBOARD_AMQP_URL"].split(",")[0] == f"amqp://n{r}"
            assert (run / "logs" / f"{name}-{r}.log").exists()
        assert not (run / "pids" / f"{name}.pid").exists()
    gateway = f"http://127.0.0.1:{stack['gateway']}"
    ports = {get(f"{gateway}/v1/interactions/abc")[1]["env"]["SWITCHBOARD_HTTP_PORT"] for _ in range(9)}
    assert ports == {str(stack["ports"]["session"] + 100 * r) for r in (1, 2, 3)}

    result = run_in_stack(stack, f'sb_stop_gateway "{run}"; sb_stop_services "{run}"')
    assert result.returncode == 0, result.stderr
    assert not any(alive(pid) for pid in pids)
    assert not list((run / "pids").glob("*.pid"))
