"""Every primitive is complete: a shape rule, a vjp or an explicit non-differentiable mark, a
kernel for each device, a docstring with its maths, and at least one row in the op table.
Adding a primitive without one of these fails here, naming what is missing."""

from __future__ import annotations

import inspect

import pytest

import dlcore
from dlcore.registry import Primitive

from .op_table import ROWS

DEVICES = ("cpu", "cuda")
COMPOSITES = ("mean", "softmax", "log_softmax", "logsumexp", "mse", "softmax_cross_entropy",
              "sparse_softmax_cross_entropy", "sigmoid_cross_entropy_with_logits", "clip",
              "masked_fill", "linear", "square")

_COVERED = {name for row in ROWS for name in row.covers()}
PRIMS = sorted(dlcore.PRIMITIVES)


@pytest.mark.parametrize("name", PRIMS)
def test_primitive_is_complete(name):
    p: Primitive = dlcore.PRIMITIVES[name]
    problems = []
    if not callable(p.shape_rule):
        problems.append("no shape rule")
    if p.differentiable and p.vjp is None:
        problems.append("marked differentiable but has no vjp")
    if p.vjp is not None and not p.differentiable:
        problems.append("has a vjp but is marked non-differentiable")
    if p.vjp is not None and len(inspect.signature(p.vjp).parameters) < 2:
        problems.append("vjp must take (g, out, *inputs, **params)")
    for dev in DEVICES:
        if not callable(p.kernels.get(dev)):
            problems.append(f"no kernel for '{dev}'")
    if not p.doc or ";" not in p.doc:
        problems.append("docstring must state the forward and vjp maths ('y = ...;  dx = ...')")
    if name not in _COVERED:
        problems.append("no row in tests/core/op_table.py")
    assert not problems, f"primitive '{name}': " + "; ".join(problems)


def test_every_composite_has_a_row():
    missing = [c for c in COMPOSITES if c not in {r.op for r in ROWS}]
    assert not missing, f"composites without a table row: {missing}"


def test_rows_name_real_primitives():
    unknown = {n for r in ROWS for n in r.primitives if n not in dlcore.PRIMITIVES}
    assert not unknown, f"rows list unknown primitives: {unknown}"


def test_elementwise_primitives_carry_an_expression():
    for p in dlcore.PRIMITIVES.values():
        if p.kind in ("unary", "binary", "compare", "where", "cast"):
            assert p.expr and "{0}" in p.expr, p.name
