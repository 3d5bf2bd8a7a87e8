"""``torch.isclose``: the one elementwise closeness test, which ``torch.allclose`` /
``Tensor.allclose`` reduce and ``_extra_ops`` installs; ``torch.equal``."""
from __future__ import annotations

import numpy as np

from dlcore import ops as _ops

from ._arg_checks import not_tensor as _not_tensor
from ._host import host as _host
from ._operand_rules import _operands, infer_sizes
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


def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """``isclose(self, other, rtol, atol, equal_nan).all()``, as PyTorch's (equal infinities
    close, NaNs with ``equal_nan``, its dtype mismatch error)."""
    _tensors("allclose", self, other)
    return bool(isclose(self, other, rtol, atol, equal_nan)._buf.all())


def equal(self, other) -> bool:
    """True where the shapes agree and every element does (in the promoted dtype; NaN is
    unequal even to itself, as PyTorch's)."""
    _tensors("equal", self, other)
    a, b = self._buf, other._buf
    if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype is b.dtype:
        # (two CPU tensors of one dtype: NumPy's comparison, not three ops and a tensor:
        # 8x16 25 -> ~2 us, issue 19)
        return a.shape == b.shape and bool((a == b).all())
    return tuple(self.shape) == tuple(other.shape) and \
        bool(_host(_ops.equal(*_operands(self, other))).all())


def _tensors(op: str, input, other) -> None:
    """PyTorch's TypeError where either operand is not a tensor (``torch.equal(t, 1)``)."""
    for name, pos, v in (("input", 1, input), ("other", 2, other)):
        if not isinstance(v, Tensor):
            raise _not_tensor(op, name, pos, v)
