"""Library fixes found by the G15 tutorial programs (tests/programs/eager/), checked against real
PyTorch: optimizers step a 0-d parameter (Adam's host path refused NumPy's 0-d scalars:
'return arrays must be of ArrayType'; the Gaussian-process program's softplus'd scalar
hyperparameters), and a complex parameter is stepped through its real view as PyTorch's
optimizers do (the FNO program's cfloat spectral weights: Adam's second moment holds re(g)^2 and
im(g)^2, not g*g), its state staying complex."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager

torch = pytest.importorskip("torch")

OPTIMIZERS = [("Adam", {}), ("Adam", {"amsgrad": True, "weight_decay": 0.1}), ("AdamW", {}),
              ("SGD", {"momentum": 0.9, "nesterov": True}),
              ("RMSprop", {"centered": True, "momentum": 0.5}), ("Adagrad", {}), ("Adamax", {}),
              ("NAdam", {}), ("RAdam", {}), ("Rprop", {}), ("ASGD", {}), ("Adadelta", {})]


def _steps(lib, name, kw, value, loss_fn, n=4):
    p = lib.nn.Parameter(lib.tensor(value))
    opt = getattr(lib.optim, name)([p], lr=0.1, **kw)
    for _ in range(n):
        opt.zero_grad()
        loss_fn(p).backward()
        opt.step()
    state = {k: (tuple(v.shape), str(v.dtype).split(".")[-1], v.numpy().tolist())
             for k, v in opt.state_dict()["state"][0].items() if hasattr(v, "shape")}
    return p.detach().numpy(), state


def _same_state(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert a[k][:2] == b[k][:2], k
        np.testing.assert_allclose(np.asarray(a[k][2]), np.asarray(b[k][2]), rtol=1e-5,
                                   atol=1e-6, err_msg=k)


@pytest.mark.parametrize("name,kw", OPTIMIZERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_0d_parameter_steps_as_torch(name, kw, dtype):
    def loss(p):
        return p * p + p.sin()
    got, gs = _steps(dlcore_eager, name, kw, np.array(0.5, dtype=dtype), loss)
    want, ws = _steps(torch, name, kw, np.array(0.5, dtype=dtype), loss)
    assert got.shape == () and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)
    _same_state(gs, ws)


@pytest.mark.parametrize("name,kw", OPTIMIZERS)
def test_a_complex_parameter_steps_through_its_real_view(name, kw):
    w0 = np.array([[1 + 2j, -0.5 + 0.3j], [0.2 - 1j, 0.7 + 0.1j]], dtype=np.complex64)

    def loss(w):
        return (w * w.conj()).real.sum() + (w.real * 2).sum() + w.imag.pow(3).sum()
    got, gs = _steps(dlcore_eager, name, kw, w0, loss)
    want, ws = _steps(torch, name, kw, w0, loss)
    assert got.dtype == np.complex64
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    _same_state(gs, ws)                # moments complex64 of the parameter's shape, as torch's


def _clip(lib, arrays, max_norm, norm_type):
    ps = [lib.nn.Parameter(lib.tensor(np.zeros_like(a))) for a in arrays]
    for p, a in zip(ps, arrays):
        p.grad = lib.tensor(a.copy())
    total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
    return total.numpy(), [p.grad.numpy() for p in ps]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3.0])
@pytest.mark.parametrize("max_norm", [0.7, 1e3])
def test_clip_grad_norm_rounds_as_torch(norm_type, max_norm):
    """The coefficient ``max_norm / (total + 1e-6)`` clamped to 1 in the norm's dtype (torch's
    ``t.reciprocal() * max_norm``; the Rosenbrock optimizer program diverged from the first
    clipped step): given the same total, the clipped gradients are torch's to the bit; the
    total (one norm per gradient, then the norm of those) is torch's to rounding."""
    rs = np.random.RandomState(0)
    arrays = [np.asarray(rs.randn(*s) * 3, dtype=np.float32) for s in [(2,), (5, 3), (), (40,)]]
    got_total, got = _clip(dlcore_eager, arrays, max_norm, norm_type)
    want_total, _ = _clip(torch, arrays, max_norm, norm_type)
    assert got_total.dtype == want_total.dtype == np.float32
    np.testing.assert_allclose(got_total, want_total, rtol=1e-6)
    ps = [torch.nn.Parameter(torch.zeros(a.shape)) for a in arrays]
    for p, a in zip(ps, arrays):
        p.grad = torch.tensor(a.copy())
    torch.nn.utils.clip_grads_with_norm_(ps, max_norm, torch.tensor(got_total))
    for g, p in zip(got, ps):
        np.testing.assert_array_equal(g, p.grad.numpy())


def test_clip_grad_norm_of_two_numbers_is_torchs_to_the_bit():
    got_total, got = _clip(dlcore_eager, [np.array([-155.0, -50.0], np.float32)], 1.0, 2.0)
    want_total, want = _clip(torch, [np.array([-155.0, -50.0], np.float32)], 1.0, 2.0)
    assert got_total == want_total
    np.testing.assert_array_equal(got[0], want[0])


def test_clip_grad_norm_of_a_nan_gradient_makes_every_gradient_nan_as_torch():
    arrays = [np.array([1.0, np.nan], np.float32), np.array([0.5, 0.25], np.float32)]
    got_total, got = _clip(dlcore_eager, arrays, 1.0, 2.0)
    want_total, want = _clip(torch, arrays, 1.0, 2.0)
    assert np.isnan(got_total) and np.isnan(want_total)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)           # all NaN in both


def test_loss_modules_name_their_nodes_as_the_functions():
    """The loss modules call torch.nn.functional's functions (their grad_fn names), not the
    bare composites (DivBackward0 where torch shows MeanBackward0)."""
    rs = np.random.RandomState(0)
    x1, x2, x3 = (rs.randn(4, 3).astype(np.float32) for _ in range(3))
    y = np.array([1.0, -1.0, 1.0, -1.0], np.float32)
    cases = [("PoissonNLLLoss", {}, lambda L, t: (t(x1), L.tensor(np.abs(x2)))),
             ("GaussianNLLLoss", {}, lambda L, t: (t(x1), t(x2), L.tensor(np.abs(x3) + 0.1))),
             ("MarginRankingLoss", {"margin": 0.2}, lambda L, t: (t(x1[:, 0]), t(x2[:, 0]), L.tensor(y))),
             ("CosineEmbeddingLoss", {}, lambda L, t: (t(x1), t(x2), L.tensor(y))),
             ("TripletMarginLoss", {}, lambda L, t: (t(x1), t(x2), t(x3))),
             ("MultiLabelSoftMarginLoss", {}, lambda L, t: (t(x1), L.tensor((x2 > 0).astype(np.float32)))),
             ("HingeEmbeddingLoss", {}, lambda L, t: (t(x1[:, 0]), L.tensor(y))),
             ("SoftMarginLoss", {}, lambda L, t: (t(x1[:, 0]), L.tensor(y)))]
    for name, kw, args in cases:
        for reduction in ("mean", "sum"):
            out = []
            for lib in (dlcore_eager, torch):
                def t(a, lib=lib):
                    return lib.tensor(a, requires_grad=True)
                loss = getattr(lib.nn, name)(reduction=reduction, **kw)(*args(lib, t))
                out.append((type(loss.grad_fn).__name__, loss.item()))
            assert out[0][0] == out[1][0], (name, reduction, out)
            assert out[0][1] == pytest.approx(out[1][1], rel=1e-5), (name, reduction)


def test_embedding_of_a_numpy_array_is_refused_in_torchs_words():
    for mod in (dlcore_eager, torch):
        with pytest.raises(TypeError) as e:
            mod.nn.functional.embedding(np.array([1]), mod.zeros(3, 2))
        assert str(e.value) == ("embedding(): argument 'indices' (position 2) must be Tensor, "
                                "not numpy.ndarray")
    with pytest.raises(TypeError, match=r"argument 'log_probs' \(position 1\) must be Tensor, "
                                        r"not numpy\.ndarray"):
        dlcore_eager.nn.functional.ctc_loss(np.zeros((3, 1, 2)), dlcore_eager.tensor([[1]]),
                                            [3], [1])


def test_gumbel_softmax_with_a_numpy_temperature_keeps_the_dtype():
    """The Gumbel-softmax VAE anneals ``temp = np.maximum(temp * np.exp(-r t), tmin)``: a NumPy
    float64 is a Python number to PyTorch (the sample stays float32; dlcore made it float64 and
    the next Linear refused 'mat1 and mat2 must have the same dtype')."""
    for lib in (dlcore_eager, torch):
        lib.manual_seed(0)
        y = lib.nn.functional.gumbel_softmax(lib.randn(3, 5), tau=np.float64(0.7), hard=True)
        assert y.dtype == lib.float32
        assert y.sum(-1).tolist() == [1.0, 1.0, 1.0]


def _lstm_proj_run(lib, kw, packed, with_state):
    from numpy.random import RandomState
    lib.manual_seed(0)
    m = lib.nn.LSTM(3, 5, proj_size=2, **kw).double()
    rs = RandomState(1)
    x = lib.tensor(rs.randn(4, 3, 3), requires_grad=True)      # (T, B, D) or (B, T, D)
    ndir = 2 if kw.get("bidirectional") else 1
    layers = kw.get("num_layers", 1)
    state = None
    if with_state:
        state = (lib.tensor(rs.randn(layers * ndir, 3 if not kw.get("batch_first") else 4, 2)),
                 lib.tensor(rs.randn(layers * ndir, 3 if not kw.get("batch_first") else 4, 5)))
    inp = x
    if packed:
        inp = lib.nn.utils.rnn.pack_padded_sequence(x, [4, 2, 3], enforce_sorted=False)
    out, (h, c) = m(inp, state)
    if packed:
        out = lib.nn.utils.rnn.pad_packed_sequence(out)[0]
    (out.sum() + (h * h).sum() + c.sum()).backward()
    names = [(n, tuple(p.shape)) for n, p in m.named_parameters()]
    grads = [p.grad.numpy() for p in m.parameters()]
    return names, repr(m), out.detach().numpy(), h.detach().numpy(), c.detach().numpy(), \
        x.grad.numpy(), grads


@pytest.mark.parametrize("kw,packed,with_state", [
    ({}, False, False), ({"num_layers": 2, "bidirectional": True}, False, True),
    ({"batch_first": True, "bias": False}, False, True), ({"num_layers": 2}, True, False)])
def test_lstm_with_projections_as_torch(kw, packed, with_state):
    """LSTM(proj_size=...) (raised NotImplementedError): weight_hr_l{k} after the biases, h of
    the projected size, c of the full size, values and gradients of every weight equal torch's."""
    got = _lstm_proj_run(dlcore_eager, kw, packed, with_state)
    want = _lstm_proj_run(torch, kw, packed, with_state)
    assert got[0] == want[0] and got[1] == want[1]
    for g, w in zip(got[2:6], want[2:6]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    for g, w in zip(got[6], want[6]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


def test_lstm_projection_errors_as_torch():
    for lib in (dlcore_eager, torch):
        for kw, text in [({"proj_size": -1}, ("proj_size should be a positive integer or zero "
                                               "to disable projections")),
                         ({"proj_size": 5}, "proj_size has to be smaller than hidden_size")]:
            with pytest.raises(ValueError, match=text):
                lib.nn.LSTM(3, 5, **kw)
        with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM, "
                                             "not RNN or GRU"):
            lib.nn.GRU(3, 5, proj_size=2)
        with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 2\), got "
                                               r"\[1, 2, 5\]"):
            lib.nn.LSTM(3, 5, proj_size=2)(lib.randn(4, 2, 3),
                                           (lib.zeros(1, 2, 5), lib.zeros(1, 2, 5)))


@pytest.mark.parametrize("shape,pad", [((1, 2, 3, 4), (1, 1)), ((1, 1, 2, 3, 4), (1, 1)),
                                       ((3,), (1, 1)), ((1, 2, 3, 4, 5), (1,) * 8),
                                       ((2, 3, 4), (1, 1)), ((1, 2, 3, 4), (1, -1, 1, 1, 1, 1))])
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_non_constant_pad_sizes_refused_as_torch(shape, pad, mode):
    """F.pad(x4d, (1, 1), mode='reflect') computed; torch refuses every length that does not pad
    the last 1-3 dimensions of an input of one or two more (torchdiff2's finding)."""
    outs = []
    for lib in (dlcore_eager, torch):
        try:
            outs.append(lib.nn.functional.pad(lib.ones(shape), pad, mode=mode).shape)
        except NotImplementedError as e:
            outs.append(str(e))
    assert outs[0] == outs[1]


def test_pad_modules_refuse_a_short_input_as_torch():
    for lib in (dlcore_eager, torch):
        with pytest.raises(RuntimeError, match="Padding length should be less than or equal to "
                                               "two times the input dimension but got padding "
                                               "length 4 and input of dimension 1"):
            lib.nn.ReflectionPad2d(1)(lib.ones(2))
        with pytest.raises(NotImplementedError, match="Padding size 4 is not supported for 2D "
                                                      "input tensor.\nSupported combinations"):
            lib.nn.ReplicationPad2d(1)(lib.ones(2, 3))


@pytest.mark.parametrize("stats", [False, True])
@pytest.mark.parametrize("affine", ["both", "weight", "none"])
def test_training_batch_norm_node_shows_torchs_three_edges(stats, affine):
    """F.batch_norm in training: NativeBatchNormBackward0 with next_functions (input, weight,
    bias), as torch (the fused node showed the batch statistics as a fourth, None, edge);
    gradients unchanged (vs torch)."""
    rs = np.random.RandomState(0)
    xv, wv, bv = rs.randn(4, 3, 2), rs.rand(3) + 0.5, rs.randn(3)
    seen = []
    for lib in (dlcore_eager, torch):
        x = lib.tensor(xv, requires_grad=True)
        w = lib.tensor(wv, requires_grad=True) if affine != "none" else None
        b = lib.tensor(bv, requires_grad=True) if affine == "both" else None
        rm, rv = (lib.zeros(3, dtype=lib.float64), lib.ones(3, dtype=lib.float64)) if stats \
            else (None, None)
        y = lib.nn.functional.batch_norm(x, rm, rv, w, b, training=True)
        edges = [None if f is None else type(f).__name__ for f, _ in y.grad_fn.next_functions]
        (y * lib.tensor(xv[::-1].copy())).sum().backward()
        seen.append((y.grad_fn.name(), edges, x.grad.numpy(),
                     None if w is None else w.grad.numpy()))
    assert seen[0][:2] == seen[1][:2]
    np.testing.assert_allclose(seen[0][2], seen[1][2], rtol=1e-9, atol=1e-12)
    if seen[1][3] is not None:
        np.testing.assert_allclose(seen[0][3], seen[1][3], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_bicubic_as_torch(padding_mode, align_corners):
    """mode='bicubic' (raised NotImplementedError): values and gradients to input and grid
    equal torch's, grid points inside and outside [-1, 1]."""
    rs = np.random.RandomState(0)
    xv, gv = rs.randn(2, 3, 5, 6), rs.uniform(-1.3, 1.3, (2, 4, 7, 2))
    res = []
    for lib in (dlcore_eager, torch):
        x, g = lib.tensor(xv, requires_grad=True), lib.tensor(gv, requires_grad=True)
        y = lib.nn.functional.grid_sample(x, g, mode="bicubic", padding_mode=padding_mode,
                                          align_corners=align_corners)
        (y * lib.tensor(np.cos(np.arange(y.numel())).reshape(tuple(y.shape)))).sum().backward()
        res.append((y.detach().numpy(), x.grad.numpy(), g.grad.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    y32 = dlcore_eager.nn.functional.grid_sample(
        dlcore_eager.tensor(xv, dtype=dlcore_eager.float32),
        dlcore_eager.tensor(gv, dtype=dlcore_eager.float32), mode="bicubic",
        padding_mode=padding_mode, align_corners=align_corners)
    assert y32.dtype == dlcore_eager.float32
    np.testing.assert_allclose(y32.numpy(), res[1][0], rtol=1e-4, atol=1e-5)
