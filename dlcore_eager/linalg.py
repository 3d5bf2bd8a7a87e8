"""``torch.linalg``: linear-algebra functions.

Its functions are generated from the ops' definition blocks in dlcore (namespace
``"torch.linalg"``, see :mod:`dlcore.api`); nothing is listed here by hand.
"""
