"""Reliability probe 8, saving (helper-R8).

Found by this probe:

* ``dlcore_eager.save`` (and every safetensors write: Saver checkpoints, Keras weights) wrote
  ``path + '.tmp'`` and renamed it: two threads saving to one path shared that file, so one
  truncated the other's half-written file or renamed it away (6 of 30 two-thread rounds gave a
  corrupt file or ``FileNotFoundError``).  The temporary file now has a unique name, and is
  removed when the write fails or is interrupted (it was left behind).
* ``tf.train.Saver.save`` interrupted after writing the values but before registering the
  checkpoint (most of a save's lines: the meta graph's export) left ``ckpt-N`` files that
  ``max_to_keep`` never counted and nothing deleted (330 files after 400 interrupted saves of
  ``max_to_keep=2``).  Such files are now removed, and the registration (kept list, old
  checkpoints removed, the ``checkpoint`` file) is done as one step (a Ctrl-C waits for it).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import dlcore_eager as dl
import dlcore_static as tf
from dlcore.io import safetensors_io
from tests.reliability._interrupts import signalled_at


def test_two_saves_to_one_path_at_once_each_write_a_whole_file(tmp_path, monkeypatch):
    p = str(tmp_path / "m.pt")
    real_replace = os.replace
    calls = []

    def replace_after_another_save(src, dst):
        calls.append(src)
        if len(calls) == 1:       # the first save is between its write and its rename when
            dl.save({"w": dl.ones(5)}, p)            # a second save to the path runs whole
        real_replace(src, dst)
    monkeypatch.setattr(safetensors_io.os, "replace", replace_after_another_save)
    dl.save({"w": dl.zeros(3)}, p)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert dl.load(p)["w"].tolist() == [0.0, 0.0, 0.0]     # the last rename wins, whole
    assert os.listdir(tmp_path) == ["m.pt"]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    p = str(tmp_path / "m.pt")
    dl.save({"w": dl.ones(2)}, p)

    def full_disk(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(safetensors_io.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        dl.save({"w": dl.zeros(2)}, p)
    assert os.listdir(tmp_path) == ["m.pt"]
    assert dl.load(p)["w"].tolist() == [1.0, 1.0]
    assert oct(os.stat(p).st_mode & 0o777) == oct(0o666 & ~safetensors_io.UMASK)


def test_interrupted_saver_save_leaves_no_stray_checkpoint(tmp_path):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable(np.arange(6, dtype=np.float32), name="v")
        inc = tf.assign_add(v, tf.ones_like(v))
        saver = tf.train.Saver(max_to_keep=2)
        with tf.Session() as s:
            s.run(tf.global_variables_initializer())
            prefix = str(tmp_path / "ckpt")
            saver.save(s, prefix, global_step=0)
            total = signalled_at(10**9, lambda: saver.save(s, prefix, global_step=1))
            step = 2
            for n in range(1, total, max(1, total // 40)):
                s.run(inc)
                signalled_at(n, lambda k=step: saver.save(s, prefix, global_step=k))
                step += 1
            names = set(os.listdir(tmp_path))
            kept = [os.path.basename(k) for k in saver.last_checkpoints]
            assert len(kept) <= 2
            stray = {f for f in names if f != "checkpoint" and
                     not any(f.startswith(k + ".") for k in kept)}
            assert not stray, sorted(stray)          # was one per interrupted save
            state = tf.train.get_checkpoint_state(str(tmp_path))
            for p in state.all_model_checkpoint_paths:
                assert tf.train.checkpoint_exists(p), p
            saver.restore(s, tf.train.latest_checkpoint(str(tmp_path)))
