"""A generator's whole state as a uint8 tensor (``torch.get_rng_state``,
``Generator.get_state``): PCG64's 128-bit state and increment, its buffered 32-bit value and
flag, and the initial seed, little-endian, 48 bytes.  ``decode`` validates the tensor before it
changes anything, so a bad state leaves the generator as it was."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._host import host as _host
from .tensor import Tensor

_STATE_BYTES = 48


def encode(gen) -> Tensor:
    st: Any = gen._np.bit_generator.state
    words = (st["state"]["state"].to_bytes(16, "little")
             + st["state"]["inc"].to_bytes(16, "little")
             + int(st["has_uint32"]).to_bytes(4, "little")
             + int(st["uinteger"]).to_bytes(4, "little")
             + int(gen._seed % 2 ** 64).to_bytes(8, "little"))
    return Tensor._wrap(np.frombuffer(words, np.uint8).copy())


def decode(gen, new_state) -> None:
    if not isinstance(new_state, Tensor):
        raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
    if new_state._buf.dtype != np.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    raw = _host(new_state).reshape(-1)
    if raw.size != _STATE_BYTES:
        raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found "
                           f"the input RNG state size to be {raw.size}")
    b = raw.tobytes()
    state: dict[str, Any] = {"bit_generator": "PCG64",
                             "state": {"state": int.from_bytes(b[0:16], "little"),
                                       "inc": int.from_bytes(b[16:32], "little")},
                             "has_uint32": int.from_bytes(b[32:36], "little"),
                             "uinteger": int.from_bytes(b[36:40], "little")}
    if state["state"]["inc"] % 2 == 0 or state["has_uint32"] not in (0, 1):
        raise RuntimeError("set_rng_state: the tensor is not a state of this generator")
    gen._np.bit_generator.state = state
    gen._seed = int.from_bytes(b[40:48], "little")
