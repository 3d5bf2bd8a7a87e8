"""``torch.random``: the default generator's seed and state (``manual_seed``, ``seed``,
``initial_seed``, ``get_rng_state``/``set_rng_state``) and ``fork_rng``, a context manager that
restores the state on exit (see :mod:`dlcore_eager._math_extra` for the state's format)."""

from __future__ import annotations

import contextlib

from ._math_extra import get_rng_state, set_rng_state
from .creation import default_generator, initial_seed, manual_seed, seed

__all__ = ["default_generator", "fork_rng", "get_rng_state", "initial_seed", "manual_seed",
           "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda"):
    """Run the block with the default generator's state saved before and restored after."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)
