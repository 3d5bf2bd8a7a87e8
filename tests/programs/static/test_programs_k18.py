"""keras.io programs of session 18 run on dlcore_static.keras (imports renamed; made-up data):
the Vision Transformer example (``keras.ops.image.extract_patches`` and ``ops.image.resize``
inside a functional model, AdamW, a best-weights checkpoint) and the callbacks that act
together on one fit (ReduceLROnPlateau, EarlyStopping with restore_best_weights, ModelCheckpoint
with a formatted file name, CSVLogger), checked against the files they write and NumPy."""

from __future__ import annotations

import csv
import os
import re

import numpy as np
import pytest
from test_programs_keras import keras3, line, numbers, run_program  # noqa: F401


def test_vit_patches(capsys, tmp_path):
    out, env = run_program("keras3_vit_patches.py", capsys, [tmp_path], graph_seed=1)
    assert "Patches per image: 16" in out and "Elements per patch: 48" in out
    # the first patch of the resized sample image is its top-left 4x4x3 block
    resized = env["ops"].convert_to_numpy(env["resized_image"])
    np.testing.assert_array_equal(env["first_patch"], resized[0, :4, :4, :])
    assert os.path.exists(tmp_path / "checkpoint.weights.h5")
    model = env["vit_classifier"]
    p = model.predict(env["x_test"], verbose=0)
    acc = float(np.mean(p.argmax(1) == env["y_test"][:, 0]))
    reported = float(out.split("Test accuracy: ")[1].split("%")[0])
    assert abs(reported - round(acc * 100, 2)) < 1e-9 and acc > 0.8
    assert out.count("Test top 1 accuracy: " + f"{reported}%") == 1
    hist = env["history"].history
    assert sorted(hist) == ["accuracy", "loss", "top-1-accuracy", "val_accuracy", "val_loss",
                            "val_top-1-accuracy"]
    assert hist["loss"][-1] < hist["loss"][0]
    # the augmentation's Resizing is Keras 3's half-pixel bilinear resize of the normalized
    # image (inference: RandomFlip is the identity)
    aug = env["data_augmentation"]
    norm = aug.layers[0]
    x = env["x_test"][:2]
    from dlcore_static.keras import backend as K
    mean, var = (K.get_value(v).reshape(-1) for v in (norm.mean, norm.variance))
    assert K.get_value(norm.mean).shape == (1, 1, 1, 3)          # (Keras 3's broadcast shape)
    z = (x - mean) / np.sqrt(np.maximum(var, 1e-7))
    from dlcore_static.keras import ops
    want = ops.convert_to_numpy(ops.image.resize(z.astype("float32"), (16, 16)))
    np.testing.assert_allclose(aug.predict(x, verbose=0), want, rtol=1e-4, atol=1e-4)


def test_callbacks_plateau_checkpoint(capsys, tmp_path):
    out, env = run_program("keras_callbacks_plateau_checkpoint.py", capsys, [tmp_path],
                           graph_seed=1)
    with open(tmp_path / "training.log") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows[0] == ["epoch", "learning_rate", "loss", "mae", "val_loss", "val_mae"]
    table = np.array(rows[1:], dtype=float)
    hist = env["history"].history
    n = env["epochs_run"]
    assert len(table) == n == len(hist["loss"]) and list(table[:, 0]) == list(range(n))
    np.testing.assert_allclose(table[:, 4], hist["val_loss"], rtol=1e-12)
    val = table[:, 4]
    # ReduceLROnPlateau (patience 1, factor 0.5, min_lr 0.005): the log holds the rate each
    # epoch trained with; after each epoch that did not improve on the best so far by more
    # than min_delta (Keras's default 1e-4), it halves
    lr, best, want, cuts = 0.05, np.inf, [], 0
    for v in val:
        want.append(lr)
        if v < best - 1e-4:
            best = v
        elif lr > 0.005:
            lr, cuts = max(float(np.float32(lr)) * 0.5, 0.005), cuts + 1
    np.testing.assert_allclose(table[:, 1], want, rtol=1e-6)
    assert sum("ReduceLROnPlateau reducing learning rate" in ln for ln in out.splitlines()) \
        == cuts >= 2
    assert float(out.split("learning rate now: ")[1].split()[0]) == np.float32(lr)
    # EarlyStopping (min_delta 1e-4): stopped 3 epochs after the last epoch that improved on
    # the best by more than 1e-4, whose weights are back
    best_epoch, best = 0, np.inf
    for i, v in enumerate(val):
        if v < best - 1e-4:
            best_epoch, best = i + 1, v
    assert f"Epoch {n}: early stopping" in out and n == best_epoch + 3
    assert f"Restoring model weights from the end of the best epoch: {best_epoch}." in out
    restored = numbers(next(ln for ln in out.splitlines() if ln.startswith("restored")))[0]
    assert abs(restored - val[best_epoch - 1]) < 1e-4
    # ModelCheckpoint: one file per improvement, named from the epoch and val_loss
    improved = [i for i in range(n) if val[i] < val[:i].min(initial=np.inf)]
    names = [f"model-{i + 1:02d}-{val[i]:.4f}.keras" for i in improved]
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith(".keras")) == names
    assert len(re.findall(r"val_loss improved from", out)) == len(improved)
    best_ckpt = numbers(next(ln for ln in out.splitlines() if ln.startswith("best checkpoint")))
    assert abs(best_ckpt[0] - val.min()) < 1e-4


def test_custom_layers_config_round_trips(capsys, tmp_path):
    out, env = run_program("keras3_custom_layers_config.py", capsys, [tmp_path], graph_seed=1)
    keras = env["keras"]
    assert float(numbers(line(out, "final accuracy"))[0]) > 0.8
    assert "regularization losses: 2" in out        # (the two ScaledDense kernels' L2)
    diffs = [float(v) for v in re.findall(r"max abs difference (\S+)", out)]
    assert len(diffs) == 4 and max(diffs) < 1e-6
    # the block's config holds its sublayer as Keras 3's record
    inner = env["config"]["layers"][3]["config"]["inner"]
    assert inner["class_name"] == "ScaledDense" and inner["registered_name"] == \
        "MyLayers>ScaledDense" and inner["config"]["scale"] == 2.0
    model, loaded = env["model"], env["loaded"]
    block = loaded.get_layer("block")
    assert type(block.inner).__name__ == "ScaledDense" and block.inner.scale == 2.0
    # the MaxNorm(3) constraint held through training: every kernel column's norm <= 3
    for w in (model.get_layer("project").w, model.get_layer("block").inner.w):
        norms = np.sqrt((keras.backend.get_value(w) ** 2).sum(0))
        assert norms.max() <= 3.0 + 1e-5
    # the regularization losses are 1e-4 * sum(w**2) of each kernel
    got = sorted(keras.backend.get_value(v) for v in model.losses)
    want = sorted(1e-4 * (keras.backend.get_value(w) ** 2).sum()
                  for w in (model.get_layer("project").w, model.get_layer("block").inner.w))
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_serialize_keras_object_as_keras3(keras3):  # noqa: F811
    """keras.saving.serialize_keras_object of built-in objects is Keras 3's record, and
    deserialize_keras_object rebuilds them (also keras.layers.serialize/deserialize)."""
    from dlcore_static import keras
    dense = keras.layers.Dense(3, activation="relu", kernel_regularizer="l2", name="d",
                               kernel_initializer=keras.initializers.HeNormal(seed=3))
    ref = keras3.layers.Dense(3, activation="relu", kernel_regularizer="l2", name="d",
                              kernel_initializer=keras3.initializers.HeNormal(seed=3))
    ours, theirs = keras.saving.serialize_keras_object(dense), \
        keras3.saving.serialize_keras_object(ref)
    assert ours == theirs
    assert keras.layers.serialize(dense) == ours
    back = keras.layers.deserialize(ours)
    assert (type(back).__name__, back.units, back.name) == ("Dense", 3, "d")
    assert back.kernel_initializer.get_config() == {"seed": 3, "input_axes": None,
                                                    "output_axes": None}
    assert keras.saving.serialize_keras_object(back) == ours
    for obj, ref_obj in ((keras.initializers.RandomNormal(stddev=2.0, seed=1),
                          keras3.initializers.RandomNormal(stddev=2.0, seed=1)),
                         (keras.regularizers.L1L2(0.1, 0.2), keras3.regularizers.L1L2(0.1, 0.2)),
                         (keras.constraints.MaxNorm(2.0), keras3.constraints.MaxNorm(2.0))):
        rec = keras.saving.serialize_keras_object(obj)
        assert rec == keras3.saving.serialize_keras_object(ref_obj)
        assert keras.saving.deserialize_keras_object(rec).get_config() == obj.get_config()
    assert keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object((1, [2.5, "a"]))) == (1, [2.5, "a"])
    with pytest.raises(ValueError, match="Could not locate class 'Nope'"):
        keras.saving.deserialize_keras_object({"class_name": "Nope", "config": {},
                                               "module": "my.mod"})


def test_multi_io_text_numeric(capsys, keras3):  # noqa: F811
    out, env = run_program("keras3_multi_io_text_numeric.py", capsys, graph_seed=1)
    assert "Total params: 1,413" in out and "Non-trainable params: 9" in out
    hist = env["history"].history
    assert sorted(hist) == sorted(
        ["department_accuracy", "department_loss", "loss", "priority_loss",
         "priority_mean_absolute_error"] + [
            "val_" + k for k in ("department_accuracy", "department_loss", "loss",
                                 "priority_loss", "priority_mean_absolute_error")])
    model = env["model"]
    x = {"text": env["tok_test"], "numeric": env["num_test"]}
    probs, prio = (p.astype(np.float64) for p in model.predict(x, verbose=0))
    dept, want_prio = env["dept_test"], env["prio_test"][:, 0]
    ce = -np.mean(np.log(np.clip(probs[np.arange(len(dept)), dept], 1e-7, 1)))
    mse = np.mean((prio[:, 0] - want_prio) ** 2)
    expect = {"department_loss": ce, "priority_loss": mse, "loss": ce + 0.5 * mse,
              "department_accuracy": np.mean(probs.argmax(1) == dept),
              "priority_mean_absolute_error": np.mean(np.abs(prio[:, 0] - want_prio))}
    res = env["results"]
    assert sorted(res) == sorted(expect)
    for k, v in expect.items():
        assert abs(res[k] - v) < 2e-4 * max(1.0, abs(v)), (k, res[k], v)
        assert f"{k}: {res[k]:.4f}" in out
    assert expect["department_accuracy"] > 0.8
    # the same network in Keras 3 given these weights predicts the same
    L = keras3.layers
    t_in = keras3.Input((12,), dtype="int32", name="text")
    n_in = keras3.Input((4,), name="numeric")
    a = L.GlobalMaxPooling1D()(L.Conv1D(16, 3, activation="relu")(L.Embedding(30, 16)(t_in)))
    ref_norm = L.Normalization()
    b = L.Dense(8, activation="relu")(ref_norm(n_in))
    j = L.concatenate([a, b])
    ref = keras3.Model([t_in, n_in], [L.Dense(3, activation="softmax")(j), L.Dense(1)(j)])
    assert [w.shape for w in ref.get_weights()] == [w.shape for w in model.get_weights()]
    ref.set_weights(model.get_weights())
    ref_norm.finalize_state()          # (Keras 3 reads its mean/variance into the layer here)
    got = ref.predict([x["text"], x["numeric"]], verbose=0)
    np.testing.assert_allclose(got[0], probs, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got[1], prio, rtol=1e-4, atol=1e-5)


def _shift(v, dx, dy):
    """v[y + dy, x + dx] with zeros outside (the nearest affine shift of one channel)."""
    out = np.zeros_like(v)
    h, w = v.shape
    for yy in range(h):
        for xx in range(w):
            sy, sx = yy + dy, xx + dx
            if 0 <= sy < h and 0 <= sx < w:
                out[yy, xx] = v[sy, sx]
    return out


def test_image_ops_augment(capsys, keras3):  # noqa: F811
    import dlcore_static as tf
    out, env = run_program("keras3_image_ops_augment.py", capsys, graph_seed=1)
    model, keras = env["model"], env["keras"]
    acc = float(numbers(line(out, "test accuracy"))[0])
    p = model.predict(env["x_test"], verbose=0)
    assert abs(acc - np.mean(p.argmax(1) == env["y_test"])) < 1e-4 and acc > 0.9
    x = env["x_test"][:6]
    # inference: the augmentation is the identity, the rest is Keras 3's gray + blur
    aug, gb = env["augment"], model.get_layer("gray_blur")
    ident = keras.backend.get_value(aug(tf.constant(x), training=False))
    np.testing.assert_array_equal(ident, x)
    want = keras3.ops.image.gaussian_blur(keras3.ops.image.rgb_to_grayscale(x))
    np.testing.assert_allclose(keras.backend.get_value(gb(tf.constant(x))), want, rtol=1e-5,
                               atol=1e-6)
    # training: each image is shifted by at most 2 pixels (its HSV value channel is the
    # input's, shifted), hue is kept, and two runs draw different shifts
    t = aug(tf.constant(x), training=True)
    v_in = x.max(-1)
    runs = []
    sess = keras.backend.get_session()
    for _ in range(2):
        got = sess.run(t)
        v_out = got.max(-1)
        found = []
        for i in range(len(x)):
            hits = [(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3)
                    if np.allclose(_shift(v_in[i], dx, dy), v_out[i], atol=1e-5)]
            assert hits, i
            found.append(hits[0])
        runs.append(found)
        hue_in = keras3.ops.image.rgb_to_hsv(x)[..., 0]
        hue_out = keras3.ops.image.rgb_to_hsv(got)[..., 0]
        i, (dx, dy) = 0, found[0]
        np.testing.assert_allclose(np.asarray(hue_out[i]), _shift(np.asarray(hue_in[i]), dx, dy),
                                   atol=1e-4)
    assert runs[0] != runs[1]
