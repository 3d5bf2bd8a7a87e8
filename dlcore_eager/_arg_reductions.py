"""``argmax``/``argmin`` with PyTorch's conventions (``torch.argmax``, ``Tensor.argmax``: a
bool input refused, an empty reduction's error, ``dim=None, keepdim=True``'s all-ones shape,
an unsigned input's argmin in int64); small CPU tensors take the lane's entry in front of
these (``_lane._arg_parse``).  Moved out of ``_tensor_ops`` (its 600-line limit), which
re-exports them."""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.errors import AxisError

from ._int_dims import dim_error
from ._operand_rules import torch_error


def argmax(x, dim=None, keepdim=False):
    b = x._buf
    if b.dtype.kind == "b":                 # (PyTorch's rule, here rather than in a wrapper)
        raise RuntimeError("argmax(): does not support bool input")
    # (small CPU tensors: the lane's entry in front of this one, _lane._arg_parse)
    if 0 in b.shape:
        _empty_arg_reduction("argmax", x, dim)
    if dim is None and keepdim:
        return _ops.reshape(_ops.argmax(x), (1,) * x.ndim)
    try:
        return _ops.argmax(x, None if dim is None else _ops._rules.as_dim(dim, "argmax"), keepdim)
    except AxisError as e:          # (PyTorch's IndexError and words)
        raise torch_error(e) from None
    except TypeError:               # (a tuple dim: PyTorch's words, _int_dims)
        err = dim_error("argmax", dim)
        if err is None:
            raise
        raise err from None


def _empty_arg_reduction(name, x, dim):
    from ._dtype_guards import empty_reduction_error
    e = empty_reduction_error(name, x._buf.shape, dim)
    if e is not None:
        raise e


def argmin(x, dim=None, keepdim=False):
    if x._buf.dtype.kind == "b":
        raise RuntimeError("argmin(): does not support bool input")
    if 0 in x._buf.shape:
        _empty_arg_reduction("argmin", x, dim)
    err = dim_error("argmin", dim) if dim is not None and type(dim) is not int else None
    if err is not None:
        raise err
    if x._buf.dtype.kind == "u":        # (negating an unsigned value wraps: -1 is 255)
        x = _ops.cast(x, np.int64)
    return argmax(_ops.neg(x), dim, keepdim)
