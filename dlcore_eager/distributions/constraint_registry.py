"""``torch.distributions.biject_to`` / ``transform_to``: the transform from unconstrained
space onto a constraint's set (for optimising constrained parameters, as variational
inference does), registered by constraint type as PyTorch's:

real -> identity;  positive, nonnegative -> Exp;  greater_than(lb) -> Exp then lb + y;
less_than(ub) -> Exp then ub - y;  interval(lb, ub) -> Sigmoid then lb + (ub - lb) y;
simplex -> StickBreaking (biject_to) / Softmax (transform_to);  independent(c, n) ->
IndependentTransform of c's;  lower_cholesky -> LowerCholesky (transform_to only).
"""

from __future__ import annotations

import numbers

from . import constraints as C
from . import transforms as T

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """A table from constraint types to factories ``factory(constraint) -> Transform``."""

    def __init__(self):
        self._registry: dict = {}

    def register(self, constraint, factory=None):
        if factory is None:
            return lambda factory: self.register(constraint, factory)
        if isinstance(constraint, C.Constraint):
            constraint = type(constraint)
        if not isinstance(constraint, type) or not issubclass(constraint, C.Constraint):
            raise TypeError(f"Expected constraint to be either a Constraint subclass or "
                            f"instance, but got {constraint}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint):
        try:
            factory = self._registry[type(constraint)]
        except KeyError:
            raise NotImplementedError(f"Cannot transform {type(constraint).__name__} "
                                      f"constraints") from None
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _real(constraint):
    return T.identity_transform


def _independent_biject(constraint):
    base = biject_to(constraint.base_constraint)
    return T.IndependentTransform(base, constraint.reinterpreted_batch_ndims)


def _independent_transform(constraint):
    base = transform_to(constraint.base_constraint)
    return T.IndependentTransform(base, constraint.reinterpreted_batch_ndims)


def _positive(constraint):
    return T.ExpTransform()


def _greater_than(constraint):
    return T.ComposeTransform([T.ExpTransform(),
                               T.AffineTransform(constraint.lower_bound, 1)])


def _less_than(constraint):
    return T.ComposeTransform([T.ExpTransform(),
                               T.AffineTransform(constraint.upper_bound, -1)])


def _interval(constraint):
    lb, ub = constraint.lower_bound, constraint.upper_bound
    lower_is_0 = isinstance(lb, numbers.Number) and lb == 0
    upper_is_1 = isinstance(ub, numbers.Number) and ub == 1
    if lower_is_0 and upper_is_1:
        return T.SigmoidTransform()
    return T.ComposeTransform([T.SigmoidTransform(), T.AffineTransform(lb, ub - lb)])


for _reg in (biject_to, transform_to):
    _reg.register(C.real, _real)
    _reg.register(C.positive, _positive)
    _reg.register(C.nonnegative, _positive)
    _reg.register(C._GreaterThan, _greater_than)
    _reg.register(C._GreaterThanEq, _greater_than)
    _reg.register(C._LessThan, _less_than)
    _reg.register(C._Interval, _interval)
    _reg.register(C._HalfOpenInterval, _interval)
biject_to.register(C._IndependentConstraint, _independent_biject)
transform_to.register(C._IndependentConstraint, _independent_transform)
biject_to.register(C.simplex, lambda c: T.StickBreakingTransform())
transform_to.register(C.simplex, lambda c: T.SoftmaxTransform())
transform_to.register(C.lower_cholesky, lambda c: T.LowerCholeskyTransform())


def _corr_cholesky(constraint):
    from .transforms_extra import CorrCholeskyTransform
    return CorrCholeskyTransform()


biject_to.register(C.corr_cholesky, _corr_cholesky)
transform_to.register(C.corr_cholesky, _corr_cholesky)
