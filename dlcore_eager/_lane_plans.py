"""The eager lane's plan table (``_lane``), in a module of its own so that the shape functions
that read it (``_shape_ops``' ``view``/``reshape`` entries) need not import the lane, which
installs them (no import cycle).

(prim, its CPU kernel, shape, dtype, the caller's key) -> the lane's plan for one tensor:
(run, arg, params, grad, view) (``run(buf, arg)`` where ``kernel.small`` gave a method and its
argument; view: 0 not a view, 1 a differentiable view, 2 another) with ``run(buf) -> out`` the
kernel's own small-operand form (``kernel.small(shape, dtype, **params)``, or the kernel with
its params bound), or None where the lane does not apply (a 16-bit float: the half path).
Bounded; see ``_lane.small_unary``.
"""

from __future__ import annotations

PLANS: dict = {}
