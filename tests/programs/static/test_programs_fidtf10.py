"""TF1 programs of session 21 (fidtf10), written as their public sources are (``import tensorflow
as tf`` renamed ``import dlcore_static as tf``; tiny sizes, synthetic data written here):

* tf_image_folder_dataset_fidtf10.py: Aymeric Damien's build_an_image_dataset.py (class
  folders, slice_input_producer, read_file, queue batches) on BMP and GIF files through
  decode_image and resize_images of a run-time size (its .meta is not written: queue ops).
* tf_depth_png16_fidtf10.py: a KITTI-style depth loader (decode_png(dtype=tf.uint16), / 256,
  masked L1) in a MonitoredTrainingSession, the prediction written as a 16-bit PNG.
* tf_hvass_ensemble_fidtf10.py: Hvass-Labs' Tutorial #05, ensemble learning (one graph,
  re-initialised and saved per network, each restored to predict).
Each is checked for a real outcome and against NumPy recomputations from its checkpoints.
"""

from __future__ import annotations

import os
import re
import runpy
import struct
import sys

import numpy as np

import dlcore_static as tf
from dlcore_static.image_codecs import _encode_png

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    old = sys.argv
    sys.argv = [name, *argv]
    try:
        env = runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out, env


def _conv_same(x, k, b):
    """NHWC 'same' convolution, stride 1, odd kernel."""
    kh, kw = k.shape[:2]
    p = np.pad(x, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    h, w = x.shape[1:3]
    out = sum(np.einsum("bhwc,co->bhwo", p[:, i:i + h, j:j + w], k[i, j])
              for i in range(kh) for j in range(kw))
    return out + b


def _bmp(px):
    h, w, c = px.shape
    row = (8 * c * w + 31) // 32 * 4
    body = b"".join(px[r, :, ::-1].tobytes().ljust(row, b"\0") for r in range(h - 1, -1, -1))
    return struct.pack("<2sIHHI", b"BM", 54 + len(body), 0, 0, 54) + struct.pack(
        "<IiiHHIIiiII", 40, w, h, 1, 24, 0, len(body), 0, 0, 0, 0) + body


def _gif(idx, palette):
    """One frame, min code size 2: CLEAR before every two indices keeps 3-bit codes."""
    h, w = idx.shape
    flat = [int(i) for i in idx.reshape(-1)]
    codes = [c for k in range(0, len(flat), 2) for c in [4] + flat[k:k + 2]] + [5]
    raw = sum(c << (3 * n) for n, c in enumerate(codes)).to_bytes((3 * len(codes) + 7) // 8,
                                                                  "little")
    blocks = b"".join(bytes([len(raw[i:i + 255])]) + raw[i:i + 255]
                      for i in range(0, len(raw), 255))
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0x81, 0, 0) + palette.tobytes() + b"\x2c" +
            struct.pack("<HHHHB", 0, 0, w, h, 0) + bytes([2]) + blocks + b"\0\x3b")


def test_image_folder_dataset_of_bmp_and_gif_files(capsys, tmp_path):
    rng = np.random.default_rng(0)
    pal = np.array([[0, 0, 0], [230, 230, 230], [200, 180, 160], [40, 30, 20]], np.uint8)
    for c, name in enumerate(["bright", "dark"]):
        os.makedirs(tmp_path / name)
        for i in range(6):
            h, w = (int(v) for v in rng.integers(9, 14, 2))
            if i % 2:
                img = np.clip(rng.normal(200 if c == 0 else 40, 20, (h, w, 3)), 0, 255)
                (tmp_path / name / f"{i}.bmp").write_bytes(_bmp(img.astype(np.uint8)))
            else:
                idx = rng.integers(1, 3, (h, w)) if c == 0 else rng.choice([0, 3], (h, w))
                (tmp_path / name / f"{i}.gif").write_bytes(_gif(idx, pal))
    out, env = run_program("tf_image_folder_dataset_fidtf10.py", capsys, [str(tmp_path)])
    steps = re.findall(r"Step (\d+), Minibatch Loss= ([\d.]+), Training Accuracy= ([\d.]+)", out)
    assert [int(s) for s, _, _ in steps] == [1, 10, 20, 30]
    assert "Optimization Finished!" in out
    losses = env["losses"]
    assert losses[-1] < 0.2 * losses[0] and env["accs"][-1] == 1.0
    # the trained test network on one file, recomputed in NumPy from the checkpoint
    reader = tf.train.load_checkpoint(str(tmp_path / "my_tf_model"))
    with tf.Graph().as_default():
        img = tf.image.resize_images(tf.image.decode_bmp((tmp_path / "dark" / "1.bmp")
                                                         .read_bytes()), [8, 8])
        with tf.Session() as s:
            x = s.run(img)[None] / 127.5 - 1.0
    k = reader.get_tensor("ConvNet/conv2d/kernel")                  # a 'valid' 3x3 conv
    conv = sum(np.einsum("bhwc,co->bhwo", x[:, i:i + 6, j:j + 6], k[i, j])
               for i in range(3) for j in range(3))
    conv = np.maximum(conv + reader.get_tensor("ConvNet/conv2d/bias"), 0)
    pooled = conv.reshape(1, 3, 2, 3, 2, 8).max(axis=(2, 4))
    fc = pooled.reshape(1, -1) @ reader.get_tensor("ConvNet/dense/kernel") + \
        reader.get_tensor("ConvNet/dense/bias")
    logits = fc @ reader.get_tensor("ConvNet/dense_1/kernel") + \
        reader.get_tensor("ConvNet/dense_1/bias")
    assert np.argmax(logits) == 1                                   # 'dark' is class 1


def test_depth_regression_from_16_bit_pngs(capsys, tmp_path):
    rng = np.random.default_rng(0)
    data = tmp_path / "data"
    os.makedirs(data / "image_2")
    os.makedirs(data / "depth")
    rgbs, depths = [], []
    for i in range(8):
        rgb = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
        d = 2.0 + 30.0 * rgb[..., 0] / 255.0
        d[rng.random(d.shape) < 0.2] = 0.0                         # no measurement
        d16 = (d * 256).astype(np.uint16)[..., None]
        (data / "image_2" / f"{i:06d}.png").write_bytes(_encode_png(rgb, -1)[()])
        (data / "depth" / f"{i:06d}.png").write_bytes(_encode_png(d16, -1)[()])
        rgbs.append(rgb)
        depths.append(d16)
    out_dir = tmp_path / "out"
    out, env = run_program("tf_depth_png16_fidtf10.py", capsys, [str(data), str(out_dir)])
    losses = env["losses"]
    assert len(losses) == 150 and "step 150: masked L1" in out
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    # the last checkpoint's network in NumPy: the prediction the program made, and its PNG
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(out_dir)))
    assert reader.get_tensor("global_step") == 150
    x = rgbs[0][None].astype(np.float32) / 255.0
    h = np.maximum(_conv_same(x, reader.get_tensor("conv1/kernel"),
                              reader.get_tensor("conv1/bias")), 0)
    pred = _conv_same(h, reader.get_tensor("depth_out/kernel"),
                      reader.get_tensor("depth_out/bias"))[0]
    np.testing.assert_allclose(env["prediction"], pred, rtol=1e-4, atol=1e-4)
    written = (out_dir / "pred_000000.png").read_bytes()
    with tf.Graph().as_default(), tf.Session() as s:
        png = s.run(tf.image.decode_png(written, dtype=tf.uint16))
    assert png.dtype == np.uint16
    np.testing.assert_array_equal(
        png, (np.clip(env["prediction"], 0, 255) * np.float32(256)).astype(np.uint16))
    # the masked L1 of the trained network is far below predicting the mean depth
    valid = depths[0][..., 0] > 0
    err = np.abs(pred[..., 0] - depths[0][..., 0] / 256.0)[valid].mean()
    base = np.abs(depths[0][..., 0][valid] / 256.0 - (depths[0][..., 0][valid] / 256.0).mean())
    assert err < 0.5 * base.mean()


def test_hvass_ensemble_of_saved_networks(capsys, tmp_path):
    out, env = run_program("tf_hvass_ensemble_fidtf10.py", capsys, [str(tmp_path / "ckpt")])
    assert out.count("Neural network: ") == 3
    first = env["first_weights"]
    assert not np.allclose(first[0], first[1]) and not np.allclose(first[1], first[2])
    pred = env["pred_labels"]
    assert pred.shape == (3, 100, 4)
    np.testing.assert_allclose(pred.sum(-1), 1.0, rtol=1e-5)
    assert not np.allclose(pred[0], pred[1])                  # three different networks
    accs = env["test_accuracies"]
    assert accs.min() > 0.4                                   # chance: 0.25
    ens = np.argmax(pred.mean(0), axis=1) == env["test_cls"]
    assert np.sum(ens) == np.sum(env["ensemble_correct"]) and f"ensemble: {np.sum(ens)}" in out
    # network 1 restored from its checkpoint and recomputed in NumPy
    r = tf.train.load_checkpoint(str(tmp_path / "ckpt" / "network1"))
    x = env["test_images"][:10].reshape(-1, 8, 8, 1)
    h = np.maximum(_conv_same(x, r.get_tensor("layer_conv1/kernel"),
                              r.get_tensor("layer_conv1/bias")), 0)
    h = h.reshape(-1, 4, 2, 4, 2, 8).max(axis=(2, 4)).reshape(10, -1)
    h = np.maximum(h @ r.get_tensor("layer_fc1/kernel") + r.get_tensor("layer_fc1/bias"), 0)
    z = h @ r.get_tensor("layer_fc_out/kernel") + r.get_tensor("layer_fc_out/bias")
    p = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(pred[1, :10], p / p.sum(1, keepdims=True), rtol=1e-4,
                               atol=1e-6)
