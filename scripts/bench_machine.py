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


# The CPUs a run is confined to (`scripts/bench --cpus`), or None for all of them: what
# snapshot() and activity() then measure.
_measured_cpus: frozenset[int] | None = None


def snapshot() -> dict:
    """The CPU ticks since boot of the CPUs measured (all of them, or those of --cpus) and
    the monotonic time they were read at."""
    with open("/proc/stat") as stat:
        lines = stat.read().splitlines()
    return {"ticks": ticks_of(lines, _measured_cpus), "at": time.monotonic()}


def ticks_of(stat_lines: list[str], cpus: frozenset[int] | None) -> dict[str, int]:
    """The ticks of /proc/stat's `cpu` line (cpus None), or the sum of the `cpuN` lines of
    `cpus`."""
    if cpus is None:
        return cpu_ticks(stat_lines[0])
    total = {"busy": 0, "idle": 0, "steal": 0}
    for line in stat_lines:
        name = line.split(maxsplit=1)[0] if line else ""
        if name.startswith("cpu") and name[3:].isdigit() and int(name[3:]) in cpus:
            for kind, value in cpu_ticks(line).items():
                total[kind] += value
    return total


def measured_cpu_count() -> int:
    """How many CPUs a run measures: those of --cpus, or the machine's."""
    return len(_measured_cpus) if _measured_cpus is not None else (os.cpu_count() or 1)


def described() -> dict:
    """A result's "machine": the CPUs the run had (and which, when confined by --cpus) and
    the load average."""
    machine = {"cpus": measured_cpu_count(), "loadavg": os.getloadavg()}
    if _measured_cpus is not None:
        machine["confined_to"] = sorted(_measured_cpus)
        machine["machine_cpus"] = os.cpu_count()
    return machine


def parse_cpu_list(text: str, available: set[int]) -> frozenset[int]:
    """A CPU list as taskset writes it ("0", "0,2", "0-1", "all") among `available`.
    Raises ValueError naming what is wrong."""
    if text.strip() == "all":
        return frozenset(available)
    cpus: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"--cpus {text!r}: not a CPU list (such as 0, 0,1 or 0-1)")
        first, last = int(low), int(high or low)
        if last < first:
            raise ValueError(f"--cpus {text!r}: {part} runs backwards")
        cpus.update(range(first, last + 1))
    missing = sorted(cpus - available)
    if missing:
        raise ValueError(f"--cpus {text!r}: CPU {', '.join(map(str, missing))} is not available (this machine has "
                         f"{', '.join(map(str, sorted(available)))})")
    return frozenset(cpus)


# The processes a run confines besides itself, by name, whoever runs them: RabbitMQ's,
# PostgreSQL's and the six services' (already running; those the benchmark starts inherit
# its CPUs). The benchmark's machine is meant to run nothing else by these names.
PINNED_COMMANDS = frozenset({"beam.smp", "epmd", "erl_child_setup", "inet_gethost", "postgres",
                             "ingest", "session", "transfer", "contacts", "callback", "media"})

# Passes over /proc until one finds no thread left to confine: a process forked, or a thread
# started, by one not yet confined keeps the old CPUs, and the next pass finds it.
CONFINING_PASSES = 5


class PinningRefused(RuntimeError):
    """Some processes could not be confined (another user's, without root): a run on the
    CPUs asked would measure them over CPUs they do not run on."""


class Pinning:
    """Every thread of the benchmark and of PINNED_COMMANDS' processes confined to some
    CPUs, and how to give each back the CPUs it had (`restore`). New threads and processes
    inherit the CPUs of their parent: PostgreSQL's backends forked later, the services
    and tools the benchmark starts.

    A process that cannot be moved (another user's, without root) makes it raise
    PinningRefused, after giving back what it moved. A RabbitMQ or PostgreSQL restarted
    during the run comes back on all CPUs: that run's figures are not the CPUs' asked."""

    def __init__(self, cpus: frozenset[int], proc: str = "/proc"):
        self.cpus = cpus
        self.proc = proc
        self.original = os.sched_getaffinity(0)
        self.previous: dict[int, set[int]] = {}
        self.process_previous: dict[int, set[int]] = {}
        self.processes: dict[str, int] = {}
        refused: dict[str, int] = {}
        try:
            for _ in range(CONFINING_PASSES):
                moved = False
                for pid, name in self._pinned_processes():
                    confined, denied = self._confine(pid)
                    moved = moved or confined
                    if denied:
                        refused[name] = refused.get(name, 0) + 1
                if not moved or refused:
                    break
        except BaseException:
            self.restore()
            raise
        if refused:
            self.restore()
            names = ", ".join(f"{name} ×{count}" if count > 1 else name for name, count in sorted(refused.items()))
            raise PinningRefused(f"cannot confine {names} to CPU {', '.join(map(str, sorted(cpus)))}: not this user's "
                                 f"processes (run as root, or as their owner)")

    def _confine(self, pid: int) -> tuple[bool, bool]:
        """Confine every thread of `pid` not confined yet: (any moved, any refused)."""
        moved = denied = False
        for tid in self._threads(pid):
            if tid in self.previous:
                continue
            try:
                before = os.sched_getaffinity(tid)
                os.sched_setaffinity(tid, self.cpus)
            except PermissionError:
                denied = True
                continue
            except OSError:
                continue  # exited meanwhile
            self.previous[tid] = before
            moved = True
            if tid == pid:
                self.process_previous[pid] = before
                name = self._name(pid) or "?"
                self.processes[name] = self.processes.get(name, 0) + 1
        return moved, denied

    def _name(self, pid: int) -> str | None:
        return Pinning.name_of(pid, self.proc)

    def _pinned_processes(self) -> list[tuple[int, str]]:
        """This process and every one of PINNED_COMMANDS, with its name."""
        return [(pid, name) for pid, name in Pinning.named_processes(self.proc)
                if pid == os.getpid() or name in PINNED_COMMANDS]

    def _threads(self, pid: int) -> list[int]:
        return Pinning.threads_of(pid, self.proc)

    @staticmethod
    def name_of(pid: int, proc: str) -> str | None:
        try:
            with open(f"{proc}/{pid}/comm") as comm:
                return comm.read().strip()
        except OSError:
            return None  # gone meanwhile

    @staticmethod
    def named_processes(proc: str) -> list[tuple[int, str]]:
        """Every process of `proc` with its name."""
        found = []
        for entry in os.listdir(proc):
            if entry.isdigit():
                name = Pinning.name_of(int(entry), proc)
                if name is not None:
                    found.append((int(entry), name))
        return found

    @staticmethod
    def threads_of(pid: int, proc: str) -> list[int]:
        try:
            return [int(t) for t in os.listdir(f"{proc}/{pid}/task")]
        except OSError:
            return []

    def restore(self) -> None:
        """Every thread confined at the start back on its previous CPUs, and every thread
        of those processes created since (PostgreSQL's backends forked during the run)
        that is still on the run's CPUs, back on its process's previous CPUs (or, for a
        process started during the run, on those this process had)."""
        for pid, _name in self._pinned_processes():
            for tid in self._threads(pid):
                try:
                    if tid in self.previous:
                        os.sched_setaffinity(tid, self.previous[tid])
                    elif os.sched_getaffinity(tid) == set(self.cpus):
                        os.sched_setaffinity(tid, self.process_previous.get(pid, self.original))
                except OSError:
                    pass

    def describe(self) -> str:
        return ", ".join(f"{name} ×{count}" if count > 1 else name for name, count in sorted(self.processes.items()))


def spread_over_all_cpus(proc: str = "/proc") -> int:
    """Every thread of PINNED_COMMANDS' processes not on all of this machine's CPUs put back
    on them (`scripts/bench --unpin`, after a confined run was killed with SIGKILL); how
    many were moved."""
    every = set(range(os.cpu_count() or 1))
    moved = 0
    for pid, name in Pinning.named_processes(proc):
        if name not in PINNED_COMMANDS:
            continue
        for tid in Pinning.threads_of(pid, proc):
            try:
                if os.sched_getaffinity(tid) != every:
                    os.sched_setaffinity(tid, every)
                    moved += 1
            except OSError:
                pass
    return moved


def pin(cpus: frozenset[int]) -> Pinning:
    """Confine the run to `cpus` (Pinning) and measure only them from now on."""
    global _measured_cpus
    pinning = Pinning(cpus)
    _measured_cpus = cpus
    return pinning


def unpin(pinning: Pinning) -> None:
    """Give every confined thread its CPUs back; measure the whole machine again."""
    global _measured_cpus
    pinning.restore()
    _measured_cpus = None


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
        "cpus": cpus or measured_cpu_count(),
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
