"""``tf.compat.v1``: every name of ``dlcore_static``, which is TensorFlow 1 already.

    import dlcore_static.compat.v1 as tf
    tf.disable_v2_behavior()
    x = tf.placeholder(tf.float32, [None, 3])

Names are looked up in ``dlcore_static`` when first used (a module ``__getattr__``), so the
functions installed from the ops' definition blocks and any module added later are here too,
and the two spellings are the same objects (``tf.compat.v1.placeholder is tf.placeholder``).
The package is found through ``sys.modules`` rather than imported here: ``dlcore_static``
imports this module while it initialises.
"""

from __future__ import annotations

import sys


def _root():
    return sys.modules["dlcore_static"]


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    try:
        return getattr(_root(), name)
    except AttributeError:
        raise AttributeError(f"module 'dlcore_static.compat.v1' has no attribute '{name}' "
                             f"(dlcore_static has no '{name}')") from None


def __dir__() -> list:
    return sorted(set(globals()) | {n for n in dir(_root()) if not n.startswith("_")})
