"""tf.train.Saver checkpoints are safetensors files (any safetensors reader opens them), restore
by name into a fresh graph, and previous-format .npz checkpoints restore with a warning."""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.saving import GraphFileError

pytest.importorskip("safetensors")
from safetensors import safe_open


def _build():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("dense"):
        w = tf.get_variable("kernel", initializer=np.arange(6, dtype=np.float32).reshape(3, 2))
        b = tf.get_variable("bias", initializer=np.array([0.5, -1.0], np.float32))
    return x, w, b, tf.matmul(x, w) + b


def test_saver_writes_safetensors_and_restores_into_a_fresh_graph(tmp_path):
    tf.reset_default_graph()
    x, w, b, y = _build()
    step = tf.train.get_or_create_global_step()
    upd = tf.assign_add(w, tf.ones([3, 2]))
    saver = tf.train.Saver(max_to_keep=3)
    prefix = str(tmp_path / "model.ckpt")
    feed = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        s.run(upd)
        s.run(tf.assign(step, 7))
        path = saver.save(s, prefix, global_step=step, write_meta_graph=False)
        want = s.run(y, {x: feed})
        w_val = s.run(w)
    assert path == prefix + "-7"
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-7.safetensors"]
    assert 'model_checkpoint_path: "model.ckpt-7"' in (tmp_path / "checkpoint").read_text()
    with safe_open(path + ".safetensors", framework="np") as f:
        assert set(f.keys()) == {"dense/kernel", "dense/bias", "global_step"}
        assert f.metadata() == {"format": "dlcore_static/1"}
        np.testing.assert_array_equal(f.get_tensor("dense/kernel"), w_val)

    tf.reset_default_graph()
    x, w, b, y = _build()
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        tf.train.Saver([w, b]).restore(s, tf.train.latest_checkpoint(str(tmp_path)))
        np.testing.assert_array_equal(s.run(y, {x: feed}), want)


def test_previous_npz_checkpoints_restore_with_a_warning(tmp_path):
    tf.reset_default_graph()
    v = tf.Variable(np.zeros(3, np.float32), name="v")
    np.savez(tmp_path / "old.ckpt.npz", v=np.array([1.0, 2.0, 3.0], np.float32))
    assert tf.train.checkpoint_exists(str(tmp_path / "old.ckpt"))
    with tf.Session() as s:
        with pytest.warns(DeprecationWarning, match="previous-format .npz checkpoint"):
            tf.train.Saver([v]).restore(s, str(tmp_path / "old.ckpt"))
        np.testing.assert_array_equal(s.run(v), [1, 2, 3])


def test_bad_checkpoints_leave_variables_unchanged(tmp_path):
    tf.reset_default_graph()
    v = tf.Variable(np.zeros(3, np.float32), name="v")
    u = tf.Variable(np.zeros(2, np.float32), name="u")
    saver = tf.train.Saver([v, u])
    with tf.Session() as s:
        s.run(tf.global_variables_initializer())
        prefix = saver.save(s, str(tmp_path / "m"))
        data = (tmp_path / "m.safetensors").read_bytes()
        (tmp_path / "m.safetensors").write_bytes(data[:-3])
        s.run(tf.assign(v, [4.0, 5.0, 6.0]))
        with pytest.raises(GraphFileError, match="cannot read checkpoint .*m'"):
            saver.restore(s, prefix)
        from dlcore_static.checkpoint_format import write_variables
        write_variables(prefix, {"v": np.ones(3, np.float32), "u": np.ones(5, np.float32)})
        with pytest.raises(ValueError, match="tensor 'u' .* declares 20 bytes, more than the 16"):
            saver.restore(s, prefix)
        np.testing.assert_array_equal(s.run(v), [4, 5, 6])
