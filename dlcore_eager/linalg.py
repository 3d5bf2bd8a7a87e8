"""``torch.linalg``: linear-algebra functions.

Its functions are generated from the ops' definition blocks in dlcore (namespace
``"torch.linalg"``, see :mod:`dlcore.api`); nothing is listed here by hand.
"""

import typing as _typing

from dlcore.errors import LinAlgError  # noqa: E402,F401 - torch.linalg.LinAlgError

if _typing.TYPE_CHECKING:
    # the functions generated at import time from the ops' definition blocks (dlcore_eager._api)
    def __getattr__(name: str): ...  # (unannotated: Any)
