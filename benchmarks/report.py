"""Turning results into a table (console and markdown), JSON, CSV and PNG pictures.

Table layout: one row per workload (and device), one column per engine that ran.  A cell is the
median time per step (or per op, or to the target accuracy) and, in brackets, the ratio to the
row's baseline: ``1.50x`` means 1.5 times the baseline's time (slower); ``0.50x`` twice as fast.
A second table gives setup and first-step times (compilation lives there), apart from the steady
state.  Files are plain JSON/CSV (no pickle); pictures use matplotlib's Agg backend.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .runner import Result


def fmt_time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} us" if seconds < 1e-5 else f"{seconds * 1e6:.0f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


LEGEND = ("Cell: median time (ratio to the row's baseline) and `c/w` = CPU time / wall time "
          "while timing: the cores the engine kept busy (above 1: more than one core; below 1: "
          "it waited, e.g. descheduled by other processes); `~` marks a noisy measurement "
          "(spread too wide even after a rerun, see the notes).  Load = 1-minute load average "
          "when the row finished.")


def _cell(r: Result | None) -> str:
    if r is None:
        return ""
    if r.status != "ok":
        return "n/a" if r.status == "n/a" else "failed"
    text = ("~" if r.noisy else "") + fmt_time(r.median_s)
    if r.ratio is not None:
        text += f" ({r.ratio:.2f}x)"
    if r.cpu_wall is not None:
        text += f" c/w {r.cpu_wall:.1f}"
    if "epochs" in r.extra:
        text += f", {r.extra['epochs']:g} ep"
        if r.extra.get("accuracy") is not None:          # the test accuracy reached
            text += f", acc {r.extra['accuracy']:.3f}"
    return text


def _columns(results: list[Result]) -> list[tuple[str, str]]:
    cols: dict[str, str] = {}
    for r in results:
        if r.status != "n/a" or r.engine not in cols:
            cols.setdefault(r.engine, r.label)
    return list(cols.items())


def _rows(results: list[Result]) -> dict[tuple[str, str], dict[str, Result]]:
    rows: dict[tuple[str, str], dict[str, Result]] = {}
    for r in results:
        title = r.title if r.device == "cpu" else f"{r.title} [{r.device}]"
        rows.setdefault((title, r.unit), {})[r.engine] = r
    return rows


def markdown_table(results: list[Result], first: bool = False) -> str:
    """Steady-state table, or (``first=True``) the setup + first-step table."""
    cols = _columns(results)
    head = "| workload | " + " | ".join(label for _, label in cols) + " | load |"
    lines = [head, "|---|" + "---|" * len(cols) + "---|"]
    for (title, unit), cells in _rows(results).items():
        if first:
            vals = [("-" if (c := cells.get(n)) is None or c.status != "ok" else
                     f"{fmt_time(c.setup_s)} + {fmt_time(c.first_s)}") for n, _ in cols]
        else:
            vals = [_cell(cells.get(n)) for n, _ in cols]
        load = next((c.load for c in cells.values() if c.load is not None), None)
        lines.append(f"| {title} ({unit}) | " + " | ".join(vals) +
                     f" | {'-' if load is None else f'{load:.2f}'} |")
    return "\n".join(lines)


def notes(results: list[Result], skipped: dict[str, str]) -> list[str]:
    """Skipped engines with their reasons, then every distinct note (failures, n/a, mismatches),
    with the workloads it applies to."""
    out = [f"skipped {name}: {why}" for name, why in skipped.items()]
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for r in results:
        if r.note:
            where = r.workload if r.device == "cpu" else f"{r.workload} [{r.device}]"
            grouped.setdefault((r.label, r.status, r.note), []).append(where)
    for (label, status, note), where in grouped.items():
        out.append(f"{label} ({status}) on {', '.join(where)}: {note}")
    return out


def write_files(folder: Path, results: list[Result], meta: dict[str, Any], text: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "results.json", folder / "results.csv", folder / "table.md"]
    with open(paths[0], "w", encoding="utf-8") as fh:
        json.dump({"meta": meta, "results": [asdict(r) for r in results]}, fh, indent=1)
    fields = [k for k in asdict(results[0]) if k not in ("samples", "error", "extra")] + [
        "epochs", "accuracy"] if results else []
    with open(paths[1], "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        for r in results:
            row = asdict(r)
            row.update({k: r.extra.get(k) for k in ("epochs", "accuracy")})
            writer.writerow(row)
    paths[2].write_text(text, encoding="utf-8")
    return paths


# -- pictures ----------------------------------------------------------------------------------

def _plt():
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_all(folder: Path, results: list[Result]) -> tuple[list[Path], str]:
    """Write the PNGs; returns their paths, or a note when matplotlib is missing."""
    try:
        plt = _plt()
    except ImportError:
        return [], "matplotlib not installed: no pictures (pip install matplotlib)"
    paths = []
    cpu = [r for r in results if r.device == "cpu"]
    main = [r for r in cpu if r.group not in ("scale_batch", "scale_width")]
    if any(r.status == "ok" for r in main):
        paths.append(_ratios(plt, folder / "ratios.png", main))
        paths.append(_first_step(plt, folder / "first_step.png", main))
    ok = [r for r in cpu if r.status == "ok" and r.median_s]
    for group, key in (("scale_batch", "N"), ("scale_width", "H")):
        rows = [r for r in ok if r.group == group]
        if rows:
            paths.append(_scaling(plt, folder / f"{group}.png", rows, key))
    return paths, ""


def time_label(seconds: float) -> str:
    """A tick label with its unit scaled: 50 µs, 1.5 ms, 2 s (never 6x10^4)."""
    if seconds <= 0:
        return "0"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.2g} ns"


def ratio_label(value: float) -> str:
    return f"{value:.3g}x"


def _log_axis(axis, fmt) -> None:
    """Plain labels on a log axis, formatted by ``fmt``: ticks at 1-2-5 steps, or at 1-1.5-2-3-5-7
    when the data span less than about two decades (so a narrow axis still has labels).  Call
    after plotting (it reads the axis limits)."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.axes.autoscale_view()
    lo, hi = axis.get_view_interval()
    narrow = lo > 0 and hi > 0 and math.log10(hi / lo) < 1.7
    subs = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0) if narrow else (1.0, 2.0, 5.0)
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: fmt(v)))
    axis.set_minor_formatter(NullFormatter())


def _titles(rows: list[Result]) -> list[tuple[str, str]]:
    """(workload name, table title wrapped for an axis label), in table order."""
    import textwrap

    seen = dict.fromkeys((r.workload, r.title) for r in rows)
    return [(w, "\n".join(textwrap.wrap(t, 24))) for w, t in seen]


def _baseline_label(rows: list[Result]) -> str:
    base = next((r.baseline for r in rows if r.baseline), None)
    return next((r.label for r in rows if r.engine == base), base or "the baseline")


def blend(ax):
    """x in data units, y as a fraction of the axes (for markers at the bottom of a plot)."""
    from matplotlib.transforms import blended_transform_factory

    return blended_transform_factory(ax.transData, ax.transAxes)


def _legend(ax) -> None:
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0,
              title="engine", title_fontsize=8)


def _grouped_bars(ax, rows: list[Result], value, text_for_missing,
                  hatch_noisy: bool = False) -> list[tuple[str, str]]:
    """Bars per workload, one colour per engine; a missing value gets a visible marker;
    ``hatch_noisy`` hatches the steady-state measurements flagged noisy."""
    workloads = _titles(rows)
    engines = list(dict.fromkeys((r.engine, r.label) for r in rows))
    width = 0.8 / max(len(engines), 1)
    for i, (name, label) in enumerate(engines):
        xs, ys = [], []
        colour = f"C{i}"
        for j, (wl, _title) in enumerate(workloads):
            x = j + (i - (len(engines) - 1) / 2) * width
            r = next((r for r in rows if r.workload == wl and r.engine == name), None)
            v = value(r) if r is not None else None
            if v:
                xs.append(x)
                ys.append(v)
            elif r is not None:                  # n/a or failed: say so where the bar would be
                ax.text(x, 0.03, text_for_missing(r), rotation=90, ha="center", va="bottom",
                        fontsize=8, color=colour, weight="bold", transform=blend(ax),
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": colour,
                              "lw": 0.8})
        bars = ax.bar(xs, ys, width=width, label=label, color=colour)
        for rect, r in zip(bars, [r for r in rows if r.engine == name and value(r)]):
            if r.noisy and hatch_noisy:
                rect.set_hatch("//")
    ax.set_xticks(range(len(workloads)), [t for _, t in workloads], fontsize=8)
    ax.set_xlim(-0.6, len(workloads) - 0.4)
    return workloads


def _missing(r: Result) -> str:
    return "n/a" if r.status == "n/a" else "failed" if r.status == "failed" else "no ratio"


def _ratios(plt, path: Path, rows: list[Result]) -> Path:
    fig = ratios_figure(plt, rows)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def ratios_figure(plt, rows: list[Result]):
    """The ratios bar chart (``ratios.png``) as a matplotlib Figure."""
    base = _baseline_label(rows)
    fig, ax = plt.subplots(figsize=(max(9, 1.5 * len(_titles(rows)) + 2), 5.2))
    _grouped_bars(ax, rows, lambda r: r.ratio if r.status == "ok" else None, _missing,
                  hatch_noisy=True)
    ax.set_yscale("log")
    _log_axis(ax.yaxis, ratio_label)
    ax.axhline(1.0, color="black", linewidth=0.9)
    ax.set_ylabel(f"time / {base}'s time  (log scale)")
    ax.set_title(f"Steady state: each engine's time relative to {base} (the baseline, 1x).\n"
                 f"Below the line = faster than {base}.  Hatched: noisy measurement; n/a: the "
                 f"engine does not run that workload.", fontsize=10)
    _legend(ax)
    fig.tight_layout()
    return fig


def _first_step(plt, path: Path, rows: list[Result]) -> Path:
    fig, ax = plt.subplots(figsize=(max(9, 1.5 * len(_titles(rows)) + 2), 5.2))
    _grouped_bars(ax, rows, lambda r: r.first_s if r.status == "ok" else None, _missing)
    ax.set_yscale("log")
    _log_axis(ax.yaxis, time_label)
    ax.set_ylabel("first step time  (log scale)")
    ax.set_title("Time of each engine's first step (compilation, first-touch costs), "
                 "setup excluded;\nlower is better.  n/a: the engine does not run that "
                 "workload.", fontsize=10)
    _legend(ax)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _scaling(plt, path: Path, rows: list[Result], key: str) -> Path:
    fig = scaling_figure(plt, rows, key)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scaling_figure(plt, rows: list[Result], key: str):
    """A sweep's picture (``scale_batch.png``, ``scale_width.png``) as a matplotlib Figure."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7.5, 7.5), sharex=True)
    base = _baseline_label(rows)
    for name, label in dict.fromkeys((r.engine, r.label) for r in rows):
        mine = sorted((int(r.workload.split("_")[-1]), r) for r in rows if r.engine == name)
        xs = [x for x, _ in mine]
        top.plot(xs, [r.median_s for _, r in mine], marker="o", label=label)
        pairs = [(x, r.ratio) for x, r in mine if r.ratio is not None]
        if pairs:
            bottom.plot(*zip(*pairs), marker="o", label=label)
    top.set_xscale("log", base=2)
    top.set_yscale("log")
    _log_axis(top.yaxis, time_label)
    top.set_ylabel("median time per training step")
    top.legend(fontsize=8)
    bottom.axhline(1.0, color="black", linewidth=0.8)
    bottom.set_yscale("log")
    _log_axis(bottom.yaxis, ratio_label)
    bottom.set_ylabel(f"time / {base}'s time")
    bottom.set_xlabel({"N": "batch size N", "H": "hidden width H"}[key])
    from matplotlib.ticker import FuncFormatter

    bottom.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    shape = re.search(r"\([^()]*\)\s*$", rows[0].title)
    what = {"N": "batch size N", "H": "hidden width H"}[key]
    dims = shape.group(0).strip() if shape else ""
    top.set_title(f"MLP training step (N, D, H, outputs) = {dims} against {what}", fontsize=10)
    fig.tight_layout()
    return fig
