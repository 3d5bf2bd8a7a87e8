"""Docstrings for the public ``tf.X`` functions and classes that have none of their own.

The op functions (``tf.add``, ``tf.reduce_sum``) get theirs from the op's definition block
(``_api.py``); these are the graph-building helpers around them (variables, collections,
initialisers, shapes, random ops, asserts).  Each gets one line in TensorFlow 1's terms, so
``help(tf.matmul)`` says what the function builds, not nothing.
"""

from __future__ import annotations

import inspect
import sys

DOCS = {
    "GraphKeys": "Names of the standard graph collections (GLOBAL_VARIABLES, "
                 "TRAINABLE_VARIABLES, UPDATE_OPS, LOSSES, ...).",
    "RunOptions": "Options of one ``Session.run`` (``trace_level=RunOptions.FULL_TRACE`` fills "
                  "``run_metadata`` with per-node timings).",
    "add_n": "The elementwise sum of a list of tensors of one shape and dtype.",
    "add_to_collection": "Append ``value`` to the default graph's collection ``name``.",
    "get_collection": "The list of values in the default graph's collection ``key`` "
                      "(filtered by name ``scope``).",
    "all_variables": "Deprecated alias of ``global_variables``.",
    "global_variables": "The default graph's global variables (optionally within ``scope``).",
    "local_variables": "The default graph's local variables (optionally within ``scope``).",
    "trainable_variables": "The variables created with ``trainable=True`` (what optimizers "
                           "update by default).",
    "local_variables_initializer": "An op that runs the initializers of every local variable.",
    "variables_initializer": "An op that runs the initializers of the variables in "
                             "``var_list``.",
    "arg_max": "Deprecated alias of ``argmax`` (``dimension`` for ``axis``).",
    "arg_min": "Deprecated alias of ``argmin`` (``dimension`` for ``axis``).",
    "argmax": "Index of the largest value along ``axis`` (int64 by default).",
    "argmin": "Index of the smallest value along ``axis`` (int64 by default).",
    "assert_all_finite": "Returns ``x``; running it raises InvalidArgumentError on inf or NaN.",
    "assert_near": "An op that raises InvalidArgumentError unless ``|x - y| <= atol + rtol|y|``.",
    "assert_negative": "An op that raises InvalidArgumentError unless every ``x < 0``.",
    "assert_non_negative": "An op that raises InvalidArgumentError unless every ``x >= 0``.",
    "assert_non_positive": "An op that raises InvalidArgumentError unless every ``x <= 0``.",
    "assert_positive": "An op that raises InvalidArgumentError unless every ``x > 0``.",
    "assert_type": "Checks at build time that ``tensor`` has dtype ``tf_type`` (TypeError).",
    "assign": "``ref = value`` for a Variable: the new value, computed when the op runs.",
    "assign_add": "``ref += value`` for a Variable, when the op runs.",
    "assign_sub": "``ref -= value`` for a Variable, when the op runs.",
    "clip_by_average_norm": "``t * clip_norm / max(clip_norm, l2norm(t) / size(t))``.",
    "concat": "Join tensors along the existing axis ``axis``.",
    "stack": "Join tensors of one shape along a new axis ``axis``.",
    "constant_initializer": "An initializer filling a variable with ``value``.",
    "glorot_uniform_initializer": "Uniform in +-sqrt(6 / (fan_in + fan_out)) (Xavier).",
    "ones_initializer": "An initializer filling a variable with ones.",
    "zeros_initializer": "An initializer filling a variable with zeros.",
    "random_normal_initializer": "An initializer drawing normal values (``mean``, "
                                 "``stddev``).",
    "random_uniform_initializer": "An initializer drawing uniform values in [minval, maxval).",
    "truncated_normal_initializer": "An initializer drawing normal values redrawn beyond two "
                                    "standard deviations.",
    "control_dependencies": "Context manager: ops built inside run only after "
                            "``control_inputs`` (``with tf.control_dependencies([update]):``).",
    "count_nonzero": "The number of non-zero elements along ``axis`` (int64).",
    "device": "Context manager placing the ops built inside on a device "
              "(``'/cpu:0'``, ``'/gpu:0'``).",
    "diag_part": "The diagonal of a square matrix.",
    "matrix_diag_part": "The diagonals of a batch of matrices (the last two axes).",
    "expand_dims": "``input`` with a size-1 axis inserted at ``axis``.",
    "squeeze": "``input`` without size-1 axes (or only those listed in ``axis``).",
    "eye": "The ``num_rows`` x ``num_columns`` identity matrix.",
    "get_default_graph": "The graph new ops are added to (``with g.as_default():`` changes it).",
    "get_default_session": "The Session of the innermost ``with sess:`` / ``sess.as_default()``; "
                           "None if there is none.",
    "get_variable_scope": "The current variable scope (names and reuse for ``get_variable``).",
    "reset_default_graph": "Replace the default graph with a new, empty one.",
    "matmul": "Matrix product ``a @ b`` of 2-D (or batched) tensors, with optional "
              "transposes; shapes are checked when the node is built.",
    "name_scope": "Context manager prefixing the names of the ops built inside.",
    "no_op": "An op that does nothing (a target for control dependencies).",
    "ones": "A tensor of ones of ``shape``.",
    "ones_like": "A tensor of ones shaped like ``tensor``.",
    "zeros": "A tensor of zeros of ``shape``.",
    "zeros_like": "A tensor of zeros shaped like ``tensor``.",
    "placeholder_with_default": "``input`` unless a value is fed for it (then the fed value, "
                                "checked against ``shape``).",
    "random_normal": "Normal random values of ``shape``, drawn anew on every run.",
    "random_uniform": "Uniform random values in [minval, maxval), drawn anew on every run.",
    "truncated_normal": "Normal random values redrawn beyond two standard deviations, drawn "
                        "anew on every run.",
    "rank": "The number of dimensions of ``input`` (an int32 scalar tensor).",
    "reshape": "The same values in ``shape`` (one ``-1`` is inferred).",
    "shape_n": "The shapes of a list of tensors (int32 vectors).",
    "size": "The number of elements of ``input`` (an int32 scalar tensor).",
    "squared_difference": "``(x - y) ** 2`` elementwise, with broadcasting.",
    "to_double": "``cast(x, tf.float64)``.",
    "to_float": "``cast(x, tf.float32)``.",
    "to_int32": "``cast(x, tf.int32)``.",
    "to_int64": "``cast(x, tf.int64)``.",
    "transpose": "``a`` with its axes permuted by ``perm`` (reversed by default).",
}

NN_DOCS = {
    "crelu": "Concatenated ReLU: ``concat([relu(x), relu(-x)], axis)``.",
    "l2_loss": "``sum(t ** 2) / 2``.",
    "moments": "``(mean, variance)`` of ``x`` over ``axes`` (batch normalisation's "
               "statistics).",
    "relu_layer": "``relu(x @ weights + biases)``.",
    "xw_plus_b": "``x @ weights + biases``.",
    "sparse_softmax_cross_entropy_with_logits":
        "Cross-entropy of ``softmax(logits)`` against integer class ``labels``, one value "
        "per row, computed stably from the logits (its gradient is ``softmax - one_hot``).",
}

TRAIN_DOCS = {
    "checkpoint_exists": "Whether a checkpoint with this prefix was written by a Saver.",
    "cosine_decay": "``lr * ((1 - alpha) * 0.5 (1 + cos(pi * min(step, decay_steps) / "
                    "decay_steps)) + alpha)``.",
    "inverse_time_decay": "``lr / (1 + decay_rate * step / decay_steps)`` (floored with "
                          "``staircase``).",
    "natural_exp_decay": "``lr * exp(-decay_rate * step / decay_steps)``.",
    "create_global_step": "Create the graph's global step variable (int64, not trainable).",
    "get_global_step": "The graph's global step variable, or None.",
    "get_or_create_global_step": "The graph's global step variable, created if needed.",
    "get_default_graph": "The graph new ops are added to.",
}


def _fill(module, docs: dict) -> int:
    filled = 0
    for name, doc in docs.items():
        obj = getattr(module, name, None)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not obj.__doc__:
            try:
                obj.__doc__ = doc
            except (AttributeError, TypeError):       # a built-in type: leave it
                continue
            filled += 1
    return filled


def fill() -> int:
    """Fill the docstrings above into ``tf``, ``tf.nn`` and ``tf.train``; returns how many."""
    tf = sys.modules["dlcore_static"]
    return _fill(tf, DOCS) + _fill(tf.nn, NN_DOCS) + _fill(tf.train, TRAIN_DOCS)
