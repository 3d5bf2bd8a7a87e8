"""tf.nn.ctc_beam_search_decoder (TF1, merge_repeated) and Keras' K.ctc_decode(greedy=False):
TensorFlow's own test case (tensorflow/python/kernel_tests/ctc_decoder_ops_test.py, its numbers
and decodings), a brute-force NumPy reference that sums the probability of every alignment on
tiny alphabets (a beam wider than the number of prefixes is exact), and TensorFlow's errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import dlcore_static as tf
from dlcore_static.keras import backend as K

# TensorFlow's testCTCBeamSearchDecoder: probabilities + 2.0 used as logits, 5 of 7 steps
_TF_PROBS = np.asarray([
    [0.30999, 0.309938, 0.0679938, 0.0673362, 0.0708352, 0.173908],
    [0.215136, 0.439699, 0.0370931, 0.0393967, 0.0381581, 0.230517],
    [0.199959, 0.489485, 0.0233221, 0.0251417, 0.0233289, 0.238763],
    [0.279611, 0.452966, 0.0204795, 0.0209126, 0.0194803, 0.20655],
    [0.51286, 0.288951, 0.0243026, 0.0220788, 0.0219297, 0.129878]], np.float32)


def _tf_case():
    x = np.concatenate([_TF_PROBS + 2.0, np.zeros((2, 6), np.float32)])
    return x[:, None, :]                                      # (7, 1, 6), time-major


def test_tensorflows_own_case():
    xi = tf.placeholder(tf.float32, [None, 1, 6])
    decoded, log_prob = tf.nn.ctc_beam_search_decoder(xi, [5], beam_width=2, top_paths=2)
    assert len(decoded) == 2 and log_prob.shape.as_list() == [1, 2]
    with tf.Session() as sess:
        (d0, d1), lp = sess.run([decoded, log_prob], {xi: _tf_case()})
    np.testing.assert_allclose(lp, [[-5.811451, -6.63339]], rtol=1e-6)
    assert lp.dtype == np.float32
    assert d0.indices.tolist() == [[0, 0], [0, 1]] and d0.values.tolist() == [1, 0]
    assert d0.dense_shape.tolist() == [1, 2] and d0.values.dtype == np.int64
    assert d1.indices.tolist() == [[0, 0]] and d1.values.tolist() == [1]
    assert d1.dense_shape.tolist() == [1, 1]
    with tf.Session() as sess:                     # TensorFlow's error for top_paths 3 > 2
        d3, _ = tf.nn.ctc_beam_search_decoder(xi, [5], beam_width=2, top_paths=3)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="requested more paths than the beam width"):
            sess.run(d3[0].values, {xi: _tf_case()})


def test_keras_ctc_decode_beam_as_keras_test():
    """Keras 2's test_ctc_decode_beam_search: exp of the same logits as y_pred (batch-major);
    each path padded with -1 to the time axis, as the greedy ctc_decode here."""
    yp = tf.placeholder(tf.float32, [None, 7, 6])
    dec, log_prob = K.ctc_decode(yp, np.array([5]), greedy=False, beam_width=2, top_paths=2)
    with tf.Session() as sess:
        d, lp = sess.run([dec, log_prob], {yp: np.exp(_tf_case().transpose(1, 0, 2))})
    np.testing.assert_allclose(lp, [[-5.811451, -6.63339]], rtol=1e-5)
    assert d[0].tolist() == [[1, 0, -1, -1, -1, -1, -1]]
    assert d[1].tolist() == [[1, -1, -1, -1, -1, -1, -1]]


def _brute_force(logits, blank):
    """{labelling: log p} over every alignment of the (T, C) logits (CTC's collapse:
    merge repeats, then drop blanks)."""
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    total: dict[tuple, float] = {}
    for path in itertools.product(range(logits.shape[1]), repeat=logits.shape[0]):
        lab = tuple(c for i, c in enumerate(path)
                    if c != blank and (i == 0 or c != path[i - 1]))
        total[lab] = np.logaddexp(total.get(lab, -np.inf), sum(lp[t, c] for t, c in
                                                               enumerate(path)))
    return total


def _merged(lab):
    return [c for i, c in enumerate(lab) if i == 0 or c != lab[i - 1]]


@pytest.mark.parametrize("merge", [False, True])
def test_wide_beam_is_exact_against_brute_force(merge):
    rng = np.random.default_rng(7)
    T, N, C, top = 5, 3, 3, 4                        # 2 labels: 63 prefixes of length <= 5
    x = rng.standard_normal((T, N, C)) * 1.5
    x[1:3, 0] = x[0, 0]                              # repeats, so merge_repeated matters
    x[:, 0, 0] += 1.0
    seq = np.array([5, 4, 2], np.int32)
    xi = tf.placeholder(tf.float64, [T, N, C])
    decoded, log_prob = tf.nn.ctc_beam_search_decoder(xi, seq, beam_width=64, top_paths=top,
                                                      merge_repeated=merge)
    with tf.Session() as sess:
        paths, lp = sess.run([decoded, log_prob], {xi: x})
    assert lp.dtype == np.float64
    seen_merge = False
    for b in range(N):
        ref = sorted(_brute_force(x[:seq[b], b], C - 1).items(), key=lambda kv: -kv[1])[:top]
        np.testing.assert_allclose(lp[b], [v for _, v in ref], rtol=1e-10)
        for j, (lab, _) in enumerate(ref):
            got = paths[j].values[paths[j].indices[:, 0] == b].tolist()
            want = _merged(lab) if merge else list(lab)
            seen_merge |= want != list(lab)
            assert got == want, (b, j)
    assert seen_merge == merge                       # the case does exercise the merge


def test_v2_sequence_length_zero_and_errors():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 2, 4)).astype(np.float32)
    decoded, log_prob = tf.nn.ctc_beam_search_decoder_v2(x, [0, 4], beam_width=3)
    with tf.Session() as sess:
        d, lp = sess.run([decoded[0], log_prob])
    ref = max(_brute_force(x[:, 1].astype(np.float64), 3).items(), key=lambda kv: kv[1])
    assert d.indices[:, 0].tolist() == [1] * len(ref[0])     # row 0: the empty labelling
    assert d.values.tolist() == list(ref[0])
    assert lp[0, 0] == 0.0                                   # log 1: no steps
    two, _ = tf.nn.ctc_beam_search_decoder(x, [0, 4], beam_width=3, top_paths=2)
    bad_len, _ = tf.nn.ctc_beam_search_decoder(x, [5, 4])
    with tf.Session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Less leaves in the beam search than requested"):
            sess.run(two[1].values)
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"sequence_length\(0\) <= 4"):
            sess.run(bad_len[0].values)
    with pytest.raises(ValueError, match="Value for attr 'beam_width' of 0 must be at least "
                                         "minimum 1"):
        tf.nn.ctc_beam_search_decoder(x, [4, 4], beam_width=0)
    with pytest.raises(ValueError, match="Shape must be rank 3 but is rank 2"):
        tf.nn.ctc_beam_search_decoder(x[0], [4, 4])


class _Beam:
    def __init__(self, parent, label):
        self.parent, self.label, self.children = parent, label, {}
        self.ob = self.ol = self.ot = self.nb = self.nl = self.nt = -np.inf

    def labels(self):
        out, e = [], self
        while e.parent is not None:
            out.append(e.label)
            e = e.parent
        return out[::-1]


def _tf_reference(logits, width, blank):
    """TensorFlow's CTCBeamSearchDecoder::Step, transcribed over Python objects (a sorted list
    as its TopN of leaves): the beams left, best first."""
    lae = np.logaddexp
    root = _Beam(None, -1)
    root.nt = root.nb = 0.0
    leaves = [root]
    for row in logits.astype(np.float64):
        y = row - np.logaddexp.reduce(row)
        branches = sorted(leaves, key=lambda e: -e.nt)
        for b in branches:
            b.ob, b.ol, b.ot = b.nb, b.nl, b.nt
        leaves = []
        for b in branches:
            if b.parent is not None:
                if b.parent.nt > -np.inf:
                    b.nl = lae(b.nl, b.parent.ob if b.label == b.parent.label else b.parent.ot)
                b.nl += y[b.label]
            b.nb = b.ot + y[blank]
            b.nt = lae(b.nb, b.nl)
            leaves.append(b)
        for b in branches:
            if not (b.ot > -np.inf and (len(leaves) < width or
                                        b.ot > min(e.nt for e in leaves))):
                continue
            for k in range(len(row)):
                c = b.children.setdefault(k, _Beam(b, k))
                if k == blank or c.nt > -np.inf:
                    continue
                c.nb, c.nl = -np.inf, (b.ob if k == b.label else b.ot) + y[k]
                c.nt = c.nl
                if c.nt > -np.inf and (len(leaves) < width or
                                       c.nt > min(e.nt for e in leaves)):
                    if len(leaves) == width:
                        gone = min(leaves, key=lambda e: e.nt)
                        leaves.remove(gone)
                        gone.nb = gone.nl = gone.nt = -np.inf
                    leaves.append(c)
                else:
                    c.ob = c.ol = c.ot = c.nb = c.nl = c.nt = -np.inf
    return sorted(leaves, key=lambda e: -e.nt)


def test_narrow_beams_prune_as_tensorflows_algorithm():
    """Beams narrower than the prefix tree: the pruned search equals a plain transcription of
    TensorFlow's algorithm, path for path (random cases, no ties)."""
    rng = np.random.default_rng(11)
    for _ in range(12):
        T, N, C = 7, 3, int(rng.integers(3, 6))
        width = int(rng.integers(1, 5))
        x = rng.standard_normal((T, N, C)) * 2.0
        seq = rng.integers(0, T + 1, N)
        seq[0] = T
        decoded, log_prob = tf.nn.ctc_beam_search_decoder(
            x, seq, beam_width=width, top_paths=1, merge_repeated=False)
        with tf.Session() as sess:
            (d,), lp = sess.run([decoded, log_prob])
        for b in range(N):
            best = _tf_reference(x[:seq[b], b], width, C - 1)[0]
            assert d.values[d.indices[:, 0] == b].tolist() == best.labels()
            np.testing.assert_allclose(lp[b, 0], best.nt, rtol=1e-12)
