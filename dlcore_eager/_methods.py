"""Attach the operations of ``_tensor_ops`` and ``_shape_ops`` to ``Tensor`` as methods and
operators, and define the in-place variants (``add_``, ``clamp_``, ``-=``, ...).

An in-place method computes its result out of place with dlcore and then writes it into the
tensor's memory (``Tensor._commit``), bumping the version counter.  That keeps every kernel
functional while still giving PyTorch's aliasing: ``w.data -= lr * w.grad`` updates ``w``.
"""

from __future__ import annotations

import numpy as np

from . import _shape_ops as S
from . import _tensor_ops as O
from .tensor import Tensor

# ----------------------------------------------------------------------------- operators
Tensor.__add__ = O.add_
Tensor.__radd__ = O.radd_
Tensor.__sub__ = O.sub_
Tensor.__rsub__ = O.rsub_
Tensor.__mul__ = O.mul_
Tensor.__rmul__ = O.rmul_
Tensor.__truediv__ = O.div
Tensor.__rtruediv__ = O.rdiv
Tensor.__pow__ = O.pow_
Tensor.__rpow__ = O.rpow_
Tensor.__matmul__ = O.matmul
Tensor.__rmatmul__ = lambda a, b: O.matmul(O.as_tensor_like(b, a), a)
Tensor.__neg__ = O.neg
Tensor.__pos__ = lambda a: a
Tensor.__abs__ = O.abs
Tensor.__lt__ = O.lt
Tensor.__le__ = O.le
Tensor.__gt__ = O.gt
Tensor.__ge__ = O.ge


def _equality(fn):
    """``==``/``!=`` are elementwise; with an unrelated object (None, a string) Python's
    identity comparison applies, as for PyTorch tensors."""
    def op(a, b):
        if b is None or isinstance(b, str):
            return NotImplemented
        return fn(a, b)
    return op


Tensor.__eq__ = _equality(O.eq)
Tensor.__ne__ = _equality(O.ne)


def _invert(a: Tensor) -> Tensor:
    if a._buf.dtype != np.bool_:
        raise TypeError("~ (bitwise not) is only supported for bool tensors here")
    return O.logical_not(a)


def _logical(kind):
    def op(a, b):
        a = a if a._buf.dtype == np.bool_ else a.bool()
        b = O.as_tensor_like(b, a)
        b = b if b._buf.dtype == np.bool_ else b.bool()
        s = O.add_(a.long(), b.long())
        return O.ge(s, 1) if kind == "or" else (O.eq(s, 2) if kind == "and" else O.eq(s, 1))
    return op


Tensor.__invert__ = _invert
Tensor.__and__ = _logical("and")
Tensor.__or__ = _logical("or")
Tensor.__xor__ = _logical("xor")
Tensor.logical_and = _logical("and")
Tensor.logical_or = _logical("or")
Tensor.logical_not = O.logical_not

# ----------------------------------------------------------------------------- methods
for _name in ["add", "sub", "mul", "div", "pow", "matmul", "mm", "bmm", "dot", "outer", "neg",
              "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "sign", "square", "rsqrt",
              "reciprocal", "log1p", "expm1", "clamp", "clip", "masked_fill", "sum", "mean",
              "max", "min", "amax", "amin", "argmax", "argmin", "var", "std", "norm",
              "logsumexp", "softmax", "log_softmax", "all", "any", "allclose", "equal",
              "maximum", "minimum", "lt", "le", "gt", "ge", "eq", "ne"]:
    setattr(Tensor, _name, getattr(O, _name))
Tensor.subtract, Tensor.multiply, Tensor.divide = O.sub, O.mul, O.div
Tensor.negative, Tensor.absolute = O.neg, O.abs
Tensor.greater, Tensor.less = O.gt, O.lt
Tensor.where = lambda self, condition, other: O.where(condition, self, other)

for _name in ["reshape", "view", "view_as", "reshape_as", "flatten", "permute", "transpose",
              "swapaxes", "t", "unsqueeze", "squeeze", "expand", "expand_as", "broadcast_to",
              "clone", "contiguous", "chunk", "split", "unbind"]:
    setattr(Tensor, _name, getattr(S, _name))
Tensor.T = property(lambda self: S.permute(self, tuple(range(self.ndim))[::-1]))
Tensor.mT = property(lambda self: S.transpose(self, -2, -1))


# ----------------------------------------------------------------------------- in place
def _inplace(fn):
    def method(self, *args, **kwargs):
        self._check_inplace()
        return self._commit(fn(self, *args, **kwargs))
    method.__name__ = fn.__name__ + "_"
    return method


for _name in ["add", "sub", "mul", "div", "pow", "clamp", "clip", "exp", "log", "sqrt",
              "tanh", "sigmoid", "relu", "abs", "neg", "sign", "masked_fill", "square",
              "rsqrt", "reciprocal", "maximum", "minimum"]:
    setattr(Tensor, _name + "_", _inplace(getattr(O, _name)))
Tensor.subtract_, Tensor.mul_, Tensor.multiply_ = Tensor.sub_, Tensor.mul_, Tensor.mul_
Tensor.__iadd__ = Tensor.add_
Tensor.__isub__ = Tensor.sub_
Tensor.__imul__ = Tensor.mul_
Tensor.__itruediv__ = Tensor.div_
Tensor.__ipow__ = Tensor.pow_


def _addcmul(self, t1, t2, value=1):
    return O.add_(self, O.mul_(O.mul_(t1, t2), value))


def _addcdiv(self, t1, t2, value=1):
    return O.add_(self, O.mul_(O.div(t1, t2), value))


def _lerp(self, end, weight):
    return O.add_(self, O.mul_(O.sub_(end, self), weight))


Tensor.addcmul, Tensor.addcdiv, Tensor.lerp = _addcmul, _addcdiv, _lerp
Tensor.addcmul_, Tensor.addcdiv_, Tensor.lerp_ = (_inplace(_addcmul), _inplace(_addcdiv),
                                                 _inplace(_lerp))


def _random_fill(sampler):
    def method(self, *args, generator=None, **kwargs):
        from .creation import _rng
        self._check_inplace()
        host = sampler(_rng(generator), self.shape, *args, **kwargs).astype(self._buf.dtype)
        src = Tensor._wrap(host)
        return self._commit(src if not self.is_cuda else src.cuda())
    return method


Tensor.uniform_ = _random_fill(lambda g, shape, a=0.0, b=1.0: g.uniform(a, b, shape))
Tensor.normal_ = _random_fill(lambda g, shape, mean=0.0, std=1.0: g.normal(mean, std, shape))
