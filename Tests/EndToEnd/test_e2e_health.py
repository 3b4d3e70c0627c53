"""Operations endpoints of every service (docs/architecture.md sections 3 and 6)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import yaml

import e2e_support as sb

# Operations this suite exercises, which the service's OpenAPI document must describe.
DOCUMENTED = {
    "ingest": ["/v1/inbound"],
    "session": ["/v1/interactions", "/v1/interactions/{id}", "/v1/interactions/{id}/messages", "/v1/numbers/{e164}"],
    "callback": ["/v1/callbacks", "/v1/callbacks/{id}", "/v1/callbacks/{id}/complete"],
}


@pytest.mark.parametrize("service", sb.SERVICES)
def test_health_metrics_openapi(system, service):
    base = sb.base_url(service)
    live = requests.get(base + "/health/live", timeout=5)
    assert live.status_code == 200, live.text
    ready = requests.get(base + "/health/ready", timeout=5)
    assert ready.status_code == 200, ready.text

    metrics = requests.get(base + "/metrics", timeout=5)
    assert metrics.status_code == 200, metrics.text
    assert metrics.headers.get("content-type", "").startswith("text/plain"), metrics.headers
    names = {line.split("{")[0].split()[0] for line in metrics.text.splitlines() if line and not line.startswith("#")}
    assert any(name.startswith("switchboard_") for name in names), sorted(names)

    openapi = requests.get(base + "/openapi.yaml", timeout=5)
    assert openapi.status_code == 200, openapi.text


@pytest.mark.parametrize("service", sb.SERVICES)
def test_openapi_document_describes_the_api(system, service):
    """An OpenAPI 3.x document (`openapi`, `info`, `paths`), listing at least the
    operations this suite uses."""
    text = requests.get(sb.base_url(service) + "/openapi.yaml", timeout=5).text
    document = yaml.safe_load(text)
    assert isinstance(document, dict), text
    assert str(document.get("openapi", "")).startswith("3."), text[:200]
    info = document.get("info")
    assert isinstance(info, dict) and info.get("title") and info.get("version"), f"no info.title/info.version in {text[:200]!r}"
    paths = document.get("paths")
    assert isinstance(paths, dict) and paths, f"no paths in {text[:200]!r}"
    # Template parameters may have any name: /v1/interactions/{interaction_id} is fine.
    documented = {re.sub(r"\{[^}]*\}", "{}", path) for path in paths}
    missing = [path for path in DOCUMENTED.get(service, []) if re.sub(r"\{[^}]*\}", "{}", path) not in documented]
    assert not missing, f"{service}'s /openapi.yaml does not document {missing}"


def test_a_replica_whose_pool_is_busy_stays_ready(system, tmp_path):
    """Readiness asks PostgreSQL on a connection of its own (issue #16). Through the work
    pool, a replica busy enough to fill it answered 503 `postgres: unreachable` and was
    taken out of rotation when it was needed most. Here every connection of a contacts
    replica's pool (2: the outbox relay's LISTEN and a search) is held, the search waiting
    on a table lock held by the test: the replica must stay ready,
    and the waiting requests must complete once the lock goes."""
    postgres_url = system.env["SWITCHBOARD_POSTGRES_URL"]
    replica = sb.ExtraService(system, "contacts", {"SWITCHBOARD_POSTGRES_POOL_SIZE": "2"}, sb.extra_log_dir(system, tmp_path), "busy-pool")
    locker = None
    try:
        replica.wait_ready()
        locker = subprocess.Popen(
            ["psql", postgres_url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        locker.stdin.write("BEGIN; LOCK TABLE contacts.contacts IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
        locker.stdin.flush()
        assert locker.stdout.readline().strip() == "locked"

        client = requests.Session()
        client.headers["Authorization"] = f"Bearer {system.token('busy-pool', ['agent'])}"
        with ThreadPoolExecutor(4) as pool:
            searches = [pool.submit(client.get, replica.base_url + "/v1/contacts?q=busy", timeout=30) for _ in range(4)]

            def lock_waits() -> int:
                result = subprocess.run(
                    ["psql", postgres_url, "-X", "-Atc",
                     "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"],
                    capture_output=True, text=True, timeout=10, check=True,
                )
                return int(result.stdout.strip())

            # The outbox relay's LISTEN holds one of the two connections: one search waiting
            # on the lock fills the pool.
            sb.wait_until(lambda: lock_waits() >= 1, timeout=8, what="a search waiting on the lock")
            for _ in range(3):
                ready = requests.get(replica.base_url + "/health/ready", timeout=5)
                assert ready.status_code == 200, ready.text
                assert ready.json()["checks"]["postgres"] == "ok", ready.text
                time.sleep(0.3)
            assert not any(search.done() for search in searches), "the searches did not wait on the lock"

            locker.stdin.write("ROLLBACK;\n")
            locker.stdin.close()
            locker.wait(timeout=10)
            locker = None
            for search in searches:
                response = search.result(timeout=30)
                assert response.status_code == 200, response.text
    finally:
        if locker is not None:
            locker.kill()
            locker.wait()
        replica.stop()


def _executor_line(log_path) -> dict | None:
    """The start-up line that says where Swift concurrency runs, as JSON, or None."""
    for line in Path(log_path).read_text(errors="replace").splitlines():
        if '"on_event_loops"' in line:
            return json.loads(line)
    return None


@pytest.mark.parametrize("service", sb.SERVICES)
def test_swift_concurrency_runs_where_configured(system, service):
    """By default every service runs Swift concurrency on Swift's own pool
    (`SWITCHBOARD_EXECUTOR=standard`; docs/decisions.md says why NIO's event loops are not
    the default), and says so at start."""
    if system.services is None:
        pytest.skip("reads the services' logs: run without SWITCHBOARD_E2E_EXTERNAL")
    expected = system.env.get("SWITCHBOARD_EXECUTOR", "standard")
    line = _executor_line(system.services.log(service))
    assert line is not None, f"no executor line in {service}'s log:\n{sb.tail(system.services.log(service), 20)}"
    assert line["executor"] == expected and line["on_event_loops"] == str(expected == "event-loops").lower(), line


def test_the_other_executor_can_be_chosen_and_a_bad_one_is_refused(system, tmp_path):
    """Whichever executor the suite's services run on, a replica can be given the other
    (`event-loops` while the suite runs on the default, `standard`): the choice is
    installed, not merely asked for (the start-up line says where jobs run); the service
    works (it answers readiness, which asks PostgreSQL and RabbitMQ, and finds a contact) and
    stops cleanly within 10 s of SIGTERM. An unknown value stops the service at start with
    status 2 and a line naming the variable."""
    other = "event-loops" if system.env.get("SWITCHBOARD_EXECUTOR", "standard") == "standard" else "standard"
    log_dir = sb.extra_log_dir(system, tmp_path)
    replica = sb.ExtraService(system, "contacts", {"SWITCHBOARD_EXECUTOR": other}, log_dir, f"executor-{other}")
    try:
        replica.wait_ready()
        line = _executor_line(replica.log)
        assert line is not None and line["executor"] == other, line
        assert line["on_event_loops"] == str(other == "event-loops").lower(), line
        token = sb.mint_token(system.env["SWITCHBOARD_JWT_SECRET"], "ada-executor", ["admin"])
        found = requests.get(replica.base_url + "/v1/contacts", params={"q": "nobody-by-this-name"},
                             headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert found.status_code == 200, found.text
    finally:
        took, status = replica.stop()
    assert status == 0 and took is not None and took <= sb.STOP_LIMIT, f"exit status {status} after {took} s:\n{sb.tail(replica.log, 30)}"

    refused = sb.ExtraService(system, "contacts", {"SWITCHBOARD_EXECUTOR": "dispatch"}, log_dir, "bad-executor")
    status = refused.process.wait(timeout=30)
    assert status == 2, f"exit status {status}:\n{sb.tail(refused.log, 30)}"
    assert "SWITCHBOARD_EXECUTOR" in refused.log.read_text(), sb.tail(refused.log, 30)


def test_a_stopping_service_logs_each_part_it_stops_by_name_and_no_secret(system, tmp_path):
    """At SIGTERM a service logs each part of its service group it asks to stop and each
    that finished (the record of which part holds a shutdown that misses its deadline),
    named by type only: ServiceLifecycle's default name is a part's description, which
    held the database configuration, password included."""
    log_dir = sb.extra_log_dir(system, tmp_path)
    replica = sb.ExtraService(system, "contacts", {}, log_dir, "lifecycle-names")
    try:
        replica.wait_ready()
    finally:
        took, status = replica.stop()
    assert status == 0 and took is not None and took <= sb.STOP_LIMIT, f"exit status {status} after {took} s:\n{sb.tail(replica.log, 30)}"
    lines = [json.loads(line) for line in replica.log.read_text().splitlines() if line.startswith("{")]
    asked = [line["sl-service"] for line in lines if line.get("msg") == "Triggering graceful shutdown for service"]
    finished = [line["sl-service"] for line in lines if line.get("msg") == "Service finished"]
    assert any(name.startswith("Application") for name in asked) and "PostgresPoolService" in asked and "PostgresPoolService#2" in asked and "AMQPConnection#2" in asked, asked
    assert sorted(finished) == sorted(asked), (asked, finished)
    assert all(re.fullmatch(r"[A-Za-z<>.,_ ]+(#\d+)?", name) for name in asked), asked
    text = replica.log.read_text()
    assert "password" not in text.lower() and "DatabaseConfiguration(" not in text, [
        line for line in text.splitlines() if "password" in line.lower()][:3]
