"""More TF1 programs written as the public tutorials wrote them (in this folder), run as scripts
on dlcore_static: a variable-length GRU classifier picking its last relevant output with
tf.gather_nd over tf.range(batch), word2vec skip-gram with tf.nn.nce_loss, a tf.layers CNN with
dropout and Adam, and a GAN with two var_lists, summaries, a FileWriter and a Saver.  Their
printed results are checked against NumPy or against what the program states."""

from __future__ import annotations

import glob
import os
import re
import runpy
import sys

import numpy as np
import pytest

import dlcore_static as tf

HERE = os.path.dirname(__file__)


def run_program(name, capsys, argv=()):
    tf.reset_default_graph()
    old = sys.argv
    sys.argv = [name] + list(argv)
    try:
        runpy.run_path(os.path.join(HERE, name), run_name="__main__")
    finally:
        sys.argv = old
    return capsys.readouterr().out


def numbers(line: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]?\d+)?", line)]


def _lines(out: str, start: str) -> list[list[float]]:
    return [numbers(ln) for ln in out.splitlines() if ln.startswith(start)]


def test_dynamic_rnn_classifier_with_last_relevant_output(capsys):
    out = run_program("tf_dynamic_rnn_last_relevant.py", capsys)
    steps = np.array(_lines(out, "step "))                    # loss, accuracy
    assert steps.shape == (3, 2)
    assert steps[0, 0] > steps[1, 0] > steps[2, 0] and steps[-1, 1] == 1.0
    assert "last == final state: 0.000e+00" in out             # GRU state = last valid output
    assert "padding outputs: 0.000e+00" in out                 # zeros past sequence_length
    rs = np.random.RandomState(0)
    lengths = rs.randint(2, 7, 64)
    picked = re.search(r"picked: \[([\d, ]+)\] max diff (\S+)", out)
    assert [int(v) for v in picked.group(1).split(",")] == list(lengths[:5] - 1)
    assert float(picked.group(2)) == 0.0


def test_word2vec_skip_gram_with_nce_loss(capsys):
    out = run_program("tf_word2vec_nce.py", capsys)
    assert re.search(r"pairs: 3196 most common word: \d$", out, re.M)
    avg = [v[-1] for v in _lines(out, "Average loss at step")]
    assert len(avg) == 4 and avg[-1] < avg[0]
    same, other = _lines(out, "same topic")[0]
    assert same > other + 0.3                                  # the two topics separate
    assert _lines(out, "norms")[0] == pytest.approx([1.0, 1.0], abs=1e-5)
    assert float(out.split("max |similarity - numpy|:")[1].split()[0]) < 1e-5


def test_cnn_with_tf_layers_dropout_and_adam(capsys):
    out = run_program("tf_cnn_layers_adam.py", capsys)
    assert "shapes: (?, 12, 12, 4) (?, 6, 6, 4) (?, 6, 6, 8) (?, 3, 3, 8) (?, 2)" in out
    losses = [v[-1] for v in _lines(out, "epoch ")]
    assert losses[0] > losses[1] > losses[2]
    test_loss, acc = _lines(out, "test loss")[0]
    assert acc >= 0.9 and test_loss < 0.3
    assert "eval deterministic: 0.000e+00" in out              # dropout off unless training
    scale, zeros = _lines(out, "dropout scale")[0][0], int(out.split("zeros")[-1])
    assert scale == pytest.approx(1 / 0.6, rel=1e-5) and zeros > 0


def test_gan_with_two_var_lists_summaries_and_saver(capsys, tmp_path):
    out = run_program("tf_gan_two_var_lists.py", capsys, [str(tmp_path)])
    assert "D vars: ['D/d0/kernel:0', 'D/d0/bias:0', 'D/d1/kernel:0', 'D/d1/bias:0']" in out
    assert "G vars: ['G/g0/kernel:0', 'G/g0/bias:0', 'G/g1/kernel:0', 'G/g1/bias:0']" in out
    assert "after a D step: D moved 4/4, G moved 0/4" in out   # each optimizer, its var_list
    assert "after a G step: D moved 0/4, G moved 4/4" in out
    mean = _lines(out, "generated mean")[0][0]
    assert abs(mean - 4.0) < 0.5                               # the generator found the data
    assert "restored max diff 0.000e+00" in out
    assert "event files: 1" in out
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    acc = ea.EventAccumulator(str(tmp_path), size_guidance={"scalars": 0, "histograms": 0})
    acc.Reload()
    assert sorted(acc.Tags()["scalars"]) == ["d_loss", "g_loss"]
    assert [e.step for e in acc.Scalars("g_loss")] == [50, 100, 150, 200]
    assert [e.step for e in acc.Histograms("generated")] == [50, 100, 150, 200]
    assert acc.Tags()["graph"]
    assert glob.glob(str(tmp_path / "gan.ckpt*"))


def test_masked_tagger_with_positional_encoding(capsys):
    out = run_program("tf_masked_tagger_positional.py", capsys)
    losses = [v[-1] for v in _lines(out, "step ")]
    assert len(losses) == 3 and losses[-1] < losses[0]
    loss, numpy_loss, acc = _lines(out, "test loss")[0]
    assert loss == pytest.approx(numpy_loss, rel=1e-4) and acc > 0.95
    rows, lens = re.search(r"mask rows: (\[.*?\]) lengths: (\[.*?\])", out).groups()
    assert rows == lens
    assert "pe shape (7, 16)" in out
    assert float(out.split("max |pe - numpy|")[1].split()[0]) < 1e-6
