"""``TinyOp``: per-call overhead: one ``a + b`` on 1-element tensors (eager dispatch), or one
call of a compiled one-op graph (``Session.run``, a jitted function)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .base import FloatArrays, Workload, normal

ORDER = 40

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
        return {"a": normal(rng, (self.size,)), "b": normal(rng, (self.size,))}


def workloads(size: str) -> list[Workload]:
    return [TinyOp("tiny_add", "overhead", "eager op a + b on 1-element tensors", op="add"),
            TinyOp("tiny_graph", "overhead", "one-op graph call (Session.run / jit) x + 1",
                   op="graph")]
