"""Engine adapters, one module each, all with the interface described in ``base``.

``ENGINE_MODULES`` lists them in table order.  ``load`` imports an adapter module; an adapter that
fails to import (a bug in it, or a broken optional package) becomes a ``Missing`` engine that
reports why, so one engine can never stop the run.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from .base import Prepared, Unsupported

ENGINE_MODULES: tuple[str, ...] = (
    "dlcore_static", "dlcore_static_passes", "dlcore_eager", "numpy_hand", "torch_eager",
    "torch_compile", "jax_jit", "tf1",
)

#: baseline preference for ratios: the first of these with a result in a row.
BASELINES: tuple[str, ...] = ("torch", "numpy")


@dataclass
class Missing:
    """Stands in for an adapter module that could not be imported."""

    NAME: str
    LABEL: str
    reason: str

    def available(self) -> tuple[bool, str]:
        return False, self.reason

    def setup(self, workload: Any, device: str) -> Prepared:
        raise Unsupported(self.reason)


def load(module_name: str) -> ModuleType | Missing:
    try:
        return importlib.import_module(f"{__name__}.{module_name}")
    except Exception as exc:  # the adapter itself is broken
        return Missing(module_name, module_name, f"adapter failed to import: {exc!r}")


def load_all(names: list[str] | None = None) -> list[Any]:
    """The adapters, in table order; ``names`` filters by NAME or module name."""
    engines = [load(m) for m in ENGINE_MODULES]
    if names:
        wanted = set(names)
        all_names = [e.NAME for e in engines]
        known = set(all_names) | set(ENGINE_MODULES)
        engines = [e for e, m in zip(engines, ENGINE_MODULES) if e.NAME in wanted or m in wanted]
        engines += [Missing(n, n, f"unknown engine (known: {', '.join(all_names)})")
                    for n in names if n not in known]
    return engines
