"""The rate sweep of the inbound benchmark (scripts/bench --sweep; issue #17): latency and
cost per SMS below saturation, not only at the peak.

One run:

1. **Peak**: the plain inbound benchmark as fast as the publisher goes (-n N, no --rate).
   Its steady end-to-end rate (appends between their 10th and 90th percentile; the
   first-to-last rate when there are too few) is the measured peak.
2. **Raw broker reference**, once (unless --no-raw): one confirming publisher and one
   consumer with manual acks on a quorum queue, same message size (bench.raw_reference).
3. **Fixed rates**: the same benchmark at 10 %, 25 %, 50 % and 75 % of the peak (the
   publishers' --rate pacing: message k is due at t0 + k/rate), each with rate x
   --sweep-seconds messages (at least MIN_STEP_MESSAGES), lowest rate first, each once
   the previous step's backlog is gone (every service queue without a ready message for
   3 s: transfer and contacts follow every SMS after its transcript) and SETTLE_SECONDS of
   rest. The raw reference waits for that too. Each step is a run of its own (its observer,
   CPU meter and stages) in the peak's conversations (scripts/bench.py passes the same
   numbers): in Session mode, the default, they go into the interactions the peak opened,
   so a step measures messages into open sessions, not -c new interactions of its own.

Reported: one Markdown table, a row per step: rate asked, rates achieved (published, and
appended: first publish to last append), end-to-end latency p50/p90/p99/max, with --stages each stage's
p50/p99, CPU per SMS (services + RabbitMQ + PostgreSQL over the appended messages),
PostgreSQL's WAL per SMS and the checkpoints that ran during the step (bench_wal: a
checkpoint's writes slow the commits' WAL flushes on the same disk) and what is missing; below it the ratio of the peak to the raw consumer rate (one hop
through the broker). --out writes every step's whole result and the table as JSON, which
scripts/bench --plot-from FILE --plot OUT.png draws again (scripts/bench_plot.py).

The functions above the "Running a sweep" line are pure and tested by
Tests/Deploy/test_bench.py; the run itself gets the benchmark and the raw reference as
functions, so this module imports neither pika nor the services' helpers.
"""

from __future__ import annotations

import argparse
import sys
import time

import bench_machine
import bench_stages

FRACTIONS = (0.10, 0.25, 0.50, 0.75)
MIN_STEP_MESSAGES = 50
SETTLE_SECONDS = 3.0
DEFAULT_SWEEP_SECONDS = 20.0


def peak_rate(result: dict) -> float | None:
    """The measured peak of a run (msgs/s): its steady end-to-end rate, else its
    first-publish-to-last-append rate; None when neither is known."""
    e2e = result.get("e2e") or {}
    return e2e.get("steady_per_s") or e2e.get("per_s") or None


def sweep_rates(peak: float, fractions=FRACTIONS) -> list[tuple[float, float]]:
    """(fraction, rate in msgs/s) for each fraction of PEAK, lowest first; a rate is
    rounded to 0.1 msg/s and at least 1 msg/s."""
    if not peak or peak <= 0:
        raise ValueError("no peak rate to sweep below")
    return [(f, max(1.0, round(peak * f, 1))) for f in sorted(fractions)]


def step_messages(rate: float, seconds: float, minimum: int = MIN_STEP_MESSAGES) -> int:
    """Messages for a step of SECONDS at RATE: rate x seconds, at least MINIMUM (enough
    for a steady rate and a p99 that is not just the maximum)."""
    return max(minimum, int(round(rate * seconds)))


def achieved_rate(result: dict) -> float | None:
    """The rate a step achieved end to end: appended SMS over first publish to last append
    (at a fixed rate the steady rate of appends is no measure: a backlog drains in bursts
    faster than the rate asked), else the steady rate."""
    e2e = result.get("e2e") or {}
    return e2e.get("per_s") or e2e.get("steady_per_s") or None


def cpu_seconds_total(result: dict) -> float | None:
    """CPU seconds of the six services, RabbitMQ and PostgreSQL during a run; None when a
    service's figure is unknown and nothing else is."""
    services = [s.get("cpu_seconds") for s in (result.get("services") or {}).values()]
    infra = list((result.get("infrastructure_cpu_seconds") or {}).values())
    values = [v for v in services + infra if v is not None]
    return sum(values) if values else None


def cpu_ms_per_sms(result: dict) -> float | None:
    """CPU milliseconds (services + RabbitMQ + PostgreSQL) per appended SMS."""
    total = cpu_seconds_total(result)
    appended = (result.get("e2e") or {}).get("appended") or 0
    if total is None or appended <= 0:
        return None
    return round(total * 1000 / appended, 3)


def table_row(step: str, asked: float | None, fraction: float | None, result: dict) -> dict:
    """One step's row of the sweep table, from its benchmark result."""
    e2e = result.get("e2e") or {}
    stages = (result.get("stages") or {}).get("stages") or []
    return {
        "step": step,
        "fraction": fraction,
        "rate_asked": asked,
        "published_per_s": (result.get("publish") or {}).get("confirmed_per_s"),
        "achieved_per_s": achieved_rate(result),
        "messages": (result.get("parameters") or {}).get("messages"),
        "appended": e2e.get("appended"),
        "missing": e2e.get("missing"),
        "latency_ms": e2e.get("latency_ms") or {},
        "stages": [{"name": s["name"], "p50": s["latency_ms"].get("p50"), "p99": s["latency_ms"].get("p99")} for s in stages],
        "clock_stepped": bench_stages.clock_stepped((result.get("stages") or {}).get("clock")),
        "cpu_ms_per_sms": cpu_ms_per_sms(result),
        "wal_kb_per_sms": wal_kb_per_sms(result),
        "checkpoints": (result.get("postgres_wal") or {}).get("checkpoints"),
        "stolen_percent": (result.get("machine_cpu") or {}).get("stolen_percent"),
    }


def wal_kb_per_sms(result: dict) -> float | None:
    """PostgreSQL's WAL per appended SMS in KB (bench_wal); None when not measured."""
    per_message = (result.get("postgres_wal") or {}).get("wal_bytes_per_message")
    return None if per_message is None else round(per_message / 1000, 2)


def raw_ratio(peak: float | None, raw: dict | None) -> float | None:
    """Peak end to end over the raw broker's consumer rate (one hop with manual acks), in
    percent; None without either."""
    consumer = (raw or {}).get("consume_acked_per_s")
    if not peak or not consumer:
        return None
    return round(100 * peak / consumer, 1)


def _fmt(value, digits: int = 1) -> str:
    """A number for the table ('—' when unknown)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown_table(rows: list[dict], stages: bool) -> list[str]:
    """The sweep as Markdown lines: a row per step; with STAGES a column per stage
    ('p50 / p99' ms), the stages of the first row that has any."""
    stage_names: list[str] = []
    if stages:
        stage_names = next((([s["name"] for s in r["stages"]]) for r in rows if r["stages"]), [])
    header = ["step", "rate asked", "published/s", "appended/s", "p50 ms", "p90 ms", "p99 ms", "max ms"]
    header += [f"{name} p50 / p99 ms" for name in stage_names]
    header += ["CPU ms/SMS", "WAL KB/SMS", "checkpoints", "stolen %", "missing"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in rows:
        lat = r["latency_ms"]
        cells = [
            r["step"], "max" if r["rate_asked"] is None else _fmt(r["rate_asked"]), _fmt(r["published_per_s"]),
            _fmt(r["achieved_per_s"]), _fmt(lat.get("p50")), _fmt(lat.get("p90")), _fmt(lat.get("p99")), _fmt(lat.get("max")),
        ]
        by_name = {s["name"]: s for s in r["stages"]}
        for name in stage_names:
            s = by_name.get(name)
            if r.get("clock_stepped"):
                # Wrong by the step (bench_stages.clock_stepped): no figure rather than a wrong one.
                cells.append("clock stepped")
            else:
                cells.append(f"{_fmt(s['p50'])} / {_fmt(s['p99'])}" if s else "—")
        cells += [
            _fmt(r["cpu_ms_per_sms"], 3), _fmt(r.get("wal_kb_per_sms"), 2), _fmt(r.get("checkpoints")),
            _fmt(r.get("stolen_percent")), _fmt(r["missing"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def stolen_note(rows: list[dict]) -> str | None:
    """The sentence under a sweep's table naming the steps whose virtual machine's host took
    more than bench_machine.STOLEN_WARNING_PERCENT of its CPU time; None when none did."""
    stolen = [r["step"] for r in rows if (r.get("stolen_percent") or 0) > bench_machine.STOLEN_WARNING_PERCENT]
    if not stolen:
        return None
    return (
        f"stolen %: the share of the machine's CPU time its host took back (steal). Over "
        f"{bench_machine.STOLEN_WARNING_PERCENT:g} % in {', '.join(stolen)}: their latency is the host's other "
        "tenants' as much as the code's."
    )


def step_label(fraction: float | None) -> str:
    """'peak' or '25 %'."""
    return "peak" if fraction is None else f"{fraction * 100:g} %"


# --- Running a sweep --------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sweep", action="store_true",
                        help="rate sweep: the peak (-n N as fast as possible), the raw broker reference once, then fixed "
                             "rates at 10/25/50/75 %% of the measured steady peak; one table of latency and CPU per SMS per rate")
    parser.add_argument("--sweep-seconds", type=float, default=None,
                        help=f"seconds per fixed-rate step of --sweep (default {DEFAULT_SWEEP_SECONDS:g}; "
                             f"a step has rate x seconds messages, at least {MIN_STEP_MESSAGES})")


def check_arguments(parser: argparse.ArgumentParser, args) -> None:
    """Refuse what a sweep cannot do (called for the inbound mode only)."""
    if not args.sweep:
        if args.sweep_seconds is not None:
            parser.error("--sweep-seconds is an option of --sweep")
        return
    if args.rate:
        parser.error("--sweep chooses its rates (10-75 % of the measured peak); leave out --rate")
    if args.dump:
        parser.error("--dump writes one run's messages; it does not go with --sweep")
    if args.sweep_seconds is None:
        args.sweep_seconds = DEFAULT_SWEEP_SECONDS
    if args.sweep_seconds <= 0:
        parser.error("--sweep-seconds must be positive")


def run_sweep(args, bench_run, raw_run, log=None, wait_quiet=None) -> dict:
    """Run the sweep. BENCH_RUN(namespace) -> one benchmark result (bench.bench with the
    run's URLs bound); RAW_RUN(messages, body_bytes) -> the raw reference; WAIT_QUIET()
    returns once the services have no backlog (before the raw reference and each step).
    ARGS: the parsed inbound options (messages, rate 0, no_raw, raw_messages, sweep_seconds)."""
    log = log or (lambda text: print(text, file=sys.stderr))
    wait_quiet = wait_quiet or (lambda: None)
    step_args = dict(vars(args), no_raw=True, rate=0)
    log(f"sweep: peak, {args.messages} SMS as fast as possible...")
    peak = bench_run(argparse.Namespace(**step_args))
    rows = [table_row(step_label(None), None, None, peak)]
    measured = peak_rate(peak)
    raw = None
    if not args.no_raw:
        log("sweep: raw broker reference (quorum queue, 1 publisher with confirms, 1 consumer with manual acks)...")
        wait_quiet()
        raw = raw_run(args.raw_messages or args.messages, peak["parameters"]["body_bytes"])
    steps = []
    for fraction, rate in sweep_rates(measured):
        messages = step_messages(rate, args.sweep_seconds)
        wait_quiet()
        time.sleep(SETTLE_SECONDS)
        log(f"sweep: {step_label(fraction)} of {measured:.1f}/s: {messages} SMS at {rate:g}/s...")
        result = bench_run(argparse.Namespace(**dict(step_args, messages=messages, rate=rate,
                                                     conversations=min(args.conversations, messages),
                                                     publishers=min(args.publishers, args.conversations, messages))))
        steps.append({"fraction": fraction, "rate": rate, "result": result})
        rows.append(table_row(step_label(fraction), rate, fraction, result))
    return {
        "mode": "sweep",
        "stages_observed": bool(getattr(args, "stages", False)),
        "sweep_seconds": args.sweep_seconds,
        "fractions": list(FRACTIONS),
        "peak_per_s": measured,
        "peak": peak,
        "steps": steps,
        "raw_broker": raw,
        "peak_over_raw_consumer_percent": raw_ratio(measured, raw),
        "table": rows,
    }


def complete(result: dict) -> bool:
    """Every step of the sweep saw every one of its SMS appended."""
    return all((row.get("missing") or 0) == 0 for row in result["table"])


def print_report(result: dict) -> None:
    peak = result["peak"]
    p = peak["parameters"]
    print()
    print(f"## Switchboard bench: rate sweep ({peak['machine']['cpus']} CPUs)")
    print()
    print(
        f"peak: {p['messages']} SMS as fast as possible; then {result['sweep_seconds']:g} s per fixed rate; "
        f"{p['conversations']} conversations (the same in every step), {p['publishers']} publisher(s), "
        f"{p['body_bytes']} B per message. Measured steady peak (appends between their 10th and 90th percentile): "
        f"{_fmt(result['peak_per_s'])} msg/s; the fixed rates are fractions of it. appended/s: first publish to last "
        "append; latency: publish -> interaction.message.appended seen; CPU: services + RabbitMQ + PostgreSQL per "
        "appended SMS."
    )
    if result["stages_observed"]:
        print(
            "--stages: the observer also consumed every message.received (one more event copy per SMS through "
            "the broker and the observer, on the machine being measured)."
        )
    print()
    for line in markdown_table(result["table"], result["stages_observed"]):
        print(line)
    print()
    note = stolen_note(result["table"])
    if note:
        print(note)
        print()
    raw = result.get("raw_broker")
    if raw:
        print(
            f"Raw broker (quorum queue, same message size): 1 publisher with confirms {raw['publish_confirmed_per_s']} msg/s, "
            f"1 consumer with manual acks {raw['consume_acked_per_s']} msg/s. "
            f"Peak end to end / raw single hop (consumer): {_fmt(result['peak_over_raw_consumer_percent'])} %."
        )
    else:
        print("Raw broker reference skipped (--no-raw).")
