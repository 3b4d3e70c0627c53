"""SIGTERM where it used to hang (issue #19, defect 5): a service told to stop while
PostgreSQL is unreachable at start-up (its consumers, relay and timers waiting for
migrations) exits cleanly within the 10 s budget instead of hitting the shutdown
deadline; readiness answers promptly meanwhile and says which dependency is missing."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

import e2e_support as sb


@pytest.mark.parametrize("name", ["session", "callback"])
def test_sigterm_while_the_database_is_unreachable_at_start_exits_cleanly(system, name, tmp_path: Path):
    bin_dir = Path(os.environ.get("SWITCHBOARD_BIN_DIR", sb.DEFAULT_BIN_DIR))
    port = sb.free_port()
    # A PostgreSQL address where nothing listens: migrations can never run.
    dead_db = f"postgres://switchboard:switchboard@127.0.0.1:{sb.free_port()}/switchboard"
    env = {**system.env, "SWITCHBOARD_HTTP_PORT": str(port), "SWITCHBOARD_POSTGRES_URL": dead_db}
    log_path = tmp_path / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([str(bin_dir / name)], env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/health/ready"

        def not_ready():
            try:
                response = requests.get(url, timeout=3)
            except requests.RequestException:
                return None
            # (A Response is falsy for an error status: return its body instead.)
            return response.json() if response.status_code == 503 else None

        started = time.monotonic()
        body = sb.wait_until(not_ready, timeout=20, what=f"{name} answering 503 while the database is unreachable")
        assert time.monotonic() - started < 20
        checks = body["checks"]
        assert checks["postgres"] == "unreachable" and checks["migrations"] == "pending", checks

        asked = time.monotonic()
        process.send_signal(signal.SIGTERM)
        status = process.wait(timeout=15)
        took = time.monotonic() - asked
        assert status == 0, f"exit status {status}; log:\n{sb.tail(log_path, 30)}"
        assert took < 5, f"took {took:.1f}s to stop; log:\n{sb.tail(log_path, 30)}"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
