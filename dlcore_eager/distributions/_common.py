"""Helpers shared by the distributions added from the long tail (transforms, gamma family,
discrete and heavy-tailed families): argument validation by ``constraints`` objects (PyTorch's
ValueError wording), ``expand`` over the parameters, host draws as tensors."""

from __future__ import annotations

from ..tensor import Tensor
from . import constraints as C
from ._base import Distribution, _clamp_probs, _np, _t
from ._draws import torch_draw  # noqa: F401  (re-exported: the families import it here)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    return value if dim == 0 else value.reshape(*value.shape[:value.dim() - dim], -1).sum(-1)


def probs_or_logits(probs, logits) -> Tensor:
    """The one of ``probs`` / ``logits`` given, as a tensor (PyTorch's error if not exactly one)."""
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")
    return _t(probs if probs is not None else logits)


def set_binary_probs_logits(dist, param: Tensor, from_probs: bool) -> Tensor:
    """Set ``dist.probs`` and ``dist.logits`` (Bernoulli-style) from ``param``; returns it."""
    if from_probs:
        dist.probs = param
        p = _clamp_probs(param)
        dist.logits = p.log() - (-p).log1p()
    else:
        dist.logits = param
        dist.probs = param.sigmoid()
    return param


def as_float(x, like=None) -> Tensor:
    x = _t(x, like)
    return x if x.dtype.is_floating_point else x.float()


class ConstrainedDistribution(Distribution):
    """A Distribution whose ``arg_constraints`` and ``support`` are constraint objects: the
    parameters are checked at construction, values in ``log_prob`` (as PyTorch's)."""

    support: C.Constraint = C.real

    def _validate_params(self) -> None:
        if not self._validate_args:
            return
        for name, constraint in self.arg_constraints.items():
            if C.is_dependent(constraint) or name not in self.__dict__:
                continue
            value = getattr(self, name)
            if not isinstance(value, Tensor):
                continue
            self._check_param(name, _np(constraint.check(value)), repr(constraint))

    def _validate_sample(self, value: Tensor) -> None:
        if not self._validate_args:
            return
        support = self.support
        event_dim = len(self._event_shape)
        if value.dim() < event_dim or \
                tuple(value.shape[value.dim() - event_dim:]) != tuple(self._event_shape):
            raise ValueError(f"The right-most size of value must match event_shape: "
                             f"{tuple(value.shape)} vs {tuple(self._event_shape)}.")
        self._check_value(value, _np(support.check(value)), repr(support))

    def expand(self, batch_shape, _instance=None):
        """The same distribution with its parameters expanded to ``batch_shape``."""
        batch_shape = tuple(batch_shape)
        new = type(self).__new__(type(self)) if _instance is None else _instance
        new.__dict__.update(self.__dict__)
        for name in self._expand_params():
            v = self.__dict__[name]
            extra = tuple(v.shape[len(self._batch_shape):])
            new.__dict__[name] = v.expand(*batch_shape, *extra)
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _expand_params(self):
        return [n for n in self.arg_constraints
                if isinstance(self.__dict__.get(n), Tensor)]


def diag_embed(v: Tensor) -> Tensor:
    """Square matrices with ``v``'s last axis on the diagonal, on ``v``'s device."""
    from ..creation import eye
    e = eye(v.shape[-1], dtype=v.dtype)
    return v.unsqueeze(-1) * (e.cuda() if v.is_cuda else e)
