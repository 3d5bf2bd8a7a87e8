"""``Dataset``: a description of an input pipeline, run in Python on the host by an iterator.

A ``Dataset`` object is built with Python calls (``from_tensor_slices(x).shuffle(100)
.batch(32)``); nothing runs then.  It knows its element ``Spec`` (``structure.py``: dtypes,
static shapes and nesting) and the graph tensors it *captures* (a placeholder given to
``from_tensor_slices``, a tensor ``batch_size``, a placeholder read inside a ``map`` function):
their values are read when an iterator is initialised, in the Session run of the initializer
(``iterator.py``), so ``make_initializable_iterator`` with a ``feed_dict`` works as in the TF1
guide.

An initialisation makes a ``Context`` (the Session, the captured values, the random generators
of the shuffles, the caches) and calls ``dataset._iterate(ctx)``: a Python generator of flat
elements (tuples of NumPy arrays, one per leaf).  Each ``Dataset`` subclass implements
``_iterate`` in a few lines; TensorFlow's C++ kernels become Python generators.

Errors: an element whose making failed (a ``map`` or ``filter`` function raised, a ``batch``
of unequal shapes, a generator's element of the wrong type) is yielded as an ``ElementError``
holding the exception, not raised: a Python generator that raises is finished, and TF 1.15's
iterators fail that element only (the next ``get_next`` goes on; ``ignore_errors`` drops
them).  Each transformation passes an ``ElementError`` on as TF's kernels return an input's
error: ``batch`` drops the partial batch, ``take``/``skip``/``shard`` do not count it,
``cache`` does not keep it, ``zip`` gives it for the whole tuple.

The transformations are in ``sources.py`` and ``transforms.py``, which register their classes
in ``REGISTRY``: ``Dataset``'s methods look them up there (so this module imports neither).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator

import numpy as np

from ..graph import Tensor, get_default_graph
from .structure import Spec, SpecView

# name -> Dataset subclass (or factory), filled by sources.py and transforms.py
REGISTRY: dict = {}
AUTOTUNE = -1
_COUNTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()     # graph -> datasets made


class ElementError:
    """An element whose making raised ``error`` (see the module docstring)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class Context:
    """What one iterator initialisation sees: the Session, the values of the captured tensors,
    and per-initialisation state (shuffle generators, in-memory caches)."""

    def __init__(self, session, values: dict):
        self.session = session
        self.values = values            # Tensor -> np.ndarray
        self.state: dict = {}           # dataset -> its state for this initialisation

    def value(self, arg):
        """A scalar argument: a Python number, or a captured tensor's value."""
        if isinstance(arg, Tensor):
            return np.asarray(self.values[arg]).item()
        return arg

    def with_values(self, values: dict) -> Context:
        """A context for the inner dataset a ``flat_map`` function made for one element: more
        captured values, and state of its own (TensorFlow makes a new dataset per element, so
        an inner ``cache`` or ``shuffle`` starts afresh)."""
        return Context(self.session, {**self.values, **values})


def scalar_arg(value, name: str, what: str):
    """An int argument that may be a graph tensor (captured, read at initialisation)."""
    if isinstance(value, Tensor) or hasattr(value, "_as_graph_element"):
        t = value if isinstance(value, Tensor) else value._as_graph_element()
        if t.aval.shape is not None and tuple(t.aval.shape) != ():
            raise ValueError(f"{what}: {name} must be a scalar, got a tensor of shape "
                             f"{list(t.aval.shape)}")
        return t
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what}: {name} must be an integer or a scalar integer tensor, got "
                        f"{type(value).__name__} {value!r}")
    return int(value)


class Dataset(SpecView):
    """A TensorFlow 1.15 ``tf.data.Dataset`` (graph mode): see the module docstring.

    Sources: ``from_tensor_slices``, ``from_tensors``, ``range``, ``from_generator``, ``zip``.
    Transformations: ``batch``, ``padded_batch``, ``shuffle``, ``repeat``, ``map``, ``filter``,
    ``take``, ``skip``, ``prefetch``, ``cache``, ``concatenate``, ``flat_map``, ``interleave``.
    Iterators: ``make_one_shot_iterator()``, ``make_initializable_iterator()``.
    """

    _spec: Spec
    _children: tuple = ()

    def __init__(self, spec: Spec, children=(), captures=()):
        self._spec = spec
        self._children = tuple(children)
        self._own_captures = list(captures)
        self.graph = get_default_graph()
        # a stable number for op-level seeds derived from the graph seed: the dataset's rank
        # in its graph's creation order (TensorFlow uses the op count)
        self._uid = _COUNTS[self.graph] = _COUNTS.get(self.graph, 0) + 1

    # -- what the element looks like

    @property
    def element_spec(self):
        return self._spec.structure.pack(list(zip(self._spec.shapes, self._spec.dtypes)))

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} shapes: {self._spec.describe_shapes()}, types: "
                f"{self._spec.describe_types()}>")

    def __iter__(self):
        raise RuntimeError("dataset.__iter__() is only supported when eager execution is "
                           "enabled; in graph mode use dataset.make_one_shot_iterator() or "
                           "make_initializable_iterator() and Session.run(get_next())")

    # -- captured graph tensors (read at initialisation)
    def _captures(self) -> list:
        seen: dict = {}
        for c in self._children:
            for t in c._captures():
                seen.setdefault(t, None)
        for t in self._own_captures:
            seen.setdefault(t, None)
        return list(seen)

    def _iterate(self, ctx: Context) -> Iterator[tuple]:
        raise NotImplementedError

    def _check(self, ctx: Context) -> None:
        """Checks of the captured values, run when an iterator is initialised (so a bad feed
        fails the initializer's run, as in TensorFlow)."""
        for c in self._children:
            c._check(ctx)

    # -- sources
    @staticmethod
    def from_tensor_slices(tensors) -> Dataset:
        """One element per row of the leading dimension of every component."""
        return REGISTRY["from_tensor_slices"](tensors)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None) -> Dataset:
        """TF 1.15's ``Dataset.list_files``: the files matching ``file_pattern`` (a glob
        pattern or a list of them; ``tf.io.matching_files``), shuffled unless
        ``shuffle=False`` (``seed``), as scalar strings.  No match fails the run with TF's
        ``InvalidArgumentError('assertion failed: [No files matched pattern: ...]')``."""
        import sys
        tf = sys.modules["dlcore_static"]
        with tf.name_scope("list_files"):
            if shuffle is None:
                shuffle = True
            file_pattern = tf.convert_to_tensor(file_pattern, dtype=tf.string,
                                                name="file_pattern")
            matching = tf.io.matching_files(file_pattern)
            condition = tf.greater(tf.shape(matching)[0], 0, name="match_not_empty")
            message = tf.strings.join(["No files matched pattern: ",
                                       tf.strings.reduce_join(file_pattern, separator=", ")],
                                      name="message")
            assert_not_empty = tf.Assert(condition, [message], summarize=1,
                                         name="assert_not_empty")
            with tf.control_dependencies([assert_not_empty]):
                matching = tf.identity(matching)
            dataset = Dataset.from_tensor_slices(matching)
            if shuffle:
                buffer_size = tf.maximum(tf.shape(matching, out_type=tf.int64)[0], 1)
                dataset = dataset.shuffle(buffer_size, seed=seed)
            return dataset

    @staticmethod
    def from_tensors(tensors) -> Dataset:
        """A dataset of exactly one element: ``tensors``."""
        return REGISTRY["from_tensors"](tensors)

    @staticmethod
    def range(*args, output_type=None) -> Dataset:
        """``range(stop)``, ``range(start, stop[, step])``: int64 scalars, as Python's range."""
        return REGISTRY["range"](*args, output_type=output_type)

    @staticmethod
    def from_generator(generator, output_types, output_shapes=None, args=None) -> Dataset:
        """Elements yielded by ``generator(*args)`` (called anew at each initialisation)."""
        return REGISTRY["from_generator"](generator, output_types, output_shapes, args)

    @staticmethod
    def zip(datasets) -> Dataset:
        """Elements of several datasets side by side (a nested tuple or dict of datasets);
        ends with the shortest."""
        return REGISTRY["zip"](datasets)

    # -- transformations
    def concatenate(self, dataset) -> Dataset:
        """This dataset's elements, then ``dataset``'s (same types, compatible shapes)."""
        return REGISTRY["concatenate"](self, dataset)

    def batch(self, batch_size, drop_remainder: bool = False) -> Dataset:
        """Stack ``batch_size`` consecutive elements; the last batch may be smaller unless
        ``drop_remainder`` (then the batch dimension is static)."""
        return REGISTRY["batch"](self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes, padding_values=None,
                     drop_remainder: bool = False) -> Dataset:
        """``batch`` of elements padded at the end to ``padded_shapes`` (``None``/-1: the
        longest in the batch), with ``padding_values`` (default 0)."""
        return REGISTRY["padded_batch"](self, batch_size, padded_shapes, padding_values,
                                        drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration: bool = True) -> Dataset:
        """Random order through a buffer of ``buffer_size`` elements (TensorFlow's
        semantics: each output is drawn uniformly from the buffer, whose slot is refilled
        with the next input element)."""
        return REGISTRY["shuffle"](self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None) -> Dataset:
        """The elements ``count`` times (``None`` or -1: forever)."""
        return REGISTRY["repeat"](self, count)

    def take(self, count) -> Dataset:
        """The first ``count`` elements (-1: all)."""
        return REGISTRY["take"](self, count)

    def skip(self, count) -> Dataset:
        """All but the first ``count`` elements (-1: none)."""
        return REGISTRY["skip"](self, count)

    def map(self, map_func, num_parallel_calls=None) -> Dataset:
        """``map_func`` applied to every element: it receives graph tensors (one argument per
        component of a tuple element) and returns the new element."""
        return REGISTRY["map"](self, map_func, num_parallel_calls)

    def filter(self, predicate) -> Dataset:
        """The elements for which ``predicate`` (a scalar bool tensor) is true."""
        return REGISTRY["filter"](self, predicate)

    def flat_map(self, map_func) -> Dataset:
        """``map_func`` returns a dataset per element; their elements in order."""
        return REGISTRY["flat_map"](self, map_func)

    def interleave(self, map_func, cycle_length=AUTOTUNE, block_length=1,
                   num_parallel_calls=None) -> Dataset:
        """As ``flat_map``, taking ``block_length`` elements in turn from ``cycle_length``
        open inner datasets."""
        return REGISTRY["interleave"](self, map_func, cycle_length, block_length)

    def shard(self, num_shards, index) -> Dataset:
        """Every ``num_shards``-th element, starting at ``index`` (one worker's part, as
        Horovod programs split a dataset: ``shard(hvd.size(), hvd.rank())``)."""
        return REGISTRY["shard"](self, num_shards, index)

    def prefetch(self, buffer_size) -> Dataset:
        """Accepted for compatibility: elements are produced on demand in the run that asks
        for them (there is no background thread), so this returns the same elements."""
        return REGISTRY["prefetch"](self, buffer_size)

    def cache(self, filename: str = "") -> Dataset:
        """Keep the elements in memory after the first full pass (per initialisation)."""
        return REGISTRY["cache"](self, filename)

    def apply(self, transformation_func) -> Dataset:
        """``transformation_func(self)``."""
        return transformation_func(self)

    def with_options(self, options) -> Dataset:
        """Accepted; options do not change what this host pipeline produces."""
        return self

    # -- iterators
    def make_one_shot_iterator(self):
        """An iterator initialised on its first use (no captured placeholders allowed)."""
        return REGISTRY["make_one_shot_iterator"](self)

    def make_initializable_iterator(self, shared_name=None):
        """An iterator with an ``initializer`` op; run it (with feeds) to (re)start."""
        return REGISTRY["make_initializable_iterator"](self, shared_name)
