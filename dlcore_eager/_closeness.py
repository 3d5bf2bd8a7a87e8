"""``torch.isclose``: the one elementwise closeness test, which ``torch.allclose`` /
``Tensor.allclose`` (``_tensor_ops``) reduce and ``_extra_ops`` installs."""
from __future__ import annotations

import numpy as np

from ._host import host as _host
from ._operand_rules import infer_sizes
from ._random_draws import _like
from .tensor import Tensor


def isclose(input: Tensor, other, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """``|input - other| <= atol + rtol |other|`` elementwise (infinities equal only to
    themselves; NaNs equal with ``equal_nan``)."""
    if isinstance(other, Tensor) and input._buf.dtype != other._buf.dtype:
        from ._dtype import from_numpy_dtype as _fd
        raise RuntimeError(f"{_fd(input._buf.dtype)._legacy} did not match "
                           f"{_fd(other._buf.dtype)._legacy}")
    infer_sizes(input, other)           # (PyTorch's broadcast error, before NumPy's)
    a, b = _host(input), _host(other)
    return _like(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan), input)
