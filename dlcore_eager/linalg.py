"""``torch.linalg``: linear-algebra functions.

Its functions are generated from the ops' definition blocks in dlcore (namespace
``"torch.linalg"``, see :mod:`dlcore.api`); nothing is listed here by hand.
"""

from dlcore.errors import LinAlgError  # noqa: E402,F401 - torch.linalg.LinAlgError
