"""``torch.special``: special functions (``expit``, ``erf``, ...).

Its functions are generated from the ops' definition blocks in dlcore (namespace
``"torch.special"``, see :mod:`dlcore.api`); nothing is listed here by hand.
"""
