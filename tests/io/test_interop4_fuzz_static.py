"""Seeded byte flips and truncations of the static front end's files: a checkpoint's variables
file (``Saver.restore``), each file of a SavedModel (``saved_model.loader.load``), a TFRecord
file and a serialized ``tf.train.Example`` (``parse_example``).  Each loader either succeeds or
raises its own error class with the file named, never another exception, and a failed restore
leaves the variables as they were."""

from __future__ import annotations

import os
import random

import numpy as np

import dlcore_static as tf
from dlcore_static.errors import DataLossError, InvalidArgumentError
from dlcore_static.saving import GraphFileError


def _damaged(raw: bytes, seed: int, n: int = 120):
    rng = random.Random(seed)
    for _ in range(n):
        b = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        yield bytes(b)
    for cut in range(0, len(raw), max(1, len(raw) // 40)):
        yield raw[:cut]


def test_checkpoint_restore_is_all_or_nothing_under_damage(tmp_path):
    g = tf.Graph()
    with g.as_default():
        w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
        v = tf.Variable(3, name="v")
        saver = tf.train.Saver()
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            prefix = saver.save(s, str(tmp_path / "ckpt"))
    data = [f for f in os.listdir(tmp_path) if f.startswith("ckpt.") and "meta" not in f
            and not f.endswith(".index")]
    assert len(data) == 1
    path = tmp_path / data[0]
    raw = path.read_bytes()
    refused = 0
    with g.as_default(), tf.Session() as s:
        for blob in _damaged(raw, 1):
            path.write_bytes(blob)
            s.run([w.assign(np.full((2, 3), -1.0, np.float32)), v.assign(-1)])
            try:
                saver.restore(s, prefix)
            except GraphFileError as e:
                refused += 1
                assert "ckpt" in str(e)
                np.testing.assert_array_equal(s.run(w), np.full((2, 3), -1.0))
                assert s.run(v) == -1
    assert refused > 100


def test_saved_model_files_under_damage(tmp_path):
    export = tmp_path / "sm"
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        w = tf.Variable(np.ones((2, 3), np.float32), name="w")
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            tf.saved_model.simple_save(s, str(export), inputs={"x": x},
                                       outputs={"y": tf.matmul(x, w)})
    files = [os.path.join(r, f) for r, _, fs in os.walk(export) for f in fs]
    assert len(files) >= 3
    for k, name in enumerate(files):
        raw = open(name, "rb").read()
        refused = 0
        for blob in _damaged(raw, 10 + k, 50):
            with open(name, "wb") as fh:
                fh.write(blob)
            try:
                with tf.Graph().as_default(), tf.Session() as s:
                    tf.saved_model.loader.load(s, ["serve"], str(export))
            except GraphFileError:
                refused += 1
            except RuntimeError as e:                        # a damaged tag, as TF says it
                assert "MetaGraphDef associated with tags" in str(e)
        with open(name, "wb") as fh:
            fh.write(raw)
        assert refused > 20, name


def test_tfrecord_and_parse_example_under_damage(tmp_path):
    path = str(tmp_path / "r.tfrecord")
    with tf.python_io.TFRecordWriter(path) as wr:
        for i in range(5):
            wr.write(b"record %d" % i * 3)
    raw = open(path, "rb").read()
    refused = 0
    for blob in _damaged(raw, 2):
        with open(path, "wb") as fh:
            fh.write(blob)
        try:
            list(tf.python_io.tf_record_iterator(path))
        except DataLossError:
            refused += 1
    assert refused > 100
    ex = tf.train.Example(features=tf.train.Features(feature={
        "a": tf.train.Feature(float_list=tf.train.FloatList(value=[1.0, 2.0])),
        "b": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"hi"]))}))
    with tf.Graph().as_default():
        s_ph = tf.placeholder(tf.string, [None])
        parsed = tf.parse_example(s_ph, {"a": tf.FixedLenFeature([2], tf.float32),
                                         "b": tf.VarLenFeature(tf.string)})
        with tf.Session() as sess:
            refused = 0
            for blob in _damaged(ex.SerializeToString(), 3):
                try:
                    sess.run(parsed, {s_ph: [blob]})
                except InvalidArgumentError:
                    refused += 1
    assert refused > 80
