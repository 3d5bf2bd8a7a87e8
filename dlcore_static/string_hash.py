"""TensorFlow's string hashing: hash buckets that land where TensorFlow puts them.

    tf.strings.to_hash_bucket_fast(input, num_buckets)        Fingerprint64(s) % num_buckets
    tf.strings.to_hash_bucket_strong(input, num_buckets, key) SipHash-2-4_{key}(s) % num_buckets
    tf.strings.to_hash_bucket(input, num_buckets)             Hash64(s, 0xDECAFCAFFE) % num_buckets
    (TF1 spellings ``tf.string_to_hash_bucket_fast``, ``tf.string_to_hash_bucket_strong``,
    ``tf.string_to_hash_bucket``)
    tf.sparse.cross(inputs)                                   the crosses as 'a_X_b' strings
    tf.sparse.cross_hashed(inputs, num_buckets=0, hash_key=None)
        per row, every combination of one value per input, hashed as
        h = hash_key; h = FingerprintCat64(h, f(v)) for each value; h % num_buckets
        (f = Fingerprint64 for strings, the value itself for integers)

The hashes are those of TensorFlow's C++ kernels, bit for bit (the Numba loops and their sources
are in ``dlcore/kernels/cpu/_jit_hash.py``): the tests check them against TensorFlow's own
expected values (string_to_hash_bucket_op_test.py, fingerprint_test.cc, hash_test.cc,
sparse_cross_op_test.py, feature_column_test.py), FarmHash's self-test and the SipHash
reference vectors.  The remainder is taken on the unsigned 64-bit hash, as TensorFlow does.

The feature columns use the same functions (``feature_column.py``): hash buckets of strings and
of integers (TensorFlow hashes an integer's decimal text), vocabulary out-of-vocabulary buckets
and crossed columns.

Each op is a host op (``host_ops.py``) with int64 output of the input's shape and no gradient.
Bad arguments raise at build time with TensorFlow's words (TensorFlow reports a bad ``key``
length when the kernel is built, at run time).
"""

from __future__ import annotations

import itertools

import numpy as np

from dlcore.kernels.cpu import jit_module

from . import errors as _errors
from .frontend import to_tensor
from .graph import Tensor, get_default_graph
from .host_ops import host_op, out_shape, register

OBJ = np.dtype(object)
DEFAULT_HASH_KEY = 0xDECAFCAFFE      # sparse_ops._DEFAULT_HASH_KEY, tensorflow::Hash64's seed

__all__ = ["cross", "cross_hashed", "string_to_hash_bucket", "string_to_hash_bucket_fast",
           "string_to_hash_bucket_strong"]


_jit = jit_module("_jit_hash")


def as_bytes_list(values) -> list:
    """Python values as TensorFlow's strings: bytes kept, str in UTF-8, integers in decimal
    (what ``tf.as_string`` gives an int64)."""
    out = []
    for v in values:
        if isinstance(v, bytes):
            out.append(v)
        elif isinstance(v, str):
            out.append(v.encode("utf-8"))
        elif isinstance(v, (int, np.integer)):
            out.append(str(int(v)).encode("ascii"))
        else:
            raise TypeError(f"expected strings, got {type(v).__name__} {v!r}")
    return out


def _pack(strings: list) -> tuple[np.ndarray, np.ndarray]:
    starts = np.zeros(len(strings) + 1, np.int64)
    if strings:
        np.cumsum([len(s) for s in strings], out=starts[1:])
    buf = np.frombuffer(b"".join(strings) + b"\0", np.uint8)   # never empty for Numba
    return buf, starts


def fingerprint64(values) -> np.ndarray:
    """FarmHash ``Fingerprint64`` of each string (uint64 array)."""
    return _jit().fingerprint64(*_pack(as_bytes_list(values)))


def legacy_hash64(values, seed: int = DEFAULT_HASH_KEY) -> np.ndarray:
    """TensorFlow's ``Hash64(s, seed)`` of each string (uint64 array)."""
    return _jit().hash64_legacy(*_pack(as_bytes_list(values)), np.uint64(seed))


def siphash(values, key) -> np.ndarray:
    """SipHash-2-4 keyed by ``(key[0], key[1])`` of each string (uint64 array)."""
    k0, k1 = (int(k) & 0xFFFFFFFFFFFFFFFF for k in key)
    return _jit().siphash24(*_pack(as_bytes_list(values)), np.uint64(k0), np.uint64(k1))


def fingerprint_cat64(fp1: np.ndarray, fp2: np.ndarray) -> np.ndarray:
    """TensorFlow's ``FingerprintCat64`` elementwise over two uint64 arrays."""
    a, b = np.broadcast_arrays(np.asarray(fp1, np.uint64), np.asarray(fp2, np.uint64))
    return _jit().fingerprint_cat64(np.ascontiguousarray(a).ravel(),
                                    np.ascontiguousarray(b).ravel()).reshape(a.shape)


def bucket(hashes: np.ndarray, num_buckets: int) -> np.ndarray:
    """``hash % num_buckets`` on the unsigned hashes, as int64."""
    return (hashes % np.uint64(num_buckets)).astype(np.int64)


# ----------------------------------------------------------------------------- the ops
def _hash_bucket_impl(x, *, fn: str, num_buckets: int, key=None):
    flat = x.ravel().tolist()
    if fn == "fast":
        h = fingerprint64(flat)
    elif fn == "strong":
        h = siphash(flat, key)
    else:
        h = legacy_hash64(flat)
    return bucket(h, num_buckets).reshape(x.shape)


register("StringToHashBucket", _hash_bucket_impl)


def _hash_op(op_type: str, fn: str, input, num_buckets, name, **attrs) -> Tensor:
    t = to_tensor(input, get_default_graph())
    if t.aval.dtype != OBJ:
        raise TypeError(f"Input 'input' of '{op_type}' Op has type {t.dtype.name} that does "
                        f"not match expected type of string.")
    if isinstance(num_buckets, bool) or not isinstance(num_buckets, (int, np.integer)):
        raise TypeError(f"Expected int for argument 'num_buckets' not {num_buckets!r}.")
    if num_buckets < 1:
        raise ValueError(f"Attr 'num_buckets' of '{op_type}' Op passed {num_buckets} less "
                         f"than minimum 1.")
    op = host_op("StringToHashBucket", [t], [(out_shape(t), np.int64)],
                 {"fn": fn, "num_buckets": int(num_buckets), **attrs}, name or op_type,
                 unknown_rank=bool(t.op.attrs.get("unknown_rank")))
    return op.outputs[0]


def string_to_hash_bucket_fast(input, num_buckets: int, name=None) -> Tensor:
    """Each string's bucket ``Fingerprint64(s) % num_buckets`` (int64, the input's shape).

    FarmHash's fingerprint is fixed forever, so these buckets are stable across versions and
    machines: ``['a', 'b', 'c', 'd']`` in 10 buckets gives ``[9, 2, 2, 5]``, as TensorFlow.

    Example::

        >>> import dlcore_static as tf
        >>> with tf.Session() as sess:
        ...     sess.run(tf.strings.to_hash_bucket_fast(["a", "b", "c", "d"], 10))
        array([9, 2, 2, 5])
    """
    return _hash_op("StringToHashBucketFast", "fast", input, num_buckets, name)


def string_to_hash_bucket_strong(input, num_buckets: int, key, name=None) -> Tensor:
    """Each string's bucket ``SipHash-2-4(key, s) % num_buckets``: a keyed hash for inputs an
    adversary might choose.  ``key`` is two integers (the two 64-bit words of the key)."""
    key = list(key) if isinstance(key, (list, tuple, np.ndarray)) else [key]
    if len(key) != 2:
        raise _errors.InvalidArgumentError(None, None, "Key must have 2 elements")
    return _hash_op("StringToHashBucketStrong", "strong", input, num_buckets, name,
                    key=[int(k) for k in key])


def string_to_hash_bucket(string_tensor, num_buckets: int, name=None) -> Tensor:
    """Each string's bucket by TensorFlow's older ``Hash64`` (deprecated there in favour of
    ``to_hash_bucket_fast``, and kept for the models trained with it)."""
    return _hash_op("StringToHashBucket", "legacy", string_tensor, num_buckets, name)


def to_hash_bucket_fast(input, num_buckets: int, name=None) -> Tensor:
    return string_to_hash_bucket_fast(input, num_buckets, name)


def to_hash_bucket_strong(input, num_buckets: int, key, name=None) -> Tensor:
    return string_to_hash_bucket_strong(input, num_buckets, key, name)


def to_hash_bucket(string_tensor, num_buckets: int, name=None) -> Tensor:
    return string_to_hash_bucket(string_tensor, num_buckets, name)


to_hash_bucket_fast.__doc__ = string_to_hash_bucket_fast.__doc__
to_hash_bucket_strong.__doc__ = string_to_hash_bucket_strong.__doc__
to_hash_bucket.__doc__ = string_to_hash_bucket.__doc__


# ----------------------------------------------------------------------------- crosses
def feature_hashes(values: np.ndarray) -> np.ndarray:
    """What ``SparseCross`` folds in for one input: Fingerprint64 of strings, the int64 value
    itself (as uint64) for integers."""
    values = np.asarray(values)
    if values.dtype == OBJ:
        return fingerprint64(values.ravel().tolist()).reshape(values.shape)
    if values.dtype.kind not in "iu":
        raise TypeError(f"SparseCross inputs must be int64 or string, got {values.dtype.name}")
    return values.astype(np.int64).view(np.uint64)


def cross_hash(columns: list, num_buckets: int, hash_key: int | None) -> np.ndarray:
    """One crossed id per row from ``columns`` (each an array of one value per row, in
    ``SparseCross``'s order: sparse inputs first, then dense ones): ``hash_key`` folded with
    ``FingerprintCat64`` over the values, ``% num_buckets`` (``% (2**63 - 1)`` when
    ``num_buckets`` is 0)."""
    key = hash_key or DEFAULT_HASH_KEY            # TensorFlow: hash_key or _DEFAULT_HASH_KEY
    n = len(columns[0])
    h = np.full(n, key & 0xFFFFFFFFFFFFFFFF, np.uint64)
    for col in columns:
        h = fingerprint_cat64(h, feature_hashes(col))
    return bucket(h, num_buckets if num_buckets > 0 else (1 << 63) - 1)


def _cross_impl(*arrays, kinds: list, num_buckets: int, hash_key, hashed: bool = True):
    """``SparseCross``.  ``arrays``: per sparse input its indices, values and dense_shape
    (dense_shape[0] is the batch), per dense input its (batch, k) values, in ``kinds`` order.
    Hashed: int64 ids; otherwise the values' texts joined with ``_X_``."""
    prep = feature_hashes if hashed else (lambda v: np.asarray(as_bytes_list(
        np.asarray(v).ravel().tolist()), dtype=object).reshape(np.shape(v)))
    rows_of: list = []
    batch = None
    k = 0
    for kind in kinds:
        if kind == "s":
            ind, vals, shape = arrays[k], arrays[k + 1], arrays[k + 2]
            k += 3
            n = int(shape[0])
            per_row: list = [[] for _ in range(n)]
            for (r, _c), h in zip(ind.tolist(), prep(vals).tolist()):
                per_row[r].append(h)
        else:
            d = arrays[k]
            k += 1
            if d.ndim != 2:
                raise _errors.InvalidArgumentError(
                    None, None, f"Dense inputs should be a matrix but received shape: "
                                f"{list(d.shape)}")
            n = d.shape[0]
            per_row = prep(d).tolist()
        if batch is not None and n != batch:
            raise _errors.InvalidArgumentError(
                None, None, f"Expected batch size {batch} got {n}")
        batch = n
        rows_of.append(per_row)
    indices: list = []
    combos: list = []
    width = 0
    for r in range(batch or 0):
        prods = list(itertools.product(*[col[r] for col in rows_of]))
        width = max(width, len(prods))
        indices.extend((r, j) for j in range(len(prods)))
        combos.extend(prods)
    m = len(combos)
    shape = np.asarray([batch or 0, width], np.int64)
    ind = np.asarray(indices, np.int64).reshape(m, 2)
    if not hashed:
        out = np.empty(m, object)
        out[:] = [b"_X_".join(c) for c in combos]
        return ind, out, shape
    key = (hash_key or DEFAULT_HASH_KEY) & 0xFFFFFFFFFFFFFFFF
    h = np.full(m, key, np.uint64)
    if m:
        table = np.asarray(combos, np.uint64).reshape(m, len(rows_of))
        for c in range(len(rows_of)):
            h = fingerprint_cat64(h, table[:, c])
    mod = num_buckets if num_buckets > 0 else (1 << 63) - 1
    return ind, bucket(h, mod), shape


register("SparseCrossHashed", _cross_impl)


def _cross(inputs, hashed: bool, num_buckets: int, hash_key, name):
    from .sparse import SparseTensor
    if not isinstance(inputs, list):
        raise TypeError("Inputs must be a list")
    g = get_default_graph()
    sparse = [i for i in inputs if isinstance(i, SparseTensor)]
    dense = [to_tensor(i, g) for i in inputs if not isinstance(i, SparseTensor)]
    ins: list = []
    kinds: list = []
    for sp in sparse:
        ins += [sp.indices, sp.values, sp.dense_shape]
        kinds.append("s")
    for d in dense:
        ins.append(d)
        kinds.append("d")
    for t in ins:
        if t.aval.dtype != OBJ and t.aval.dtype.kind not in "iu":
            raise TypeError("All inputs must be SparseTensors of int64 or string (or dense "
                            f"tensors of them), got {t.dtype.name}")
    op = host_op("SparseCrossHashed", ins,
                 [((None, 2), np.int64), ((None,), np.int64 if hashed else OBJ),
                  ((2,), np.int64)],
                 {"kinds": kinds, "num_buckets": int(num_buckets), "hash_key": hash_key,
                  "hashed": hashed}, name or "SparseCross")
    return SparseTensor(*op.outputs)


def cross_hashed(inputs, num_buckets: int = 0, hash_key=None, name=None):
    """``tf.sparse.cross_hashed``: the hashed cross of ``inputs`` (SparseTensors and dense
    (batch, k) tensors of strings or integers), a SparseTensor of int64 ids in
    ``[0, num_buckets)`` (any int64 >= 0 when ``num_buckets`` is 0).  As TensorFlow, the
    sparse inputs are crossed first, then the dense ones, each in the order given, the last
    varying fastest; a row with an empty input has no cross.

    Example::

        >>> import dlcore_static as tf
        >>> a = tf.SparseTensor([[0, 0]], ["batch1-FC1-F1"], [1, 1])
        >>> b = tf.SparseTensor([[0, 0]], ["batch1-FC2-F1"], [1, 1])
        >>> c = tf.SparseTensor([[0, 0]], ["batch1-FC3-F1"], [1, 1])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.sparse.cross_hashed([a, b, c], num_buckets=100)).values
        array([83])
    """
    return _cross(inputs, True, num_buckets, hash_key, name)


def cross(inputs, name=None):
    """``tf.sparse.cross``: as :func:`cross_hashed`, the crosses as strings, the values'
    texts (integers in decimal) joined with ``'_X_'``."""
    return _cross(inputs, False, 0, None, name)
