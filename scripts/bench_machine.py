"""The machine's CPU around a benchmark run (issue #17; docs/benchmark.md, "fifteenth
pass"): how much of its CPUs were busy, and how much a virtual machine's host took back.

A virtual CPU that is runnable while the host runs something else counts *steal* time
(/proc/stat's eighth field). It is invisible in every process's CPU time, yet each process
that waits for it waits: on this project's 2-vCPU test machine the host took up to 0.62
of the two CPUs over a 30-s run of the floor pipeline, and a quarter of the CPU time in
some sweep steps of the services, where p99 at a tenth of the peak was three to six times
the other sweeps'. Latency measured on such a machine is the host's as much as
Switchboard's, so every run and every sweep step reports it, and a run that lost more
than STOLEN_WARNING_PERCENT of its CPU time says so.
"""

from __future__ import annotations

import os
import time

# Above this share of the machine's CPU time taken by the host, a run's latency says as
# much about the host's other tenants as about the code measured.
STOLEN_WARNING_PERCENT = 5.0


def cpu_ticks(cpu_line: str) -> dict[str, int]:
    """The clock ticks of /proc/stat's `cpu` line by kind: busy (user, nice, system, irq,
    softirq; guest time is already in user and nice), idle (idle and iowait: a CPU with
    nothing to run) and steal (the host ran something else while this machine had work).
    An old kernel's shorter line has no steal."""
    fields = [int(value) for value in cpu_line.split()[1:]] + [0] * 10
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return {"busy": user + nice + system + irq + softirq, "idle": idle + iowait, "steal": steal}


def busy_ticks(cpu_line: str) -> int:
    """The busy ticks of a `cpu` line (see cpu_ticks): not idle, iowait, steal or guest."""
    return cpu_ticks(cpu_line)["busy"]


def snapshot() -> dict:
    """The machine's CPU ticks since boot and the monotonic time they were read at."""
    with open("/proc/stat") as stat:
        line = stat.readline()
    return {"ticks": cpu_ticks(line), "at": time.monotonic()}


def activity(before: dict | None, after: dict | None, hz: int | None = None, cpus: int | None = None) -> dict | None:
    """The machine's CPU between two snapshots: wall seconds, and busy, stolen and idle
    CPUs on average (CPU-seconds per second), with the stolen share of all its CPU time in
    percent. None without both snapshots or over no time."""
    if not before or not after:
        return None
    seconds = after["at"] - before["at"]
    if seconds <= 0:
        return None
    hz = hz or os.sysconf("SC_CLK_TCK")
    delta = {kind: (after["ticks"][kind] - before["ticks"][kind]) / hz for kind in ("busy", "idle", "steal")}
    accounted = sum(delta.values())
    return {
        "seconds": round(seconds, 3),
        "cpus": cpus or os.cpu_count(),
        "busy_cpus": round(delta["busy"] / seconds, 3),
        "stolen_cpus": round(delta["steal"] / seconds, 3),
        "idle_cpus": round(delta["idle"] / seconds, 3),
        "stolen_percent": round(100 * delta["steal"] / accounted, 1) if accounted > 0 else None,
    }


def stolen_warning(machine: dict | None) -> str | None:
    """A sentence for a run whose host took more than STOLEN_WARNING_PERCENT of the
    machine's CPU time; None otherwise."""
    stolen = (machine or {}).get("stolen_percent")
    if stolen is None or stolen <= STOLEN_WARNING_PERCENT:
        return None
    return (
        f"the host took {stolen:g} % of this machine's CPU time during the run ({machine['stolen_cpus']:g} of "
        f"{machine['cpus']} CPUs): its latency is the host's other tenants' as much as the code's"
    )


def summary(machine: dict | None) -> str:
    """'1.62 busy, 0.31 stolen by the host (15.5 %), 0.07 idle of 2 CPUs' ('—' unknown)."""
    if not machine:
        return "—"
    stolen = machine.get("stolen_percent")
    share = "—" if stolen is None else f"{stolen:g} %"
    return (
        f"{machine['busy_cpus']:g} busy, {machine['stolen_cpus']:g} stolen by the host ({share}), "
        f"{machine['idle_cpus']:g} idle of {machine['cpus']} CPUs"
    )
