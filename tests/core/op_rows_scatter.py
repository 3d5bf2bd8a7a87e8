"""Op-table rows of the set/combine scatters (dlcore/ops/scatter_ops.py); ``op_table.py`` appends
them.  Indices are drawn with repeats on purpose (5 or 4 positions, 6 or more writes)."""

from __future__ import annotations

import numpy as np

from dlcore.ops import scatter_ops as S


def _np_scatter(x, v, i, axis, combine):
    """Sequential reference: each line of ``i`` in order, as PyTorch's CPU loop."""
    out = np.array(x, copy=True)
    ol, vl, il = (np.moveaxis(a, axis, -1) for a in (out, v, i))
    for pos in np.ndindex(*il.shape[:-1]):
        for k in range(il.shape[-1]):
            j = il[pos][k]
            ol[pos + (j,)] = combine(ol[pos + (j,)], vl[pos][k])
    return out


def _np_max(a, b):
    return b if (b > a or np.isnan(b)) else a


def _np_min(a, b):
    return b if (b < a or np.isnan(b)) else a


def scatter_rows(OpRow) -> list:
    A0 = (((5, 3), (6, 3), (6, 3)), ((5,), (7,), (7,)))
    A1 = (((2, 4), (2, 6), (2, 6)),)
    rows = [
        OpRow("scatter_set[axis=0]", "scatter_set", lambda x, v, i: S.scatter_set(x, v, i, 0),
              lambda x, v, i: _np_scatter(x, v, i, 0, lambda a, b: b), A0,
              ("real", "real", "int5"), (0, 1),
              primitives=("scatter_set", "take_along_axis", "cumsum", "equal", "where")),
        OpRow("scatter_set[axis=1]", "scatter_set", lambda x, v, i: S.scatter_set(x, v, i, 1),
              lambda x, v, i: _np_scatter(x, v, i, 1, lambda a, b: b), A1,
              ("real", "real", "int4"), (0, 1)),
    ]
    for red, comb, dom in (("max", _np_max, "real"), ("min", _np_min, "real"),
                           ("prod", lambda a, b: a * b, "away0")):
        rows.append(OpRow(
            f"scatter_combine[{red}]", "scatter_combine",
            lambda x, v, i, red=red: S.scatter_combine(x, v, i, 0, red),
            lambda x, v, i, comb=comb: _np_scatter(x, v, i, 0, comb), A0,
            (dom, dom, "int5"), (0, 1)))
    rows.append(OpRow(
        "scatter_combine[max,axis=1]", "scatter_combine",
        lambda x, v, i: S.scatter_combine(x, v, i, 1, "max"),
        lambda x, v, i: _np_scatter(x, v, i, 1, _np_max), A1, ("real", "real", "int4"),
        (0, 1)))
    return rows
