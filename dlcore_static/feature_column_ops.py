"""The host ops of ``tf.feature_column``'s categorical columns (``feature_column.py``): the
vocabulary lookup, the hash buckets and the crossed ids, TensorFlow's ids bit for bit
(``string_hash.py``).  Each is a graph node computed on the host (``host_ops.py``)."""

from __future__ import annotations

import numpy as np

from .host_ops import host_op, register


def _vocab_lookup_impl(x, *, vocabulary, default: int, num_oov: int = 0):
    from .string_hash import bucket, fingerprint64
    table = {w: i for i, w in enumerate(vocabulary)}
    out = np.empty(x.shape, np.int64)
    flat = out.reshape(-1)
    misses: list = []
    for i, v in enumerate(x.reshape(-1).tolist()):
        w = v if isinstance(v, bytes) else str(v).encode()
        flat[i] = table.get(w, -1)
        if flat[i] < 0:
            if num_oov and w:
                misses.append((i, w))
            else:
                flat[i] = -1 if num_oov else default
    if misses:
        where = [i for i, _ in misses]
        flat[where] = len(vocabulary) + bucket(fingerprint64([w for _, w in misses]), num_oov)
    return out


register("VocabularyLookup", _vocab_lookup_impl)


def _vocab_lookup(x, vocabulary, default: int, num_oov: int = 0):
    """A host op: each string's position in ``vocabulary``; when absent ``default``, or with
    ``num_oov`` buckets ``len(vocabulary) + Fingerprint64(s) % num_oov`` (an empty string is
    a missing value, -1, as TensorFlow drops it)."""
    op = host_op("VocabularyLookup", [x], [(tuple(x.aval.shape), np.int64)],
                 {"vocabulary": list(vocabulary), "default": int(default),
                  "num_oov": int(num_oov)})
    return op.outputs[0]


def _hash_ids_impl(x, *, num_buckets: int):
    from .string_hash import bucket, fingerprint64
    flat = x.reshape(-1).tolist()
    out = np.full(len(flat), -1, np.int64)
    keep = [i for i, v in enumerate(flat) if v != b"" and v != -1]
    if keep:
        out[keep] = bucket(fingerprint64([flat[i] for i in keep]), num_buckets)
    return out.reshape(x.shape)


register("HashBucketIds", _hash_ids_impl)


def _hash_ids(x, num_buckets: int):
    """A host op: ``Fingerprint64(text) % num_buckets`` of strings or integers (their decimal
    text); ``b''`` and -1 (TensorFlow's ignored values) give -1."""
    op = host_op("HashBucketIds", [x], [(tuple(x.aval.shape), np.int64)],
                 {"num_buckets": int(num_buckets)})
    return op.outputs[0]


def _crossed_ids_impl(*cols, num_buckets: int, hash_key):
    from .string_hash import cross_hash
    n = {len(c) for c in cols}
    if len(n) != 1:
        raise ValueError(f"crossed_column: the features have different batch sizes "
                         f"{[len(c) for c in cols]}")
    return cross_hash(list(cols), num_buckets, hash_key)


register("CrossedIds", _crossed_ids_impl)
