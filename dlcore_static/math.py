"""``tf.math``: the math functions under their TensorFlow 2-style home.

Its functions are generated from the ops' definition blocks in dlcore (namespace ``"tf.math"``,
see :mod:`dlcore.api`); nothing is listed here by hand.
"""
