"""``torch.special``: special functions (``expit``, ``erf``, ...).

Its functions are generated from the ops' definition blocks in dlcore (namespace
``"torch.special"``, see :mod:`dlcore.api`); nothing is listed here by hand.
"""

import typing as _typing

if _typing.TYPE_CHECKING:
    # the functions generated at import time from the ops' definition blocks (dlcore_eager._api)
    def __getattr__(name: str): ...  # (unannotated: Any)
