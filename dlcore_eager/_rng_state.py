"""A generator's whole state as a uint8 tensor (``torch.get_rng_state``,
``Generator.get_state``): PyTorch's ``CPUGeneratorImplState``, 5056 bytes (layout in
:mod:`dlcore_eager._torch_rng`), so states move between PyTorch and dlcore_eager both ways.
``decode`` validates the tensor before it changes anything, so a bad state leaves the generator
as it was."""

from __future__ import annotations

import numpy as np

from ._host import host as _host
from ._torch_rng import STATE_BYTES
from .tensor import Tensor


def encode(gen) -> Tensor:
    return Tensor._wrap(np.frombuffer(gen._engine.get_state(), np.uint8).copy())


def decode(gen, new_state) -> None:
    if not isinstance(new_state, Tensor):
        raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
    if new_state._buf.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    raw = _host(new_state).reshape(-1)
    if raw.size != STATE_BYTES:
        raise RuntimeError(f"Expected a CPUGeneratorImplState of size {STATE_BYTES} but found "
                           f"the input RNG state size to be {raw.size}")
    gen._engine.set_state(raw.tobytes())
