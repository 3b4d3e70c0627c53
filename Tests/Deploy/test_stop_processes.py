"""How the test and benchmark tools stop the services (scripts/lib/switchboard_tools.py,
`stop_processes`): SIGTERM to all at once, the threads of one still running after
DUMP_AFTER seconds dumped with gdb (the only record of where a shutdown hangs, since
ServiceLifecycle's trap comes later), and one still running after KILL_AFTER killed.

Stand-in processes only (Python, `sleep`): no Swift, RabbitMQ or PostgreSQL.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys

from deploy_support import REPO

sys.path.insert(0, str(REPO / "scripts" / "lib"))

import switchboard_tools as tools  # noqa: E402

DEAF_TO_SIGTERM = (
    "import signal, sys, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)


def deaf_process() -> subprocess.Popen:
    """A process that ignores SIGTERM, once it has said so."""
    process = subprocess.Popen([sys.executable, "-c", DEAF_TO_SIGTERM], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


def test_a_process_that_stops_at_sigterm_is_reported_with_its_time_and_status(tmp_path):
    process = subprocess.Popen(["sleep", "30"])
    result = tools.stop_processes({"callback": process}, tmp_path, dump_after=0.5, kill_after=5)
    took, status = result["callback"]
    assert took is not None and took < 2, result
    assert status == -signal.SIGTERM, result
    assert not list(tmp_path.glob("*.threads")), "no thread dump for a process that stopped"


def test_a_process_that_does_not_stop_has_its_threads_dumped_then_is_killed(tmp_path):
    assert shutil.which("gdb"), "gdb is not installed (scripts/lib/infra.sh installs it: the stuck-thread dumps need it)"
    stuck = deaf_process()
    stops = subprocess.Popen(["sleep", "30"])
    result = tools.stop_processes({"callback": stuck, "ingest": stops}, tmp_path, dump_after=0.3, kill_after=4)
    assert result["callback"] == (None, -signal.SIGKILL), result
    assert result["ingest"][0] is not None and result["ingest"][1] == -signal.SIGTERM, result
    dumps = list(tmp_path.glob("*.threads"))
    assert [dump.name for dump in dumps] == [f"callback-stuck-{stuck.pid}.threads"], dumps
    text = dumps[0].read_text()
    assert "Thread 1" in text or "#0 " in text, text[:2000]


def test_without_gdb_there_is_no_dump_and_the_stop_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(tools.shutil, "which", lambda name: None)
    stuck = deaf_process()
    result = tools.stop_processes({"callback": stuck}, tmp_path, dump_after=0.2, kill_after=1)
    assert result["callback"] == (None, -signal.SIGKILL), result
    assert not list(tmp_path.glob("*.threads"))
    assert tools.dump_threads(stuck.pid, tmp_path / "x.threads") is False
