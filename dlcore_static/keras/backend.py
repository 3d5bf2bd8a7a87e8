"""``keras.backend``: the backend functions Keras 2 programs call (``K.mean``, ``K.square``).

Functions that are dlcore ops are generated from their definition blocks (namespace
``"keras.backend"``, see :mod:`dlcore.api`); the rest are defined in ``_backend_impl``.
"""

import typing as _typing

from ._backend_impl import *  # noqa: F401,F403
from ._backend_impl import _initialize_new, _session_for, _to_tensor  # noqa: F401

if _typing.TYPE_CHECKING:
    # K.mean, K.square, ...: generated at import time from the ops' definition blocks
    def __getattr__(name: str): ...  # (unannotated: Any)
