"""``tf.linalg``: linear-algebra functions.

Its functions are generated from the ops' definition blocks in dlcore (namespace
``"tf.linalg"``, see :mod:`dlcore.api`); nothing is listed here by hand.
"""

import typing as _typing

if _typing.TYPE_CHECKING:
    # the functions generated at import time from the ops' definition blocks (dlcore_static._api)
    def __getattr__(name: str): ...  # (unannotated: Any)
