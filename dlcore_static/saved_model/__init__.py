"""``tf.saved_model`` (TensorFlow 1.15's graph-mode API): export a trained graph with its
variables and signatures, and load it into a fresh Graph and Session without the code that
built it.

    tf.saved_model.simple_save(sess, export_dir, inputs={"x": x}, outputs={"y": y})
    ...
    with tf.Session(graph=tf.Graph()) as sess:
        meta = tf.saved_model.loader.load(sess, [tf.saved_model.tag_constants.SERVING],
                                          export_dir)
        sig = meta.signature_def[tf.saved_model.signature_constants
                                 .DEFAULT_SERVING_SIGNATURE_DEF_KEY]
        y = sess.run(sig.outputs["y"].name, {sig.inputs["x"].name: data})

The directory is dlcore's, with TensorFlow's structure but dlcore's existing file formats
(TensorFlow's protocol buffers are not written):

* ``saved_model.json``: the index (format ``dlcore-saved-model``, version 1): per meta graph,
  its ``tags``, its graph file, its ``signature_def`` (``{key: {method_name, inputs, outputs}}``,
  each tensor as ``{name, dtype, shape}``) and its ``main_op`` (an op name, run after loading);
* ``meta_graphs/<i>.meta``: the graph structure as ``tf.train.export_meta_graph`` writes it
  (``dlcore_static/saving.py``: JSON and constant arrays in an ``.npz``, no variable values);
* ``variables/variables.safetensors``: the global variables' values, as ``tf.train.Saver``
  writes a checkpoint (``checkpoint_format``).

No pickle anywhere; loading reads JSON, NumPy arrays (``allow_pickle=False``) and safetensors,
validates them against the shape rules, and never executes code from the directory.  Asset
files (``assets_collection``) are not supported (an error says so).  ``loader.load(...,
import_scope='s')`` loads every name under ``s/`` as TensorFlow (the signatures keep the saved
names: ``utils.get_tensor_from_tensor_info(info, import_scope='s')`` finds the tensors).
"""

from __future__ import annotations

from . import (
    builder,
    loader,
    main_op,
    signature_constants,
    signature_def_utils,
    tag_constants,
    utils,
)
from .builder import Builder, SavedModelBuilder
from .loader import MetaGraphDef, load, maybe_saved_model_directory
from .signature_constants import (
    CLASSIFY_INPUTS,
    CLASSIFY_METHOD_NAME,
    CLASSIFY_OUTPUT_CLASSES,
    CLASSIFY_OUTPUT_SCORES,
    DEFAULT_SERVING_SIGNATURE_DEF_KEY,
    PREDICT_INPUTS,
    PREDICT_METHOD_NAME,
    PREDICT_OUTPUTS,
    REGRESS_INPUTS,
    REGRESS_METHOD_NAME,
    REGRESS_OUTPUTS,
)
from .signature_def_utils import build_signature_def, is_valid_signature, predict_signature_def
from .tag_constants import EVAL, GPU, SERVING, TPU, TRAINING
from .utils import build_tensor_info, get_tensor_from_tensor_info

__all__ = [
    "CLASSIFY_INPUTS",
    "CLASSIFY_METHOD_NAME",
    "CLASSIFY_OUTPUT_CLASSES",
    "CLASSIFY_OUTPUT_SCORES",
    "DEFAULT_SERVING_SIGNATURE_DEF_KEY",
    "EVAL",
    "GPU",
    "PREDICT_INPUTS",
    "PREDICT_METHOD_NAME",
    "PREDICT_OUTPUTS",
    "REGRESS_INPUTS",
    "REGRESS_METHOD_NAME",
    "REGRESS_OUTPUTS",
    "SERVING",
    "TPU",
    "TRAINING",
    "Builder",
    "MetaGraphDef",
    "SavedModelBuilder",
    "build_signature_def",
    "build_tensor_info",
    "builder",
    "contains_saved_model",
    "get_tensor_from_tensor_info",
    "is_valid_signature",
    "load",
    "loader",
    "main_op",
    "maybe_saved_model_directory",
    "predict_signature_def",
    "signature_constants",
    "signature_def_utils",
    "simple_save",
    "tag_constants",
    "utils",
]


def contains_saved_model(export_dir) -> bool:
    """Whether ``export_dir`` holds a SavedModel."""
    return maybe_saved_model_directory(export_dir)


def simple_save(session, export_dir, inputs, outputs, legacy_init_op=None) -> None:
    """Save ``session``'s graph and variables for serving: tag ``serve``, one Predict
    signature ``serving_default`` of the ``{key: Tensor}`` ``inputs`` and ``outputs``, devices
    cleared (TensorFlow's simple_save)."""
    signature_def_map = {
        DEFAULT_SERVING_SIGNATURE_DEF_KEY: predict_signature_def(inputs, outputs)}
    b = SavedModelBuilder(export_dir)
    b.add_meta_graph_and_variables(session, tags=[SERVING],
                                   signature_def_map=signature_def_map,
                                   main_op=legacy_init_op, clear_devices=True)
    b.save()
