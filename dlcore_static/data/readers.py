"""File datasets: ``tf.data.TextLineDataset``, ``tf.data.TFRecordDataset``,
``tf.data.experimental.CsvDataset``, ``make_csv_dataset``, ``make_batched_features_dataset``
and ``parse_example_dataset``.

Their elements are ``tf.string`` scalars (a line, a record) or, for CSV, a tuple of typed
scalars.  ``filenames`` is a path, a list of paths, or a string tensor (scalar or vector, read
when the iterator is initialised), so the usual TF1 pattern works::

    files = tf.data.Dataset.from_tensor_slices(["a.csv", "b.csv"])
    lines = files.interleave(lambda f: tf.data.TextLineDataset(f).skip(1), cycle_length=2)

Files are read lazily, one line or record at a time, on the host, by the iterator's
``get_next`` (``iterator.py``); ``compression_type`` is None/'' , 'GZIP' or 'ZLIB'.  A missing
file is ``tf.errors.NotFoundError``; a corrupt TFRecord frame ``tf.errors.DataLossError``
("corrupted record at 12", ``io/tfrecord.py``); a bad CSV field ``InvalidArgumentError``
("Field 1 in record 0 is not a valid float: abc", ``io/parsing.py``).  Nothing is executed or
unpickled.
"""

from __future__ import annotations

import glob as _glob
import gzip
import io
import zlib

import numpy as np

from .. import dtypes as _dtypes
from ..errors import DataLossError, InvalidArgumentError, NotFoundError
from ..graph import Tensor
from ..io import parsing as _parsing
from ..io.tfrecord import compression_name, read_records
from .base import REGISTRY, Context, Dataset, ElementError
from .structure import LEAF, Spec, Structure, host_array

OBJ = np.dtype(object)


def _filenames_arg(filenames, what: str):
    """A captured string tensor, or a tuple of paths (bytes)."""
    if isinstance(filenames, Tensor):
        if filenames.aval.dtype != OBJ:
            raise TypeError(f"{what}: `filenames` must be a tf.string tensor, got "
                            f"{filenames.dtype.name}")
        if len(filenames.aval.shape) > 1:
            raise TypeError(f"{what}: `filenames` must be a scalar or a vector, got shape "
                            f"{list(filenames.aval.shape)}")
        return filenames
    if isinstance(filenames, Dataset):
        raise TypeError(f"{what}: a Dataset of file names is TensorFlow 2's form; use "
                        "filenames.interleave(lambda f: ...) or a list of names")
    if hasattr(filenames, "__fspath__"):
        filenames = str(filenames)
    arr = _dtypes.as_bytes_array(filenames, f"{what} filenames")
    if arr.ndim > 1:
        raise TypeError(f"{what}: `filenames` must be a scalar or a vector, got shape "
                        f"{list(arr.shape)}")
    return tuple(arr.reshape(-1).tolist())


class _FileDataset(Dataset):
    """What the file datasets share: their file names and compression."""

    what = "Dataset"

    def __init__(self, filenames, compression_type, spec: Spec):
        self._files = _filenames_arg(filenames, self.what)
        self._compression = compression_name(compression_type)
        super().__init__(spec, captures=[self._files] if isinstance(self._files, Tensor)
                         else [])

    def _paths(self, ctx: Context) -> list:
        if isinstance(self._files, Tensor):
            return [p.decode("utf-8") for p in np.asarray(ctx.values[self._files]).reshape(-1)
                    .tolist()]
        return [p.decode("utf-8") for p in self._files]


def _open_text(path: str, compression: str):
    try:
        if compression == "GZIP":
            return gzip.open(path, "rb")          # owns (and closes) the file
        raw = open(path, "rb")
    except (FileNotFoundError, IsADirectoryError):
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None
    if compression == "ZLIB":
        data = raw.read()
        raw.close()
        try:
            return io.BytesIO(zlib.decompress(data))
        except zlib.error as e:
            raise DataLossError(None, None, f"{path}: corrupt ZLIB stream: {e}") from None
    return raw


def iter_lines(path: str, compression: str):
    """The lines of a file as bytes, without their ``\\n`` or ``\\r\\n``."""
    f = _open_text(path, compression)
    try:
        while True:
            try:
                line = f.readline()
            except (OSError, EOFError, zlib.error) as e:
                raise DataLossError(None, None, f"{path}: corrupt {compression} stream: {e}") \
                    from None
            if not line:
                return
            if line.endswith(b"\n"):
                line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
            yield line
    finally:
        f.close()


class TextLineDataset(_FileDataset):
    """The lines of one or more text files, in order (a ``tf.string`` scalar each, without the
    line end).

    Example::

        >>> import dlcore_static as tf, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> with open(path, "w") as f:
        ...     _ = f.write("x\\ny\\n")
        >>> nxt = tf.data.TextLineDataset(path).make_one_shot_iterator().get_next()
        >>> with tf.Session() as sess:
        ...     [sess.run(nxt), sess.run(nxt)]
        [b'x', b'y']
    """

    what = "TextLineDataset"

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None):
        super().__init__(filenames, compression_type, Spec(LEAF, (OBJ,), ((),)))

    def _iterate(self, ctx: Context):
        for path in self._paths(ctx):
            for line in iter_lines(path, self._compression):
                yield (np.asarray(line, dtype=object),)


class TFRecordDataset(_FileDataset):
    """The records of one or more TFRecord files (``tf.string`` scalars), every frame checked
    (``io/tfrecord.py``)."""

    what = "TFRecordDataset"

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None):
        super().__init__(filenames, compression_type, Spec(LEAF, (OBJ,), ((),)))

    def _iterate(self, ctx: Context):
        for path in self._paths(ctx):
            for rec in read_records(path, self._compression):
                yield (np.asarray(rec, dtype=object),)


_CSV_TYPES = {np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int32),
              np.dtype(np.int64), OBJ}


def _csv_defaults(record_defaults, what: str):
    """(specs, defaults) from ``record_defaults``: a DType (a required column) or a value /
    constant tensor of 0 or 1 element (its default)."""
    from ..frontend import constant_value
    specs, defaults = [], []
    for i, d in enumerate(record_defaults):
        if isinstance(d, _dtypes.DType) or (isinstance(d, type) and d in (str, bytes)):
            dt = _dtypes.as_dtype(d).np
            dflt = np.empty(0, dt)
        else:
            if isinstance(d, Tensor):
                v = constant_value(d)
                if v is None:
                    raise TypeError(f"{what}: record_defaults[{i}] must be a constant (a "
                                    "value, a tf.constant or a DType), not a computed tensor")
                d = v
            dflt = host_array(np.asarray([], np.float32) if isinstance(d, (list, tuple))
                              and not d else d, what).reshape(-1)
            dt = dflt.dtype
            if dflt.size > 1:
                raise ValueError(f"{what}: record_defaults[{i}] must have at most one "
                                 f"element, got {dflt.size}")
        if dt not in _CSV_TYPES:
            raise TypeError(f"{what}: record_defaults[{i}] has dtype "
                            f"{_dtypes.as_dtype(dt).name}; each must be float32, float64, "
                            "int32, int64 or string")
        specs.append(dt.name)
        defaults.append(dflt)
    return specs, defaults


class CsvDataset(_FileDataset):
    """``tf.data.experimental.CsvDataset``: the records of CSV files as tuples of scalars, one
    per column (``record_defaults``: a DType for a required column, or a default value whose
    dtype is the column's), after ``header`` lines are skipped; ``select_cols`` picks columns.
    Parsing follows ``tf.io.decode_csv`` (``io/parsing.py``); blank lines are skipped.

    Example::

        >>> import dlcore_static as tf, tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "a.csv")
        >>> with open(path, "w") as f:
        ...     _ = f.write("a,b\\n1,x\\n2,y\\n")
        >>> ds = tf.data.experimental.CsvDataset(path, [tf.int32, ""], header=True)
        >>> nxt = ds.make_one_shot_iterator().get_next()
        >>> with tf.Session() as sess:
        ...     sess.run(nxt)
        (np.int32(1), b'x')
    """

    what = "CsvDataset"

    def __init__(self, filenames, record_defaults, compression_type=None, buffer_size=None,
                 header: bool = False, field_delim=",", use_quote_delim: bool = True,
                 na_value="", select_cols=None):
        specs, defaults = _csv_defaults(record_defaults, self.what)
        if not specs:
            raise ValueError(f"{self.what}: record_defaults must not be empty")
        self._delim, self._select = _parsing.check_csv_options(field_delim, select_cols,
                                                               len(specs), self.what)
        self._specs, self._defaults = specs, defaults
        self._header = bool(header)
        self._quote = bool(use_quote_delim)
        self._na = _dtypes.as_bytes_array(na_value, "na_value").item()
        spec = Spec(Structure("tuple", [LEAF] * len(specs)),
                    tuple(np.dtype(s) for s in specs), ((),) * len(specs))
        super().__init__(filenames, compression_type, spec)

    def _iterate(self, ctx: Context):
        dts = self._spec.dtypes
        for path in self._paths(ctx):
            index = 0
            for k, line in enumerate(iter_lines(path, self._compression)):
                if (k == 0 and self._header) or not line:
                    continue
                try:
                    fields = _parsing.split_csv(line, self._delim, self._quote, index)
                    vals = _parsing.parse_fields(fields, self._specs, self._defaults, index,
                                                 self._na, self._select)
                except InvalidArgumentError as e:   # (that record's error; the next goes
                    index += 1                      # on: ignore_errors() skips bad lines)
                    yield ElementError(InvalidArgumentError(
                        None, None, f"{e.message} (file {path}, line {k + 1})"))
                    continue
                index += 1
                yield tuple(np.asarray(v, dt) for v, dt in zip(vals, dts))


def _infer_type(values: list):
    """make_csv_dataset's column type from sample fields: int32, int64, float32 or string."""
    kinds = set()
    for v in values:
        if v == b"":
            continue
        if _parsing._INT_RE.fullmatch(v):
            kinds.add("int64" if not -2**31 <= int(v) < 2**31 else "int32")
        elif _parsing._FLOAT_RE.fullmatch(v):
            kinds.add("float32")
        else:
            return OBJ
    if not kinds or "float32" in kinds:
        return np.dtype(np.float32)
    return np.dtype(np.int64 if "int64" in kinds else np.int32)


def make_csv_dataset(file_pattern, batch_size, column_names=None, column_defaults=None,
                     label_name=None, select_columns=None, field_delim=",",
                     use_quote_delim: bool = True, na_value="", header: bool = True,
                     num_epochs=None, shuffle: bool = True, shuffle_buffer_size: int = 10000,
                     shuffle_seed=None, prefetch_buffer_size=None, num_parallel_reads=None,
                     sloppy: bool = False, num_rows_for_inference: int = 100,
                     compression_type=None, ignore_errors: bool = False) -> Dataset:
    """``tf.data.experimental.make_csv_dataset``: batches of ``(features, label)`` (or just
    ``features``, a dict of column name -> ``[batch]`` tensor) from CSV files matching
    ``file_pattern``.  Column names come from the first file's header (or ``column_names``),
    types from ``column_defaults`` or are inferred from the first ``num_rows_for_inference``
    rows (int32, int64, float32, else string).  Repeated ``num_epochs`` times (None:
    forever), shuffled unless ``shuffle=False``."""
    what = "make_csv_dataset"
    files = _glob_files(file_pattern, what)
    delim = field_delim.encode() if isinstance(field_delim, str) else field_delim
    first = list(iter_lines(files[0], compression_name(compression_type)))
    rows = [_parsing.split_csv(r, delim[0], use_quote_delim, i)
            for i, r in enumerate(first[:num_rows_for_inference + 1]) if r]
    if column_names is None:
        if not header:
            raise ValueError(f"{what}: Cannot infer column names without a header line.")
        column_names = [c.decode("utf-8") for c in rows[0]]
    column_names = list(column_names)
    if len(set(column_names)) != len(column_names):
        raise ValueError(f"{what}: Cannot have duplicate column names.")
    cols = list(range(len(column_names)))
    if select_columns is not None:
        cols = sorted(column_names.index(c) if isinstance(c, str) else int(c)
                      for c in select_columns)
    names = [column_names[c] for c in cols]
    if label_name is not None and label_name not in names:
        raise ValueError(f"{what}: `label_name` provided must be one of the columns: "
                         f"{names}.")
    if column_defaults is None:
        sample = rows[1:] if header else rows
        column_defaults = [_dtypes.as_dtype(_infer_type([r[c] for r in sample if c < len(r)]))
                           for c in cols]
    ds: Dataset = CsvDataset(files, column_defaults, compression_type=compression_type, header=header,
                    field_delim=field_delim, use_quote_delim=use_quote_delim,
                    na_value=na_value, select_cols=cols if select_columns is not None else None)
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    ds = ds.batch(batch_size)

    def to_features(*columns):
        feats = dict(zip(names, columns))
        if label_name is None:
            return feats
        label = feats.pop(label_name)
        return feats, label
    return ds.map(to_features)


REGISTRY.update({"TextLineDataset": TextLineDataset, "TFRecordDataset": TFRecordDataset,
                 "CsvDataset": CsvDataset})


def _glob_files(file_pattern, what: str) -> list:
    patterns = [file_pattern] if isinstance(file_pattern, (str, bytes)) else list(file_pattern)
    files: list = []
    for p in patterns:
        p = p.decode() if isinstance(p, bytes) else str(p)
        found = sorted(_glob.glob(p))
        if not found:
            raise ValueError(f"{what}: No files match `file_pattern` {p}.")
        files += found
    return files


def parse_example_dataset(features, num_parallel_calls=1):
    """``tf.data.experimental.parse_example_dataset``: for ``Dataset.apply``, turns a dataset
    of serialized ``Example`` vectors (batches of records) into dicts of parsed features."""
    return lambda ds: ds.map(lambda s: _parsing.parse_example(s, features))


def make_batched_features_dataset(file_pattern, batch_size, features, reader=None,
                                  label_key=None, reader_args=None, num_epochs=None,
                                  shuffle: bool = True, shuffle_buffer_size: int = 10000,
                                  shuffle_seed=None, prefetch_buffer_size=None,
                                  reader_num_threads=None, parser_num_threads=None,
                                  sloppy_ordering: bool = False,
                                  drop_final_batch: bool = False) -> Dataset:
    """``tf.data.experimental.make_batched_features_dataset``: batches of parsed
    ``tf.train.Example`` records from the files matching ``file_pattern`` (read with
    ``reader``, ``TFRecordDataset`` by default): ``{feature: [batch, ...]}`` (a
    ``VarLenFeature`` as a ``SparseTensor``), or ``(features, label)`` with ``label_key``.
    Repeated ``num_epochs`` times (None: forever), shuffled unless ``shuffle=False``."""
    what = "make_batched_features_dataset"
    files = _glob_files(file_pattern, what)
    if label_key is not None and label_key not in features:
        raise ValueError(f"{what}: The `label_key` provided ({label_key}) must be one of the "
                         f"`features` keys.")
    read = reader or TFRecordDataset
    ds: Dataset = read(files, *(reader_args or []))
    if num_epochs != 1:
        ds = ds.repeat(num_epochs)
    if shuffle:
        ds = ds.shuffle(shuffle_buffer_size, seed=shuffle_seed)
    ds = ds.batch(batch_size, drop_remainder=drop_final_batch)
    ds = ds.apply(parse_example_dataset(features))
    if label_key is None:
        return ds

    def split(parsed):
        parsed = dict(parsed)
        label = parsed.pop(label_key)
        return parsed, label
    return ds.map(split)
