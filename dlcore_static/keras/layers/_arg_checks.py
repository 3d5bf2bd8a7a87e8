"""Checks of layer constructor arguments, with Keras 3's words, made when the layer is created
(as Keras does) rather than when it is built: ``Dense(0)`` built an empty layer, ``Dense(2.5)``
a layer of 2 units, ``Dropout(1.5)`` multiplied the kept inputs by -2 in training, a
``Conv2D`` kernel size of 0 or of three numbers and a ``Reshape((-1, -1))`` failed later in an
op's words, far from the line that made the layer.

Integral floats (``Dense(n / 2)`` with ``n`` even) stay accepted, as Keras 2 took ``int(units)``.
"""

from __future__ import annotations

import numbers


def _integral(v) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, numbers.Integral):
        return True
    return isinstance(v, float) and v.is_integer()


def positive_units(value, arg: str = "units") -> int:
    """``units`` of Dense (Keras 3: 'Received an invalid value for `units`, expected a positive
    integer. Received: units=0')."""
    if not _integral(value) or value <= 0:
        raise ValueError(f"Received an invalid value for `{arg}`, expected a positive integer. "
                         f"Received: {arg}={value}")
    return int(value)


def positive_filters(value) -> int:
    if not _integral(value) or value <= 0:
        raise ValueError("Invalid value for argument `filters`. Expected a strictly positive "
                         f"value. Received filters={value}.")
    return int(value)


def int_tuple(value, n: int, arg: str, allow_zero: bool = False) -> tuple:
    """``value`` (an int or ``n`` ints) as an ``n``-tuple of positive ints (Keras 3's
    ``standardize_tuple``: 'The `kernel_size` argument must be a tuple of 2 integers.
    Received kernel_size=0, including values {0} that do not satisfy `value > 0`')."""
    if _integral(value):
        t = (int(value),) * n
    else:
        try:
            t = tuple(value)
        except TypeError:
            t = ()
        if len(t) != n or not all(_integral(a) for a in t):
            raise ValueError(f"The `{arg}` argument must be a tuple of {n} integers. "
                             f"Received {arg}={value}")
        t = tuple(int(a) for a in t)
    bad = {a for a in t if a < 0 or (a == 0 and not allow_zero)}
    if bad:
        req = "value >= 0" if allow_zero else "value > 0"
        raise ValueError(f"The `{arg}` argument must be a tuple of {n} integers. Received "
                         f"{arg}={value}, including values {bad} that do not satisfy `{req}`")
    return t


def data_format(value) -> str:
    """``data_format`` (None: ``keras.backend.image_data_format()``), Keras 3's check."""
    from .. import backend as K
    f = value or K.image_data_format()
    if f not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of \"channels_first\", "
                         f"\"channels_last\". Received: {f}")
    return f


def noise_shape(value) -> tuple | None:
    """Dropout's ``noise_shape``: None, or one entry per input dim, each None (that dim of
    the input), 1 (one draw shared along it) or the dim itself."""
    if value is None:
        return None
    try:
        t = tuple(value)
    except TypeError:
        t = ("?",)
    if not all(d is None or (_integral(d) and d > 0) for d in t):
        raise ValueError(f"Dropout: `noise_shape` must be a tuple of positive integers or "
                         f"None. Received: noise_shape={value}")
    return tuple(None if d is None else int(d) for d in t)


def rate(value) -> float:
    """A dropout rate in [0, 1) (Keras 3: 'Invalid value received for argument `rate`. Expected
    a float value between 0 and 1. Received: rate=1.5')."""
    try:
        r = float(value)
    except (TypeError, ValueError):
        r = float("nan")
    if not 0 <= r <= 1:
        raise ValueError("Invalid value received for argument `rate`. Expected a float value "
                         f"between 0 and 1. Received: rate={value}")
    return r


def target_shape(value) -> tuple:
    """Reshape's ``target_shape``: ints, non-negative or one -1."""
    try:
        t = tuple(value)
    except TypeError:
        t = (value,)
    if not all(_integral(d) and d >= -1 for d in t):
        raise ValueError(f"Reshape: `target_shape` must be non-negative integers and at most "
                         f"one -1. Received: target_shape={value}")
    t = tuple(int(d) for d in t)
    if t.count(-1) > 1:
        raise ValueError("There must be at most one unknown dimension (-1) in `target_shape`. "
                         f"Received: target_shape={t}. Can only specify one unknown "
                         "dimension.")                       # Keras 3's words, then Keras 2's
    return t


def check_ndim(layer, shape, ndim: int | None = None, min_ndim: int | None = None) -> None:
    """An input's rank against the layer's input spec, with Keras 3's words ('Input 0 of layer
    "conv" is incompatible with the layer: expected min_ndim=4, found ndim=2. Full shape
    received: (None, 3)'), instead of a shape error of an op inside the layer."""
    shape = tuple(shape)
    if (ndim is not None and len(shape) != ndim) or \
            (min_ndim is not None and len(shape) < min_ndim):
        want = f"ndim={ndim}" if ndim is not None else f"min_ndim={min_ndim}"
        raise ValueError(f"Input 0 of layer '{layer.name}' is incompatible with the layer: "
                         f"expected {want}, found ndim={len(shape)}. Full shape received: "
                         f"{shape}")
