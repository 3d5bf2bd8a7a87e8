"""The base of ``torch.distributions`` (``Distribution``, ``Normal``, ``Categorical``,
``Bernoulli``, ``Uniform``, their divergences) and the helpers the long-tail modules share; the
package's ``__init__`` re-exports it.  Kept apart from ``__init__`` so that the long-tail modules
(``families``, ``gamma``, ...), which build on these classes, import this module and not the
package that imports them (no import cycle)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlcore.dtypes import finfo

from .._state import STATE
from ..creation import tensor
from ..tensor import Tensor
from . import constraints as _C
from .kl import register_kl


def _t(x, like=None) -> Tensor:
    """``x`` as a tensor (a number takes ``like``'s dtype and device)."""
    if isinstance(x, Tensor):
        return x
    if not isinstance(like, Tensor):
        return tensor(float(x))
    out = tensor(x, dtype=like.dtype)
    return out.cuda() if like.is_cuda else out


def _size(shape) -> tuple:
    from ..tensor import Size
    return Size(tuple(int(d) for d in shape))


class Distribution:
    """Base class: ``batch_shape``, ``event_shape``, ``sample``/``rsample``, ``log_prob``.

    Arguments are validated by default, as PyTorch's (``validate_args=None`` takes the default,
    ``Distribution.set_default_validate_args(False)`` turns it off): parameters outside their
    constraint raise at construction, values outside the support raise in ``log_prob``."""

    has_rsample = False
    support: Any                                 # (each distribution's constraint)
    arg_constraints: dict = {}  # noqa: RUF012
    _validate_default = True

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        if value not in (True, False):
            raise ValueError
        Distribution._validate_default = value

    def __init__(self, batch_shape=(), event_shape=(), validate_args=None):
        self._batch_shape = _size(batch_shape)
        self._event_shape = _size(event_shape)
        self._validate_args = Distribution._validate_default if validate_args is None \
            else bool(validate_args)

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _extended_shape(self, sample_shape=()) -> tuple:
        return tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape)

    def sample(self, sample_shape=()):
        with _no_record():
            return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape=()):
        raise NotImplementedError(f"{type(self).__name__} has no reparameterised sampler "
                                  "(rsample); use sample()")

    def sample_n(self, n: int):
        return self.sample((n,))

    def expand(self, batch_shape, _instance=None):
        """The distribution with batch shape ``batch_shape`` (its parameters expanded: every
        tensor attribute whose leading dimensions are the batch shape)."""
        batch_shape = tuple(int(d) for d in batch_shape)
        old = tuple(self._batch_shape)
        nb = len(old)
        for i in range(1, min(nb, len(batch_shape)) + 1):     # PyTorch's expand check
            if old[-i] != 1 and old[-i] != batch_shape[-i]:
                d = len(batch_shape) - i
                raise RuntimeError(
                    f"The expanded size of the tensor ({batch_shape[-i]}) must match the "
                    f"existing size ({old[-i]}) at non-singleton dimension {d}.  Target sizes: "
                    f"{list(batch_shape)}.  Tensor sizes: {list(old)}")
        if len(batch_shape) < nb:
            raise RuntimeError(f"The expanded size of the tensor ({batch_shape}) must be at "
                               f"least the number of batch dimensions ({old})")
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new.__dict__.update(self.__dict__)
        for name, v in self.__dict__.items():
            if isinstance(v, Tensor) and v.dim() >= nb and tuple(v.shape[:nb]) == old:
                new.__dict__[name] = v.expand(*batch_shape, *v.shape[nb:])
        new._batch_shape = _size(batch_shape)
        return new

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def log_prob(self, value) -> Tensor:
        raise NotImplementedError

    def entropy(self) -> Tensor:
        raise NotImplementedError

    def cdf(self, value) -> Tensor:
        raise NotImplementedError

    def icdf(self, value) -> Tensor:
        raise NotImplementedError

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def _check_param(self, name: str, ok, constraint: str) -> None:
        if self._validate_args and not np.all(ok):
            v = getattr(self, name)
            raise ValueError(f"Expected parameter {name} ({type(v).__name__} of shape "
                             f"{tuple(v.shape)}) of distribution {self!r} to satisfy the "
                             f"constraint {constraint}, but found invalid values:\n{v}")

    def _check_value(self, value: Tensor, ok, support: str) -> None:
        if self._validate_args and not np.all(ok):
            raise ValueError(f"Expected value argument ({type(value).__name__} of shape "
                             f"{tuple(value.shape)}) to be within the support ({support}) of "
                             f"the distribution {self!r}, but found invalid values:\n{value}")

    def __repr__(self) -> str:
        """PyTorch's: the parameters held as attributes (a one-element one as its value)."""
        parts = []
        for name in self.arg_constraints:
            v = self.__dict__.get(name)
            if isinstance(v, Tensor):
                parts.append(f"{name}: {v if v.numel() == 1 else v.size()}")
        return f"{type(self).__name__}({', '.join(parts)})"


def _np(x: Tensor) -> np.ndarray:
    return x.detach().cpu()._buf


class _no_record:
    def __enter__(self):
        self.prev = STATE.enabled
        STATE.enabled = False

    def __exit__(self, *exc):
        STATE.enabled = self.prev


def _broadcast(*xs) -> list:
    from .._operand_rules import infer_size  # (PyTorch's RuntimeError on a mismatch)
    shape: tuple = ()
    for x in xs:
        shape = infer_size(shape, tuple(x.shape))
    return [x.expand(*shape) if tuple(x.shape) != shape else x for x in xs]


def _loc_scale(loc, scale) -> list:
    """``loc`` and ``scale`` as tensors of one dtype/device, broadcast to one shape."""
    loc = _t(loc, scale)
    return _broadcast(loc, _t(scale, loc))


def _host_uniform(shape, like: Tensor) -> Tensor:
    """``torch.rand(shape, dtype=like.dtype)`` on PyTorch's stream (_common.torch_draw)."""
    from ._draws import torch_draw
    return torch_draw(shape, like, "uniform")


# ----------------------------------------------------------------------------- Normal
class Normal(Distribution):
    """``N(loc, scale^2)``."""

    arg_constraints = {"loc": _C.real, "scale": _C.positive}  # noqa: RUF012
    support = _C.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = _loc_scale(loc, scale)
        super().__init__(self.loc.shape, (), validate_args)
        loc_v = _np(self.loc)
        self._check_param("loc", loc_v == loc_v, "Real()")  # noqa: PLR0124 (NaN)
        self._check_param("scale", _np(self.scale) > 0, "GreaterThan(lower_bound=0.0)")

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        return self.scale.pow(2)

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        from ._draws import torch_draw  # torch's _standard_normal: normal_()
        eps = torch_draw(shape, self.loc, "normal")
        return self.loc + eps * self.scale

    def log_prob(self, value) -> Tensor:
        value = _t(value, self.loc)
        v = _np(value)
        self._check_value(value, v == v, "Real()")  # noqa: PLR0124 (NaN)
        var = self.scale ** 2
        return -((value - self.loc) ** 2) / (2 * var) - self.scale.log() - \
            math.log(math.sqrt(2 * math.pi))

    def cdf(self, value) -> Tensor:
        from .. import special
        value = _t(value, self.loc)
        return 0.5 * (1 + special.erf((value - self.loc) * self.scale.reciprocal() /
                                      math.sqrt(2)))

    def icdf(self, value) -> Tensor:
        from .. import special
        value = _t(value, self.loc)
        return self.loc + self.scale * special.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


# ----------------------------------------------------------------------------- Categorical
class Categorical(Distribution):
    """Classes ``0 .. K-1`` with ``probs`` (normalised over the last axis) or ``logits``
    (normalised as ``logits - logsumexp(logits)``)."""

    arg_constraints = {"probs": _C.simplex, "logits": _C.real_vector}  # noqa: RUF012
    has_enumerate_support = True

    @_C.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return _C.integer_interval(0, self._num_events - 1)

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = _t(probs)
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self.logits = _clamp_probs(self.probs).log()
            self._param = self.probs
        else:
            logits = _t(logits)
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self.probs = self.logits.softmax(-1)
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], (), validate_args)
        if probs is not None:
            pv = _np(self.probs)
            # (per event, as PyTorch: an empty probs vector sums to 0, not a simplex)
            self._check_param("probs", (pv >= 0).all(-1) & (np.abs(pv.sum(-1) - 1) < 1e-6),
                              "Simplex()")

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self) -> Tensor:
        return _full_nan(self._extended_shape(), self.probs)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> Tensor:
        return _full_nan(self._extended_shape(), self.probs)

    def sample(self, sample_shape=()):
        # PyTorch's: multinomial(probs_2d, n, True).T (its draws: exponential_ for n == 1)
        from .._extra_ops import multinomial
        probs_2d = self.probs.detach().reshape(-1, self._num_events)
        n = int(np.prod(tuple(sample_shape), dtype=np.int64))
        samples_2d = multinomial(probs_2d, n, True).t()
        return samples_2d.reshape(*(tuple(sample_shape) + tuple(self._batch_shape)))

    def log_prob(self, value) -> Tensor:
        value = _t(value)
        v = _np(value)
        self._check_value(value, (v == np.round(v)) & (v >= 0) & (v <= self._num_events - 1),
                          f"IntegerInterval(lower_bound=0, upper_bound={self._num_events - 1})")
        value = value.long()
        logits = self.logits
        shape = np.broadcast_shapes(tuple(value.shape), tuple(logits.shape[:-1]))
        v = value.expand(*shape).unsqueeze(-1) if tuple(value.shape) != shape else \
            value.unsqueeze(-1)
        lg = logits.expand(*(shape + (self._num_events,))) \
            if tuple(logits.shape[:-1]) != shape else logits
        return lg.gather(-1, v).squeeze(-1)

    def entropy(self) -> Tensor:
        min_real = float(finfo(self.logits._buf.dtype).min)
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True) -> Tensor:
        from ..creation import arange
        values = arange(self._num_events, dtype=_int64()).view(
            (-1,) + (1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values

    def __repr__(self) -> str:
        name = "probs" if self._param is self.probs else "logits"
        v = self._param
        return f"Categorical({name}: {v.size() if v.numel() != 1 else v.item()})"


def _int64():
    from .. import _dtype
    return _dtype.int64


def _full(shape, value, like: Tensor) -> Tensor:
    from ..creation import full
    return full(tuple(shape), value, dtype=like.dtype, device=like.device)


def _full_nan(shape, like: Tensor) -> Tensor:
    return _full(shape, float("nan"), like)


def _clamp_probs(p: Tensor) -> Tensor:
    eps = float(finfo(p._buf.dtype).eps)
    return p.clamp(min=eps, max=1 - eps)


# ----------------------------------------------------------------------------- Bernoulli
class Bernoulli(Distribution):
    """1 with probability ``probs`` (or ``sigmoid(logits)``), else 0."""

    arg_constraints = {"probs": _C.unit_interval, "logits": _C.real}  # noqa: RUF012
    support = _C.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            self.probs = _t(probs)
            self.logits = _clamp_probs(self.probs).log() - (1 - _clamp_probs(self.probs)).log()
            self._param = self.probs
        else:
            self.logits = _t(logits)
            self.probs = self.logits.sigmoid()
            self._param = self.logits
        super().__init__(self._param.shape, (), validate_args)
        if probs is not None:
            pv = _np(self.probs)
            self._check_param("probs", (pv >= 0) & (pv <= 1),
                              "Interval(lower_bound=0.0, upper_bound=1.0)")

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        m = (self.probs >= 0.5).to(self.probs.dtype)
        return m.masked_fill(self.probs == 0.5, float("nan"))

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=()):
        with _no_record():
            shape = self._extended_shape(sample_shape)
            u = _host_uniform(shape, self.probs)
            return (u < self.probs.detach().expand(*shape)).to(self.probs.dtype)

    def log_prob(self, value) -> Tensor:
        from ..nn import functional as F
        value = _t(value, self.logits)
        v = _np(value)
        self._check_value(value, (v == 0) | (v == 1), "Boolean()")
        logits, value = _broadcast(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> Tensor:
        from ..nn import functional as F
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True) -> Tensor:
        values = tensor([0.0, 1.0], dtype=self.probs.dtype).view(
            (-1,) + (1,) * len(self._batch_shape))
        return values.expand(-1, *self._batch_shape) if expand else values

    def __repr__(self) -> str:
        name = "probs" if self._param is self.probs else "logits"
        v = self._param
        return f"Bernoulli({name}: {v.size() if v.numel() != 1 else v.item()})"


# ----------------------------------------------------------------------------- Uniform
class Uniform(Distribution):
    """Uniform on ``[low, high)``."""

    has_rsample = True

    @property
    def arg_constraints(self):                  # type: ignore[override]
        return {"low": _C.less_than(self.high), "high": _C.greater_than(self.low)}

    @_C.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return _C.interval(self.low, self.high)

    def __init__(self, low, high, validate_args=None):
        low = _t(low, high)
        high = _t(high, low)
        self.low, self.high = _broadcast(low, high)
        super().__init__(self.low.shape, (), validate_args)
        self._check_param("low", _np(self.low) < _np(self.high),
                          f"LessThan(upper_bound={self.high})")

    @property
    def mean(self) -> Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> Tensor:
        return _full_nan(self._extended_shape(), self.low)

    @property
    def stddev(self) -> Tensor:
        return (self.high - self.low) / 12 ** 0.5

    @property
    def variance(self) -> Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        return self.low + _host_uniform(shape, self.low) * (self.high - self.low)

    def log_prob(self, value) -> Tensor:
        value = _t(value, self.low)
        v = _np(value)
        self._check_value(value, (_np(self.low) <= v) & (v <= _np(self.high)),
                          f"Interval(lower_bound={self.low}, upper_bound={self.high})")
        lb = (self.low <= value).to(self.low.dtype)
        ub = (self.high > value).to(self.low.dtype)
        return (lb * ub).log() - (self.high - self.low).log()

    def cdf(self, value) -> Tensor:
        value = _t(value, self.low)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value) -> Tensor:
        return _t(value, self.low) * (self.high - self.low) + self.low

    def entropy(self) -> Tensor:
        return (self.high - self.low).log()


# ----------------------------------------------------------------------------- KL pairs
@register_kl(Normal, Normal)
def _kl_normal_normal(p, q):
    var_ratio = (p.scale / q.scale).pow(2)
    t1 = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p, q):
    t = p.probs * (p.logits - q.logits)
    t = t.masked_fill((q.probs == 0).expand_as(t), math.inf)
    return t.masked_fill((p.probs == 0).expand_as(t), 0.0).sum(-1)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p, q):
    from ..nn import functional as F
    t1 = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    t1 = t1.masked_fill(q.probs == 0, math.inf).masked_fill(p.probs == 0, 0.0)
    t2 = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    t2 = t2.masked_fill(q.probs == 1, math.inf).masked_fill(p.probs == 1, 0.0)
    return t1 + t2


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p, q):
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return result.masked_fill((q.low > p.low) | (q.high < p.high), math.inf)

