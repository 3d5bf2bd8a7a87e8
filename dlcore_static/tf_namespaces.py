"""Where TensorFlow 1 programs look for the functions that are not single dlcore ops.

The ops' own names (``tf.exp``, ``tf.math.exp``, ``tf.nn.relu``) come from their definition
blocks (``_api.py``).  The front-end functions defined in ``array_api``, ``math_api``,
``debug_ops``, ``nn_extra`` (several ops each) have homes besides ``tf.<name>``: ``tf.math``,
``tf.linalg``, ``tf.nn``, ``tf.debugging`` and the TF1 spellings (``tf.arg_max``,
``tf.matrix_band_part``).  This table is the one place that lists them.
"""

from __future__ import annotations

import importlib

# namespace module -> {public name: "module:attribute"}
ALIASES = {
    "dlcore_static.math": {
        "top_k": "tf_extra:top_k", "reduce_std": "tf_extra:reduce_std",
        "reduce_variance": "tf_extra:reduce_variance", "logical_xor": "tf_extra:logical_xor",
        "logical_and": "tf_extra:logical_and", "logical_or": "tf_extra:logical_or",
        "logical_not": "tf_extra:logical_not", "round": "tf_extra:round",
        "confusion_matrix": "tf_extra:confusion_matrix", "segment_sum": "tf_extra:segment_sum",
        "segment_mean": "tf_extra:segment_mean", "trace": "tf_extra:trace",
        "unsorted_segment_sum": "tf_extra:unsorted_segment_sum",
        "unsorted_segment_max": "scatter_extra:unsorted_segment_max",
        "unsorted_segment_min": "scatter_extra:unsorted_segment_min",
        "unsorted_segment_prod": "scatter_extra:unsorted_segment_prod",
        "unsorted_segment_mean": "scatter_extra:unsorted_segment_mean",
        "unsorted_segment_sqrt_n": "scatter_extra:unsorted_segment_sqrt_n",
        "segment_max": "scatter_extra:segment_max", "segment_min": "scatter_extra:segment_min",
        "segment_prod": "scatter_extra:segment_prod",
        "squared_difference": "math_api:squared_difference", "in_top_k": "math_api:in_top_k",
        "count_nonzero": "math_api:count_nonzero", "argmax": "math_ops:argmax",
        "argmin": "math_ops:argmin", "reduce_prod": "dlcore_static:reduce_prod",
        "l2_normalize": "nn_extra:l2_normalize",
        "cumsum": "dlcore_static:cumsum", "cumprod": "dlcore_static:cumprod",
        "add_n": "math_ops:add_n", "multiply": "math_ops:multiply",
        "divide": "math_ops:divide", "truediv": "math_ops:truediv",
        "bincount": "array_extra:bincount",
    },
    "dlcore_static.linalg": {
        "norm": "tf_extra:norm", "trace": "tf_extra:trace",
        "einsum": "array_api:einsum", "tensordot": "array_api:tensordot",
        "eye": "array_api:eye", "diag": "array_api:matrix_diag",
        "diag_part": "array_api:matrix_diag_part", "band_part": "array_api:matrix_band_part",
        "matmul": "math_ops:matmul", "global_norm": "math_api:global_norm",
        "transpose": "array_ops:transpose", "l2_normalize": "nn_extra:l2_normalize",
        "matrix_transpose": "linalg_solve:matrix_transpose", "adjoint": "linalg_solve:adjoint",
    },
    "dlcore_static": {
        "is_variable_initialized": "variables:is_variable_initialized",
        "round": "tf_extra:round",
        "report_uninitialized_variables": "variables:report_uninitialized_variables",
        "space_to_batch_nd": "space_batch:space_to_batch_nd",
        "batch_to_space_nd": "space_batch:batch_to_space_nd",
        "space_to_batch": "space_batch:space_to_batch",
        "batch_to_space": "space_batch:batch_to_space",
        "hessians": "hessians:hessians", "FIFOQueue": "input_queues:FIFOQueue",
        "RandomShuffleQueue": "input_queues:RandomShuffleQueue",
        "TextLineReader": "readers:TextLineReader", "WholeFileReader": "readers:WholeFileReader",
        "FixedLengthRecordReader": "readers:FixedLengthRecordReader",
        "TFRecordReader": "readers:TFRecordReader",
        "sort": "tf_extra:sort", "argsort": "tf_extra:argsort", "norm": "tf_extra:norm",
        "trace": "tf_extra:trace", "logical_xor": "tf_extra:logical_xor",
        "logical_and": "tf_extra:logical_and", "logical_or": "tf_extra:logical_or",
        "logical_not": "tf_extra:logical_not",
        "confusion_matrix": "tf_extra:confusion_matrix", "segment_sum": "tf_extra:segment_sum",
        "segment_mean": "tf_extra:segment_mean",
        "unsorted_segment_sum": "tf_extra:unsorted_segment_sum",
        "scatter_update": "tf_extra:scatter_update", "scatter_add": "tf_extra:scatter_add",
        "scatter_sub": "tf_extra:scatter_sub",
        "matrix_diag": "array_api:matrix_diag", "matrix_diag_part": "array_api:matrix_diag_part",
        "matrix_band_part": "array_api:matrix_band_part", "where": "math_api:where",
        "matrix_transpose": "linalg_solve:matrix_transpose",
        "Print": "debug_ops:Print", "print": "debug_ops:print",
        "add_check_numerics_ops": "debug_ops:add_check_numerics_ops",
        "make_template": "templates:make_template",
    },
    "dlcore_static.image": {
        "adjust_brightness": "image_adjust:adjust_brightness",
        "random_brightness": "image_adjust:random_brightness",
        "adjust_contrast": "image_adjust:adjust_contrast",
        "random_contrast": "image_adjust:random_contrast",
        "rot90": "image_adjust:rot90", "transpose_image": "image_adjust:transpose_image",
        "transpose": "image_adjust:transpose_image", "random_crop": "image:random_crop",
        # fidtf8: boxes
        "crop_and_resize": "image_boxes:crop_and_resize",
        "non_max_suppression": "image_boxes:non_max_suppression",
        "non_max_suppression_padded": "image_boxes:non_max_suppression_padded",
        "non_max_suppression_with_scores": "image_boxes:non_max_suppression_with_scores",
        "non_max_suppression_overlaps": "image_boxes:non_max_suppression_overlaps",
        "decode_png": "image_codecs:decode_png", "encode_png": "image_codecs:encode_png",
        "decode_jpeg": "image_codecs:decode_jpeg", "encode_jpeg": "image_codecs:encode_jpeg",
        "decode_image": "image_gif_bmp:decode_image",
        "decode_gif": "image_gif_bmp:decode_gif", "decode_bmp": "image_gif_bmp:decode_bmp",
    },
    "dlcore_static.train": {
        "batch": "input_producers:batch", "shuffle_batch": "input_producers:shuffle_batch",
        "batch_join": "input_producers:batch_join",
        "shuffle_batch_join": "input_producers:shuffle_batch_join",
        "input_producer": "input_producers:input_producer",
        "string_input_producer": "input_producers:string_input_producer",
        "range_input_producer": "input_producers:range_input_producer",
        "slice_input_producer": "input_producers:slice_input_producer",
        "QueueRunner": "input_queues:QueueRunner",
        "add_queue_runner": "input_queues:add_queue_runner",
        "ExponentialMovingAverage": "tf_extra:ExponentialMovingAverage",
        "CheckpointSaverHook": "monitored:CheckpointSaverHook",
        "SummarySaverHook": "monitored:SummarySaverHook",
        "FinalOpsHook": "monitored:FinalOpsHook",
        "LoggingTensorHook": "monitored:LoggingTensorHook",
        "MonitoredSession": "monitored:MonitoredSession",
        "MonitoredTrainingSession": "monitored:MonitoredTrainingSession",
        "NanLossDuringTrainingError": "monitored:NanLossDuringTrainingError",
        "NanTensorHook": "monitored:NanTensorHook",
        "SessionRunArgs": "monitored:SessionRunArgs",
        "SessionRunContext": "monitored:SessionRunContext",
        "SessionRunHook": "monitored:SessionRunHook",
        "SessionRunValues": "monitored:SessionRunValues",
        "SingularMonitoredSession": "monitored:SingularMonitoredSession",
        "StepCounterHook": "monitored:StepCounterHook",
        "StopAtStepHook": "monitored:StopAtStepHook",
        "Scaffold": "scaffold:Scaffold", "SessionCreator": "scaffold:SessionCreator",
        "ChiefSessionCreator": "scaffold:ChiefSessionCreator",
        "WorkerSessionCreator": "scaffold:WorkerSessionCreator",
        "init_from_checkpoint": "checkpoint_init:init_from_checkpoint",
        "load_checkpoint": "checkpoint_reader:load_checkpoint",
        "list_variables": "checkpoint_reader:list_variables",
        "load_variable": "checkpoint_reader:load_variable",
        "NewCheckpointReader": "checkpoint_reader:NewCheckpointReader",
        "write_graph": "graph_def:write_graph",
        "replica_device_setter": "replica_device:replica_device_setter",
        "Supervisor": "supervisor:Supervisor",
    },
    "dlcore_static.contrib.layers": {
        "l1_regularizer": "tf_extra:l1_regularizer", "l2_regularizer": "tf_extra:l2_regularizer",
        "apply_regularization": "tf_extra:apply_regularization",
    },
    "dlcore_static.nn": {
        "top_k": "tf_extra:top_k", "gelu": "nn_extra:gelu",
        "in_top_k": "math_api:in_top_k", "l2_normalize": "nn_extra:l2_normalize",
        "max_pool_with_argmax": "nn_conv:max_pool_with_argmax",
        "weighted_cross_entropy_with_logits": "nn_extra:weighted_cross_entropy_with_logits",
        "log_softmax": "dlcore_static.nn:log_softmax", "relu_layer": "nn_extra:relu_layer",
        "xw_plus_b": "nn_extra:xw_plus_b", "crelu": "nn_extra:crelu",
        "sigmoid_cross_entropy_with_logits": "nn_extra:sigmoid_cross_entropy_with_logits",
        "nce_loss": "candidate_sampling:nce_loss",
        "sampled_softmax_loss": "candidate_sampling:sampled_softmax_loss",
        "log_uniform_candidate_sampler": "candidate_sampling:log_uniform_candidate_sampler",
        "uniform_candidate_sampler": "candidate_sampling:uniform_candidate_sampler",
        "fixed_unigram_candidate_sampler":
            "candidate_sampling:fixed_unigram_candidate_sampler",
        "space_to_depth": "array_extra:space_to_depth",
        "depth_to_space": "array_extra:depth_to_space",
        "space_to_batch": "space_batch:space_to_batch",
        "ctc_loss": "ctc_ops:ctc_loss", "ctc_loss_v2": "ctc_ops:ctc_loss_v2",
        "ctc_greedy_decoder": "ctc_ops:ctc_greedy_decoder",
        "ctc_beam_search_decoder": "ctc_beam:ctc_beam_search_decoder",
        "ctc_beam_search_decoder_v2": "ctc_beam:ctc_beam_search_decoder_v2",
    },
    "dlcore_static.random": {"gamma": "random_gamma:random_gamma"},     # fidtf8
    "dlcore_static.io": {"write_graph": "graph_def:write_graph",
                         # fidtf8: image codecs
                         "decode_png": "image_codecs:decode_png",
                         "encode_png": "image_codecs:encode_png",
                         "decode_jpeg": "image_codecs:decode_jpeg",
                         "encode_jpeg": "image_codecs:encode_jpeg",
                         "decode_image": "image_gif_bmp:decode_image",
                         "decode_gif": "image_gif_bmp:decode_gif",   # fidtf10
                         "decode_bmp": "image_gif_bmp:decode_bmp"},
    "dlcore_static.keras.backend": {
        "ctc_batch_cost": "ctc_ops:ctc_batch_cost", "ctc_decode": "ctc_beam:ctc_decode",
        "ctc_label_dense_to_sparse": "ctc_ops:ctc_label_dense_to_sparse",
    },
}


def _resolve(ref: str):
    mod, _, attr = ref.partition(":")
    if not mod.startswith("dlcore_static"):
        mod = "dlcore_static." + mod
    return getattr(importlib.import_module(mod), attr, None)


def install_aliases() -> None:
    """Set every alias in ``ALIASES`` that resolves (a target that another module has not
    defined yet is skipped)."""
    for target, names in ALIASES.items():
        module = importlib.import_module(target)
        for name, ref in names.items():
            obj = _resolve(ref)
            if obj is not None:
                setattr(module, name, obj)
