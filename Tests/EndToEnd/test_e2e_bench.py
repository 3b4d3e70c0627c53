"""The inbound benchmark run against the suite's services, as an operator runs it
(`scripts/bench --rate R` with the services already running, docs/benchmark.md).

Issue #17's figures come from this tool, so the tool itself is exercised end to end: a
short fixed-rate run must see every SMS appended once and in order, and report the
per-stage latency, the CPU of every service and of RabbitMQ and PostgreSQL, and
PostgreSQL's WAL. No figure is asserted beyond being there and plausible: performance is
measured by benchmarks, not by timed tests.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import e2e_support as sb

MESSAGES = 120
RATE = 40


@pytest.mark.parametrize("tools", ["c", "python"])
def test_the_inbound_benchmark_measures_the_running_services(system, tmp_path, tools):
    """With either publisher and observer: the C ones (the default) or pika's."""
    out = tmp_path / "bench.json"
    env = {**os.environ, **system.env}
    run = subprocess.run(
        [
            str(sb.REPO / "scripts" / "bench"), "--rate", str(RATE), "-n", str(MESSAGES), "-c", "12",
            "--no-raw", "--stages", "--idle-timeout", "60", "--tools", tools, "--out", str(out),
        ],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, f"scripts/bench failed ({run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}\n{system.logs()}"

    result = json.loads(out.read_text())
    assert result["parameters"]["tools"] == tools
    e2e = result["e2e"]
    assert e2e["appended"] == MESSAGES and e2e["missing"] == 0, e2e
    assert e2e["stored_by_ingest"] == MESSAGES, e2e
    assert e2e["duplicate_events"] == 0, e2e
    assert e2e["conversations_out_of_order"] == 0 and e2e["conversations_split"] == 0, e2e
    latency = e2e["latency_ms"]
    assert 0 < latency["p50"] <= latency["p99"] <= latency["max"], latency

    # Every stage of the chain measured for every SMS, and the stages add up to the whole.
    stages = result["stages"]
    assert stages["observed_message_received"] and stages["message_received_seen"] == MESSAGES, stages
    names = [stage["name"] for stage in stages["stages"]]
    assert names[0] == "publish → ingest took" and names[-1] == "session event → appended seen", names
    for stage in stages["stages"]:
        assert stage["messages"] == MESSAGES, stage

    # CPU of each of the six services (found by their ports' processes) and of the broker and the database.
    assert set(result["services"]) == set(sb.SERVICES), result["services"]
    assert all((stats.get("cpu_seconds") or 0) > 0 for name, stats in result["services"].items() if name in ("ingest", "session")), result["services"]
    assert result["infrastructure_cpu_seconds"]["rabbitmq"] > 0 and result["infrastructure_cpu_seconds"]["postgresql"] > 0

    # PostgreSQL's log: every SMS is written (ingest's row, session's transcript, the outboxes).
    wal = result["postgres_wal"]
    assert wal is not None, "PostgreSQL 14 or later reports its WAL counters"
    assert wal["wal_bytes_per_message"] > 500, wal
    assert wal["checkpoints"] >= 0
    # The machine's CPUs over the run, with what a virtual machine's host took back.
    machine = result["machine_cpu"]
    assert machine["busy_cpus"] > 0 and machine["stolen_percent"] is not None, machine

    # And the report an operator reads says the same.
    assert f"| appended / missing | {MESSAGES} / 0 |" in run.stdout, run.stdout
    assert "PostgreSQL's WAL per SMS" in run.stdout and "| stage |" in run.stdout, run.stdout
    assert "| the machine's CPUs during the run |" in run.stdout, run.stdout


def test_the_send_path_benchmark_measures_the_running_services(system, tmp_path):
    """`scripts/bench --replies` as an operator runs it (issue #14): agents' replies through
    session and ingest to the simulator carrier until their receipts, all of them
    delivered, with the machine's CPUs in the report."""
    out = tmp_path / "replies.json"
    env = {**os.environ, **system.env}
    run = subprocess.run(
        [str(sb.REPO / "scripts" / "bench"), "--replies", "20", "-c", "5", "--idle-timeout", "60", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, f"scripts/bench --replies failed ({run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}\n{system.logs()}"
    result = json.loads(out.read_text())
    assert result["complete"] == 20 and result["missing"] == 0 and result["not_accepted"] == 0, result
    assert result["machine_cpu"]["busy_cpus"] > 0, result["machine_cpu"]
    assert "| the machine's CPUs during the run |" in run.stdout, run.stdout
