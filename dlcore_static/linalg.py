"""``tf.linalg``: linear-algebra functions.

Its functions are generated from the ops' definition blocks in dlcore (namespace
``"tf.linalg"``, see :mod:`dlcore.api`); nothing is listed here by hand.
"""
