"""The short fault drill (scripts/drill --short, issue 19): one kill -9 of each service
and one PostgreSQL restart under a steady inbound load; nothing may be lost, duplicated,
reordered or dead-lettered.

The drill starts its own six services (ports 9081-9086) and restarts PostgreSQL, so it
must not share a pytest session with the other end-to-end tests (their services would
consume the drill's messages, and the restart would break them). It is marked `drill`
and deselected unless asked for, alone:

    SWITCHBOARD_BIN_DIR=.build/debug python3 -m pytest Tests/EndToEnd -q -m drill

It does not use the `system` fixture. Its data goes to a database of its own,
`switchboard_drill`, made afresh and dropped afterwards: its thousand conversations must
not linger in the `switchboard` database, where their sessions would time out during
another run's tests. `scripts/test` runs it as its last stage.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

import e2e_support as sb

REPO = Path(__file__).resolve().parents[2]
DRILL = REPO / "scripts" / "drill"
# The short drill takes about 2 minutes; this leaves room for a slow machine.
TIMEOUT = float(os.environ.get("SWITCHBOARD_DRILL_TIMEOUT", "420"))


DRILL_DATABASE = "switchboard_drill"


def admin_url() -> str:
    """The role's own database, from which the drill's is made and dropped."""
    test_url = os.environ.get(
        "SWITCHBOARD_TEST_POSTGRES_URL", "postgres://switchboard:switchboard@127.0.0.1:5432/switchboard_test"
    )
    return test_url.rsplit("/", 1)[0] + "/switchboard"


@pytest.fixture
def drill_database():
    admin = admin_url()
    url = sb.fresh_database(admin, DRILL_DATABASE)
    yield url
    sb.psql(admin, f"DROP DATABASE IF EXISTS {DRILL_DATABASE} WITH (FORCE)")


@pytest.mark.drill
def test_short_fault_drill(drill_database):
    bin_dir = os.environ.get("SWITCHBOARD_BIN_DIR", "/tmp/sb-bin")
    process = subprocess.Popen(
        [str(DRILL), "--short", "--bin-dir", bin_dir],
        cwd=REPO,
        env={**os.environ, "SWITCHBOARD_POSTGRES_URL": drill_database},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        # SIGTERM first: the drill then stops its services and leaves PostgreSQL and
        # RabbitMQ running; SIGKILL only if it does not finish that in time.
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=90)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        pytest.fail(f"scripts/drill --short did not finish within {TIMEOUT:.0f} s:\n{output}", pytrace=False)
    if process.returncode != 0:
        pytest.fail(f"scripts/drill --short exited with status {process.returncode}:\n{output}", pytrace=False)
