"""``MLPStep``: one training step of a two-layer ReLU MLP (forward, loss, backward, SGD update,
and the loss read back to the host, as the seed's programs do each step); the seed's shapes, the
large MLP, and the sweeps over batch size and hidden width."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .base import FloatArrays, Workload, normal

#: table position of this family (families are sorted by it; see the package docstring)
ORDER = 10

@dataclass(frozen=True)
class MLPStep(Workload):
    """``y_pred = relu(x @ w1) @ w2`` with loss ``sum((y_pred - y)**2)`` (``loss="sum"``, the
    seed's PyTorch programs) or that sum divided by N (``loss="mean_rowsum"``, the seed's
    TensorFlow ``reduce_mean(reduce_sum(diff**2, axis=1))``).  No biases, as in the seed."""

    N: int = 64
    D: int = 1000
    H: int = 100
    D_out: int = 10
    loss: str = "sum"
    lr: float = 1e-6
    #: "seed": weights ~ N(0, 1) as the seed's ``random_normal``/``randn``;
    #: "scaled": N(0, 1/fan_in).
    init: str = "seed"

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.N, self.D, self.H, self.D_out)

    @cached_property
    def arrays(self) -> FloatArrays:
        """x, y and the initial w1, w2 (float32)."""
        rng = np.random.default_rng(self.seed)
        s1 = 1.0 if self.init == "seed" else 1.0 / np.sqrt(self.D)
        s2 = 1.0 if self.init == "seed" else 1.0 / np.sqrt(self.H)
        return {"x": normal(rng, (self.N, self.D)), "y": normal(rng, (self.N, self.D_out)),
                "w1": normal(rng, (self.D, self.H), s1),
                "w2": normal(rng, (self.H, self.D_out), s2)}

    @property
    def loss_scale(self) -> float:
        """The factor in front of ``sum(diff**2)``: 1 or 1/N."""
        return 1.0 if self.loss == "sum" else 1.0 / self.N


SEED_STATIC = {"N": 64, "D": 1000, "H": 100, "D_out": 1000, "loss": "mean_rowsum", "lr": 1e-5}
SEED_EAGER = {"N": 64, "D": 1000, "H": 100, "D_out": 10, "loss": "sum", "lr": 1e-6}
LARGE = {"N": 512, "D": 1024, "H": 1024, "D_out": 1024, "loss": "sum", "lr": 1e-6,
         "init": "scaled"}


def workloads(size: str) -> list[Workload]:
    """full: the seed's static and eager steps and the large MLP; quick: without the large one;
    tiny: toy shapes (the numbers mean nothing)."""
    if size == "tiny":
        return [MLPStep("seed_static", "mlp", "seed static step (tiny)", N=4, D=8, H=5, D_out=6,
                        loss="mean_rowsum", lr=1e-3),
                MLPStep("seed_eager", "mlp", "seed eager step (tiny)", N=4, D=8, H=5, D_out=3,
                        lr=1e-3)]
    out = [MLPStep("seed_static", "mlp", "seed static step (64,1000,100,1000)", **SEED_STATIC),
           MLPStep("seed_eager", "mlp", "seed eager step (64,1000,100,10)", **SEED_EAGER)]
    if size == "full":
        out.append(MLPStep("large", "mlp", "large step (512,1024,1024,1024)", **LARGE))
    return out
