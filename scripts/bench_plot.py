"""The plot of a rate sweep (scripts/bench --sweep --plot OUT.png, or again from its JSON:
scripts/bench --plot-from RESULTS.json --plot OUT.png): end-to-end latency p50, p90 and
p99 (publish -> interaction.message.appended seen, log scale) against the rate each step
achieved (appended SMS over first publish to last append), one point per step, labelled
with the rate asked.

matplotlib comes from Debian (python3-matplotlib; scripts/lib/infra.sh sb_install_deps),
which only Debian's own interpreter sees. When the interpreter running the benchmark (a
pyenv or a venv python3) has no matplotlib, the plot is drawn by running this file with
/usr/bin/python3 instead (`find_plotter`), so no pip package is needed. Run as a script:

    /usr/bin/python3 scripts/bench_plot.py RESULTS.json OUT.png

Only the standard library is imported at the top; matplotlib when drawing (Agg backend).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

DEBIAN_PYTHON = "/usr/bin/python3"
PERCENTILES = ("p50", "p90", "p99")


def has_matplotlib(python: str | None = None) -> bool:
    """Whether PYTHON (default: this interpreter) can import matplotlib."""
    if python is None:
        return importlib.util.find_spec("matplotlib") is not None
    try:
        return subprocess.run([python, "-c", "import matplotlib"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_plotter(candidates=(DEBIAN_PYTHON,)) -> str | None:
    """'' when this interpreter has matplotlib; else the first of CANDIDATES (other
    interpreters) that has it; None when none has."""
    if has_matplotlib():
        return ""
    own = os.path.realpath(sys.executable)
    for python in candidates:
        if os.access(python, os.X_OK) and os.path.realpath(python) != own and has_matplotlib(python):
            return python
    return None


MISSING_MATPLOTLIB = (
    "--plot needs matplotlib: apt-get install python3-matplotlib (or: source scripts/lib/infra.sh && sb_install_deps); "
    f"it is used from this interpreter or from {DEBIAN_PYTHON}"
)


def load_sweep(path: str | Path) -> dict:
    """A sweep's JSON (scripts/bench --sweep --out FILE); ValueError when it is not one."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("mode") != "sweep" or not isinstance(data.get("table"), list):
        raise ValueError(f"{path} is not the JSON of a sweep (scripts/bench --sweep --out FILE)")
    return data


def plot_points(sweep: dict) -> list[dict]:
    """The points to draw, by rate achieved: {rate, label, p50, p90, p99} (ms) for each row
    of the sweep's table with a rate and at least one percentile."""
    points = []
    for row in sweep["table"]:
        rate = row.get("achieved_per_s")
        latency = row.get("latency_ms") or {}
        if not rate or all(latency.get(p) is None for p in PERCENTILES):
            continue
        points.append({"rate": rate, "label": row.get("step", ""), **{p: latency.get(p) for p in PERCENTILES}})
    return sorted(points, key=lambda point: point["rate"])


def title(sweep: dict) -> str:
    """The plot's title: what was measured (the sweep's own "title", when it has one), on how
    many CPUs."""
    peak = sweep.get("peak") or {}
    cpus = (peak.get("machine") or {}).get("cpus")
    stages = ", --stages" if sweep.get("stages_observed") else ""
    what = sweep.get("title") or "Inbound SMS, publish → interaction.message.appended"
    return f"{what} ({cpus} CPUs{stages})"


RATE_LABEL = "rate achieved (appended SMS/s, first publish to last append)"


def draw(points: list[dict], out_path: str | Path, heading: str, rate_label: str = RATE_LABEL) -> None:
    """Write the plot of POINTS to OUT_PATH (PNG, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not points:
        raise ValueError("nothing to plot: no step has a rate and a latency")
    figure, axes = plt.subplots(figsize=(8, 5), dpi=120)
    rates = [point["rate"] for point in points]
    for percentile, style in zip(PERCENTILES, ("o-", "s--", "^:")):
        values = [(r, point[percentile]) for r, point in zip(rates, points) if point[percentile] is not None]
        axes.plot([v[0] for v in values], [v[1] for v in values], style, label=percentile)
    for point in points:
        axes.annotate(point["label"], (point["rate"], point["p50"] or point["p99"] or 1), textcoords="offset points",
                      xytext=(4, -12), fontsize=8)
    if all((point[p] or 0) > 0 for point in points for p in PERCENTILES if point[p] is not None):
        axes.set_yscale("log")
    axes.margins(x=0.08)
    axes.set_xlabel(rate_label)
    axes.set_ylabel("latency (ms)")
    axes.set_title(heading, fontsize=10)
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(out_path, format="png")
    plt.close(figure)


def plot_sweep(sweep: dict, out_path: str | Path) -> None:
    """Draw SWEEP in this interpreter."""
    draw(plot_points(sweep), out_path, title(sweep), sweep.get("rate_label") or RATE_LABEL)


def render(sweep: dict, out_path: str | Path, plotter: str | None = None) -> None:
    """Draw SWEEP to OUT_PATH: in this interpreter (PLOTTER '') or by running this file
    with the interpreter PLOTTER (see find_plotter; None: look for one now). Raises
    RuntimeError when it could not be drawn."""
    if plotter is None:
        plotter = find_plotter()
        if plotter is None:
            raise RuntimeError(MISSING_MATPLOTLIB)
    if plotter == "":
        try:
            plot_sweep(sweep, out_path)
        except ValueError as error:
            raise RuntimeError(str(error)) from None
        return
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(sweep, handle)
        data_path = handle.name
    try:
        result = subprocess.run([plotter, str(Path(__file__).resolve()), data_path, str(out_path)],
                                capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(data_path)
    if result.returncode != 0:
        raise RuntimeError(f"{plotter} could not draw the plot: {result.stderr.strip()[-2000:]}")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: bench_plot.py RESULTS.json OUT.png", file=sys.stderr)
        return 2
    try:
        plot_sweep(load_sweep(argv[0]), argv[1])
    except ValueError as error:
        print(f"bench_plot: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
