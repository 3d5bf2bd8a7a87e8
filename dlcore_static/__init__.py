"""dlcore_static: TensorFlow-1-style static graphs and Sessions on the dlcore kernel core.

    import dlcore_static as tf

    x = tf.placeholder(tf.float32, shape=(None, 3))
    w = tf.Variable(tf.random_normal((3, 2)))
    loss = tf.reduce_mean(tf.matmul(x, w) ** 2)
    grad_w, = tf.gradients(loss, [w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print(sess.run([loss, grad_w], feed_dict={x: np.ones((4, 3))}))

Building adds nodes to a graph (``graph.py``, ``frontend.py``); a ``Session`` prunes the graph
to what the fetches need, compiles an execution plan once and runs it (``session.py``,
``plan.py``).  Shape rules, gradient rules and kernels all come from ``dlcore``.

Where things are:

    graph.py        Graph, Operation, Tensor, name scopes, control dependencies, devices
    frontend.py     how the core's ``bind`` adds a node (build-time shape errors)
    constant_op.py  tf.constant, convert_to_tensor: Python/NumPy data and lists to tensors
    session.py      Session.run: feeds, the plan cache, the interpreter loop, RunMetadata
    plan.py         the execution plan: prune, order, slots, steps (what the compiler reads)
    fetches.py      nested fetch structures
    variables.py    Variable, assign, initializers of variables
    gradients.py    tf.gradients: the core's reverse_pass (specialised loop)
    control_flow.py group, cond, while_loop (sub-graphs and their gradients)
    math_ops.py, array_ops.py, random_ops.py, nn.py, losses.py, layers.py, initializers.py
    train.py        optimizers; saving.py: graph + variables to a file, no pickle
    keras/          Sequential, layers, optimizers, losses, History and the progress bar
"""

from __future__ import annotations

import sys as _sys

import dlcore as _dlcore  # noqa: F401 - registers the core's primitives

# ruff: noqa: F401, A004 - this module re-exports TensorFlow's names (tuple, bool, abs, pow)
from . import errors
from .array_ops import (concat, expand_dims, fill, getitem, identity, ones, ones_like,
                        placeholder, placeholder_with_default, rank, reshape, shape, size,
                        squeeze, stack, transpose, zeros, zeros_like)
from .control_flow import cond, group, no_op, while_loop
from .control_flow import tuple_ as tuple
from .dtypes import DType, as_dtype, bool, double, float16, float32, float64, int32, int64
from .frontend import constant, convert_to_tensor
from .gradient_tape import GradientTape
from .gradients import gradients
from .graph import (Graph, Operation, Tensor, TensorShape, control_dependencies, device,
                    get_default_graph, name_scope, reset_default_graph)
from ._device_functions import NodeDef
from .device_spec import DeviceSpec
from .math_ops import (add_n, argmax, argmin, cast, divide, logical_not, matmul, rsqrt,
                       to_float)
from .random_ops import random_normal, random_uniform, set_random_seed, truncated_normal
from .session import (ConfigProto, InteractiveSession, RunMetadata, RunOptions, Session,
                      get_default_session)
from .variables import (GraphKeys, Variable, all_variables, assign, assign_add, assign_sub,
                        global_variables, global_variables_initializer, init_scope,
                        initialize_all_variables,
                        local_variables, local_variables_initializer, trainable_variables,
                        variables_initializer)
from . import (_make_callable, contrib, initializers, keras, layers,  # noqa: E402, I001
               losses, nn, saving, train)

from . import session as _session  # noqa: E402


_PIPELINE: list = []        # the compiler's Pipeline class, once imported


def _compiler_pipeline(passes):
    """``Session(passes=...)``'s pipeline: the compiler's, imported on the first Session (the
    class kept: an import statement per Session cost ~3 us, a graph per batch)."""
    if not _PIPELINE:
        from .compiler import Pipeline
        _PIPELINE.append(Pipeline)
    return _PIPELINE[0](passes)


_session.set_pipeline_factory(_compiler_pipeline)
_make_callable.install(Session)         # Session.make_callable (TF 1.15's)

get_variable = layers.get_variable
variable_scope = layers.variable_scope
glorot_uniform_initializer = initializers.glorot_uniform_initializer
glorot_normal_initializer = initializers.glorot_normal_initializer
variance_scaling_initializer = initializers.variance_scaling_initializer
orthogonal_initializer = initializers.orthogonal_initializer
zeros_initializer = initializers.zeros_initializer
ones_initializer = initializers.ones_initializer
constant_initializer = initializers.constant_initializer
random_normal_initializer = initializers.random_normal_initializer
truncated_normal_initializer = initializers.truncated_normal_initializer
random_uniform_initializer = initializers.random_uniform_initializer
add_to_collection = initializers.add_to_collection
get_collection = initializers.get_collection

newaxis = None

# TensorFlow 1 functions that turn TF arguments into several core ops (not single exports).
from .array_api import *  # noqa: E402, F403
from .math_api import *  # noqa: E402, F403
from .debug_ops import *  # noqa: E402, F403
from . import _unknown_apply  # noqa: E402, F401  (registers StaticFrontend's unknown-rank path)
from .tf_namespaces import install_aliases as _install_aliases  # noqa: E402
from .variable_scopes import AUTO_REUSE, VariableScope, get_variable_scope  # noqa: E402
from .partitioned import (PartitionedVariable, fixed_size_partitioner,  # noqa: E402
                          min_max_variable_partitioner, variable_axis_size_partitioner)
from .dtypes import half, int8, int16, uint8, uint16, uint32, uint64  # noqa: E402
from .dtypes import complex64, complex128  # noqa: E402

from .platform import app, flags, gfile, logging  # noqa: E402
from . import metrics  # noqa: E402
from . import data  # noqa: E402 - tf.data
from . import summary  # noqa: E402
from .behavior import *  # noqa: E402, F403 - disable_v2_behavior, executing_eagerly, ...
from .random_extra import multinomial, random_shuffle  # noqa: E402
from .session import GPUOptions  # noqa: E402
from . import compat, io, random, test  # noqa: E402
from .array_extra import *  # noqa: E402, F403 - unique, bincount, dynamic_stitch, ...
from .scatter_extra import *  # noqa: E402, F403 - tensor_scatter_nd_max, scatter_nd_update, ...
from .script_ops import numpy_function, py_func, py_function  # noqa: E402
from . import image  # noqa: E402
from . import signal  # noqa: E402 - tf.signal's windows
from .image import random_crop  # noqa: E402
from .tensor_array import TensorArray, while_loop  # noqa: E402 - loops carrying TensorArrays
from .custom_gradient import (NotDifferentiable, RegisterGradient,  # noqa: E402
                              custom_gradient, no_gradient)

# Every op's TensorFlow names (tf.exp, tf.math.exp, tf.nn.relu, tf.reduce_sum, the operators)
# come from its definition block in dlcore; installed last, when every module above exists.
from . import linalg, math  # noqa: E402
from . import estimator, feature_column  # noqa: E402
from . import saved_model  # noqa: E402 - tf.saved_model (SavedModel export/load)
from . import _api  # noqa: E402


def __getattr__(name: str):
    """``tf.bfloat16``: ml_dtypes' bfloat16, imported on first use (0.5 s; see dlcore.dtypes);
    AttributeError without ml_dtypes, as before.  (For mypy, unannotated: the installed
    functions are Any.)"""
    if name == "bfloat16" and _dlcore.dtypes.load_bfloat16() is not None:
        from .dtypes import bfloat16
        globals()["bfloat16"] = bfloat16
        return bfloat16
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names, bfloat16's included before ml_dtypes is imported (see dlcore.dtypes)."""
    return _dlcore.dtypes.dir_with_bfloat16(globals(), "bfloat16")


_api.activate()
_install_aliases()
from . import _seq_names  # noqa: E402, F401 - tf.scan, tf.nn.dynamic_rnn, tf.contrib.rnn
from . import _string_names  # noqa: E402, F401 - tf.string, tf.strings, tf.io parsing, TFRecords
from . import math_long_tail as _math_long_tail  # noqa: E402 - div_no_nan, polyval, ...

_math_long_tail.install(_sys.modules[__name__], math)
from . import complex_math as _complex_math  # noqa: E402 - tf.complex, tf.real, ComplexAbs
_complex_math.install(_sys.modules[__name__], math)
from . import tf_longtail as _tf_longtail  # noqa: E402 - broadcast_to, roll, searchsorted, ...

_tf_longtail.install(_sys.modules[__name__])
from . import _docs

_docs.fill()                        # one-line docstrings for the graph helpers that have none
__version__ = "1.15-dlcore"
from . import math_gaps as _math_gaps  # noqa: E402 - truncatediv, tf.bitwise, tf.cross, ...

_math_gaps.install(_sys.modules[__name__])
from . import nest  # noqa: E402 - tf.nest
from . import distributions  # noqa: E402 - tf.distributions (fidtf8)
from .random_gamma import random_gamma  # noqa: E402 (fidtf8)
from . import lookup  # noqa: E402 - tf.lookup (fidtf8)
from . import graph_util  # noqa: E402 - tf.graph_util (fidtf7)
from .graph_def import GraphDef, import_graph_def  # noqa: E402 - Graph.as_graph_def (fidtf7)
from . import partial_run as _partial_run  # noqa: E402, F401 - Session.partial_run (fidtf7)
