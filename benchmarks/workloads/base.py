"""What every workload shares: a name, a group for the table and plots, a title, a seed.

A workload is a plain description (shapes, loss, learning rate, seeded data).  It never says *how*
to compute anything; each engine adapter in ``benchmarks/engines`` writes the workload in its own
library's idiom.  All engines start from the same NumPy arrays (data and initial weights, drawn
from one seeded generator), so their first losses agree and a mismatch shows up as a note instead
of hiding as a speed-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FloatArrays = dict[str, np.ndarray]


def normal(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
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
