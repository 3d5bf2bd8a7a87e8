"""Candidate sampling (``tf.nn.nce_loss``, ``tf.nn.sampled_softmax_loss`` and their samplers),
as TensorFlow 1 computes them: the word2vec tutorials train with these.

A sampler is a random source node like ``random_uniform`` (``random_ops``): each run draws
``num_sampled`` class ids from a distribution over ``[0, range_max)`` and returns them with the
expected number of times each true class and each sampled class would be drawn.  With
``unique=True`` the ids are drawn until ``num_sampled`` distinct ones are found (``num_tries``
draws), and a class of probability ``p`` is expected ``1 - (1 - p) ** num_tries`` times
(``p * num_sampled`` when no id repeated, or with ``unique=False``), as TF's
``RangeSampler``.  Distributions:

- ``log_uniform`` (Zipf): ``P(k) = log((k + 2) / (k + 1)) / log(range_max + 1)``, drawn as
  ``floor(exp(u log(range_max + 1))) - 1``;
- ``uniform``: ``1 / range_max``;
- ``fixed_unigram``: proportional to ``unigrams[k] ** distortion``.

The losses are composites of dlcore ops (so their gradients come from the ops' rules): the
logits of the true classes and of the sampled ones, each minus ``log(expected count)``
(``subtract_log_q``), sampled ids that equal a true label pushed to ``-FLT_MAX``
(``remove_accidental_hits``), then a sigmoid cross-entropy summed over the classes (NCE) or a
softmax cross-entropy (sampled softmax).
"""

from __future__ import annotations

import numpy as np

from dlcore import ops as _ops
from dlcore.ops import composites as _comp
from dlcore.ops import sequence as _seq
from dlcore.registry import AVal

from . import plan as _plan
from .graph import Operation, get_default_graph
from .random_ops import _rng_for

_KINDS = {"LogUniformCandidateSampler": "log_uniform", "UniformCandidateSampler": "uniform",
          "FixedUnigramCandidateSampler": "fixed_unigram"}
_FLT_MAX = float(np.finfo(np.float32).max)


def _sampler(kind, true_classes, num_true, num_sampled, unique, range_max, seed, name,
             **params):
    from ._convert import _args
    g = get_default_graph()
    (tc,) = _args(true_classes)
    if tc.aval.ndim != 2 or (tc.aval.shape[1] is not None and tc.aval.shape[1] != num_true):
        raise ValueError(f"{kind}: true_classes must have shape [batch_size, num_true="
                         f"{num_true}], got {list(tc.aval.shape)}")
    if tc.aval.dtype.kind not in "iu":
        raise TypeError(f"{kind}: true_classes must be integers, got {tc.aval.dtype}")
    if unique and num_sampled > range_max:
        raise ValueError(f"{kind}: Sampler's range is too small: num_sampled={num_sampled} "
                         f"distinct classes out of range_max={range_max}")
    op = Operation(g, kind, g.unique_name(name or kind), [tc],
                   [AVal((int(num_sampled),), np.dtype(np.int64)),
                    AVal(tuple(tc.aval.shape), np.dtype(np.float32)),
                    AVal((int(num_sampled),), np.dtype(np.float32))],
                   attrs={"num_sampled": int(num_sampled), "unique": bool(unique),
                          "range_max": int(range_max), "seed": seed, "params": params})
    return tuple(op.outputs)


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """``(sampled_candidates, true_expected_count, sampled_expected_count)`` from the
    log-uniform (Zipfian) distribution over ``[0, range_max)``."""
    return _sampler("LogUniformCandidateSampler", true_classes, num_true, num_sampled, unique,
                    range_max, seed, name)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                              seed=None, name=None):
    """As ``log_uniform_candidate_sampler``, from the uniform distribution."""
    return _sampler("UniformCandidateSampler", true_classes, num_true, num_sampled, unique,
                    range_max, seed, name)


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                    vocab_file="", distortion=1.0, num_reserved_ids=0,
                                    num_shards=1, shard=0, unigrams=(), seed=None, name=None):
    """Classes drawn in proportion to ``unigrams[k] ** distortion`` (the counts given as a
    list; ``vocab_file`` is not read)."""
    if vocab_file:
        raise NotImplementedError("fixed_unigram_candidate_sampler: vocab_file is not "
                                  "supported; pass the counts as unigrams=")
    if num_shards != 1 or num_reserved_ids:
        raise NotImplementedError("fixed_unigram_candidate_sampler: num_shards and "
                                  "num_reserved_ids are not supported")
    counts = np.asarray(unigrams, np.float64)
    if counts.shape != (range_max,):
        raise ValueError(f"fixed_unigram_candidate_sampler: len(unigrams) = {counts.size} must "
                         f"equal range_max = {range_max}")
    w = counts ** float(distortion)
    return _sampler("FixedUnigramCandidateSampler", true_classes, num_true, num_sampled,
                    unique, range_max, seed, name, probs=w / w.sum())


def _probabilities(kind: str, ids: np.ndarray, range_max: int, params: dict) -> np.ndarray:
    if kind == "log_uniform":
        return (np.log(ids + 2.0) - np.log(ids + 1.0)) / np.log(range_max + 1.0)
    if kind == "uniform":
        return np.full(ids.shape, 1.0 / range_max)
    return params["probs"][ids]


def _draw(rng, kind: str, n: int, range_max: int, params: dict) -> np.ndarray:
    if kind == "log_uniform":
        v = np.exp(rng.random(n) * np.log(range_max + 1.0)).astype(np.int64) - 1
        return np.minimum(v, range_max - 1)
    if kind == "uniform":
        return rng.integers(0, range_max, n)
    return rng.choice(range_max, n, p=params["probs"])


def sample_candidates(rng, kind, true_classes, num_sampled, unique, range_max, params):
    """The three outputs of a sampler for ``true_classes`` (NumPy), drawing from ``rng``."""
    if unique:
        picked: list = []
        seen: set = set()
        tries = 0
        while len(picked) < num_sampled:
            for v in _draw(rng, kind, num_sampled - len(picked), range_max, params).tolist():
                tries += 1
                if v not in seen:
                    seen.add(v)
                    picked.append(v)
                    if len(picked) == num_sampled:
                        break
        sampled = np.asarray(picked, np.int64)
    else:
        sampled = _draw(rng, kind, num_sampled, range_max, params).astype(np.int64)
        tries = num_sampled

    def expected(ids):
        p = _probabilities(kind, np.asarray(ids, np.int64), range_max, params)
        return p * num_sampled if tries == num_sampled else -np.expm1(tries * np.log1p(-p))
    return (sampled, expected(true_classes).astype(np.float32),
            expected(sampled).astype(np.float32))


def _sampler_factory(op: Operation, session, device):
    kind = _KINDS[op.type]
    a = op.attrs
    if device.type != "cpu":
        raise NotImplementedError(f"{op.type} runs on the host only")

    def sample(true_classes):
        tc = np.asarray(true_classes)
        if tc.size and (tc.min() < 0 or tc.max() >= a["range_max"]):
            raise ValueError(f"{op.name}: true_classes must be in [0, {a['range_max']}), got "
                             f"values in [{tc.min()}, {tc.max()}]")
        return sample_candidates(_rng_for(op, session), kind, tc, a["num_sampled"],
                                 a["unique"], a["range_max"], a["params"])
    return sample, {}


for _type in _KINDS:
    _plan.EXECUTORS[_type] = _sampler_factory


def _hits(labels, sampled):
    """(batch, num_sampled) booleans: sampled id k equals one of row i's true labels."""
    eq = _ops.equal(_ops.expand_dims(labels, -1), _ops.reshape(sampled, (1, 1, -1)))
    return _ops.reduce_any(eq, 1)


def _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                    sampled_values, subtract_log_q, remove_accidental_hits, seed):
    from ._convert import _args
    if isinstance(weights, (list, tuple)):
        if len(weights) != 1:
            raise NotImplementedError("sampled losses: partitioned weights (a list of more "
                                      "than one tensor) are not supported")
        weights = weights[0]
    if isinstance(biases, (list, tuple)):
        biases = biases[0]
    weights, biases, labels, inputs = _args(weights, biases, labels, inputs)
    labels = _ops.cast(labels, np.int64) if labels.aval.dtype != np.int64 else labels
    if labels.aval.ndim == 1:
        labels = _ops.reshape(labels, (-1, num_true))
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True,
                                                       num_classes, seed=seed)
    sampled, true_expected, sampled_expected = (_ops.stop_gradient(s) for s in sampled_values)
    sampled = _ops.cast(sampled, np.int64)
    d = inputs.aval.shape[-1]
    true_w = _ops.reshape(_seq.embedding(labels, weights), (-1, num_true, d))   # (B, T, d)
    true_logits = _ops.add(_ops.sum(_ops.mul(_ops.expand_dims(inputs, 1), true_w), -1),
                           _seq.embedding(labels, biases))                       # (B, T)
    sampled_w = _seq.embedding(sampled, weights)                                 # (S, d)
    sampled_logits = _ops.add(_ops.matmul(inputs, _ops.transpose(sampled_w)),
                              _seq.embedding(sampled, biases))                   # (B, S)
    if remove_accidental_hits:
        sampled_logits = _ops.where(_hits(labels, sampled),
                                    _ops.add(sampled_logits, -_FLT_MAX), sampled_logits)
    if subtract_log_q:
        true_logits = _ops.sub(true_logits, _ops.log(true_expected))
        sampled_logits = _ops.sub(sampled_logits, _ops.log(sampled_expected))
    logits = _ops.concatenate([true_logits, sampled_logits], 1)
    targets = _ops.concatenate([_ops.div(_ops.ones_like(true_logits), float(num_true)),
                               _ops.zeros_like(sampled_logits)], 1)
    return logits, targets


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, partition_strategy="mod",
             name="nce_loss"):
    """Noise-contrastive estimation (Gutmann and Hyvarinen; Mnih and Teh): per example, the
    sigmoid cross-entropy of the true classes against ``num_sampled`` classes drawn from the
    log-uniform sampler, summed over the classes.  Shape ``(batch,)``."""
    g = get_default_graph()
    with g.name_scope(name):
        logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled,
                                          num_classes, num_true, sampled_values, True,
                                          remove_accidental_hits, None)
        losses = _comp.sigmoid_cross_entropy_with_logits(logits, targets)
        return _ops.sum(losses, 1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
                         sampled_values=None, remove_accidental_hits=True,
                         partition_strategy="mod", name="sampled_softmax_loss", seed=None):
    """The softmax cross-entropy over the true classes and ``num_sampled`` sampled ones (Jean
    et al.), a cheap estimate of the full softmax loss for training.  Shape ``(batch,)``."""
    g = get_default_graph()
    with g.name_scope(name):
        logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled,
                                          num_classes, num_true, sampled_values, True,
                                          remove_accidental_hits, seed)
        return _comp.softmax_cross_entropy(logits, _ops.stop_gradient(targets))


__all__ = ["fixed_unigram_candidate_sampler", "log_uniform_candidate_sampler", "nce_loss",
           "sampled_softmax_loss", "uniform_candidate_sampler"]
