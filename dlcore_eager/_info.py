"""``torch.finfo`` and ``torch.iinfo``: the numeric limits of a dtype, from NumPy's."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlcore.dtypes import is_floating

from . import _dtype as D


class finfo:  # noqa: N801 - PyTorch's name
    """Machine limits of a floating dtype (default: the default float dtype)."""

    def __init__(self, type=None):  # noqa: A002 - PyTorch's name
        d = D.get_default_dtype() if type is None else type
        npd = D.to_numpy_dtype(d)
        if not is_floating(npd):
            raise TypeError(f"torch.finfo() requires a floating point input type. Use "
                            f"torch.iinfo to handle '{d}'")
        info: Any
        if npd.kind == "V":                 # bfloat16: ml_dtypes' finfo (NumPy's has none)
            import ml_dtypes
            info = ml_dtypes.finfo(npd)
        else:
            info = np.finfo(npd)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)   # (PyTorch's: 0.01 for bfloat16)
        self.dtype = npd.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:  # noqa: N801
    """Limits of an integer dtype."""

    def __init__(self, type):  # noqa: A002
        npd = D.to_numpy_dtype(type)
        if npd.kind not in "iub":
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo "
                            f"to handle '{type}'")
        info = np.iinfo(np.uint8 if npd.kind == "b" else npd)
        self.bits = int(info.bits)
        self.max = int(info.max)
        self.min = int(info.min)
        self.dtype = npd.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
