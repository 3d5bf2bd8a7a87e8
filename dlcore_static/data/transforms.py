"""Dataset transformations, each a Python generator over its input's elements, following the
TensorFlow 1.15 kernels' semantics:

- ``batch``: stacks consecutive elements (components of unequal shapes are an error); the last
  batch is smaller unless ``drop_remainder``;
- ``padded_batch``: pads each component at the end to ``padded_shapes`` (``None``/-1: the
  longest in this batch) with ``padding_values``;
- ``shuffle``: a buffer of ``buffer_size`` elements, filled from the input; each output is a
  uniformly drawn buffer slot, refilled with the next input element (or, at the end, with the
  last slot).  With a seed (op seed and/or ``tf.set_random_seed``) an initialisation's order is
  reproducible in every Session; each pass of a later ``repeat`` draws a new order unless
  ``reshuffle_each_iteration=False``;
- ``repeat``: passes again over the input (an input that yields nothing stops it);
- ``take``, ``skip``, ``cache`` (in memory, per initialisation), ``prefetch`` (a no-op here:
  elements are made on demand in the run that asks for them);
- ``map``, ``filter``, ``flat_map``, ``interleave``: user functions traced once
  (``functions.py``);
- ``ignore_errors`` (``tf.data.experimental.ignore_errors()``): drops the elements whose making
  failed (``base.ElementError``; how each transformation passes one on: ``base.py``).
"""

from __future__ import annotations

import os

import numpy as np

from ..errors import InvalidArgumentError, OutOfRangeError
from ..graph import Tensor
from .base import AUTOTUNE, REGISTRY, Context, Dataset, ElementError, scalar_arg
from .functions import TracedFunction
from .structure import Spec, flatten_up_to, normalize_shape, shape_text


def _check_count(value, name, what, minimum):
    if isinstance(value, int) and value < minimum:
        raise ValueError(f"{what}: {name} must be >= {minimum}, got {value}")


def _batch_sparse(elements: list, k: int, what: str) -> list:
    """Sparse components ``k..k+2`` of ``elements`` batched: indices prefixed by the
    element's row, values concatenated, dense shape [batch, max of each dimension]."""
    inds = [np.asarray(e[k], np.int64) for e in elements]
    shapes = [np.asarray(e[k + 2], np.int64) for e in elements]
    rank = len(shapes[0])
    for i, s in enumerate(shapes):
        if len(s) != rank:
            raise InvalidArgumentError(
                None, None, f"{what}: Cannot batch SparseTensors of different ranks: element "
                f"0 has rank {rank} and element {i} has rank {len(s)}.")
    rows = [np.hstack([np.full((len(ix), 1), i, np.int64), ix.reshape(len(ix), rank)])
            for i, ix in enumerate(inds)]
    values = np.concatenate([np.asarray(e[k + 1]).reshape(-1) for e in elements])
    dense = np.max(np.stack(shapes), axis=0) if rank else np.zeros(0, np.int64)
    return [np.concatenate(rows).reshape(-1, rank + 1), values,
            np.concatenate([[len(elements)], dense]).astype(np.int64)]


def _stack(elements: list, what: str, sparse=()) -> tuple:
    out: list = []
    k = 0
    while k < len(elements[0]):
        if k in sparse:
            out.extend(_batch_sparse(elements, k, what))
            k += 3
            continue
        parts = [e[k] for e in elements]
        first = np.shape(parts[0])
        for i, p in enumerate(parts[1:], 1):
            if np.shape(p) != first:
                raise InvalidArgumentError(
                    None, None, f"{what}: Cannot batch tensors with different shapes in "
                    f"component {k}. First element had shape {list(first)} and element {i} "
                    f"had shape {list(np.shape(p))}.")
        out.append(np.stack(parts))
        k += 1
    return tuple(out)


class BatchDataset(Dataset):
    def __init__(self, input: Dataset, batch_size, drop_remainder=False):
        bs = scalar_arg(batch_size, "batch_size", "batch")
        _check_count(bs, "batch_size", "batch", 1)
        drop = bool(drop_remainder)
        lead = bs if drop and isinstance(bs, int) else None
        s = input._spec
        shapes = [None if sh is None else (lead,) + tuple(sh) for sh in s.shapes]
        self._sparse = set(s.structure.sparse_starts())
        for k in self._sparse:              # a batch of SparseTensors is one of rank + 1
            r = s.shapes[k + 2][0] if s.shapes[k + 2] else None
            r1 = None if r is None else r + 1
            shapes[k:k + 3] = [(None, r1), (None,), (r1,)]
        spec = Spec(s.structure, s.dtypes, tuple(shapes))
        super().__init__(spec, children=(input,), captures=[bs] if isinstance(bs, Tensor)
                         else ())
        self._bs, self._drop = bs, drop

    def _size(self, ctx) -> int:
        n = int(ctx.value(self._bs))
        if n < 1:
            raise InvalidArgumentError(None, None, "Batch size must be greater than zero.")
        return n

    def _check(self, ctx: Context) -> None:
        super()._check(ctx)
        self._size(ctx)         # (a fed size: TF's initializer run refuses it)

    def _iterate(self, ctx: Context):
        n = self._size(ctx)
        buf: list = []
        for e in self._children[0]._iterate(ctx):
            if type(e) is ElementError:     # (TF: the batch's error; its elements are gone)
                buf = []
                yield e
                continue
            buf.append(e)
            if len(buf) == n:
                yield self._batched(buf)
                buf = []
        if buf and not self._drop:
            yield self._batched(buf)

    def _batched(self, buf: list):
        try:
            return self._make(buf)
        except Exception as e:  # noqa: BLE001 - that batch's error (base.ElementError)
            return ElementError(e)

    def _make(self, buf: list) -> tuple:
        return _stack(buf, "batch", self._sparse)


class PaddedBatchDataset(BatchDataset):
    def __init__(self, input: Dataset, batch_size, padded_shapes, padding_values=None,
                 drop_remainder=False):
        super().__init__(input, batch_size, drop_remainder)
        s = input._spec
        if self._sparse:
            raise TypeError("padded_batch: SparseTensor components cannot be padded; use "
                            "batch (which batches them) or tf.sparse.to_dense in a map first")
        flat_shapes = flatten_up_to(s.structure, padded_shapes)
        if len(flat_shapes) != len(s.dtypes):
            raise ValueError(f"padded_batch: `padded_shapes` must have the element's structure "
                             f"{s.describe_shapes()}, got {padded_shapes!r}")
        pads = [normalize_shape(p) for p in flat_shapes]
        for p, have in zip(pads, s.shapes):
            if have is not None and (len(p) != len(have) or any(
                    a is not None and b is not None and a < b for a, b in zip(p, have))):
                raise ValueError(f"padded_batch: the padded shape {shape_text(p)} is not "
                                 f"compatible with the component shape {shape_text(have)}")
        if padding_values is None:
            values = [0] * len(pads)
        else:
            values = flatten_up_to(s.structure, padding_values)
            if len(values) != len(pads):
                raise ValueError(f"padded_batch: `padding_values` must have the element's "
                                 f"structure {s.describe_types()}, got {padding_values!r}")
        self._pads = pads
        self._values = [np.asarray(v, dt) for v, dt in zip(values, s.dtypes)]
        lead = self._spec.shapes[0][0] if self._spec.shapes and self._spec.shapes[0] else None
        self._spec = Spec(s.structure, s.dtypes, tuple((lead,) + p for p in pads))

    def _make(self, buf: list) -> tuple:
        out = []
        for k, (pad, value) in enumerate(zip(self._pads, self._values)):
            parts = [np.asarray(e[k]) for e in buf]
            longest = [max(p.shape[d] for p in parts) for d in range(len(pad))]
            target = tuple(longest[d] if p is None else p for d, p in enumerate(pad))
            arr = np.full((len(parts),) + target, value, dtype=parts[0].dtype)
            for i, p in enumerate(parts):
                if any(a > b for a, b in zip(p.shape, target)):
                    raise InvalidArgumentError(
                        None, None, f"padded_batch: Attempted to pad to a smaller size than "
                        f"the input element (component {k} has shape {list(p.shape)}, padded "
                        f"shape {list(target)})")
                arr[(i,) + tuple(slice(0, d) for d in p.shape)] = p
            out.append(arr)
        return tuple(out)


class ShuffleDataset(Dataset):
    def __init__(self, input: Dataset, buffer_size, seed=None, reshuffle_each_iteration=True):
        bs = scalar_arg(buffer_size, "buffer_size", "shuffle")
        _check_count(bs, "buffer_size", "shuffle", 1)
        super().__init__(input._spec, children=(input,),
                         captures=[bs] if isinstance(bs, Tensor) else ())
        self._bs, self._seed = bs, None if seed is None else int(seed)
        self._reshuffle = bool(reshuffle_each_iteration)

    def _rng(self, ctx: Context) -> np.random.Generator:
        st = ctx.state.get(self)
        if st is None:
            gseed = self.graph.seed
            entropy: int | list
            if gseed is None and self._seed is None:
                root = ctx.session.random_stream(None, np.random.default_rng)
                entropy = int(root.integers(0, 2 ** 63))
            else:
                entropy = [87654321 if gseed is None else gseed,
                           self._uid if self._seed is None else self._seed]
            st = ctx.state[self] = {"entropy": entropy,
                                    "rng": np.random.default_rng(entropy)}
        if not self._reshuffle:
            return np.random.default_rng(st["entropy"])
        return st["rng"]

    def _buffer(self, ctx: Context) -> int:
        size = int(ctx.value(self._bs))
        if size < 1:
            raise InvalidArgumentError(None, None, "buffer_size must be greater than zero.")
        return size

    def _check(self, ctx: Context) -> None:
        super()._check(ctx)
        self._buffer(ctx)       # (a fed size: TF's initializer run refuses it)

    def _iterate(self, ctx: Context):
        size = self._buffer(ctx)
        rng = self._rng(ctx)
        it = self._children[0]._iterate(ctx)
        buf: list = []
        for e in it:
            if type(e) is ElementError:     # (TF: the input's error is this get_next's)
                yield e
                continue
            buf.append(e)
            if len(buf) == size:
                break
        while buf:
            i = int(rng.integers(len(buf)))
            out = buf[i]
            while True:
                try:
                    e = next(it)
                except StopIteration:
                    buf[i] = buf[-1]
                    buf.pop()
                    break
                if type(e) is not ElementError:
                    buf[i] = e
                    break
                yield e
            yield out


class RepeatDataset(Dataset):
    def __init__(self, input: Dataset, count=None):
        c = -1 if count is None else scalar_arg(count, "count", "repeat")
        super().__init__(input._spec, children=(input,),
                         captures=[c] if isinstance(c, Tensor) else ())
        self._count = c

    def _iterate(self, ctx: Context):
        count = int(ctx.value(self._count))
        done = 0
        while count < 0 or done < count:
            produced = False
            for e in self._children[0]._iterate(ctx):
                produced = True
                yield e
            if not produced:
                return
            done += 1


class TakeDataset(Dataset):
    def __init__(self, input: Dataset, count):
        c = scalar_arg(count, "count", "take")
        super().__init__(input._spec, children=(input,),
                         captures=[c] if isinstance(c, Tensor) else ())
        self._count = c

    def _iterate(self, ctx: Context):
        count = int(ctx.value(self._count))
        if count == 0:
            return
        i = 0
        for e in self._children[0]._iterate(ctx):
            yield e
            if type(e) is not ElementError:     # (an error is not counted, as TF's)
                i += 1
                if i == count:
                    return


class SkipDataset(Dataset):
    def __init__(self, input: Dataset, count):
        c = scalar_arg(count, "count", "skip")
        super().__init__(input._spec, children=(input,),
                         captures=[c] if isinstance(c, Tensor) else ())
        self._count = c

    def _iterate(self, ctx: Context):
        count = int(ctx.value(self._count))
        if count < 0:
            return
        i = 0
        for e in self._children[0]._iterate(ctx):
            if type(e) is ElementError:         # (given, and not counted, as TF's)
                yield e
            elif i >= count:
                yield e
            else:
                i += 1


def _shard_words(n: int, i: int) -> str:
    """TF 1.15's ShardDatasetOp words."""
    if n < 1:
        return f"Number of shards must be greater than zero (currently num_shards = {n})."
    return f"Index must be between 0 and {n - 1} (currently index = {i})."


class ShardDataset(Dataset):
    def __init__(self, input: Dataset, num_shards, index):
        n = scalar_arg(num_shards, "num_shards", "shard")
        i = scalar_arg(index, "index", "shard")
        _check_count(n, "num_shards", "shard", 1)
        if isinstance(n, int) and isinstance(i, int) and not 0 <= i < n:
            raise ValueError(_shard_words(n, i))
        super().__init__(input._spec, children=(input,),
                         captures=[a for a in (n, i) if isinstance(a, Tensor)])
        self._n, self._i = n, i

    def _shard(self, ctx: Context) -> tuple:
        n, i = int(ctx.value(self._n)), int(ctx.value(self._i))
        if n < 1 or not 0 <= i < n:
            raise InvalidArgumentError(None, None, _shard_words(n, i))
        return n, i

    def _check(self, ctx: Context) -> None:
        super()._check(ctx)
        self._shard(ctx)        # (fed values: TF's initializer run refuses them)

    def _iterate(self, ctx: Context):
        n, i = self._shard(ctx)
        k = 0
        for e in self._children[0]._iterate(ctx):
            if type(e) is ElementError:         # (given, and not counted, as TF's)
                yield e
                continue
            if k % n == i:
                yield e
            k += 1


class PrefetchDataset(Dataset):
    def __init__(self, input: Dataset, buffer_size):
        bs = scalar_arg(buffer_size, "buffer_size", "prefetch")
        if isinstance(bs, int) and bs < 0 and bs != AUTOTUNE:
            raise ValueError(f"prefetch: buffer_size must be >= 0 or AUTOTUNE, got {bs}")
        super().__init__(input._spec, children=(input,))

    def _iterate(self, ctx: Context):
        return self._children[0]._iterate(ctx)


class CacheDataset(Dataset):
    def __init__(self, input: Dataset, filename=""):
        if filename:
            raise NotImplementedError("cache(filename): only the in-memory cache "
                                      "(filename='') is supported")
        super().__init__(input._spec, children=(input,))

    def _iterate(self, ctx: Context):
        cached = ctx.state.get(self)
        if cached is not None:
            yield from cached
            return
        fill = []
        for e in self._children[0]._iterate(ctx):
            if type(e) is not ElementError:     # (an error is not kept, as TF's)
                fill.append(e)
            yield e
        ctx.state[self] = fill


class MapDataset(Dataset):
    def __init__(self, input: Dataset, map_func, num_parallel_calls=None):
        fn = TracedFunction(map_func, input._spec, "map")
        super().__init__(fn.spec(), children=(input,), captures=fn.captures)
        self._fn = fn

    def _iterate(self, ctx: Context):
        fn = self._fn
        for e in self._children[0]._iterate(ctx):
            if type(e) is ElementError:
                yield e
                continue
            try:
                out = tuple(fn(ctx, e))
            except OutOfRangeError:     # (TF's MapDataset: the function ends the iteration,
                return                  # as a py_func raising StopIteration does)
            except Exception as err:  # noqa: BLE001 - this element's error (ElementError)
                yield ElementError(err)
                continue
            yield out


class FilterDataset(Dataset):
    def __init__(self, input: Dataset, predicate):
        fn = TracedFunction(predicate, input._spec, "filter", "predicate")
        out = fn.spec()
        if len(out.dtypes) != 1 or out.structure.kind != "leaf" or \
                out.dtypes[0] != np.bool_ or out.shapes[0] not in ((), None):
            raise ValueError(f"filter: `predicate` return type must be convertible to a "
                             f"scalar boolean tensor. Was {out.describe_types()} of shape "
                             f"{out.describe_shapes()}.")
        super().__init__(input._spec, children=(input,), captures=fn.captures)
        self._fn = fn

    def _iterate(self, ctx: Context):
        fn = self._fn
        for e in self._children[0]._iterate(ctx):
            if type(e) is ElementError:
                yield e
                continue
            try:
                (keep,) = fn(ctx, e)
            except Exception as err:  # noqa: BLE001 - this element's error (ElementError)
                yield ElementError(err)
                continue
            if bool(keep):
                yield e


class FlatMapDataset(Dataset):
    def __init__(self, input: Dataset, map_func, what="flat_map"):
        fn = TracedFunction(map_func, input._spec, what, returns_dataset=True)
        super().__init__(fn.inner()._spec, children=(input,), captures=fn.captures)
        self._fn = fn

    def _inner(self, ctx: Context, e: tuple):
        fn = self._fn
        return fn.inner()._iterate(fn.inner_context(ctx, e))

    def _opened(self, ctx: Context, e):
        """The inner iterator of input element ``e``, or the ``ElementError`` to give."""
        if type(e) is ElementError:
            return e
        try:
            return self._inner(ctx, e)
        except Exception as err:  # noqa: BLE001 - this element's error (ElementError)
            return ElementError(err)

    def _iterate(self, ctx: Context):
        for e in self._children[0]._iterate(ctx):
            inner = self._opened(ctx, e)
            if type(inner) is ElementError:
                yield inner
            else:
                yield from inner


class InterleaveDataset(FlatMapDataset):
    def __init__(self, input: Dataset, map_func, cycle_length=AUTOTUNE, block_length=1):
        super().__init__(input, map_func, "interleave")
        if cycle_length in (None, AUTOTUNE):
            cycle_length = os.cpu_count() or 1
        if int(cycle_length) < 1 or int(block_length) < 1:
            raise ValueError(f"interleave: cycle_length and block_length must be positive, "
                             f"got {cycle_length} and {block_length}")
        self._cycle, self._block = int(cycle_length), int(block_length)

    def _iterate(self, ctx: Context):
        """TensorFlow's InterleaveDataset iterator, step for step."""
        source = self._children[0]._iterate(ctx)
        slots: list = [None] * self._cycle
        cycle = block = 0
        open_ = 0
        end_of_input = False
        while not end_of_input or open_ > 0:
            if slots[cycle] is not None:
                try:
                    e = next(slots[cycle])
                except StopIteration:
                    slots[cycle] = None
                    open_ -= 1
                    cycle, block = (cycle + 1) % self._cycle, 0
                    continue
                if type(e) is ElementError:     # (TF: returned, the block not advanced)
                    yield e
                    continue
                block += 1
                if block == self._block:
                    cycle, block = (cycle + 1) % self._cycle, 0
                yield e
            elif not end_of_input:
                try:
                    inner = self._opened(ctx, next(source))
                except StopIteration:
                    end_of_input = True
                    continue
                if type(inner) is ElementError:
                    yield inner         # (TF: the input's or the function's error)
                    continue
                slots[cycle] = inner
                open_ += 1
            else:
                cycle, block = (cycle + 1) % self._cycle, 0


class IgnoreErrorsDataset(Dataset):
    """``tf.data.experimental.ignore_errors()``: the input's elements less those whose making
    failed (``base.ElementError``); an error raised by the input itself (its generators are
    then finished: a ``from_generator`` generator that raised) ends the dataset, as TF's."""

    def __init__(self, input: Dataset, log_warning: bool = False):
        super().__init__(input._spec, children=(input,))
        self._log = bool(log_warning)

    def _iterate(self, ctx: Context):
        it = self._children[0]._iterate(ctx)
        while True:
            try:
                e = next(it)
            except StopIteration:
                return
            except Exception as err:  # noqa: BLE001 - ignored, and the input is finished
                self._warn(err)
                return
            if type(e) is ElementError:
                self._warn(e.error)
                continue
            yield e

    def _warn(self, err: Exception) -> None:
        if self._log:
            import logging
            logging.getLogger("dlcore_static.data").warning(
                "Error raised with error message %s", err)


REGISTRY.update({
    "batch": BatchDataset, "padded_batch": PaddedBatchDataset, "shuffle": ShuffleDataset,
    "repeat": RepeatDataset, "take": TakeDataset, "skip": SkipDataset,
    "prefetch": PrefetchDataset, "shard": ShardDataset, "cache": CacheDataset, "map": MapDataset,
    "filter": FilterDataset, "flat_map": FlatMapDataset, "interleave": InterleaveDataset,
    "ignore_errors": IgnoreErrorsDataset,
})
