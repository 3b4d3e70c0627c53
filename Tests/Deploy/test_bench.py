"""The pure parts of scripts/bench's inbound additions (issue #17), without RabbitMQ,
PostgreSQL or the services: per-stage latency from timestamps (scripts/bench_stages.py),
the rate sweep's rates, rows and table (scripts/bench_sweep.py), and the plot from a
sweep's JSON (scripts/bench_plot.py), including `scripts/bench --plot-from`.

The floor tests (`scripts/bench --floor` and `--floor-pipeline`) run short forms against
the real RabbitMQ and PostgreSQL that scripts/test starts.

The plot tests draw a real PNG with matplotlib (Debian's python3-matplotlib), from this
interpreter or from /usr/bin/python3 as the benchmark would; they are skipped, with the
reason, when neither has it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from deploy_support import REPO

SCRIPTS = REPO / "scripts"
sys.path.insert(0, str(SCRIPTS))
sys.path.insert(0, str(SCRIPTS / "lib"))

import bench_machine  # noqa: E402
import bench_plot  # noqa: E402
import bench_stages  # noqa: E402
import bench_sweep  # noqa: E402
import bench_wal  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def latency_ms(sorted_seconds):
    """switchboard_tools.latency_ms when pika is there (it imports pika), else the same
    computation, so the stage tests do not depend on pika."""
    try:
        import switchboard_tools
    except ImportError:
        def pct(q):
            if not sorted_seconds:
                return None
            k = (len(sorted_seconds) - 1) * q
            lo, hi = int(k), min(int(k) + 1, len(sorted_seconds) - 1)
            return round((sorted_seconds[lo] + (sorted_seconds[hi] - sorted_seconds[lo]) * (k - lo)) * 1000, 1)

        return {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99),
                "max": round(sorted_seconds[-1] * 1000, 1) if sorted_seconds else None}
    return switchboard_tools.latency_ms(sorted_seconds)


# --- Stages -----------------------------------------------------------------------------


def test_the_chain_holds_the_marks_a_run_measures_in_path_order():
    assert bench_stages.chain(stages=False, commit_timestamps=False) == [
        "published", "ingest_received", "ingest_tx_start", "session_event", "appended_seen",
    ]
    assert bench_stages.chain(stages=True, commit_timestamps=False) == [
        "published", "ingest_received", "ingest_tx_start", "ingest_event", "received_seen", "session_tx_start",
        "session_event", "appended_seen",
    ]
    full = bench_stages.chain(stages=True, commit_timestamps=True)
    assert full == [mark.name for mark in bench_stages.MARKS]
    assert full.index("ingest_event") < full.index("ingest_commit") < full.index("received_seen")
    assert full.index("session_event") < full.index("session_commit") < full.index("appended_seen")


def test_event_times_are_read_as_epoch_seconds_whatever_their_zone():
    assert bench_stages.parse_event_time("1970-01-01T00:00:01.250Z") == pytest.approx(1.25)
    assert bench_stages.parse_event_time("1970-01-01T01:00:01.250+01:00") == pytest.approx(1.25)
    assert bench_stages.parse_event_time("1970-01-01T00:00:02") == pytest.approx(2.0)  # no zone: UTC
    assert bench_stages.parse_event_time(None) is None
    assert bench_stages.parse_event_time("") is None
    assert bench_stages.parse_event_time("yesterday") is None


def test_the_clock_offset_is_the_mean_of_two_readings_and_their_drift_is_reported():
    summary = bench_stages.clock_summary(1000.0, 1000.004)
    assert summary["offset_s"] == pytest.approx(1000.002)
    assert summary["drift_ms"] == pytest.approx(4.0)
    offset = bench_stages.clock_offset()
    import time

    assert abs((time.time() - time.monotonic()) - offset) < 0.05


def _one_run():
    """Two messages (indices 0 and 1, ingest ids m0, m1) on a monotonic clock that is the
    wall clock minus 1000 s; message 1 has no message.received seen."""
    offset = 1000.0
    index_of = {"m0": 0, "m1": 1}
    published = {0: 10.000, 1: 10.100}
    db_marks = {  # wall clock, epoch seconds
        "m0": {"ingest_received": 1010.002, "ingest_tx_start": 1010.005},
        "m1": {"ingest_received": 1010.110, "ingest_tx_start": 1010.120},
    }
    received = {"m0": (10.030, "e0", "1970-01-01T00:16:50.020Z")}  # wall 1010.020
    inbox = {"e0": 1010.040}
    appended = {
        "m0": (10.080, "i0", 1, "1970-01-01T00:16:50.070Z"),  # session's event at wall 1010.070
        "m1": (10.200, "i1", 1, "1970-01-01T00:16:50.180Z"),
        "other": (10.5, "i9", 7, None),  # not this run's
    }
    return offset, index_of, published, db_marks, received, inbox, appended


def test_marks_are_moved_onto_the_monotonic_clock_and_keyed_by_index():
    offset, index_of, published, db_marks, received, inbox, appended = _one_run()
    marks = bench_stages.assemble_marks(index_of, published, appended, received, db_marks, inbox, offset)
    assert set(marks) == {0, 1}
    assert marks[0] == pytest.approx({
        "published": 10.000, "ingest_received": 10.002, "ingest_tx_start": 10.005, "ingest_event": 10.020,
        "received_seen": 10.030, "session_tx_start": 10.040, "session_event": 10.070, "appended_seen": 10.080,
    })
    assert "received_seen" not in marks[1] and "session_tx_start" not in marks[1]
    assert marks[1]["session_event"] == pytest.approx(10.180)


def test_without_stages_the_cheap_marks_are_still_there():
    offset, index_of, published, db_marks, _received, _inbox, appended = _one_run()
    marks = bench_stages.assemble_marks(index_of, published, appended, None, db_marks, None, offset)
    assert set(marks[0]) == {"published", "ingest_received", "ingest_tx_start", "session_event", "appended_seen"}


def test_each_stage_is_the_time_between_consecutive_marks_over_the_messages_that_have_both():
    offset, index_of, published, db_marks, received, inbox, appended = _one_run()
    marks = bench_stages.assemble_marks(index_of, published, appended, received, db_marks, inbox, offset)
    names = bench_stages.chain(stages=True, commit_timestamps=False)
    stages = {(a, b): values for a, b, values in bench_stages.stage_latencies(marks, names)}
    assert list(stages) == list(zip(names, names[1:]))
    assert stages[("published", "ingest_received")] == pytest.approx([0.002, 0.010])
    assert stages[("ingest_event", "received_seen")] == pytest.approx([0.010])  # message 1 has neither
    assert stages[("session_event", "appended_seen")] == pytest.approx([0.010, 0.020])

    report = bench_stages.stage_report(marks, names, latency_ms)
    first = report[0]
    assert first["name"] == "publish → ingest took"
    assert first["messages"] == 2
    assert first["latency_ms"]["max"] == pytest.approx(10.0)
    assert first["latency_ms"]["p50"] == pytest.approx(6.0)
    by_name = {s["name"]: s for s in report}
    assert by_name["received seen → session tx"]["messages"] == 1


def test_a_stage_no_message_measured_is_reported_empty():
    marks = {0: {"published": 1.0, "appended_seen": 1.5}}
    report = bench_stages.stage_report(marks, ["published", "ingest_received", "appended_seen"], latency_ms)
    assert [s["messages"] for s in report] == [0, 0]
    assert report[0]["latency_ms"] == {"p50": None, "p90": None, "p99": None, "max": None}


def test_the_stages_add_up_to_the_end_to_end_latency_of_each_message():
    offset, index_of, published, db_marks, received, inbox, appended = _one_run()
    marks = bench_stages.assemble_marks(index_of, published, appended, received, db_marks, inbox, offset)
    names = bench_stages.chain(stages=True, commit_timestamps=False)
    m = marks[0]
    total = sum(m[b] - m[a] for a, b in zip(names, names[1:]))
    assert total == pytest.approx(m["appended_seen"] - m["published"])


def test_ingest_rows_give_the_index_and_wall_clock_marks():
    rows = [
        ["m0", "bench-abc-0", "1010.002", "1010.005", "1010.025", ""],
        ["m1", "bench-abc-17", "1010.110", "1010.120", "1010.130", "1010.190"],
    ]
    index_of, db_marks = bench_stages.parse_ingest_rows(rows, commit_timestamps=True)
    assert index_of == {"m0": 0, "m1": 17}
    assert db_marks["m0"] == {"ingest_received": 1010.002, "ingest_tx_start": 1010.005, "ingest_commit": 1010.025}
    assert db_marks["m1"]["session_commit"] == 1010.190
    index_of, db_marks = bench_stages.parse_ingest_rows([r[:4] for r in rows], commit_timestamps=False)
    assert set(db_marks["m1"]) == {"ingest_received", "ingest_tx_start"}


def test_queries_take_only_what_they_expect():
    sql = bench_stages.ingest_query("0a1b2c", commit_timestamps=False)
    assert "LIKE 'bench-0a1b2c-%'" in sql and "pg_xact_commit_timestamp" not in sql
    assert "pg_xact_commit_timestamp" in bench_stages.ingest_query("0a1b2c", commit_timestamps=True)
    with pytest.raises(ValueError):
        bench_stages.ingest_query("x'; DROP TABLE y; --", commit_timestamps=False)
    sql = bench_stages.inbox_query(["3f0c1d2e-aaaa-bbbb-cccc-000000000001", "bad'id", "e,2"], 1000.5)
    assert "{3f0c1d2e-aaaa-bbbb-cccc-000000000001}" in sql
    assert "bad'id" not in sql and "e,2" not in sql
    assert "to_timestamp(1000.500000)" in sql


def test_dumped_marks_are_seconds_since_the_first_publish():
    assert bench_stages.marks_for_dump({"published": 10.5, "appended_seen": 10.75}, 10.0) == {
        "published": 0.5, "appended_seen": 0.75,
    }


# --- Sweep ------------------------------------------------------------------------------


def test_sweep_rates_are_fractions_of_the_peak_lowest_first():
    assert bench_sweep.sweep_rates(2000.0) == [(0.10, 200.0), (0.25, 500.0), (0.50, 1000.0), (0.75, 1500.0)]
    assert bench_sweep.sweep_rates(1234.5, fractions=(0.5, 0.1)) == [(0.1, 123.5), (0.5, 617.2)]
    assert bench_sweep.sweep_rates(4.0) == [(0.10, 1.0), (0.25, 1.0), (0.50, 2.0), (0.75, 3.0)]  # at least 1/s
    for peak in (None, 0, -5):
        with pytest.raises(ValueError):
            bench_sweep.sweep_rates(peak)


def test_a_step_is_long_enough_to_mean_something():
    assert bench_sweep.step_messages(200.0, 20) == 4000
    assert bench_sweep.step_messages(1.0, 20) == bench_sweep.MIN_STEP_MESSAGES
    assert bench_sweep.step_messages(12.5, 5, minimum=10) == 62


def _result(messages=1000, appended=1000, steady=900.0, per_s=800.0, p50=12.0, stages=None, cpu=(1.0, 2.0), infra=(0.5, 1.5)):
    """A benchmark result with what the sweep reads."""
    return {
        "machine": {"cpus": 2},
        "parameters": {"messages": messages, "conversations": 10, "publishers": 1, "body_bytes": 150},
        "publish": {"confirmed_per_s": 950.0},
        "e2e": {
            "appended": appended, "missing": messages - appended, "steady_per_s": steady, "per_s": per_s,
            "latency_ms": {"p50": p50, "p90": p50 * 2, "p99": p50 * 4, "max": p50 * 8},
        },
        "stages": {"stages": stages or []},
        "services": {"ingest": {"cpu_seconds": cpu[0]}, "session": {"cpu_seconds": cpu[1]}, "media": {"cpu_seconds": None}},
        "infrastructure_cpu_seconds": {"rabbitmq": infra[0], "postgresql": infra[1]},
    }


def test_the_peak_is_the_steady_rate_or_else_first_to_last():
    assert bench_sweep.peak_rate(_result(steady=900.0, per_s=800.0)) == 900.0
    assert bench_sweep.peak_rate(_result(steady=None, per_s=800.0)) == 800.0
    assert bench_sweep.peak_rate(_result(steady=None, per_s=None)) is None


def test_a_steps_achieved_rate_is_first_publish_to_last_append():
    # A backlog drained in a burst makes the steady rate of appends exceed the rate asked.
    assert bench_sweep.achieved_rate(_result(steady=340.0, per_s=186.0)) == 186.0
    assert bench_sweep.achieved_rate(_result(steady=340.0, per_s=None)) == 340.0


def test_cpu_per_sms_sums_services_rabbitmq_and_postgresql_over_the_appended():
    assert bench_sweep.cpu_ms_per_sms(_result(appended=1000, cpu=(1.0, 2.0), infra=(0.5, 1.5))) == pytest.approx(5.0)
    assert bench_sweep.cpu_ms_per_sms(_result(messages=10, appended=0)) is None


def test_the_raw_ratio_is_the_peak_over_the_raw_consumer_rate():
    assert bench_sweep.raw_ratio(2000.0, {"consume_acked_per_s": 10000.0}) == 20.0
    assert bench_sweep.raw_ratio(2000.0, None) is None
    assert bench_sweep.raw_ratio(None, {"consume_acked_per_s": 10000.0}) is None


def test_the_table_has_a_row_per_step_and_stage_columns_only_with_stages():
    stages = [{"name": "publish → ingest took", "latency_ms": {"p50": 1.5, "p90": 2.0, "p99": 3.5, "max": 4.0}}]
    rows = [
        bench_sweep.table_row("peak", None, None, _result(stages=stages)),
        bench_sweep.table_row("10 %", 90.0, 0.1, _result(messages=100, appended=99, steady=None, per_s=None, stages=stages)),
    ]
    plain = bench_sweep.markdown_table(rows, stages=False)
    assert len(plain) == 4
    header = [cell.strip() for cell in plain[0].strip("|").split("|")]
    assert header == [
        "step", "rate asked", "published/s", "appended/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "CPU ms/SMS", "WAL KB/SMS",
        "checkpoints", "stolen %", "missing",
    ]
    assert plain[1] == "|" + "---|" * len(header)
    peak = [cell.strip() for cell in plain[2].strip("|").split("|")]
    assert peak[:8] == ["peak", "max", "950.0", "800.0", "12.0", "24.0", "48.0", "96.0"]
    assert peak[-5:] == ["5.000", "—", "—", "—", "0"]  # (1 + 2 + 0.5 + 1.5) s over 1000 SMS; no WAL or steal measured
    low = [cell.strip() for cell in plain[3].strip("|").split("|")]
    assert low[1] == "90.0" and low[3] == "—" and low[-1] == "1"

    with_stages = bench_sweep.markdown_table(rows, stages=True)
    assert "publish → ingest took p50 / p99 ms" in with_stages[0]
    assert "| 1.5 / 3.5 |" in with_stages[2]
    assert all(line.count("|") == with_stages[0].count("|") for line in with_stages)


def test_a_clock_that_stepped_during_the_run_is_flagged():
    assert not bench_stages.clock_stepped({"drift_ms": 0.0})
    assert not bench_stages.clock_stepped({"drift_ms": -4.9})
    assert bench_stages.clock_stepped({"drift_ms": 1846.8})
    assert bench_stages.clock_stepped({"drift_ms": -17509.5})
    assert not bench_stages.clock_stepped(None) and not bench_stages.clock_stepped({})


def test_a_sweep_step_whose_clock_stepped_shows_no_stage_figures():
    """Seen on a virtual machine: the wall clock stepped 1.8 s within a step, and its stages
    (a wall-clock mark against a monotonic one) came out negative."""
    stages = [{"name": "publish → ingest took", "latency_ms": {"p50": -914.5, "p90": 0.0, "p99": 928.8, "max": 990.0}}]
    stepped = _result(stages=stages)
    stepped["stages"]["clock"] = {"wall_minus_monotonic_s": 1.0, "drift_ms": 1846.8}
    steady = _result(stages=stages)
    steady["stages"]["clock"] = {"wall_minus_monotonic_s": 1.0, "drift_ms": 0.2}
    rows = [bench_sweep.table_row("10 %", 90.0, 0.1, stepped), bench_sweep.table_row("25 %", 225.0, 0.25, steady)]
    assert rows[0]["clock_stepped"] and not rows[1]["clock_stepped"]
    table = bench_sweep.markdown_table(rows, stages=True)
    assert "| clock stepped |" in table[2] and "-914.5" not in table[2]
    assert "| -914.5 / 928.8 |" in table[3]
    # The end-to-end latency of the stepped step is still shown: both its ends are monotonic.
    assert "| 12.0 | 24.0 | 48.0 | 96.0 |" in table[2]


def test_wal_counters_are_read_from_the_servers_one_row():
    assert bench_wal.parse([["123456", "7", "89", "2", "1"]]) == {
        "wal_bytes": 123456, "full_page_images": 7, "wal_syncs": 89, "checkpoints_timed": 2, "checkpoints_requested": 1,
    }
    # numeric comes back as "123456" or "123456.0" depending on the server's version
    assert bench_wal.parse([["123456.0", "7", "89", "2", "1"]])["wal_bytes"] == 123456
    assert bench_wal.parse([]) is None
    assert bench_wal.parse([["1", "2"]]) is None
    assert bench_wal.parse([["x", "7", "89", "2", "1"]]) is None


def test_wal_activity_is_per_message_and_counts_both_kinds_of_checkpoint():
    before = {"wal_bytes": 1_000, "full_page_images": 10, "wal_syncs": 100, "checkpoints_timed": 3, "checkpoints_requested": 1}
    after = {"wal_bytes": 5_001_000, "full_page_images": 510, "wal_syncs": 350, "checkpoints_timed": 4, "checkpoints_requested": 2}
    assert bench_wal.activity(before, after, 1000) == {
        "wal_bytes": 5_000_000, "wal_bytes_per_message": 5000, "full_page_images_per_message": 0.5,
        "wal_syncs_per_message": 0.25, "checkpoints_timed": 1, "checkpoints_requested": 1, "checkpoints": 2,
    }
    # No message came through: per message over one, not a division by zero.
    assert bench_wal.activity(before, after, 0)["wal_bytes_per_message"] == 5_000_000


def test_wal_activity_is_nothing_without_both_snapshots_or_after_a_reset():
    counters = {"wal_bytes": 10, "full_page_images": 1, "wal_syncs": 1, "checkpoints_timed": 0, "checkpoints_requested": 0}
    assert bench_wal.activity(None, counters, 10) is None
    assert bench_wal.activity(counters, None, 10) is None
    # pg_stat_reset_shared('wal') during the run: a counter went back, no figure at all.
    assert bench_wal.activity(counters, {**counters, "full_page_images": 0}, 10) is None


def test_the_table_shows_the_wal_per_sms_and_the_checkpoints_of_a_step():
    result = _result()
    result["postgres_wal"] = bench_wal.activity(
        {"wal_bytes": 0, "full_page_images": 0, "wal_syncs": 0, "checkpoints_timed": 0, "checkpoints_requested": 0},
        {"wal_bytes": 5_250_000, "full_page_images": 40, "wal_syncs": 300, "checkpoints_timed": 0, "checkpoints_requested": 1},
        1000,
    )
    row = bench_sweep.table_row("50 %", 450.0, 0.5, result)
    assert row["wal_kb_per_sms"] == 5.25 and row["checkpoints"] == 1
    cells = [cell.strip() for cell in bench_sweep.markdown_table([row], stages=False)[2].strip("|").split("|")]
    assert cells[-4:] == ["5.25", "1", "—", "0"]


def test_wal_snapshot_reads_the_real_server(tmp_path):
    """The counters of the PostgreSQL that scripts/test starts (it fails, never skips,
    without it): a write moves the WAL position, and the figures come out whole."""
    url = floor_env(tmp_path)["SWITCHBOARD_POSTGRES_URL"]
    before = bench_wal.snapshot(url)
    assert before is not None, "no WAL counters from " + url
    bench_stages.psql(url, "CREATE TEMPORARY TABLE wal_probe AS SELECT generate_series(1, 1000) AS n")
    after = bench_wal.snapshot(url)
    activity = bench_wal.activity(before, after, 10)
    assert activity is not None and activity["wal_bytes"] > 0
    assert set(activity) >= {"wal_bytes_per_message", "full_page_images_per_message", "wal_syncs_per_message", "checkpoints"}


def test_a_sweep_measures_the_peak_then_the_raw_broker_once_then_each_rate(monkeypatch):
    monkeypatch.setattr(bench_sweep, "SETTLE_SECONDS", 0)
    calls = []

    def bench_run(ns):
        calls.append(("bench", ns.messages, ns.rate, ns.no_raw, ns.conversations))
        return _result(messages=ns.messages, appended=ns.messages, steady=1000.0 if ns.rate == 0 else ns.rate)

    def raw_run(count, body_bytes):
        calls.append(("raw", count, body_bytes))
        return {"publish_confirmed_per_s": 9000.0, "consume_acked_per_s": 8000.0}

    args = argparse.Namespace(messages=300, conversations=100, publishers=1, rate=0, no_raw=False, raw_messages=None,
                              sweep_seconds=5.0, stages=True)
    result = bench_sweep.run_sweep(args, bench_run, raw_run, log=lambda _text: None)
    assert calls == [
        ("bench", 300, 0, True, 100),
        ("raw", 300, 150),
        ("bench", 500, 100.0, True, 100),
        ("bench", 1250, 250.0, True, 100),
        ("bench", 2500, 500.0, True, 100),
        ("bench", 3750, 750.0, True, 100),
    ]
    assert [row["step"] for row in result["table"]] == ["peak", "10 %", "25 %", "50 %", "75 %"]
    assert [row["rate_asked"] for row in result["table"]] == [None, 100.0, 250.0, 500.0, 750.0]
    assert result["peak_per_s"] == 1000.0
    assert result["peak_over_raw_consumer_percent"] == 12.5
    assert result["stages_observed"] is True
    assert bench_sweep.complete(result)
    json.dumps(result)  # all of it goes to --out


def test_a_sweep_without_the_raw_reference_and_with_few_messages_per_step(monkeypatch):
    monkeypatch.setattr(bench_sweep, "SETTLE_SECONDS", 0)
    seen = []

    def bench_run(ns):
        seen.append((ns.messages, ns.conversations))
        return _result(messages=ns.messages, appended=ns.messages - 1, steady=200.0)

    args = argparse.Namespace(messages=100, conversations=100, publishers=1, rate=0, no_raw=True, raw_messages=None,
                              sweep_seconds=1.0, stages=False)
    result = bench_sweep.run_sweep(args, bench_run, lambda *_: pytest.fail("no raw run with --no-raw"), log=lambda _t: None)
    assert seen[1:] == [(50, 50), (50, 50), (100, 100), (150, 100)]
    assert result["raw_broker"] is None and result["peak_over_raw_consumer_percent"] is None
    assert not bench_sweep.complete(result)


# --- Plot -------------------------------------------------------------------------------


def _sweep_json():
    rows = [
        bench_sweep.table_row("peak", None, None, _result(steady=1100.0, per_s=1000.0, p50=2000.0)),
        bench_sweep.table_row("10 %", 100.0, 0.1, _result(steady=120.0, per_s=100.0, p50=20.0)),
        bench_sweep.table_row("50 %", 500.0, 0.5, _result(steady=None, per_s=500.0, p50=40.0)),
        bench_sweep.table_row("lost", 750.0, 0.75, _result(steady=None, per_s=None)),
    ]
    return {"mode": "sweep", "stages_observed": False, "peak": _result(), "table": rows}


def test_plot_points_are_the_steps_with_a_rate_sorted_by_rate():
    points = bench_plot.plot_points(_sweep_json())
    assert [(p["label"], p["rate"]) for p in points] == [("10 %", 100.0), ("50 %", 500.0), ("peak", 1000.0)]
    assert points[0]["p50"] == 20.0 and points[0]["p90"] == 40.0 and points[0]["p99"] == 80.0


def test_only_a_sweeps_json_is_plotted(tmp_path):
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps(_result()))
    with pytest.raises(ValueError, match="not the JSON of a sweep"):
        bench_plot.load_sweep(plain)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ValueError, match="not JSON"):
        bench_plot.load_sweep(broken)
    with pytest.raises(ValueError, match="cannot read"):
        bench_plot.load_sweep(tmp_path / "absent.json")
    good = tmp_path / "sweep.json"
    good.write_text(json.dumps(_sweep_json()))
    assert bench_plot.load_sweep(good)["mode"] == "sweep"


PLOTTER = bench_plot.find_plotter()
needs_matplotlib = pytest.mark.skipif(PLOTTER is None, reason="matplotlib is not installed (apt-get install python3-matplotlib)")


@needs_matplotlib
def test_a_sweep_is_drawn_as_a_png(tmp_path):
    out = tmp_path / "plot.png"
    bench_plot.render(_sweep_json(), out, PLOTTER)
    assert out.read_bytes()[:8] == PNG_SIGNATURE


@needs_matplotlib
def test_bench_redraws_a_saved_sweep(tmp_path):
    pytest.importorskip("pika")  # scripts/bench.py imports it
    saved = tmp_path / "sweep.json"
    saved.write_text(json.dumps(_sweep_json()))
    out = tmp_path / "again.png"
    done = subprocess.run([sys.executable, str(SCRIPTS / "bench.py"), "--plot-from", str(saved), "--plot", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == PNG_SIGNATURE


def test_without_matplotlib_plot_is_refused_before_anything_runs(monkeypatch, capsys):
    pytest.importorskip("pika")
    import bench

    monkeypatch.setattr(bench_plot, "find_plotter", lambda *a, **k: None)
    parser = bench.build_parser()
    args = parser.parse_args(["--sweep", "-n", "10", "--plot", "/tmp/never.png"])
    with pytest.raises(SystemExit) as exit_info:
        bench.check_arguments(parser, args)
    assert exit_info.value.code == 2
    assert "python3-matplotlib" in capsys.readouterr().err


def test_the_existing_modes_still_parse():
    pytest.importorskip("pika")
    import bench

    parser = bench.build_parser()
    for argv in (["-n", "10"], ["-n", "10", "--stages", "--rate", "5"], ["--replies", "5"], ["--streams", "3"]):
        args = parser.parse_args(argv)
        bench.check_arguments(parser, args)
        assert args.plotter is None


def test_the_inbound_benchmark_publishes_and_observes_in_c_unless_told_otherwise():
    pytest.importorskip("pika")
    import bench

    parser = bench.build_parser()
    args = parser.parse_args(["-n", "10"])
    bench.check_arguments(parser, args)
    assert args.tools == "c"
    args = parser.parse_args(["-n", "10", "--tools", "python"])
    bench.check_arguments(parser, args)
    assert args.tools == "python"
    for argv in (["--replies", "5", "--tools", "c"], ["--streams", "3", "--tools", "c"], ["--floor", "--tools", "c"],
                 ["--floor-pipeline", "--tools", "c"]):
        with pytest.raises(SystemExit):
            bench.check_arguments(parser, parser.parse_args(argv))


def test_the_c_publishers_file_holds_a_message_a_line_and_refuses_what_it_cannot_hold():
    pytest.importorskip("pika")
    import bench_client
    from switchboard_tools import Message

    message = Message(3, "switchboard.inbound", "message", b'{"text": "caf\xc3\xa9 \\t"}')
    assert bench_client.message_line(message, "id-3") == b'switchboard.inbound\tmessage\tid-3\t{"text": "caf\xc3\xa9 \\t"}\n'
    with pytest.raises(ValueError, match="message 4"):
        bench_client.message_line(Message(4, "x", "message", b"two\nlines"), "id-4")


def test_the_c_observers_output_is_read_as_the_python_observers():
    """Header line (seen, routing key, AMQP message id, body length) and body line per
    delivery; an event without data.message_id (a system entry) or not JSON is left out; a
    second copy of an appended event is a duplicate; message.received only with stages."""
    pytest.importorskip("pika")
    import bench_client

    def delivery(seen, key, amqp_id, body):
        return f"{seen}\t{key}\t{amqp_id}\t{len(body)}\n".encode() + body + b"\n"

    appended = json.dumps({"id": "e1", "time": "2026-12-07T10:00:00.123Z",
                           "data": {"message_id": "m1", "interaction_id": "i1", "seq": 4}}).encode()
    received = json.dumps({"id": "r1", "time": "2026-12-07T10:00:00.050Z", "data": {"message_id": "m1", "text": "é\n"}},
                          ensure_ascii=False).encode()
    system_entry = json.dumps({"id": "e2", "data": {"interaction_id": "i1", "seq": 5}}).encode()
    out = (b'{"seen": 1, "duplicates": 1}\n'
           + delivery(10.25, "message.received", "amqp-r1", received)
           + delivery(10.5, "interaction.message.appended", "amqp-e1", appended)
           + delivery(10.6, "interaction.message.appended", "amqp-e2", system_entry)
           + delivery(10.7, "interaction.message.appended", "", b"not json")
           + delivery(10.9, "interaction.message.appended", "amqp-e1", appended))
    observed = bench_client.parse_observed(out, stages=True)
    assert observed["appended"] == {"m1": (10.5, "i1", 4, "2026-12-07T10:00:00.123Z")}
    assert observed["received"] == {"m1": (10.25, "amqp-r1", "2026-12-07T10:00:00.050Z")}
    assert observed["duplicates"] == 1
    assert bench_client.parse_observed(out, stages=False)["received"] is None
    assert bench_client.parse_observed(b'{"seen": 0, "duplicates": 0}\n', stages=False) == {
        "appended": {}, "received": None, "duplicates": 0}


# --- The floor (scripts/bench --floor) ------------------------------------------------


def test_floor_rates_are_positive_numbers():
    import bench_floor

    assert bench_floor.parse_rates("150, 800") == [150.0, 800.0]
    for bad, reason in (("", "not a rate"), ("150,x", "not a rate"), ("0", "above 0"), ("-5", "above 0"), ("200000", "at most")):
        with pytest.raises(ValueError, match=reason):
            bench_floor.parse_rates(bad)


def test_the_machines_ticks_are_busy_idle_and_stolen_by_kind():
    # user nice system idle iowait irq softirq steal guest guest_nice
    assert bench_machine.cpu_ticks("cpu  100 5 40 9000 30 0 7 500 60 0") == {"busy": 152, "idle": 9030, "steal": 500}
    assert bench_machine.cpu_ticks("cpu  1 2 3 4") == {"busy": 6, "idle": 4, "steal": 0}  # an old kernel: no steal


def test_the_machines_activity_is_cpus_on_average_and_the_stolen_share_of_all_its_time():
    before = {"ticks": {"busy": 1000, "idle": 5000, "steal": 100}, "at": 10.0}
    after = {"ticks": {"busy": 1000 + 3200, "idle": 5000 + 400, "steal": 100 + 400}, "at": 30.0}
    machine = bench_machine.activity(before, after, hz=100, cpus=2)
    # 20 s: 32 s busy, 4 s idle, 4 s stolen of 40 CPU-seconds.
    assert machine == {"seconds": 20.0, "cpus": 2, "busy_cpus": 1.6, "stolen_cpus": 0.2, "idle_cpus": 0.2,
                       "stolen_percent": 10.0}
    assert bench_machine.activity(None, after) is None
    assert bench_machine.activity(before, before) is None  # no time passed
    assert bench_machine.summary(machine) == "1.6 busy, 0.2 stolen by the host (10 %), 0.2 idle of 2 CPUs"
    assert bench_machine.summary(None) == "—"
    nothing_counted = {**machine, "stolen_percent": None}
    assert bench_machine.summary(nothing_counted) == "1.6 busy, 0.2 stolen by the host (—), 0.2 idle of 2 CPUs"


def test_a_run_that_lost_more_than_a_twentieth_of_its_cpu_time_to_the_host_says_so():
    quiet = {"cpus": 2, "busy_cpus": 1.5, "stolen_cpus": 0.1, "idle_cpus": 0.4, "stolen_percent": 5.0}
    noisy = {**quiet, "stolen_cpus": 0.5, "stolen_percent": 25.0}
    assert bench_machine.stolen_warning(quiet) is None
    assert bench_machine.stolen_warning(None) is None
    assert bench_machine.stolen_warning({"stolen_percent": None}) is None
    assert "25 % of this machine's CPU time" in bench_machine.stolen_warning(noisy)


def test_the_sweep_table_shows_each_steps_stolen_share_and_names_the_noisy_steps():
    quiet, noisy = _result(), _result()
    quiet["machine_cpu"] = {"stolen_percent": 1.2}
    noisy["machine_cpu"] = {"stolen_percent": 18.4}
    rows = [bench_sweep.table_row("10 %", 90.0, 0.1, quiet), bench_sweep.table_row("50 %", 450.0, 0.5, noisy)]
    table = bench_sweep.markdown_table(rows, stages=False)
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    column = header.index("stolen %")
    assert [[cell.strip() for cell in line.strip("|").split("|")][column] for line in table[2:]] == ["1.2", "18.4"]
    note = bench_sweep.stolen_note(rows)
    assert "in 50 %:" in note and "10 %" not in note
    assert bench_sweep.stolen_note(rows[:1]) is None


def test_floor_busy_time_leaves_out_idle_iowait_steal_and_guest():
    # user nice system idle iowait irq softirq steal guest guest_nice
    assert bench_machine.busy_ticks("cpu  100 5 40 9000 30 0 7 500 60 0") == 152
    assert bench_machine.busy_ticks("cpu  1 2 3 4") == 6  # an old kernel's shorter line


def test_a_cpu_list_is_read_as_taskset_writes_it_and_refused_when_wrong():
    available = {0, 1, 2, 3}
    assert bench_machine.parse_cpu_list("0", available) == {0}
    assert bench_machine.parse_cpu_list("0,2", available) == {0, 2}
    assert bench_machine.parse_cpu_list("1-3", available) == {1, 2, 3}
    assert bench_machine.parse_cpu_list("0, 2-3", available) == {0, 2, 3}
    assert bench_machine.parse_cpu_list("all", available) == available
    for wrong, says in (("", "not a CPU list"), ("a", "not a CPU list"), ("1-", "not a CPU list"), ("-1", "not a CPU list"),
                        ("3-1", "runs backwards"), ("0,7", "CPU 7 is not available")):
        with pytest.raises(ValueError, match=says):
            bench_machine.parse_cpu_list(wrong, available)


def test_confined_cpus_are_measured_by_their_own_lines_of_proc_stat():
    lines = ["cpu  30 0 30 300 0 0 0 9 0 0", "cpu0 10 0 10 100 0 0 0 3 0 0", "cpu1 20 0 20 200 0 0 0 6 0 0",
             "intr 12345", "ctxt 999"]
    assert bench_machine.ticks_of(lines, None) == {"busy": 60, "idle": 300, "steal": 9}
    assert bench_machine.ticks_of(lines, frozenset({1})) == {"busy": 40, "idle": 200, "steal": 6}
    assert bench_machine.ticks_of(lines, frozenset({0, 1})) == {"busy": 60, "idle": 300, "steal": 9}


def fake_proc(tmp_path, processes):
    """A /proc naming real processes as given ((pid, name) pairs), with their real threads."""
    fake = tmp_path / "proc"
    for pid, name in processes:
        (fake / str(pid) / "task").mkdir(parents=True)
        (fake / str(pid) / "comm").write_text(name + "\n")
        for tid in os.listdir(f"/proc/{pid}/task"):
            (fake / str(pid) / "task" / tid).mkdir()
    (fake / "stat").write_text("not a process\n")
    return str(fake)


@pytest.fixture
def two_cpus():
    """This process's CPUs (at least two, or the test is skipped), given back afterwards to
    each of its threads."""
    mine = os.sched_getaffinity(0)
    if len(mine) < 2:
        pytest.skip(f"confining needs two CPUs to show; this process has {sorted(mine)}")
    yield mine
    for tid in os.listdir("/proc/self/task"):
        try:
            os.sched_setaffinity(int(tid), mine)
        except OSError:
            pass


def test_a_confined_run_moves_the_named_processes_and_itself_and_gives_their_cpus_back(tmp_path, two_cpus):
    """Pinning picks processes by name from a /proc it is given (here a fake one naming a
    real child `postgres` and this process), confines each of their threads, says whom it
    moved, and restores every thread."""
    target = frozenset({min(two_cpus)})
    child = subprocess.Popen(["sleep", "30"])
    try:
        proc = fake_proc(tmp_path, ((child.pid, "postgres"), (os.getpid(), "python3")))
        pinning = bench_machine.Pinning(target, proc=proc)
        assert pinning.processes == {"postgres": 1, "python3": 1}
        assert pinning.describe() == "postgres, python3"
        assert os.sched_getaffinity(child.pid) == set(target)
        assert os.sched_getaffinity(0) == set(target)
        grandchild = subprocess.run(["python3", "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
                                    capture_output=True, text=True, check=True)
        assert grandchild.stdout.strip() == str(sorted(target)), "what the run starts inherits its CPUs"
        pinning.restore()
        assert os.sched_getaffinity(child.pid) == two_cpus
        assert os.sched_getaffinity(0) == two_cpus
    finally:
        child.kill()
        child.wait()


def test_a_process_that_cannot_be_confined_refuses_the_run_and_gives_back_what_moved(tmp_path, two_cpus, monkeypatch):
    target = frozenset({min(two_cpus)})
    child = subprocess.Popen(["sleep", "30"])
    real = os.sched_setaffinity

    def not_ours(tid, cpus):
        if tid == child.pid:
            raise PermissionError(1, "Operation not permitted")
        real(tid, cpus)

    monkeypatch.setattr(bench_machine.os, "sched_setaffinity", not_ours)
    try:
        proc = fake_proc(tmp_path, ((os.getpid(), "python3"), (child.pid, "postgres")))
        with pytest.raises(bench_machine.PinningRefused, match="cannot confine postgres to CPU"):
            bench_machine.Pinning(target, proc=proc)
        assert os.sched_getaffinity(0) == two_cpus, "this process given its CPUs back"
    finally:
        child.kill()
        child.wait()


def test_unpin_puts_a_confined_infrastructure_process_back_on_every_cpu(tmp_path, two_cpus):
    every = set(range(os.cpu_count()))
    if two_cpus != every:
        pytest.skip("this process is not on every CPU itself")
    child = subprocess.Popen(["sleep", "30"])
    try:
        os.sched_setaffinity(child.pid, {min(every)})
        proc = fake_proc(tmp_path, ((child.pid, "beam.smp"),))
        assert bench_machine.spread_over_all_cpus(proc) == 1
        assert os.sched_getaffinity(child.pid) == every
        assert bench_machine.spread_over_all_cpus(proc) == 0
    finally:
        child.kill()
        child.wait()


def test_a_confined_run_reports_and_measures_only_its_cpus(monkeypatch):
    monkeypatch.setattr(bench_machine, "_measured_cpus", frozenset({1}))
    machine = bench_machine.described()
    assert machine["cpus"] == 1 and machine["confined_to"] == [1] and machine["machine_cpus"] == os.cpu_count()
    assert bench_machine.measured_cpu_count() == 1
    before = {"ticks": {"busy": 0, "idle": 0, "steal": 0}, "at": 0.0}
    after = {"ticks": {"busy": 80, "idle": 20, "steal": 0}, "at": 1.0}
    assert bench_machine.activity(before, after, hz=100)["cpus"] == 1
    monkeypatch.setattr(bench_machine, "_measured_cpus", None)
    assert "confined_to" not in bench_machine.described()


def test_bench_refuses_a_wrong_cpu_list_before_anything_runs(capsys):
    pytest.importorskip("pika")
    import bench

    parser = bench.build_parser()
    first = min(os.sched_getaffinity(0))
    args = parser.parse_args(["-n", "10", "--cpus", str(first)])
    bench.check_arguments(parser, args)
    assert args.cpus == {first}
    for argv, says in ((["-n", "10", "--cpus", "0-999"], "is not available"),
                       (["--cpus", str(first), "--plot-from", "x.json", "--plot", "y.png"], "--plot-from runs nothing")):
        with pytest.raises(SystemExit) as exit_info:
            bench.check_arguments(parser, parser.parse_args(argv))
        assert exit_info.value.code == 2
        assert says in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--unpin", "-n", "10"])
    assert exit_info.value.code == 2 and "give it alone" in capsys.readouterr().err


def test_floor_server_cpu_is_busy_minus_clients_minus_idle_per_operation():
    import bench_floor

    # 5 s busy, 2 s clients, 0.05 CPU-s/s idle over 20 s: 2 s of server for 1000 operations.
    assert bench_floor.server_ms_per_operation(5.0, 2.0, 0.05, 20.0, 1000) == 2.0
    assert bench_floor.server_ms_per_operation(1.0, 2.0, 0.0, 20.0, 1000) == 0.0  # never negative
    assert bench_floor.server_ms_per_operation(1.0, 0.0, 0.0, 20.0, 0) is None


def test_floor_of_an_sms_is_three_hops_and_three_transactions_against_the_budget():
    import bench_floor

    sms = bench_floor.sms_floor(0.6, 0.2, cpus=2, rate=800)
    assert sms == {"floor_ms": 2.4, "budget_ms": 2.5, "share_of_budget": 0.96}
    assert bench_floor.sms_floor(None, 0.2, cpus=2, rate=800) is None
    table = bench_floor.table({"steps": [{"rate": 800.0, "hop": {"server_ms": 0.6}, "transaction": {"server_ms": 0.2}, "sms": sms}]})
    assert "| 800/s | 0.60 ms | 0.20 ms | 2.40 ms | 2.50 ms | 96% |" in table


def test_floor_takes_no_option_of_another_mode():
    for argv, message in (
        (["--floor", "--sweep"], "leave out --sweep"),
        (["--floor", "--start"], "leave out --start"),
        (["--floor", "--floor-rates", "1,,2"], "not a rate"),
        (["--floor", "--floor-seconds", "1"], "at least 2"),
        (["--floor-rates", "100"], "options of --floor"),
    ):
        result = subprocess.run([str(SCRIPTS / "bench"), *argv], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and message in result.stderr, (argv, result.stderr)


def floor_env(tmp_path):
    """The test broker and database (CI's), and service ports nothing listens on."""
    import os
    import socket

    env = {
        **os.environ,
        "SWITCHBOARD_AMQP_URL": os.environ.get("SWITCHBOARD_TEST_AMQP_URL", "amqp://switchboard:switchboard@127.0.0.1:5672/%2F"),
        "SWITCHBOARD_POSTGRES_URL": os.environ.get(
            "SWITCHBOARD_TEST_POSTGRES_URL", "postgres://switchboard:switchboard@127.0.0.1:5432/switchboard_test"),
    }
    for name in ("ingest", "session", "transfer", "contacts", "callback", "media"):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            env[f"SB_{name.upper()}_PORT"] = str(probe.getsockname()[1])
    return env


def test_floor_short_run_against_the_real_broker_and_database(tmp_path):
    """The operator's `scripts/bench --floor` in a short form (the real RabbitMQ and
    PostgreSQL that scripts/test starts: it fails, never skips, without them)."""
    out = tmp_path / "floor.json"
    result = subprocess.run(
        [str(SCRIPTS / "bench"), "--floor", "--floor-rates", "50", "--floor-seconds", "2", "--out", str(out)],
        capture_output=True, text=True, timeout=300, env=floor_env(tmp_path),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(out.read_text())
    [step] = report["steps"]
    assert step["rate"] == 50.0
    assert step["hop"]["messages"] == 100
    # pgbench -R schedules its transactions as a Poisson process: about 100 in 2 s, give or
    # take a few tens (CI once saw 83).
    assert 50 <= step["transaction"]["transactions"] <= 150
    assert step["hop"]["server_ms"] is not None and step["transaction"]["server_ms"] is not None
    assert step["sms"]["budget_ms"] == round(report["cpus"] * 1000 / 50, 2)
    assert "| 50/s |" in result.stdout
    # Nothing left behind in the database (the floor's queue is deleted the same way, in a finally).
    schemas = subprocess.run(
        ["psql", "-X", "-At", "-d", floor_env(tmp_path)["SWITCHBOARD_POSTGRES_URL"], "-c",
         "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'bench_floor_%'"],
        capture_output=True, text=True, timeout=30,
    )
    assert schemas.stdout.strip() == "0", schemas.stderr


def test_floor_refuses_to_measure_while_a_service_listens(tmp_path):
    import socket

    env = floor_env(tmp_path)
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        env["SB_SESSION_PORT"] = str(listener.getsockname()[1])
        result = subprocess.run([str(SCRIPTS / "bench"), "--floor", "--floor-seconds", "2"], capture_output=True, text=True,
                                timeout=120, env=env)
    assert result.returncode == 1
    assert "stop session first" in result.stderr


# --- The floor pipeline (scripts/bench --floor-pipeline) -------------------------------


def test_floor_pipeline_takes_no_option_of_another_mode():
    for argv, message in (
        (["--floor-pipeline", "--sweep"], "leave out --sweep"),
        (["--floor-pipeline", "--floor"], "leave out --floor"),
        (["--floor-pipeline", "--rate", "100", "--plot", "x.png"], "--plot and --sweep-seconds are the sweep's"),
        (["--floor-pipeline", "--rate", "-5"], "--rate must be positive"),
        (["--floor-pipeline", "--floor-round-trips", "some"], "invalid choice"),
        (["--floor-round-trips", "each"], "an option of --floor-pipeline"),
        (["--floor-pipeline", "-c", "5"], "leave out -c/--conversations"),
        (["--floor-pipeline", "-n", "10"], "-n of at least 50"),
        (["--floor-pipeline", "--sweep-seconds", "0"], "positive --sweep-seconds"),
    ):
        result = subprocess.run([str(SCRIPTS / "bench"), *argv], capture_output=True, text=True, timeout=60)
        assert result.returncode == 2 and message in result.stderr, (argv, result.stderr)


def test_a_sweep_that_names_what_it_measured_is_plotted_under_that_name():
    services = {"peak": {"machine": {"cpus": 2}}}
    assert bench_plot.title(services) == "Inbound SMS, publish → interaction.message.appended (2 CPUs)"
    floor = {"peak": {"machine": {"cpus": 2}}, "title": "Floor pipeline", "rate_label": "messages/s"}
    assert bench_plot.title(floor) == "Floor pipeline (2 CPUs)"


def test_floor_pipeline_stage_takes_the_broker_from_the_url():
    import bench_floor_pipeline

    assert bench_floor_pipeline.amqp_parts("amqp://sb:s%40cret@127.0.0.1:5673/%2F") == ["127.0.0.1", "5673", "sb", "s@cret", "/"]
    assert bench_floor_pipeline.amqp_parts("amqp://localhost/switchboard") == ["localhost", "5672", "guest", "guest", "switchboard"]
    with pytest.raises(RuntimeError, match="plain amqp://"):
        bench_floor_pipeline.amqp_parts("amqps://localhost/")


def test_floor_pipeline_short_sweep_against_the_real_broker_and_database(tmp_path):
    """The operator's `scripts/bench --floor-pipeline` in a short form: the C stage is
    built, every step's messages come through both publishing stages (none missing, none
    twice), the third stage consumed them all, and nothing is left behind. The real RabbitMQ
    and PostgreSQL that scripts/test starts: it fails, never skips, without them."""
    import pika

    env = floor_env(tmp_path)
    out = tmp_path / "floor-pipeline.json"
    result = subprocess.run(
        [str(SCRIPTS / "bench"), "--floor-pipeline", "-n", "400", "--sweep-seconds", "0.5", "--no-raw", "--out", str(out)],
        capture_output=True, text=True, timeout=600, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert [row["step"] for row in report["table"]] == ["peak", "10 %", "25 %", "50 %", "75 %"]
    total = 0
    for row in report["table"]:
        assert row["missing"] == 0 and row["appended"] == row["messages"], row
        assert row["latency_ms"]["p50"] is not None and row["cpu_ms_per_sms"] is not None, row
        assert row["wal_kb_per_sms"] is not None and row["wal_kb_per_sms"] > 0 and row["checkpoints"] is not None, row
        assert row["stolen_percent"] is not None and 0 <= row["stolen_percent"] <= 100, row
        total += row["messages"]
    for step in [report["peak"]] + [s["result"] for s in report["steps"]]:
        assert step["e2e"]["duplicate_events"] == 0
        machine = step["machine_cpu"]
        assert machine["cpus"] >= 1 and 0 <= machine["busy_cpus"] <= machine["cpus"] + 0.1, machine
        assert set(step["services"]) == {"stage-a", "stage-b", "stage-c"}
    counts = report["stage_counts"]
    assert counts["stage-a"]["messages"] == counts["stage-b"]["messages"] == counts["stage-c"]["messages"] == total
    assert counts["stage-a"]["published"] == counts["stage-b"]["published"] == total
    assert counts["stage-c"]["published"] == 0
    assert "## The floor pipeline: rate sweep" in result.stdout
    # Its queues, exchange and schemas are gone.
    schemas = subprocess.run(
        ["psql", "-X", "-At", "-d", env["SWITCHBOARD_POSTGRES_URL"], "-c",
         "SELECT count(*) FROM pg_namespace WHERE nspname = ANY('{%s}')" % ",".join(report["made"]["schemas"])],
        capture_output=True, text=True, timeout=30,
    )
    assert schemas.stdout.strip() == "0", schemas.stderr
    connection = pika.BlockingConnection(pika.URLParameters(env["SWITCHBOARD_AMQP_URL"]))
    try:
        for queue in report["made"]["queues"]:
            channel = connection.channel()
            with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="NOT_FOUND"):
                channel.queue_declare(queue, passive=True)
    finally:
        connection.close()


def test_floor_pipeline_at_one_rate_with_a_round_trip_per_statement(tmp_path):
    """`--rate R` runs one step instead of the sweep; `--floor-round-trips each` runs each
    stage's statements one round trip each. Every message still comes through."""
    env = floor_env(tmp_path)
    out = tmp_path / "floor-pipeline-rate.json"
    result = subprocess.run(
        [str(SCRIPTS / "bench"), "--floor-pipeline", "--rate", "200", "-n", "200", "--floor-round-trips", "each",
         "--out", str(out)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["mode"] == "fixed" and report["round_trips"] == "each"
    [row] = report["table"]
    assert row["messages"] == 200 and row["appended"] == 200 and row["missing"] == 0
    assert report["stage_counts"]["stage-c"]["messages"] == 200
    assert "## The floor pipeline at 200 msg/s" in result.stdout and "one round trip per statement" in result.stdout


def test_floor_pipeline_that_cannot_start_leaves_nothing_behind(tmp_path):
    """A stage that never says it is ready (here a program that exits at once) fails the
    start with its reason, and the queues, exchange and schemas made before it are removed."""
    import pika
    from pathlib import Path

    import bench_floor_pipeline

    env = floor_env(tmp_path)
    pipeline = bench_floor_pipeline.Pipeline(env["SWITCHBOARD_AMQP_URL"], env["SWITCHBOARD_POSTGRES_URL"], Path("/bin/false"), tmp_path)
    with pytest.raises(RuntimeError, match="did not start"):
        with pipeline:
            pass
    schemas = subprocess.run(
        ["psql", "-X", "-At", "-d", env["SWITCHBOARD_POSTGRES_URL"], "-c",
         "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'floorpipe_%s_%%'" % pipeline.run],
        capture_output=True, text=True, timeout=30,
    )
    assert schemas.stdout.strip() == "0", schemas.stderr
    connection = pika.BlockingConnection(pika.URLParameters(env["SWITCHBOARD_AMQP_URL"]))
    try:
        for queue in pipeline.queues.values():
            channel = connection.channel()
            with pytest.raises(pika.exceptions.ChannelClosedByBroker, match="NOT_FOUND"):
                channel.queue_declare(queue, passive=True)
    finally:
        connection.close()


def test_the_c_publisher_and_observer_against_the_real_broker(tmp_path):
    """The benchmark's C publisher and observer (`--tools c`) with the broker scripts/test
    starts (it fails, never skips, without it): what is published in order is seen, read
    as the Python observer reads it, and a message no queue is bound for comes back and
    fails the run instead of being counted as sent."""
    import pika

    import bench_client
    from switchboard_tools import Message

    amqp_url = floor_env(tmp_path)["SWITCHBOARD_AMQP_URL"]
    exchange = f"bench.client.test.{tmp_path.name}"[:200]
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        connection.channel().exchange_declare(exchange, "topic", auto_delete=False)
        observer = bench_client.Observer(amqp_url, 3, idle_timeout=20, stages=True, grace=2, exchange=exchange)
        messages = []
        for i in range(3):
            for key in ("message.received", "interaction.message.appended"):
                body = json.dumps({"id": f"e{key[0]}{i}", "time": "2026-12-07T10:00:00Z",
                                   "data": {"message_id": f"m{i}", "interaction_id": "i", "seq": i + 1}}).encode()
                messages.append(Message(len(messages), exchange, key, body))
        [published] = bench_client.publish(amqp_url, [messages], window=10, rate=0, work=tmp_path)
        assert sorted(published["published_at"]) == list(range(6)) and published["nacked"] == published["returned"] == 0
        observed = observer.finish(timeout=60)
        assert sorted(observed["appended"]) == ["m0", "m1", "m2"] and sorted(observed["received"]) == ["m0", "m1", "m2"]
        assert [observed["appended"][f"m{i}"][2] for i in range(3)] == [1, 2, 3]
        assert all(published["published_at"][2 * i + 1] <= observed["appended"][f"m{i}"][0] for i in range(3))

        unbound = [Message(0, exchange, "nobody.listens", b'{"x": 1}')]
        with pytest.raises(RuntimeError, match="1 returned"):
            bench_client.publish(amqp_url, [unbound], window=10, rate=0, work=tmp_path)
    finally:
        connection.channel().exchange_delete(exchange)
        connection.close()
