"""ONNX ``If`` and ``Loop`` for ``dlcore_eager.onnx_import``: their subgraphs (``then_branch``,
``else_branch``, ``body``, parsed when the module is built) run with the same interpreter as
the main graph, seeing every name of the enclosing scopes, so gradients flow through the taken
branch and every iteration as through eager code.

``If(cond)``: the outputs of ``then_branch`` when the one element of ``cond`` is true, else of
``else_branch``; only that branch runs.

``Loop(M, cond, v_1..v_N)`` (``M``, the trip count, and ``cond`` optional)::

    i = 0;  c = cond (true when omitted)
    while c and (M omitted or i < M):
        c, v_1..v_N, s_1..s_K = body(i, c, v_1..v_N)      (i int64, c bool)
        i += 1
    outputs: v_1..v_N, then each scan output s_k stacked along a new axis 0

as onnxruntime runs it (the body's condition output is read even when ``cond`` is omitted).
A loop that runs no iteration returns its initial values and, as onnxruntime, empty scan
outputs shaped ``(0, *dims)`` from the body output's declared or inferred type (a symbolic
dimension counts 0; no known shape: ``(0,)``); one whose element type is unknown is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._host import host as _host
from .creation import from_numpy


def _truth(x, what: str) -> bool:
    v = _host(x)
    if v.size != 1:
        raise ValueError(f"ONNX import: {what} must have one element, got shape {v.shape}")
    return bool(v.reshape(-1)[0])


def run_if(a: dict, env: dict, run: Callable, cond) -> tuple:
    branch = a["then_branch"] if _truth(cond, "If's condition") else a["else_branch"]
    return tuple(run(branch, env, []))


def run_loop(a: dict, env: dict, run: Callable, trip=None, cond=None, *values: Any) -> tuple:
    body = a["body"]
    n = len(values)
    if len(body.inputs) != n + 2:
        raise ValueError(f"ONNX import: Loop's body takes {len(body.inputs)} inputs, expected "
                         f"2 + {n} loop-carried values")
    k = len(body.outputs) - 1 - n
    limit = None if trip is None else int(_host(trip).reshape(-1)[0])
    going = True if cond is None else _truth(cond, "Loop's condition")
    scans: list[list] = [[] for _ in range(k)]
    i = 0
    while going and (limit is None or i < limit):
        outs = run(body, env, [from_numpy(np.array(i, np.int64)),
                               from_numpy(np.array(going)), *values])
        going = _truth(outs[0], "Loop body's condition output")
        values = tuple(outs[1:1 + n])
        for s, v in zip(scans, outs[1 + n:]):
            s.append(v)
        i += 1
    if k and i == 0:
        return tuple(values) + tuple(_empty_scan(body, 1 + n + j) for j in range(k))
    from ._shape_ops import stack
    return tuple(values) + tuple(stack(s, 0) for s in scans)


def _empty_scan(body, j: int):
    dtype, dims = body.output_types[j]
    if dtype is None:
        raise NotImplementedError(f"ONNX import: a Loop that runs no iteration, whose scan "
                                  f"output {body.outputs[j]!r} has no known element type")
    shape = (0,) + tuple(max(d, 0) for d in dims) if dims is not None else (0,)
    return from_numpy(np.zeros(shape, dtype))
