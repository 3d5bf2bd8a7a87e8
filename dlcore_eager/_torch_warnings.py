"""UserWarnings torch 2.13 gives on calls a tutorial program makes, where dlcore was silent
(texts as torch's, without its ``(Triggered internally at ...)`` source path):

* ``std_mean``/``var_mean`` with no degree of freedom left (``torch.var_mean(torch.ones(1))``:
  NaN, and the warning), every call (``std``/``var``'s own: not here, see ``install``);
* ``torch.tensor(t)``/``x.new_tensor(t)`` of a tensor (the copy-construct advice), every call;
* ``scatter``/``scatter_`` with a tensor ``src`` and ``reduce=`` (deprecated), once a process
  as ATen's TORCH_WARN_ONCE;
* ``F.softmin`` without ``dim`` (the implicit dimension choice);
* ``torch.cross``/``Tensor.cross`` without ``dim`` (deprecated), once a process.

Checks in the ``(args, kwargs)`` form of ``_dtype_guards_nn.CHECKS`` (each returns None: the
wrapped function then runs); ``Tensor.T``'s warnings are in ``tensor.py``."""

from __future__ import annotations

import math
import warnings

from ._arg_checks import user_stacklevel
from ._dtype_guards import _first
from ._scalar_ranges import _chained
from .tensor import Tensor

_DOF = ("{}(): degrees of freedom is <= 0. Correction should be strictly less than the "
        "reduction factor (input numel divided by output numel).")
_COPY = ("To copy construct from a tensor, it is recommended to use sourceTensor.detach()"
         ".clone() or sourceTensor.detach().clone().requires_grad_(True), rather than {}"
         "(sourceTensor).")
_SCATTER = ("The reduce argument of torch.scatter with Tensor src is deprecated and will be "
            "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
            "reduction options.")
_CROSS = ("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass "
          "the dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will "
          "change to agree with that of linalg.cross in a future release.")
_ONCE: set = set()


def _dof(name: str):
    """``name(x, dim, unbiased, keepdim, *, correction)``'s warning where the reduced count
    minus the correction is not positive (PyTorch's ``std_var_all_cpu`` and friends)."""
    def check(args, kwargs):
        x = _first(args, kwargs)
        if x is None or x._buf.dtype.kind in "biu":     # (the dtype refusal, no warning)
            return
        dim = args[1] if len(args) > 1 else kwargs.get("dim")
        unbiased = kwargs.get("unbiased")
        if isinstance(dim, bool):               # (std(x, False): the unbiased overload)
            dim, unbiased = None, dim
        elif len(args) > 2 and isinstance(args[2], bool):
            unbiased = args[2]
        correction = kwargs.get("correction")
        if correction is None:
            correction = 0 if unbiased is False else 1
        shape = x._buf.shape
        if dim is None or (isinstance(dim, (list, tuple)) and not dim):
            n = math.prod(shape)
        else:
            dims = dim if isinstance(dim, (list, tuple)) else (dim,)
            try:
                n = math.prod(shape[int(d)] for d in dims)
            except (IndexError, TypeError, ValueError):
                return                     # (the op's own error follows)
        if n - correction <= 0:
            warnings.warn(_DOF.format(name), UserWarning, stacklevel=user_stacklevel())
        return
    return check


def _copy_construct(label: str, pos: int):
    def check(args, kwargs):
        data = args[pos] if len(args) > pos else kwargs.get("data")
        if isinstance(data, Tensor):
            warnings.warn(_COPY.format(label), UserWarning, stacklevel=user_stacklevel())
    return check


def _scatter_reduce(args, kwargs):
    if "scatter" not in _ONCE and kwargs.get("reduce") is not None and \
            isinstance(args[3] if len(args) > 3 else kwargs.get("src"), Tensor):
        _ONCE.add("scatter")
        warnings.warn(_SCATTER, UserWarning, stacklevel=user_stacklevel())


def _softmin(args, kwargs):
    if (args[1] if len(args) > 1 else kwargs.get("dim")) is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the "
                      "call to include dim=X as an argument.", UserWarning,
                      stacklevel=user_stacklevel())


def _cross_dim(args, kwargs):
    if "cross" not in _ONCE and (args[2] if len(args) > 2 else kwargs.get("dim")) is None:
        _ONCE.add("cross")
        warnings.warn(_CROSS, UserWarning, stacklevel=user_stacklevel())


def install(checks: dict) -> None:
    """These checks into ``checks`` (``_dtype_guards_nn.CHECKS``), each before the check
    already there for its function."""
    # (std and var themselves take no wrapper in front of their binding, a rule of
    # test_dtype_policy_vs_torch: their warning belongs in _tensor_ops' var, requested)
    table = {("torch", name): _dof(name) for name in ("std_mean", "var_mean")}
    table[("torch", "tensor")] = _copy_construct("torch.tensor", 0)
    table[("Tensor", "new_tensor")] = _copy_construct("tensor.new_tensor", 1)
    for ns in ("torch", "Tensor"):
        table[(ns, "scatter")] = _scatter_reduce
    table[("Tensor", "scatter_")] = _scatter_reduce
    table[("F", "softmin")] = _softmin
    for ns in ("torch", "Tensor"):
        table[(ns, "cross")] = _cross_dim
    for key, check in table.items():
        old = checks.get(key)
        checks[key] = check if old is None else _chained(check, old)
