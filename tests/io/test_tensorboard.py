"""TensorBoard event files from tf.summary/FileWriter, SummaryWriter and the Keras callback,
read back with TensorBoard's own EventAccumulator."""

from __future__ import annotations

import glob

import numpy as np
import pytest

import dlcore_static as tf

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (
    EventAccumulator,
)


def _acc(logdir) -> EventAccumulator:
    acc = EventAccumulator(str(logdir), size_guidance={"scalars": 0, "histograms": 0,
                                                       "images": 0, "tensors": 0})
    acc.Reload()
    return acc


def _decode_png(raw: bytes) -> np.ndarray:
    import struct
    import zlib
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, (w, h, c) = 8, b"", (0, 0, 0)
    while pos < len(raw):
        (n,) = struct.unpack(">I", raw[pos:pos + 4])
        kind, data = raw[pos + 4:pos + 8], raw[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, _, color = struct.unpack(">IIBB", data[:10])
            c = {0: 1, 2: 3, 6: 4}[color]
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * c)
    assert not rows[:, 0].any()                          # filter type 0 on every row
    return rows[:, 1:].reshape(h, w, c)


def test_tf_summary_and_file_writer(tmp_path):
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    w = tf.Variable(np.array([[1.0], [-2.0]], np.float32), name="w")
    y = tf.matmul(x, w, name="y")
    loss = tf.reduce_mean(tf.square(y), name="loss")
    with tf.name_scope("train"):
        s_loss = tf.summary.scalar("loss", loss)
    tf.summary.histogram("y", y)
    tf.summary.image("img", tf.reshape(x, [-1, 1, 2, 1]), max_outputs=2)
    tf.summary.text("note", ["hello", "world"])
    merged = tf.summary.merge_all()
    feeds = [np.array([[1, 2], [3, 4], [0, 1]], np.float32),
             np.array([[0.5, 0.5], [2, 1], [-1, 1]], np.float32)]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        writer = tf.summary.FileWriter(str(tmp_path), sess.graph)
        for step, feed in enumerate(feeds):
            summ, _lv, _yv = sess.run([merged, loss, y], {x: feed})
            assert isinstance(summ, bytes)
            writer.add_summary(summ, step)
        only = sess.run(s_loss, {x: feeds[0]})
        writer.close()
    assert len(glob.glob(str(tmp_path / "events.out.tfevents.*"))) == 1
    acc = _acc(tmp_path)
    tags = acc.Tags()
    assert set(tags["scalars"]) == {"train/loss"}
    # TF1's summary_scope uniquifies the summary's name scope against the op 'y' already in
    # the graph: tag 'y_1' (tensorflow/tensorflow#6150, "Otherwise I got loss_1 in tensorboard")
    assert set(tags["histograms"]) == {"y_1"}
    assert set(tags["images"]) == {"img/image/0", "img/image/1"}
    assert "note" in tags["tensors"]
    want = [float(np.mean((f @ np.array([[1.0], [-2.0]])) ** 2)) for f in feeds]
    got = acc.Scalars("train/loss")
    assert [e.step for e in got] == [0, 1]
    np.testing.assert_allclose([e.value for e in got], want, rtol=1e-6)
    h = acc.Histograms("y_1")[1].histogram_value
    yv = (feeds[1] @ np.array([[1.0], [-2.0]])).ravel()
    assert (h.min, h.max, h.num) == (yv.min(), yv.max(), 3)
    np.testing.assert_allclose([h.sum, h.sum_squares], [yv.sum(), (yv ** 2).sum()], rtol=1e-6)
    assert sum(h.bucket) == 3 and all(lim >= h.max for lim in h.bucket_limit[-1:])
    img = acc.Images("img/image/1")[0]
    assert (img.width, img.height) == (2, 1)
    # TF1 scaling: all values >= 0 -> the largest becomes 255 (image 1 of feed 0 is [3, 4])
    np.testing.assert_array_equal(_decode_png(img.encoded_image_string)[..., 0],
                                  [[191, 255]])
    txt = acc.Tensors("note")[0].tensor_proto
    assert [s.decode() for s in txt.string_val] == ["hello", "world"]
    assert isinstance(only, bytes)

    gd = acc.Graph()
    nodes = {n.name: n for n in gd.node}
    assert {"x", "w", "y"} <= set(nodes) and any(n.startswith("loss") for n in nodes)
    assert nodes["w"].op == "VariableV2"
    assert nodes["y"].op == "MatMul" and nodes["y"].input[0] == "x"
    assert [d.size for d in nodes["x"].attr["_output_shapes"].list.shape[0].dim] == [-1, 2]
    assert nodes["x"].attr["dtype"].type == 1                       # DT_FLOAT


def test_summary_errors():
    tf.reset_default_graph()
    with pytest.raises(ValueError, match="the value must be a scalar"):
        tf.summary.scalar("v", tf.zeros([3]))
    with pytest.raises(ValueError, match="expected a 4-D tensor"):
        tf.summary.image("i", tf.zeros([3, 3]))
    assert tf.summary.merge_all() is None


def test_eager_summary_writer(tmp_path):
    import dlcore_eager as dt
    from dlcore_eager.utils.tensorboard import SummaryWriter
    dt.manual_seed(0)
    model = dt.nn.Sequential(dt.nn.Linear(3, 4), dt.nn.ReLU(), dt.nn.Linear(4, 2))
    x = dt.randn(5, 3)
    img = np.linspace(0, 1, 2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)   # CHW, 2 channels
    with SummaryWriter(str(tmp_path)) as w:
        w.add_graph(model, x)
        for step in range(3):
            w.add_scalar("loss/train", dt.tensor(1.0 / (step + 1)), step)
            w.add_scalars("loss", {"train": step * 1.0, "val": step * 2.0}, step)
        w.add_histogram("w0", model[0].weight, 2)
        w.add_image("img", dt.from_numpy(img[:1]), 1)                      # 1 channel
        w.add_image("rgb", np.ones((2, 2, 3), np.uint8) * 7, 1, dataformats="HWC")
        with pytest.raises(ValueError, match="2 channels; expected 1, 3 or 4"):
            w.add_image("bad", img)
    acc = _acc(tmp_path)
    got = acc.Scalars("loss/train")
    assert [e.step for e in got] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in got], [1, 0.5, 1 / 3], rtol=1e-6)
    for sub, scale in (("loss_train", 1.0), ("loss_val", 2.0)):
        sacc = _acc(tmp_path / sub)
        np.testing.assert_allclose([e.value for e in sacc.Scalars("loss")],
                                   [0.0, scale, 2 * scale])
    h = acc.Histograms("w0")[0]
    wv = model[0].weight.detach().numpy().ravel()
    assert h.step == 2 and h.histogram_value.num == wv.size
    np.testing.assert_allclose(h.histogram_value.sum, wv.sum(), rtol=1e-5, atol=1e-6)
    pix = _decode_png(acc.Images("img")[0].encoded_image_string)
    np.testing.assert_array_equal(pix[..., 0], (img[0] * 255).clip(0, 255).astype(np.uint8))
    np.testing.assert_array_equal(_decode_png(acc.Images("rgb")[0].encoded_image_string), 7)
    nodes = {n.name: n for n in acc.Graph().node}
    assert {"input/input.0", "params/0.weight", "params/2.bias", "output/output.0"} <= set(nodes)
    ops = [n.op for n in acc.Graph().node]
    assert ops.count("Addmm") == 2 and "Relu" in ops          # F.linear: one addmm node
    relu = next(n for n in acc.Graph().node if n.op == "Relu")
    assert [d.size for d in relu.attr["_output_shapes"].list.shape[0].dim] == [5, 4]


def test_keras_tensorboard_callback(tmp_path):
    from dlcore_static import keras
    tf.reset_default_graph()
    keras.backend.clear_session()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 4)).astype(np.float32)
    y = (x @ rng.standard_normal((4, 1))).astype(np.float32)
    model = keras.models.Sequential([keras.layers.Dense(3, activation="relu", input_shape=(4,)),
                                     keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    cb = keras.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1,
                                     update_freq="batch")
    hist = model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[cb],
                     validation_split=0.25)
    acc = _acc(tmp_path)
    np.testing.assert_allclose([e.value for e in acc.Scalars("loss")], hist.history["loss"],
                               rtol=1e-6)
    np.testing.assert_allclose([e.value for e in acc.Scalars("val_loss")],
                               hist.history["val_loss"], rtol=1e-6)
    assert [e.step for e in acc.Scalars("batch_loss")] == [0, 1, 2, 3]
    kernel = [t for t in acc.Tags()["histograms"] if t.endswith("kernel_0")]
    assert len(kernel) == 2 and len(acc.Histograms(kernel[0])) == 2
    assert any(n.op == "MatMul" for n in acc.Graph().node)
    with pytest.raises(ValueError, match="update_freq must be"):
        keras.callbacks.TensorBoard(update_freq="often")
