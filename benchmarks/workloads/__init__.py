"""The workloads: what every engine is asked to run, described once, as data, one family a module.

**How to add a workload.**  Write a new module in this folder (``benchmarks/workloads/cnn.py``,
say); nothing else needs editing.  In it define the workload as a frozen dataclass deriving from
:class:`~benchmarks.workloads.base.Workload` (shapes, loss, learning rate and seeded NumPy
arrays: every engine starts from the same arrays), an ``ORDER`` integer for its place in the
table (MLP 10, control flow 20, classifier 30, overhead 40, sweeps 90: pick a free number), and
``workloads(size) -> list[Workload]`` returning its instances for ``size`` in ``{"full",
"quick", "tiny"}`` (``tiny``: toy shapes for the harness's own tests; ``quick``: what fits the
one-minute run; an empty list leaves the family out of that size).  Names must be unique across
families.  :func:`suite` finds the module by itself (every module here not starting with ``_``
and not ``base``).  Then teach the engines: each adapter in ``benchmarks/engines`` (through
``_tf1_programs.py`` and ``_torch_programs.py`` for the TF1-style and PyTorch-style engines)
builds a step for the new class and raises ``Unsupported`` until it does, which the table shows
as n/a, so a family can land before every engine speaks it.

Families today: ``mlp`` (``MLPStep``, the seed's training steps), ``control_flow``
(``ControlFlow``, data-dependent cond + loop), ``classifier`` (``Classifier``, digits to a target
accuracy), ``cnn`` (``LeNet5Step``, ``ResNetStep``), ``digits_cnn`` (``DigitsCNN``, a small CNN
on the same digits to a target accuracy; a ``Classifier``, so timed to its target), ``overhead``
(``TinyOp``, per-call cost) and ``sweeps`` (``MLPStep`` over batch size and hidden width).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from .base import FloatArrays, Workload, normal
from .classifier import Classifier
from .control_flow import ControlFlow
from .mlp import LARGE, SEED_EAGER, SEED_STATIC, MLPStep
from .overhead import TinyOp

SIZES = ("full", "quick", "tiny")


def families() -> list[ModuleType]:
    """Every workload module of this package, in table order (``ORDER``, then name)."""
    mods = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(mod, "workloads", None)):
            mods.append(mod)
    return sorted(mods, key=lambda m: (getattr(m, "ORDER", 50), m.__name__))


def suite(size: str) -> list[Workload]:
    """The workloads for ``size`` in ``{"full", "quick", "tiny"}``, every family in table order.

    full:  the seed's shapes, the large MLP, and sweeps over batch size and hidden width.
    quick: the same list without the large MLP and the width sweep, two batch sizes.
    tiny:  toy shapes for the harness's own tests; the numbers mean nothing.
    """
    if size not in SIZES:
        raise ValueError(f"unknown suite size {size!r}; use one of {', '.join(SIZES)}")
    out: list[Workload] = []
    seen: dict[str, str] = {}
    for mod in families():
        for wl in mod.workloads(size):
            if wl.name in seen:
                raise ValueError(f"workload name {wl.name!r} is defined by both "
                                 f"{seen[wl.name]} and {mod.__name__}")
            seen[wl.name] = mod.__name__
            out.append(wl)
    return out


__all__ = ["LARGE", "SEED_EAGER", "SEED_STATIC", "SIZES", "Classifier", "ControlFlow",
           "FloatArrays", "MLPStep", "TinyOp", "Workload", "families", "normal", "suite"]
