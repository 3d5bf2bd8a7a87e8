"""The workloads: what every engine is asked to run, described once, as data.

A workload is a plain description (shapes, loss, learning rate, seeded data).  It never says *how*
to compute anything; each engine adapter in ``benchmarks/engines`` writes the workload in its own
library's idiom.  All engines start from the same NumPy arrays (data and initial weights, drawn
from one seeded generator), so their first losses agree and a mismatch shows up as a note instead
of hiding as a speed-up.

Kinds of workload:

* ``MLPStep``      one training step of a two-layer ReLU MLP: forward, loss, backward, SGD update,
                   and the loss read back to the host (as the seed's programs do each step).
* ``ControlFlow``  an MLP whose path depends on the data: a branch chosen by the sign of the
                   batch mean, then a loop of ``h = tanh(h @ w_r)`` whose trip count comes with the
                   batch, like a sequence length.  ``cond``/``while_loop`` in a static graph,
                   Python ``if``/``for`` in eager code.
* ``Classifier``   train a classifier on scikit-learn's digits (real data shipped inside the
                   scikit-learn wheel) until the test accuracy reaches a stated target.
* ``TinyOp``       overhead: one ``a + b`` on 1-element tensors (eager dispatch), or one call of
                   a compiled one-op graph (``Session.run``, a jitted function).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

FloatArrays = dict[str, np.ndarray]


def _normal(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    return (rng.standard_normal(shape, dtype=np.float32) * np.float32(scale)).astype(np.float32)


@dataclass(frozen=True)
class Workload:
    """Common fields: a unique ``name``, a ``group`` for the table and plots, a human ``title``."""

    name: str
    group: str
    title: str
    seed: int = field(default=0, kw_only=True)

    #: steps that form one full cycle of inputs; timing samples are whole cycles.
    cycle: int = field(default=1, kw_only=True)

    @property
    def kind(self) -> str:
        return type(self).__name__

    def describe(self) -> dict:
        """A JSON-friendly description (shapes and settings, never the arrays)."""
        out = {"kind": self.kind}
        for key, value in self.__dict__.items():
            if not key.startswith("_") and isinstance(value, (int, float, str, tuple)):
                out[key] = value
        return out


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
    #: "seed": weights ~ N(0, 1) as the seed's ``random_normal``/``randn``; "scaled": N(0, 1/fan_in).
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
        return {"x": _normal(rng, (self.N, self.D)), "y": _normal(rng, (self.N, self.D_out)),
                "w1": _normal(rng, (self.D, self.H), s1), "w2": _normal(rng, (self.H, self.D_out), s2)}

    @property
    def loss_scale(self) -> float:
        """The factor in front of ``sum(diff**2)``: 1 or 1/N."""
        return 1.0 if self.loss == "sum" else 1.0 / self.N


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
        return {"w_in": _normal(rng, (D, H), D ** -0.5), "w_a": _normal(rng, (H, H), H ** -0.5),
                "w_b": _normal(rng, (H, H), H ** -0.5), "w_r": _normal(rng, (H, H), H ** -0.5),
                "w_out": _normal(rng, (H, O), H ** -0.5)}

    @cached_property
    def batches(self) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """``(x, y, depth)`` per step of the cycle; x is shifted by +-0.5 so the branch taken is
        never a matter of rounding."""
        rng = np.random.default_rng(self.seed + 1)
        out = []
        for i, depth in enumerate(self.depths):
            shift = np.float32(0.5 if i % 2 == 0 else -0.5)
            x = (_normal(rng, (self.N, self.D)) + shift).astype(np.float32)
            out.append((x, _normal(rng, (self.N, self.D_out)), depth))
        return out


@dataclass(frozen=True)
class Classifier(Workload):
    """An MLP ``64 -> hidden -> 10`` (ReLU, biases) trained with softmax cross-entropy (mean over
    the batch) and plain SGD on scikit-learn's 8x8 digits, until the test accuracy reaches
    ``target``.  Minibatches (``drop_last``) and their order per epoch are fixed by the seed, so
    every engine sees the same batches and starts from the same weights."""

    hidden: int = 64
    batch: int = 32
    lr: float = 0.5
    target: float = 0.95
    max_epochs: int = 40
    test_fraction: float = 0.25

    @cached_property
    def data(self) -> FloatArrays:
        from sklearn.datasets import load_digits  # optional: the adapter checks for it

        digits = load_digits()
        x = (digits.data / 16.0).astype(np.float32)
        labels = digits.target.astype(np.int64)
        order = np.random.default_rng(self.seed).permutation(len(x))
        n_test = round(self.test_fraction * len(x))
        test, train = order[:n_test], order[n_test:]
        return {"x_train": x[train], "y_train": labels[train],
                "x_test": np.ascontiguousarray(x[test]), "y_test": labels[test]}

    @cached_property
    def weights(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed + 7)
        h = self.hidden
        return {"w1": _normal(rng, (64, h), 64 ** -0.5), "b1": np.zeros(h, np.float32),
                "w2": _normal(rng, (h, 10), h ** -0.5), "b2": np.zeros(10, np.float32)}

    def epoch_batches(self, epoch: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Contiguous ``(x, labels)`` minibatches for this epoch, same for every engine."""
        cache = self.__dict__.setdefault("_epochs", {})
        if epoch not in cache:
            d = self.data
            order = np.random.default_rng(self.seed + 100 + epoch).permutation(len(d["x_train"]))
            n = len(order) // self.batch
            cache[epoch] = [(np.ascontiguousarray(d["x_train"][idx]), d["y_train"][idx])
                            for idx in np.split(order[: n * self.batch], n)]
        return cache[epoch]

    def accuracy(self, logits: np.ndarray) -> float:
        return float(np.mean(np.argmax(np.asarray(logits), axis=1) == self.data["y_test"]))


@dataclass(frozen=True)
class TinyOp(Workload):
    """``op="add"``: one eager ``a + b`` on two 1-element float32 tensors.
    ``op="graph"``: one call of an already built one-op graph ``x + 1`` with x fed
    (``Session.run``, a jitted or compiled function)."""

    op: str = "add"
    size: int = 1

    @cached_property
    def arrays(self) -> FloatArrays:
        rng = np.random.default_rng(self.seed)
        return {"a": _normal(rng, (self.size,)), "b": _normal(rng, (self.size,))}


# -- the suites ------------------------------------------------------------------------------

SEED_STATIC = dict(N=64, D=1000, H=100, D_out=1000, loss="mean_rowsum", lr=1e-5)
SEED_EAGER = dict(N=64, D=1000, H=100, D_out=10, loss="sum", lr=1e-6)
LARGE = dict(N=512, D=1024, H=1024, D_out=1024, loss="sum", lr=1e-6, init="scaled")


def suite(size: str) -> list[Workload]:
    """The workloads for ``size`` in ``{"full", "quick", "tiny"}``.

    full:  the issue's shapes, and scaling sweeps over batch size and hidden width.
    quick: the same list without the large MLP and the width sweep, two batch sizes.
    tiny:  toy shapes for the harness's own tests; the numbers mean nothing.
    """
    if size == "tiny":
        mlps = [MLPStep("seed_static", "mlp", "seed static step (tiny)", N=4, D=8, H=5, D_out=6,
                        loss="mean_rowsum", lr=1e-3),
                MLPStep("seed_eager", "mlp", "seed eager step (tiny)", N=4, D=8, H=5, D_out=3,
                        lr=1e-3)]
        batches, widths = [2, 4], [3, 6]
        base = dict(D=8, D_out=3, lr=1e-3, loss="mean_rowsum", init="scaled")
        flow = ControlFlow("control_flow", "control", "data-dependent cond + loop (tiny)",
                           N=4, D=8, H=6, D_out=3, depths=(1, 2))
        clf = Classifier("digits", "train", "digits to 50% test accuracy (tiny)", hidden=8,
                         target=0.5, max_epochs=3)
    else:
        mlps = [MLPStep("seed_static", "mlp", "seed static step (64,1000,100,1000)", **SEED_STATIC),
                MLPStep("seed_eager", "mlp", "seed eager step (64,1000,100,10)", **SEED_EAGER)]
        if size == "full":
            mlps.append(MLPStep("large", "mlp", "large step (512,1024,1024,1024)", **LARGE))
            batches, widths = [16, 64, 256, 1024], [32, 128, 512, 2048]
        else:  # quick: one sweep, two points, to stay under a minute
            batches, widths = [16, 256], []
        # the sweeps span 64x in size: N(0, 1/fan_in) weights and a per-row loss keep one
        # learning rate stable at every point (the seed's N(0, 1) weights diverge at H=2048)
        base = dict(D=1000, D_out=10, lr=1e-3, loss="mean_rowsum", init="scaled")
        flow = ControlFlow("control_flow", "control", "data-dependent cond + loop (64,256,128,10)")
        clf = Classifier("digits", "train", "digits: time to 95% test accuracy")
    n0, h0 = (4, 5) if size == "tiny" else (64, 100)
    scaling = [MLPStep(f"batch_{n}", "scale_batch", f"batch sweep N={n} (N,{base['D']},{h0},"
                       f"{base['D_out']})", N=n, H=h0, **base) for n in batches]
    scaling += [MLPStep(f"width_{h}", "scale_width", f"width sweep H={h} ({n0},{base['D']},H,"
                        f"{base['D_out']})", N=n0, H=h, **base) for h in widths]
    tiny = [TinyOp("tiny_add", "overhead", "eager op a + b on 1-element tensors", op="add"),
            TinyOp("tiny_graph", "overhead", "one-op graph call (Session.run / jit) x + 1",
                   op="graph")]
    return [*mlps, flow, clf, *tiny, *scaling]
