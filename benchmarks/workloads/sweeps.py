"""Scaling sweeps of the MLP step: batch size N and hidden width H (groups ``scale_batch`` and
``scale_width``, drawn as ``scale_batch.png`` / ``scale_width.png``)."""

from __future__ import annotations

from .base import Workload
from .mlp import MLPStep

ORDER = 90          # last in the table: the sweeps


def workloads(size: str) -> list[Workload]:
    """full: four batch sizes and four widths; quick: two batch sizes; tiny: toy shapes."""
    if size == "tiny":
        batches, widths = [2, 4], [3, 6]
        base = {"D": 8, "D_out": 3, "lr": 1e-3, "loss": "mean_rowsum", "init": "scaled"}
        n0, h0 = 4, 5
    else:
        batches, widths = ([16, 64, 256, 1024], [32, 128, 512, 2048]) if size == "full" else \
            ([16, 256], [])
        # the sweeps span 64x in size: N(0, 1/fan_in) weights and a per-row loss keep one
        # learning rate stable at every point (the seed's N(0, 1) weights diverge at H=2048)
        base = {"D": 1000, "D_out": 10, "lr": 1e-3, "loss": "mean_rowsum", "init": "scaled"}
        n0, h0 = 64, 100
    out: list[Workload] = [
        MLPStep(f"batch_{n}", "scale_batch",
                f"batch sweep N={n} (N,{base['D']},{h0},{base['D_out']})", N=n, H=h0, **base)
        for n in batches]
    out += [MLPStep(f"width_{h}", "scale_width",
                    f"width sweep H={h} ({n0},{base['D']},H,{base['D_out']})", N=n0, H=h, **base)
            for h in widths]
    return out
