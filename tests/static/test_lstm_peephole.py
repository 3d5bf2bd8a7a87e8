"""tf.nn.rnn_cell.LSTMCell's options (use_peepholes, cell_clip, num_proj, proj_clip) against a
NumPy transcription of TensorFlow 1's ``LSTMCell.call`` (rnn_cell_impl.py), through static_rnn
and dynamic_rnn: outputs, final states, variable names and shapes, and gradients against
float64 finite differences of the reference; dynamic_rnn with the time dimension unknown when
the graph is built ([None, None, D] inputs)."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_static as tf

B, T, D, N = 2, 3, 3, 4


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_lstm_call(x, c_prev, m_prev, w, *, peep=False, cell_clip=None, num_proj=None,
                 proj_clip=None, forget_bias=1.0):
    """TensorFlow 1's LSTMCell.call in NumPy; ``w`` the variable values by name."""
    z = np.concatenate([x, m_prev], 1) @ w["kernel"] + w["bias"]
    i, j, f, o = np.split(z, 4, axis=1)
    if peep:
        c = (_sig(f + forget_bias + w["w_f_diag"] * c_prev) * c_prev +
             _sig(i + w["w_i_diag"] * c_prev) * np.tanh(j))
    else:
        c = _sig(f + forget_bias) * c_prev + _sig(i) * np.tanh(j)
    if cell_clip is not None:
        c = np.clip(c, -cell_clip, cell_clip)
    m = _sig(o + w["w_o_diag"] * c) * np.tanh(c) if peep else _sig(o) * np.tanh(c)
    if num_proj is not None:
        m = m @ w["projection/kernel"]
        if proj_clip is not None:
            m = np.clip(m, -proj_clip, proj_clip)
    return m, c


def np_rnn(xs, w, lengths=None, **opts):
    """Outputs (B, T, P) and final (c, m) with TF's sequence_length masking."""
    p = opts.get("num_proj") or N
    c, m = np.zeros((xs.shape[0], N)), np.zeros((xs.shape[0], p))
    outs = []
    for t in range(xs.shape[1]):
        m2, c2 = np_lstm_call(xs[:, t], c, m, w, **opts)
        if lengths is not None:
            keep = (t < lengths)[:, None]
            m2o = np.where(keep, m2, 0.0)
            c2, m2 = np.where(keep, c2, c), np.where(keep, m2, m)
        else:
            m2o = m2
        outs.append(m2o)
        c, m = c2, m2
    return np.stack(outs, 1), c, m


OPTIONS = {
    "peepholes": {"peep": True},
    "cell_clip": {"cell_clip": 0.3},
    "proj": {"num_proj": 2},
    "all": {"peep": True, "cell_clip": 0.4, "num_proj": 3, "proj_clip": 0.2},
}


def _cell(opts):
    return tf.nn.rnn_cell.LSTMCell(N, use_peepholes=opts.get("peep", False),
                                   cell_clip=opts.get("cell_clip"),
                                   num_proj=opts.get("num_proj"),
                                   proj_clip=opts.get("proj_clip"))


def _values(sess):
    return {v.name[len("rnn/lstm_cell/"):-2]: sess.run(v) for v in tf.trainable_variables()}


@pytest.mark.parametrize("name", list(OPTIONS))
@pytest.mark.parametrize("runner", ["dynamic", "static"])
def test_values_names_and_state_sizes(name, runner):
    opts = OPTIONS[name]
    p = opts.get("num_proj") or N
    xs = np.random.default_rng(0).standard_normal((B, T, D))
    lengths = np.array([3, 2], np.int32)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [B, T, D])
        cell = _cell(opts)
        assert cell.state_size == tf.nn.rnn_cell.LSTMStateTuple(N, p)
        assert cell.output_size == p
        if runner == "dynamic":
            out, st = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=tf.float64)
        else:
            outs, st = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), sequence_length=lengths,
                                        dtype=tf.float64)
            out = tf.stack(outs, 1)
        assert out.shape.as_list() == [B, T, p]
        assert st.c.shape.as_list() == [B, N] and st.h.shape.as_list() == [B, p]
        want = {"kernel": [D + p, 4 * N], "bias": [4 * N]}
        if opts.get("peep"):
            want.update({k: [N] for k in ("w_f_diag", "w_i_diag", "w_o_diag")})
        if "num_proj" in opts:
            want["projection/kernel"] = [N, p]
        got = {v.name: v.shape.as_list() for v in tf.trainable_variables()}
        assert got == {f"rnn/lstm_cell/{k}:0": s for k, s in want.items()}
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            w = _values(sess)
            o, c, h = sess.run([out, st.c, st.h], {x: xs})
    ro, rc, rm = np_rnn(xs, w, lengths, **opts)
    np.testing.assert_allclose(o, ro, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c, rc, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h, rm, rtol=1e-10, atol=1e-12)
    if "cell_clip" in opts:
        assert np.abs(c).max() <= opts["cell_clip"]


@pytest.mark.parametrize("name", ["all", "proj"])
def test_gradients_by_finite_differences(name):
    opts = OPTIONS[name]
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((B, T, D))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [B, T, D])
        out, st = tf.nn.dynamic_rnn(_cell(opts), x, dtype=tf.float64)
        gy = rng.standard_normal(out.shape.as_list())
        gc = rng.standard_normal(st.c.shape.as_list())
        loss = tf.reduce_sum(out * gy) + tf.reduce_sum(st.c * gc)
        vs = tf.trainable_variables()
        grads = tf.gradients(loss, [x] + vs)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            w = _values(sess)
            gv = sess.run(grads, {x: xs})
    names = [v.name[len("rnn/lstm_cell/"):-2] for v in vs]

    def f(xv, wv):
        o, c, _ = np_rnn(xv, wv, **opts)
        return float((o * gy).sum() + (c * gc).sum())
    for k, arr in enumerate([xs] + [w[n] for n in names]):
        num = np.zeros_like(arr)
        for i in np.ndindex(*arr.shape):
            e = np.zeros_like(arr)
            e[i] = 1e-6
            if k == 0:
                num[i] = (f(xs + e, w) - f(xs - e, w)) / 2e-6
            else:
                wp, wm = dict(w), dict(w)
                wp[names[k - 1]], wm[names[k - 1]] = arr + e, arr - e
                num[i] = (f(xs, wp) - f(xs, wm)) / 2e-6
        np.testing.assert_allclose(gv[k], num, rtol=1e-5, atol=1e-8,
                                   err_msg=(["inputs"] + names)[k])


def test_state_not_tuple():
    xs = np.random.default_rng(2).standard_normal((B, T, D))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [B, T, D])
        cell = tf.nn.rnn_cell.LSTMCell(N, use_peepholes=True, num_proj=2, state_is_tuple=False)
        assert cell.state_size == N + 2
        out, st = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
        assert st.shape.as_list() == [B, N + 2]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            w = _values(sess)
            o, s = sess.run([out, st], {x: xs})
    ro, rc, rm = np_rnn(xs, w, peep=True, num_proj=2)
    np.testing.assert_allclose(o, ro, rtol=1e-10)
    np.testing.assert_allclose(s, np.concatenate([rc, rm], 1), rtol=1e-10)


@pytest.mark.parametrize("passes", [None, "all"])
def test_dynamic_rnn_with_unknown_time_steps(passes):
    """[None, None, D] inputs: the loop runs to tf.shape(inputs)[1]; values and gradients
    equal the known-length graph's for two lengths fed to one graph."""
    rng = np.random.default_rng(3)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None, None, D])
        lengths = tf.placeholder(tf.int32, [None])
        out, st = tf.nn.dynamic_rnn(_cell(OPTIONS["all"]), x, sequence_length=lengths,
                                    dtype=tf.float64)
        assert out.shape.as_list() == [None, None, 3]
        vs = tf.trainable_variables()
        grads = tf.gradients(tf.reduce_sum(out) + tf.reduce_sum(st.c), [x] + vs)
        kw = {} if passes is None else {"passes": passes}
        with tf.Session(**kw) as sess:
            sess.run(tf.global_variables_initializer())
            w = _values(sess)
            for t_len in (2, 5):
                xs = rng.standard_normal((B, t_len, D))
                ln = np.array([t_len, 1], np.int32)
                o, c, gx = sess.run([out, st.c, grads[0]], {x: xs, lengths: ln})
                ro, rc, _ = np_rnn(xs, w, ln, **OPTIONS["all"])
                np.testing.assert_allclose(o, ro, rtol=1e-10, atol=1e-12)
                np.testing.assert_allclose(c, rc, rtol=1e-10, atol=1e-12)
                assert gx.shape == xs.shape and np.all(gx[1, 1:] == 0)


def _np_reverse(x, lengths):
    y = x.copy()
    for b, n in enumerate(lengths):
        y[b, :n] = x[b, :n][::-1]
    return y


def test_bidirectional_dynamic_rnn_with_unknown_time_steps_and_lengths():
    """reverse_sequence at an unknown length (the backward cell's input and output)."""
    rng = np.random.default_rng(4)
    opts = OPTIONS["all"]
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None, None, D])
        lengths = tf.placeholder(tf.int32, [None])
        (of, ob), (_, sb) = tf.nn.bidirectional_dynamic_rnn(
            _cell(opts), _cell(opts), x, sequence_length=lengths, dtype=tf.float64)
        gx, = tf.gradients(tf.reduce_sum(ob) + tf.reduce_sum(of), [x])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            w = {d: {v.name.split("/lstm_cell/")[1][:-2]: sess.run(v)
                     for v in tf.trainable_variables() if f"/{d}/" in v.name}
                 for d in ("fw", "bw")}
            xs = rng.standard_normal((B, 4, D))
            ln = np.array([4, 2], np.int32)
            fo, bo, c_bw, g = sess.run([of, ob, sb.c, gx], {x: xs, lengths: ln})
    rf, _, _ = np_rnn(xs, w["fw"], ln, **opts)
    rb, rcb, _ = np_rnn(_np_reverse(xs, ln), w["bw"], ln, **opts)
    np.testing.assert_allclose(fo, rf, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bo, _np_reverse(rb, ln), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(c_bw, rcb, rtol=1e-10, atol=1e-12)
    assert g.shape == xs.shape and np.all(g[1, 2:] == 0) and np.all(g[1, :2] != 0)
