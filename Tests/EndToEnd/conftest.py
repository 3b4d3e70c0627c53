"""Fixtures of the end-to-end tests (see README.md in this directory).

- `system` (session scope): the six services, started from SWITCHBOARD_BIN_DIR
  (default /tmp/sb-bin) with the environment of `sb_env` (scripts/lib/infra.sh), logs
  in a run directory under /tmp; ready on /health/ready before the first test; stopped
  with SIGTERM at the end, and the run fails if one of them took more than 10 s to exit.
  With SWITCHBOARD_E2E_EXTERNAL=1 the services already running are used and left alone.
  RabbitMQ or PostgreSQL not reachable: every test fails with the reason (no skip).
- `observer` (per test): an AMQP connection with a confirming publisher and temporary
  exclusive queues on `switchboard.events` and `switchboard.dead`.
- `agent`, `system_client`: HTTP sessions with an agent and a `system` token.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pika
import pytest
import requests

import e2e_support as sb


@dataclass
class System:
    env: dict[str, str]
    external: bool
    services: sb.ServiceSet | None

    @property
    def amqp_url(self) -> str:
        return self.env["SWITCHBOARD_AMQP_URL"]

    @property
    def jwt_secret(self) -> str:
        return self.env["SWITCHBOARD_JWT_SECRET"]

    def token(self, sub: str, roles: list[str], **kwargs) -> str:
        return sb.mint_token(self.jwt_secret, sub, roles, **kwargs)

    def logs(self, lines: int = 15) -> str:
        if self.services is None:
            return ""
        return "\n".join(
            f"--- {self.services.log(name)} (last {lines} lines):\n{sb.tail(self.services.log(name), lines)}"
            for name in sb.SERVICES
        )


_SYSTEM: System | None = None


E2E_DATABASE = "switchboard_e2e"


@pytest.fixture(scope="session")
def system():
    global _SYSTEM
    external = os.environ.get("SWITCHBOARD_E2E_EXTERNAL") == "1"
    run_dir = Path(tempfile.mkdtemp(prefix="switchboard-e2e-", dir="/tmp"))
    env = sb.sb_env(run_dir)
    try:
        sb.check_rabbitmq(env["SWITCHBOARD_AMQP_URL"])
        sb.check_postgres(env["SWITCHBOARD_POSTGRES_URL"])
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)

    if external:
        not_ready = [f"{name} ({sb.base_url(name)})" for name in sb.SERVICES if not sb.ready(name)]
        if not_ready:
            pytest.fail(
                "SWITCHBOARD_E2E_EXTERNAL=1 but not ready on /health/ready: " + ", ".join(not_ready),
                pytrace=False,
            )
        _SYSTEM = System(env, True, None)
        yield _SYSTEM
        return

    # A database of the suite's own, made anew each run (kept after it, for a look).
    try:
        env["SWITCHBOARD_POSTGRES_URL"] = sb.fresh_database(env["SWITCHBOARD_POSTGRES_URL"], E2E_DATABASE)
    except RuntimeError as error:
        pytest.fail(f"cannot make the suite's database {E2E_DATABASE}: {error}", pytrace=False)
    # And queues without what an earlier run left (a benchmark's transfer events, say):
    # those messages belong to another database, and thousands of them ahead of the
    # first test's would hold it up past its deadlines.
    try:
        left = sb.service_queue_depths(env["SWITCHBOARD_AMQP_URL"], purge=True)
    except (pika.exceptions.AMQPError, OSError) as error:
        pytest.fail(f"cannot empty the services' queues: {error}", pytrace=False)
    if left:
        print(f"\n[e2e] emptied what an earlier run left in the services' queues: {left}", file=sys.stderr)
    bin_dir = Path(os.environ.get("SWITCHBOARD_BIN_DIR", sb.DEFAULT_BIN_DIR))
    services = sb.ServiceSet(bin_dir, run_dir, env)
    try:
        services.start()
    except RuntimeError as error:
        pytest.fail(f"cannot start the services from {bin_dir}: {error}", pytrace=False)
    _SYSTEM = System(env, False, services)
    yield _SYSTEM
    _SYSTEM = None

    stopped = services.stop()
    slow = {name: t for name, (t, _status) in stopped.items() if t is None or t > sb.STOP_LIMIT}
    failed = {name: status for name, (_t, status) in stopped.items() if status != 0}
    report = ", ".join(
        f"{name}: {'not stopped (killed)' if t is None else f'{t:.2f}s'}, status {status}"
        for name, (t, status) in stopped.items()
    )
    print(f"\nservices stopped ({report}); logs in {services.log_dir}")
    assert not slow, f"not exited within {sb.STOP_LIMIT:.0f}s of SIGTERM: {report}\n{_log_tails(services)}"
    assert not failed, f"non-zero exit status after SIGTERM: {report}\n{_log_tails(services)}"


def _log_tails(services: sb.ServiceSet) -> str:
    return "\n".join(f"--- {services.log(n)}:\n{sb.tail(services.log(n), 10)}" for n in sb.SERVICES)


@pytest.fixture
def observer(system):
    watcher = sb.Observer(system.amqp_url)
    yield watcher
    watcher.close()


def _client(token: str | None) -> requests.Session:
    session = requests.Session()
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


@pytest.fixture
def agent(system) -> requests.Session:
    """An agent desktop: role agent."""
    return _client(system.token("kate", ["agent"], name="Kate Lewis"))


@pytest.fixture
def desk(system) -> requests.Session:
    """A supervisor's desktop: reads every interaction (agents see only what they own or owned)."""
    return _client(system.token("sue", ["supervisor"], name="Sue Pervisor"))


@pytest.fixture
def system_client(system) -> requests.Session:
    """Another system (a carrier connector): role system."""
    return _client(system.token("connector-e2e", ["system"], name="E2E connector"))


@pytest.fixture
def anonymous() -> requests.Session:
    return _client(None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test gets the end of every service log in its report."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _SYSTEM is not None and _SYSTEM.services is not None:
        report.sections.append(("service logs", _SYSTEM.logs()))


def pytest_configure(config):
    config.addinivalue_line("markers", "heavy: a bounded (< 40 s) load test that runs in the normal suite")
    config.addinivalue_line("markers", "fuzz: generated requests to every operation (test_e2e_fuzz.py); runs last")
    config.addinivalue_line(
        "markers",
        "drill: the fault drill (test_e2e_drill.py); runs only with -m drill, in a pytest session of its own",
    )
    config.addinivalue_line("markers", "cluster: a drill against scripts/cluster (with drill: -m \"drill and cluster\")")


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what they deselect
def pytest_collection_modifyitems(config, items):
    """The fuzz tests run after every other test, whatever the order of the files: they write
    hundreds of odd objects, which no other test should meet during its run.

    The drill tests start their own services and restart PostgreSQL: they never share a
    session with the other tests (which would keep the `system` services running on the
    same queues). Without `-m drill` they are deselected; selected together with other
    tests, they are skipped with the reason."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)  # stable
    drills = [item for item in items if item.get_closest_marker("drill") is not None]
    if not drills:
        return
    if "drill" not in (config.getoption("markexpr") or ""):
        config.hook.pytest_deselected(items=drills)
        items[:] = [item for item in items if item.get_closest_marker("drill") is None]
    elif len(drills) < len(items):
        reason = "the drill must run in a pytest session of its own (-m drill), not with other end-to-end tests"
        for item in drills:
            item.add_marker(pytest.mark.skip(reason=reason))
