"""Keras 1 argument names, converted with a warning that shows the modern call.

Old tutorials (the seed notes among them) write ``Dense(input_dim=1000, output_dim=100)``,
``init='uniform'``, ``Dropout(p=0.5)``, ``fit(nb_epoch=10)`` and ``SGD(lr=...)``.  As Keras'
``legacy/interfaces.py`` does, each call is converted and a warning prints the Keras 2 call::

    UserWarning: Update your `Dense` call to the Keras 2 API: `Dense(input_dim=1000, units=100)`
"""

from __future__ import annotations

import warnings


def convert(obj_name: str, kwargs: dict, renames: dict, args: tuple = (),
            stacklevel: int = 3) -> dict:
    """Rename legacy keys in ``kwargs`` (in place order kept) and warn once per call."""
    changed = False
    out = {}
    for k, v in kwargs.items():
        new = renames.get(k)
        if new is None:
            out[k] = v
            continue
        if new in kwargs:
            raise TypeError(f"For the `{new}` argument, the layer received both the legacy "
                            f"keyword argument `{k}` and the Keras 2 keyword argument `{new}`. "
                            "Stick to the latter!")
        out[new] = v
        changed = True
    if changed:
        sig = [_fmt(a) for a in args] + [f"{k}={_fmt(v)}" for k, v in out.items()]
        warnings.warn(f"Update your `{obj_name}` call to the Keras 2 API: "
                      f"`{obj_name}({', '.join(sig)})`", UserWarning, stacklevel=stacklevel)
    return out


def _fmt(v) -> str:
    """Keras writes strings in double quotes in these messages."""
    return f'"{v}"' if isinstance(v, str) else str(v)
