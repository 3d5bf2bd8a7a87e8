"""TF1 input-pipeline programs written as their public sources are (``import tensorflow as tf``
renamed ``import dlcore_static as tf``; tiny sizes, generated data and files), checked against
NumPy and what TensorFlow 1 gives (the other TF1 programs of this batch: test_programs_tf15.py):

* tf_dataset_feedable_iterator.py: the "Importing Data" guide's four iterator kinds.
* tf_queue_input_pipeline.py: the Queues guide, a QueueRunner, slice_input_producer ->
  shuffle_batch training with Coordinator/start_queue_runners to the OutOfRangeError.
* tf_csv_reader_pipeline.py: string_input_producer -> TextLineReader -> decode_csv -> batch.
* tf_cifar10_input_queues.py: the CIFAR-10 tutorial's FixedLengthRecordReader input pipeline.
* tf_tfrecords_reader_training.py: MNIST convert_to_records + fully_connected_reader."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf
from tf15_programs import _sig, _softmax, numbers, run_program


def test_dataset_iterator_kinds(capsys):
    out, env = run_program("tf_dataset_feedable_iterator.py", capsys)
    assert env["one_shot"] == [0, 1, 2, 3, 4]
    assert (env["first"], env["second"]) == ([0, 1, 2], [0, 1, 2, 3])
    assert env["reinit"] == [[0, 1, 2, 3], [0, 1, 2, 3]]
    assert "train values near range: True" in out
    assert "output shapes: (TensorShape([Dimension(None), Dimension(2)]), " \
           "TensorShape([Dimension(None)])) types: (tf.float32, tf.int64)" in out or \
        "output shapes: (TensorShape([None, 2]), TensorShape([None])) " \
        "types: (tf.float32, tf.int64)" in out
    assert "handle type: bytes" in out
    seen = env["seen_train"]
    assert [len(b) for b in seen] == [4, 4, 2] * 3 + [4]
    for e in range(3):                       # each epoch a permutation of the 10 examples
        assert sorted(np.concatenate(seen[3 * e:3 * e + 3]).tolist()) == list(range(10))
    for labs in env["val_labels"]:
        assert labs.tolist() == list(range(10))


def test_queue_input_pipelines(capsys):
    out, env = run_program("tf_queue_input_pipeline.py", capsys)
    env["sess"].close()
    assert [float(v) for v in env["final_queue"]] == [1.0, 1.0, 2.0]     # TF's guide result
    assert [b.shape for b in env["batches"]] == [(4, 2)] * 3
    assert env["size_after"] >= 5                    # min_after_dequeue kept back
    assert all(((b >= 0) & (b < 1)).all() for b in env["batches"])
    assert "batch tensors: <tf.Tensor 'shuffle_batch:0' shape=(10, 3) dtype=float32> " \
           "<tf.Tensor 'shuffle_batch:1' shape=(10,) dtype=float32>" in out
    assert "Done training for 4 epochs, 20 steps." in out
    F = env["features"]
    rows = np.concatenate(env["seen_rows"])
    idx = [int(np.flatnonzero((F == r).all(1))[0]) for r in rows]
    assert sorted(idx) == sorted(list(range(50)) * 4)       # each example once per epoch
    w, b = np.zeros(3), 0.0
    for fb in env["seen_rows"]:                              # the same SGD in NumPy
        lb = (fb @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.float64)
        p = _sig(fb @ w + b)
        w = w - 0.5 * fb.T @ (p - lb) / 10
        b = b - 0.5 * np.mean(p - lb)
    np.testing.assert_allclose(env["final_w"].ravel(), w, rtol=1e-4, atol=1e-6)
    assert env["final_b"] == pytest.approx(b, rel=1e-4, abs=1e-6)
    assert "queue runners: 2" in out


def test_csv_reader_pipeline(capsys):
    out, env = run_program("tf_csv_reader_pipeline.py", capsys)
    rows = np.array([r for r, _ in env["all_rows"]] * 5, np.float32)
    labs = np.array([lab for _, lab in env["all_rows"]] * 5)
    assert "Done reading: 15 batches" in out
    np.testing.assert_allclose(np.concatenate([b[0] for b in env["batches"]]), rows)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in env["batches"]]), labs)
    w, b = np.zeros((4, 2)), np.zeros(2)
    for fb, lb in env["batches"]:                      # the same SGD in NumPy
        d = _softmax(fb @ w + b)
        d[np.arange(8), lb] -= 1
        w, b = w - 0.5 * fb.T @ d / 8, b - 0.5 * d.sum(0) / 8
    np.testing.assert_allclose(env["final_w"], w, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(env["final_b"], b, rtol=1e-4, atol=1e-6)
    first = env["first_keys"]
    assert [k for k, _ in first] == ["file0.csv:2", "file0.csv:3", "file0.csv:4"]
    assert [numbers(v) for _, v in first] == [r + [lab] for r, lab in env["all_rows"][:3]]
    assert "whole file: file0.csv 13 lines" in out


def test_cifar10_input_pipeline(capsys):
    out, env = run_program("tf_cifar10_input_queues.py", capsys)
    env["sess"].close()
    recs = env["raw_records"]
    order = [recs[i % 40] for i in range(48)]                # files in order, then again
    imgs = np.stack([r[1:].reshape(3, 8, 8).transpose(1, 2, 0) for r in order])
    crop = imgs[:, 1:7, 1:7].astype(np.float64)              # resize_image_with_crop_or_pad
    mean = crop.mean(axis=(1, 2, 3), keepdims=True)
    std = np.maximum(crop.std(axis=(1, 2, 3), keepdims=True), 1 / np.sqrt(108))
    ref = (crop - mean) / std
    got = np.concatenate([e[0] for e in env["ev"]])
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(np.concatenate([e[1] for e in env["ev"]]),
                                  [r[0] for r in order])
    for im, lb in zip(env["train_images"], env["train_labels"]):
        assert im.shape == (8, 6, 6, 3) and lb.shape == (8,)
        np.testing.assert_allclose(im.mean(axis=(1, 2, 3)), 0, atol=1e-4)
        assert set(lb.tolist()) <= {int(r[0]) for r in recs}
    assert "train batch: [8, 6, 6, 3] [8]" in out and "eval batch: [8, 6, 6, 3] [8]" in out


def test_tfrecords_reader_training(capsys):
    out, env = run_program("tf_tfrecords_reader_training.py", capsys)
    assert "records written: 60" in out
    assert "Done training for 10 epochs, 60 steps." in out
    assert env["final_step"] == 60
    # the program sets a graph seed (initial weights and shuffle_batch's order): last/first of
    # the five-step means is 0.020 in every run, 0.013-0.028 under seeds 0-3; unseeded it was
    # 0.01-0.55 over 300 runs (one above the bound); a model that does not learn stays near 1
    assert np.mean(env["losses"][-5:]) < 0.5 * np.mean(env["losses"][:5])
    import os
    path = os.path.join(env["directory"], "train.tfrecords")
    records = list(tf.python_io.tf_record_iterator(path))
    ex = tf.train.Example()
    ex.ParseFromString(records[3])
    f = ex.features.feature
    assert f["label"].int64_list.value[0] == env["labels_np"][3]
    assert f["image_raw"].bytes_list.value[0] == env["images_np"][3].tobytes()
    assert [f[k].int64_list.value[0] for k in ("height", "width", "depth")] == [4, 4, 1]
