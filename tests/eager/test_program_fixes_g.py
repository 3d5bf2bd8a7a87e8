"""Fixes found by running more PyTorch tutorial programs (tests/programs/eager/, helper G's
batch), each checked in small against torch 2.13."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def test_view_of_a_strided_tensor_follows_torchs_stride_rule():
    # an LSTM's (T, 1, H) output sliced from a wider buffer: size-1 dims do not break a run
    for m in (dt, torch):
        x = m.arange(60.).reshape(5, 1, 12)[:, :, :6]
        v = x.view(5, -1)
        v[0, 0] = 100.0                       # a view: the base sees the write
        assert x[0, 0, 0].item() == 100.0 and tuple(v.shape) == (5, 6)
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            x.view(30)
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            m.arange(6.).reshape(2, 3).t().view(6)


@pytest.mark.parametrize("kw", [{}, {"bidirectional": True}, {"batch_first": True}])
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_recurrent_outputs_carry_torchs_grad_fn_names(name, kw):
    got = []
    for m in (dt, torch):
        layer = getattr(m.nn, name)(3, 4, **kw)
        out, h = layer(m.from_numpy(np.ones((5, 2, 3), np.float32)))
        h = h if isinstance(h, tuple) else (h,)
        got.append([out.grad_fn.name()] + [t.grad_fn.name() for t in h])
    assert got[0] == got[1]


@pytest.mark.parametrize("kind", ["float", "bool"])
@pytest.mark.parametrize("shape", [(26,), (2, 26), (3, 2, 17), (50,)])
def test_printed_lines_break_where_torchs_do(kind, shape):
    # a printed Parameter of a BoW classifier: 8 four-decimal numbers per line, as torch
    a = np.random.default_rng(1).uniform(-0.3, 0.3, shape).astype(np.float32)
    a = a > 0 if kind == "bool" else a
    assert repr(dt.from_numpy(a.copy())) == repr(torch.from_numpy(a.copy()))
    assert repr(dt.ones(3, dtype=dt.bool)) == "tensor([True, True, True])"


@pytest.mark.parametrize("make", [
    lambda m: m.arange(3000.).reshape(10, 10, 30) / 7,          # summarized, 3-d
    lambda m: m.arange(5000).reshape(5, 10, 100),
    lambda m: m.tensor([0., -0., 1., 5000.]),                   # sci by max/min > 1000
    lambda m: m.tensor([-0., 0., 1.] * 9),                      # signed zeros in int mode
    lambda m: m.tensor([float("nan"), float("inf"), 2.]),
    lambda m: m.zeros(2, 0, dtype=m.int64),                     # size= suffix
    lambda m: m.tensor(1.5), lambda m: m.arange(1200) % 3 == 0])
def test_tensor_repr_follows_torchs_tensor_str(make):
    assert repr(make(dt)) == repr(make(torch))


@pytest.mark.parametrize("n", [3, 6, 9])
@pytest.mark.parametrize("kind", ["grad_fn", "requires_grad", "dtype"])
def test_suffixes_wrap_onto_a_new_line_as_torch(n, kind):
    # d2l prints net[1].gamma.reshape((-1,)): ', grad_fn=<ViewBackward0>)' past 80 columns
    a = np.linspace(-1, 1, n)
    got = []
    for m in (dt, torch):
        x = m.from_numpy(a.astype(np.float64 if kind == "dtype" else np.float32))
        if kind != "dtype":
            x.requires_grad_()
        got.append(repr(x.reshape(-1) if kind == "grad_fn" else x))
    assert got[0] == got[1]


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 4), (1, 2, 3, 4), (5,)])
@pytest.mark.parametrize("training", [True, False])
def test_dropout2d_warns_and_refuses_as_torch(shape, training):
    # pytorch/examples mnist_rnn applies nn.Dropout2d to (N, C) features
    import warnings
    seen = []
    for m in (dt, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out = m.nn.functional.dropout2d(m.ones(*shape), 0.5, training)
                err = None
            except RuntimeError as e:
                out, err = None, str(e)
        seen.append(([(w.category, str(w.message)) for w in caught], err,
                     None if out is None else tuple(out.shape)))
    assert seen[0] == seen[1]


_KW_CALLS = [
    lambda m, x: x.sum(1, keepdims=True), lambda m, x: m.sum(x, axis=1),
    lambda m, x: x.mean(axis=0, keepdims=True), lambda m, x: x.max(axis=1)[0],
    lambda m, x: m.amax(x, axis=1, keepdims=True), lambda m, x: x.std(axis=1),
    lambda m, x: m.cat([x, x], axis=0), lambda m, x: x.softmax(axis=1),
    lambda m, x: x.argmax(axis=1), lambda m, x: x.cumsum(axis=1),
    lambda m, x: x.logsumexp(axis=1, keepdims=True), lambda m, x: x.var(1, keepdims=True),
    lambda m, x: m.stack([x, x], axis=1), lambda m, x: x.unsqueeze(axis=0),
]


@pytest.mark.parametrize("k", range(len(_KW_CALLS)))
def test_numpy_style_keywords_as_torch_accepts_them(k):
    # makemore: P /= P.sum(1, keepdims=True); torch's parser renames axis/keepdims
    a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
    got = _KW_CALLS[k](dt, dt.from_numpy(a.copy()))
    want = _KW_CALLS[k](torch, torch.from_numpy(a.copy()))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_numpy_style_keywords_stay_refused_where_torch_refuses_them():
    for m in (dt, torch):
        x = m.ones(2, 3)
        with pytest.raises(TypeError, match="axis"):
            m.nn.functional.softmax(x, axis=1)           # a Python function in torch
        with pytest.raises(TypeError, match="keepdims"):
            m.norm(x, dim=1, keepdims=True)


def test_float_of_a_tensor_requiring_grad_warns_once_as_torch():
    # d2l's train_epoch_ch3: metric.add(float(l.sum()), ...); torch warns once a process
    import warnings

    from dlcore_eager import _conversions
    _conversions._FLOAT_WARNED[0] = False
    x = dt.ones(3, requires_grad=True)
    with pytest.warns(UserWarning, match="Converting a tensor with requires_grad=True to a "
                      "scalar may lead to unexpected behavior"):
        assert float(x.sum()) == 3.0
    for m in (dt, torch):
        x = m.ones(3, requires_grad=True)
        float(x.sum())
        with warnings.catch_warnings():
            warnings.simplefilter("error")          # the second time: silent
            assert float(x.sum()) == 3.0 and x.sum().item() == 3.0
            assert int(x.sum()) == 3 and float(x.sum().detach()) == 3.0


@pytest.mark.parametrize("expr", ["format(m.tensor(1.5), '.2f')", "format(m.tensor([1.5]), '')",
                                  "format(m.tensor([1.5]), '.2f')", "f'{m.tensor(2):d}'",
                                  "format(m.nn.Parameter(m.tensor(1.5)), '.2f')"])
def test_format_spec_as_torch(expr):
    # '{:.4f}'.format(loss) works on a 0-d tensor only; a 1-element vector is refused
    got = []
    for m in (dt, torch):
        try:
            got.append(eval(expr, {"m": m}))
        except TypeError as e:
            got.append(str(e))
    assert got[0] == got[1]
