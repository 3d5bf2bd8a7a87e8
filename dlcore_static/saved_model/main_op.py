"""``tf.saved_model.main_op``: the op a SavedModel runs after loading."""

from __future__ import annotations

__all__ = ["main_op"]


def main_op():
    """A group of the global and local variable initializers (TensorFlow 1.15's ``main_op``;
    dlcore has no lookup tables to initialise).  Run after the restore, it re-initialises the
    global variables, as in TensorFlow."""
    from ..control_flow import group
    from ..variables import global_variables_initializer, local_variables_initializer
    return group(global_variables_initializer(), local_variables_initializer())
