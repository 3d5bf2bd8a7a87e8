"""``ControlFlow``: an MLP whose path depends on the data: a branch chosen by the sign of the
batch mean, then a loop of ``h = tanh(h @ w_r)`` whose trip count comes with the batch, like a
sequence length.  ``cond``/``while_loop`` in a static graph, Python ``if``/``for`` in eager code."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .base import FloatArrays, Workload, normal

ORDER = 20

@dataclass(frozen=True)
class ControlFlow(Workload):
    """``h = relu(x @ w_in)``; ``h = h @ w_a if mean(x) > 0 else h @ w_b``; ``depth`` times
    ``h = tanh(h @ w_r)``; ``y_pred = h @ w_out``; loss ``sum((y_pred - y)**2)``; SGD on all five
    weights.  The step cycles through ``len(depths)`` batches whose means alternate in sign."""

    N: int = 64
    D: int = 256
    H: int = 128
    D_out: int = 10
    depths: tuple[int, ...] = (1, 2, 3, 4)
    lr: float = 1e-4

    def __post_init__(self) -> None:
        object.__setattr__(self, "cycle", len(self.depths))

    @cached_property
    def weights(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed)
        D, H, O = self.D, self.H, self.D_out
        return {"w_in": normal(rng, (D, H), D ** -0.5), "w_a": normal(rng, (H, H), H ** -0.5),
                "w_b": normal(rng, (H, H), H ** -0.5), "w_r": normal(rng, (H, H), H ** -0.5),
                "w_out": normal(rng, (H, O), H ** -0.5)}

    @cached_property
    def batches(self) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """``(x, y, depth)`` per step of the cycle; x is shifted by +-0.5 so the branch taken is
        never a matter of rounding."""
        rng = np.random.default_rng(self.seed + 1)
        out = []
        for i, depth in enumerate(self.depths):
            shift = np.float32(0.5 if i % 2 == 0 else -0.5)
            x = (normal(rng, (self.N, self.D)) + shift).astype(np.float32)
            out.append((x, normal(rng, (self.N, self.D_out)), depth))
        return out


def workloads(size: str) -> list[Workload]:
    if size == "tiny":
        return [ControlFlow("control_flow", "control", "data-dependent cond + loop (tiny)",
                            N=4, D=8, H=6, D_out=3, depths=(1, 2))]
    return [ControlFlow("control_flow", "control", "data-dependent cond + loop (64,256,128,10)")]
