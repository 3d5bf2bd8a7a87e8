"""``tf.contrib.seq2seq.sequence_loss`` (TF 1.x, contrib/seq2seq/python/ops/loss.py): the
weighted softmax cross-entropy of a sequence of logits, averaged (or summed) across time steps
and/or the batch, with TF1's checks (division by all-zero weights gives 0: ``div_no_nan``)."""

from __future__ import annotations

import sys


def _tf():
    """The ``tf`` namespace, read at call time (the package imports contrib)."""
    return sys.modules["dlcore_static"]


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, sum_over_timesteps=False, sum_over_batch=False,
                  softmax_loss_function=None, name=None):
    tf = _tf()
    _array = _math = _nn = tf
    convert_to_tensor, name_scope = tf.convert_to_tensor, tf.name_scope
    logits = convert_to_tensor(logits)
    targets = convert_to_tensor(targets)
    weights = convert_to_tensor(weights)
    if len(logits.shape) != 3:
        raise ValueError("Logits must be a [batch_size x sequence_length x logits] tensor")
    if len(targets.shape) != 2:
        raise ValueError("Targets must be a [batch_size x sequence_length] tensor")
    if len(weights.shape) != 2:
        raise ValueError("Weights must be a [batch_size x sequence_length] tensor")
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError("average_across_timesteps and sum_over_timesteps cannot be set to "
                         "True at same time.")
    if average_across_batch and sum_over_batch:
        raise ValueError("average_across_batch and sum_over_batch cannot be set to True at "
                         "same time.")
    with name_scope(name, "sequence_loss", [logits, targets, weights]):
        num_classes = _array.shape(logits)[2]
        logits_flat = _array.reshape(logits, [-1, num_classes])
        targets = _array.reshape(targets, [-1])
        if softmax_loss_function is None:
            crossent = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets,
                                                                     logits=logits_flat)
        else:
            crossent = softmax_loss_function(labels=targets, logits=logits_flat)
        crossent *= _array.reshape(weights, [-1])
        if average_across_timesteps and average_across_batch:
            crossent = _math.reduce_sum(crossent)
            total_size = _math.reduce_sum(weights)
            crossent = tf.math.divide_no_nan(crossent, total_size)
        elif sum_over_timesteps and sum_over_batch:
            crossent = _math.reduce_sum(crossent)
            total_count = _math.cast(_math.count_nonzero(weights), crossent.dtype)
            crossent = tf.math.divide_no_nan(crossent, total_count)
        else:
            b, t = (logits.shape.as_list() + [None, None])[:2]     # (the static shape when
            crossent = _array.reshape(crossent, [-1 if b is None else b,   # known)
                                                 _array.shape(logits)[1] if t is None else t])
            if average_across_timesteps or average_across_batch:
                axis = [1] if average_across_timesteps else [0]
                crossent = _math.reduce_sum(crossent, axis=axis)
                total_size = _math.reduce_sum(weights, axis=axis)
                crossent = tf.math.divide_no_nan(crossent, total_size)
            elif sum_over_timesteps or sum_over_batch:
                axis = [1] if sum_over_timesteps else [0]
                crossent = _math.reduce_sum(crossent, axis=axis)
                total_count = _math.cast(_math.count_nonzero(weights, axis=axis),
                                         crossent.dtype)
                crossent = tf.math.divide_no_nan(crossent, total_count)
        return crossent


from ._seq2seq_attention import (  # noqa: F401
    AttentionWrapper,
    AttentionWrapperState,
    BahdanauAttention,
    LuongAttention,
)
from ._seq2seq_beam import (  # noqa: F401
    BeamSearchDecoder,
    BeamSearchDecoderOutput,
    BeamSearchDecoderState,
    FinalBeamSearchDecoderOutput,
    gather_tree,
    tile_batch,
)
from ._seq2seq_decode import (  # noqa: F401
    BasicDecoder,
    BasicDecoderOutput,
    GreedyEmbeddingHelper,
    Helper,
    TrainingHelper,
    dynamic_decode,
)
