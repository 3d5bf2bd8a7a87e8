"""Op-table rows of ``int8_matmul`` (dlcore/ops/int8_matmul.py): uint8 activations with a zero
point against an int8 weight, checked exactly against NumPy's int64 product."""

from __future__ import annotations

import numpy as np

from dlcore import ops


def _args(a, b):
    return ops.cast(a, np.uint8), ops.cast(b, np.int8)


def _np_ref(a, b, za, zb):
    return ((a.astype(np.int64) - za) @ (b.astype(np.int64) - zb).T).astype(np.int32)


def int8_rows(OpRow) -> list:
    return [
        OpRow("int8_matmul[zp=5]", "int8_matmul",
              lambda a, b: ops.int8_matmul(*_args(a, b), 5, 0),
              lambda a, b: _np_ref(a, b, 5, 0), (((3, 4), (2, 4)), ((1, 7), (5, 7))),
              ("int256", "int127"), ()),
        OpRow("int8_matmul[zp=(130,-3)]", "int8_matmul",
              lambda a, b: ops.int8_matmul(*_args(a, b), 130, -3),
              lambda a, b: _np_ref(a, b, 130, -3), (((4, 3), (6, 3)),),
              ("int256", "int127"), ()),
    ]
