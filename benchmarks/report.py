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


def _cell(r: Result | None) -> str:
    if r is None:
        return ""
    if r.status != "ok":
        return "n/a" if r.status == "n/a" else "failed"
    text = fmt_time(r.median_s)
    if r.ratio is not None:
        text += f" ({r.ratio:.2f}x)"
    if "epochs" in r.extra:
        text += f", {r.extra['epochs']:g} ep"
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
    head = "| workload | " + " | ".join(label for _, label in cols) + " |"
    lines = [head, "|---|" + "---|" * len(cols)]
    for (title, unit), cells in _rows(results).items():
        if first:
            vals = [("-" if (c := cells.get(n)) is None or c.status != "ok" else
                     f"{fmt_time(c.setup_s)} + {fmt_time(c.first_s)}") for n, _ in cols]
        else:
            vals = [_cell(cells.get(n)) for n, _ in cols]
        lines.append(f"| {title} ({unit}) | " + " | ".join(vals) + " |")
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
    ok = [r for r in results if r.status == "ok" and r.median_s and r.device == "cpu"]
    main = [r for r in ok if r.group not in ("scale_batch", "scale_width")]
    if main:
        paths.append(_bars(plt, folder / "ratios.png", main, "ratio",
                           "time / baseline time (lower is faster)"))
        paths.append(_bars(plt, folder / "first_step.png", main, "first_s",
                           "setup excluded: first step, seconds (compilation)"))
    for group, key in (("scale_batch", "N"), ("scale_width", "H")):
        rows = [r for r in ok if r.group == group]
        if rows:
            paths.append(_scaling(plt, folder / f"{group}.png", rows, key))
    return paths, ""


def _bars(plt, path: Path, rows: list[Result], attr: str, ylabel: str) -> Path:
    workloads = list(dict.fromkeys(r.workload for r in rows))
    engines = list(dict.fromkeys((r.engine, r.label) for r in rows))
    fig, ax = plt.subplots(figsize=(max(7, 1.3 * len(workloads)), 4.5))
    width = 0.8 / max(len(engines), 1)
    for i, (name, label) in enumerate(engines):
        xs, ys = [], []
        for j, wl in enumerate(workloads):
            r = next((r for r in rows if r.workload == wl and r.engine == name), None)
            value = getattr(r, attr) if r is not None else None
            if value:
                xs.append(j + (i - (len(engines) - 1) / 2) * width)
                ys.append(value)
        ax.bar(xs, ys, width=width, label=label)
    ax.set_xticks(range(len(workloads)), workloads, rotation=20, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title({"ratio": "steady state, relative to the baseline",
                  "first_s": "first step after setup (compilation included)"}[attr], fontsize=10)
    if attr == "ratio":
        ax.axhline(1.0, color="black", linewidth=0.8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _scaling(plt, path: Path, rows: list[Result], key: str) -> Path:
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
    for name, label in dict.fromkeys((r.engine, r.label) for r in rows):
        mine = sorted((int(r.workload.split("_")[-1]), r) for r in rows if r.engine == name)
        xs = [x for x, _ in mine]
        top.plot(xs, [r.median_s * 1e6 for _, r in mine], marker="o", label=label)
        pairs = [(x, r.ratio) for x, r in mine if r.ratio is not None]
        if pairs:
            bottom.plot(*zip(*pairs), marker="o", label=label)
    top.set_xscale("log", base=2)
    top.set_yscale("log")
    top.set_ylabel("median step time (us)")
    top.legend(fontsize=8)
    bottom.axhline(1.0, color="black", linewidth=0.8)
    bottom.set_yscale("log")
    bottom.set_ylabel(f"time / {rows[0].baseline or 'baseline'} time")
    bottom.set_xlabel({"N": "batch size N", "H": "hidden width H"}[key])
    top.set_title({"N": "MLP training step against batch size N",
                   "H": "MLP training step against hidden width H"}[key], fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
