"""``tf.data`` (TensorFlow 1.15, graph mode): input pipelines that feed a graph without
``feed_dict``.

    dataset = tf.data.Dataset.from_tensor_slices((features, labels))
    dataset = dataset.shuffle(1000, seed=0).batch(32).repeat(10)
    x, y = dataset.make_one_shot_iterator().get_next()
    ...
    while True:
        try:
            sess.run(train_op)
        except tf.errors.OutOfRangeError:
            break

A ``Dataset`` is a description (``base.py``; sources in ``sources.py``, transformations in
``transforms.py``); an ``Iterator`` (``iterator.py``) puts two host ops in the graph, one that
starts the pipeline in a Session (``initializer``) and one that takes its next element
(``get_next()``).  The pipeline itself runs in Python on the host, one element per run of
``get_next``; ``map``/``filter`` functions are traced once into graph ops and run per element as
a small Session plan (``functions.py``).

File datasets (``readers.py``): ``TextLineDataset``, ``TFRecordDataset`` and
``experimental.CsvDataset``/``make_csv_dataset``, whose elements are ``tf.string`` tensors or
parsed CSV columns; feedable iterators (``string_handle``/``Iterator.from_string_handle``);
``SparseTensor`` components made by ``map`` (``VarLenFeature``), which ``batch`` batches.
Not supported: ``cache(filename)``, sparse components in ``from_tensor_slices`` or
``padded_batch``; ``num_parallel_calls`` and ``prefetch`` are accepted and change nothing
(there are no background threads).
"""

from __future__ import annotations

from . import sources, transforms  # noqa: F401 - register the dataset classes
from .readers import (
    CsvDataset,
    TextLineDataset,
    TFRecordDataset,
    make_batched_features_dataset,
    make_csv_dataset,
    parse_example_dataset,
)
from .base import AUTOTUNE, Dataset
from .iterator import (
    Iterator,
    get_output_classes,
    get_output_shapes,
    get_output_types,
    make_initializable_iterator,
    make_one_shot_iterator,
)


class experimental:
    """``tf.data.experimental``: ``AUTOTUNE`` and the fused transformations of TF 1.x programs
    (``dataset.apply(tf.data.experimental.shuffle_and_repeat(1000))``), which here are the
    plain transformations one after the other; ``ignore_errors``."""

    AUTOTUNE = AUTOTUNE

    @staticmethod
    def shuffle_and_repeat(buffer_size, count=None, seed=None):
        """``dataset.shuffle(buffer_size, seed).repeat(count)``, for ``Dataset.apply``."""
        return lambda ds: ds.shuffle(buffer_size, seed).repeat(count)

    @staticmethod
    def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                      num_parallel_calls=None):
        """``dataset.map(map_func).batch(batch_size, drop_remainder)``, for ``apply``."""
        return lambda ds: ds.map(map_func).batch(batch_size, drop_remainder)

    @staticmethod
    def ignore_errors(log_warning: bool = False):
        """``dataset.apply(tf.data.experimental.ignore_errors())``: the elements whose making
        raised (a map function's error, a batch of unequal shapes) are dropped."""
        from .transforms import IgnoreErrorsDataset
        return lambda ds: IgnoreErrorsDataset(ds, log_warning)

    CsvDataset = CsvDataset
    make_csv_dataset = staticmethod(make_csv_dataset)
    make_batched_features_dataset = staticmethod(make_batched_features_dataset)
    parse_example_dataset = staticmethod(parse_example_dataset)


__all__ = ["AUTOTUNE", "Dataset", "Iterator", "TFRecordDataset", "TextLineDataset",
           "experimental", "get_output_classes",
           "get_output_shapes", "get_output_types", "make_initializable_iterator",
           "make_one_shot_iterator"]
