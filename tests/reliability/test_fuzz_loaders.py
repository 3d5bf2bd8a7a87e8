"""Fuzzing the loaders with Hypothesis over mutated valid files: flipped bytes, JSON values
replaced or deleted, shapes and byte offsets changed.  Whatever the damage, a loader either
loads or raises its own error class (``GraphFileError`` for graph files, ``LoadError`` for
``dlcore_eager.load``), never anything else, with bounded memory (tracemalloc peak)."""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import dlcore_eager as dl
import dlcore_static as tf
from dlcore_eager.serialization import LoadError
from dlcore_static.saving import GraphFileError

PEAK = 64 << 20
SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**40, 2**40) |
                    st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda kids: st.lists(kids, max_size=3) |
                    st.dictionaries(st.text(max_size=6), kids, max_size=3), max_leaves=8)


def _graph_file() -> bytes:
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, (None, 2), name="x")
        w = tf.Variable(np.ones((2, 3), np.float32), name="w")
        y = tf.nn.relu(tf.matmul(x, w))
        tf.cond(tf.reduce_sum(y) > 0, lambda: y * 2.0, lambda: y - 1.0)
        tf.reduce_mean(tf.transpose(y, (1, 0)), axis=1, name="out")
        with tf.Session() as s:
            s.run(w.initializer)
            path = os.path.join(tempfile.mkdtemp(), "g.npz")
            tf.train.export_meta_graph(path, sess=s)
    with open(path, "rb") as f:
        return f.read()


def _eager_file() -> bytes:
    dl.manual_seed(0)
    net = dl.nn.Sequential(dl.nn.Linear(3, 4), dl.nn.ReLU(), dl.nn.Linear(4, 2))
    opt = dl.optim.Adam(net.parameters())
    net(dl.randn(2, 3)).sum().backward()
    opt.step()
    buf = io.BytesIO()
    dl.save({"model": net.state_dict(), "opt": opt.state_dict(), "epoch": 3}, buf)
    return buf.getvalue()


GRAPH = _graph_file()
EAGER = _eager_file()


def _load_graph(raw: bytes) -> None:
    fd, path = tempfile.mkstemp(suffix=".npz")
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
    tracemalloc.start()
    try:
        g = tf.Graph()
        with g.as_default():
            try:
                tf.train.import_meta_graph(path)
            except GraphFileError:
                assert g.get_operations() == []          # nothing half-built
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        os.remove(path)
    assert peak < PEAK, peak


def _load_eager(raw: bytes) -> None:
    tracemalloc.start()
    try:
        try:
            dl.load(io.BytesIO(raw))
        except LoadError:
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK, peak


def _flip(raw: bytes, flips) -> bytes:
    b = bytearray(raw)
    for pos, val in flips:
        b[pos % len(b)] = val
    return bytes(b)


FLIPS = st.lists(st.tuples(st.integers(0, 1 << 30), st.integers(0, 255)), min_size=1,
                 max_size=8)


@pytest.mark.slow
@SETTINGS
@given(FLIPS)
@example([(120, 40)])       # a '(' in the .npy header: NumPy's parser raised tokenize.TokenError
def test_graph_file_with_flipped_bytes(flips):
    _load_graph(_flip(GRAPH, flips))


@SETTINGS
@given(FLIPS)
def test_eager_file_with_flipped_bytes(flips):
    _load_eager(_flip(EAGER, flips))


def _paths(v, prefix=()):
    yield prefix
    if isinstance(v, dict):
        for k, x in v.items():
            yield from _paths(x, prefix + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _paths(x, prefix + (i,))


def _mutate(doc, data):
    paths = [p for p in _paths(doc) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = doc
        try:
            for k in path[:-1]:
                parent = parent[k]
            kind = data.draw(st.sampled_from(["value", "delete", "size"]))
            if kind == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif kind == "size":
                parent[path[-1]] = data.draw(st.sampled_from(
                    [0, 1, -1, 2, 10**9, 2**31, 2**62, 2**70, 1.5, True, [10**9, 2000]]))
            else:
                parent[path[-1]] = data.draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue                       # an earlier mutation removed that path
    return doc


def _graph_parts():
    with np.load(io.BytesIO(GRAPH)) as z:
        arrays = {k: z[k] for k in z.files}
    return json.loads(arrays.pop("__graph__").tobytes()), arrays


@pytest.mark.slow
@SETTINGS
@given(st.data())
def test_graph_file_with_mutated_json(data):
    doc, arrays = _graph_parts()
    doc = _mutate(doc, data)
    buf = io.BytesIO()
    np.savez(buf, __graph__=np.frombuffer(json.dumps(doc).encode(), np.uint8), **arrays)
    _load_graph(buf.getvalue())


@pytest.mark.slow
@SETTINGS
@given(st.data())
def test_eager_file_with_mutated_json(data):
    (n,) = struct.unpack("<Q", EAGER[:8])
    header = json.loads(EAGER[8:8 + n])
    header = _mutate(header, data)
    new = json.dumps(header).encode()
    _load_eager(struct.pack("<Q", len(new)) + new + EAGER[8 + n:])


@pytest.mark.parametrize("raw", [GRAPH, EAGER], ids=["graph", "eager"])
def test_unmutated_files_load(raw):
    if raw is GRAPH:
        fd, path = tempfile.mkstemp(suffix=".npz")
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        with tf.Graph().as_default():
            assert tf.train.import_meta_graph(path) is not None
        os.remove(path)
    else:
        assert dl.load(io.BytesIO(raw))["epoch"] == 3
