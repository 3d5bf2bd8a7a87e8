"""``addcmul``/``addcdiv`` (functions, methods, in-place forms), ``chain_matmul`` and the
deprecated ``torch.lu``, as PyTorch writes them: keyword ``value``, PyTorch's promotion of the
three operands (``_long_tail._result_dtype``), ``out=`` (through ``_api.write_out``), PyTorch's
errors and deprecation warnings.  Composites of existing operations: the gradients are
theirs."""

from __future__ import annotations

import builtins
import numbers
import warnings

from . import _dtype as D
from ._graph import labelled
from ._overlap import check_no_partial_overlap
from ._long_tail import _result_dtype
from ._operand_rules import infer_sizes, scalar_as
from .tensor import Tensor


def _write(result: Tensor, out, name: str) -> Tensor:
    if out is None:
        return result
    from ._api import write_out
    return write_out(result, out, name)


def _pointwise3(name: str, input, tensor1, tensor2, value):
    for v in (input, tensor1, tensor2):
        if not isinstance(v, Tensor):
            raise TypeError(f"{name}(): argument 'input', 'tensor1' and 'tensor2' must be "
                            f"Tensor, not {type(v).__name__}")
    dt = _result_dtype((input, tensor1, tensor2))
    infer_sizes(input, tensor1, tensor2)    # PyTorch's broadcast error, its operands' order
    if isinstance(value, Tensor):
        value = value.item()
    if D.category(dt) < 2 and not isinstance(value, numbers.Integral):
        value = builtins.int(value)            # PyTorch casts value to the integer type
    if dt.kind in "iu" and isinstance(value, numbers.Integral) and not isinstance(value, bool):
        scalar_as(builtins.int(value), dt)      # (range-checked: int8 value=1000 raises
                                                # PyTorch's RuntimeError, was wrapped)
    return [v._cast(D.from_numpy_dtype(dt)) for v in (input, tensor1, tensor2)], value


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 * tensor2`` (broadcast; dtype by PyTorch's promotion)."""
    (a, b, c), value = _pointwise3("addcmul", input, tensor1, tensor2, value)
    return _write(labelled(a + value * b * c, "AddcmulBackward0", a, b, c, edges=(a, b, c)), out, "addcmul")


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1, out=None) -> Tensor:
    """``input + value * tensor1 / tensor2``; integer ``tensor1`` and ``tensor2`` are refused,
    as PyTorch refuses them."""
    if all(isinstance(v, Tensor) and D.category(v._buf.dtype) < 2 for v in (tensor1, tensor2)):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  "
            "release addcdiv will perform a true division of tensor1 and tensor2. The "
            "historic addcdiv behavior can be implemented as (input + value * "
            "torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as "
            "(input + value * tensor1 / tensor2) for float inputs. The future addcdiv "
            "behavior is just the latter implementation: (input + value * tensor1 / "
            "tensor2), for all dtypes.")
    (a, b, c), value = _pointwise3("addcdiv", input, tensor1, tensor2, value)
    return _write(labelled(a + value * b / c, "AddcdivBackward0", a, b, c, edges=(a, b, c)), out, "addcdiv")


def _addcmul_method(self, tensor1, tensor2, *, value=1) -> Tensor:
    return addcmul(self, tensor1, tensor2, value=value)


def _addcdiv_method(self, tensor1, tensor2, *, value=1) -> Tensor:
    return addcdiv(self, tensor1, tensor2, value=value)


def _inplace_of(fn):
    def method(self, tensor1, tensor2, *, value=1):
        self._check_inplace()
        check_no_partial_overlap(self, (tensor1, tensor2))
        return self._commit(fn(self._original((tensor1, tensor2)), tensor1, tensor2,
                               value=value))
    method.__name__ = fn.__name__ + "_"
    return method


def chain_matmul(*matrices, out=None) -> Tensor:
    """The product of 2-D matrices (deprecated in PyTorch for ``torch.linalg.multi_dot``)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    if len(matrices) == 1:
        m = matrices[0]
        if m.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {m.dim()}, expected 2 instead.")
        return _write(m.clone(), out, "chain_matmul")
    for m in matrices:
        if m.dim() != 2:
            raise RuntimeError(f"Tensor dimension is {m.dim()}, expected 2 instead.")
    from .linalg import multi_dot
    return _write(multi_dot(list(matrices)), out, "chain_matmul")


def lu(A: Tensor, pivot: builtins.bool = True, get_infos: builtins.bool = False, out=None):
    """``torch.lu`` (deprecated in PyTorch): ``(LU, pivots)`` of ``torch.linalg.lu_factor``, and
    ``info`` too with ``get_infos=True``."""
    warnings.warn(
        "torch.lu is deprecated in favor of torch.linalg.lu_factor / torch.linalg.lu_factor_ex "
        "and will be removed in a future PyTorch release.\nLU, pivots = torch.lu(A, "
        "compute_pivots)\nshould be replaced with\nLU, pivots = torch.linalg.lu_factor(A, "
        "compute_pivots)\nand\nLU, pivots, info = torch.lu(A, compute_pivots, get_infos=True)\n"
        "should be replaced with\nLU, pivots, info = torch.linalg.lu_factor_ex(A, "
        "compute_pivots)", UserWarning, stacklevel=2)
    from . import linalg
    result: tuple
    if get_infos:
        res = linalg.lu_factor_ex(A, pivot=pivot)
        result = (res[0], res[1], res[2])
    else:
        res = linalg.lu_factor(A, pivot=pivot)
        result = (res[0], res[1])
    if out is not None:
        for o, r in zip(out, result):
            _write(r, o, "lu")
        return tuple(out)
    return result


FUNCTIONS = ["addcmul", "addcdiv", "chain_matmul", "lu"]


def install(module) -> None:
    """Put the functions on ``dlcore_eager`` (never overriding), and PyTorch's
    ``Tensor.addcmul``/``addcdiv`` (keyword ``value``, promotion, out of place and in place)."""
    from ._install import install_names
    install_names(module, globals(), FUNCTIONS, [])
    Tensor.addcmul, Tensor.addcdiv = _addcmul_method, _addcdiv_method
    Tensor.addcmul_, Tensor.addcdiv_ = _inplace_of(addcmul), _inplace_of(addcdiv)
