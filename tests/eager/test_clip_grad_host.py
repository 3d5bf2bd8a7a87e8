"""``clip_grad_norm_`` / ``get_total_norm`` / ``clip_grads_with_norm_`` on the host path (CPU
float32 or float64 gradients of one dtype that require no grad: the norms by ``norm2``'s loop
on the buffers, the scaling in place with the version counters bumped, issue 19) give the
general path's bits and PyTorch's values; anything else takes the general path."""

import numpy as np
import pytest

import dlcore_eager as E
from dlcore_eager.nn.utils import clip_grad as C

SHAPES = [(32, 32), (32,), (96, 32), (), (0, 4), (7, 3, 5)]


def _params(lib, dtype=np.float32, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    ps = []
    for s in SHAPES:
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(s).astype(dtype)))
        p.grad = lib.tensor((rng.standard_normal(s) * scale).astype(dtype))
        ps.append(p)
    return ps


def _general(monkeypatch):
    monkeypatch.setattr(C, "_plain", lambda ts: False)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("max_norm", [1.0, 1e6])
def test_the_general_paths_bits(monkeypatch, dtype, max_norm):
    host = _params(E, dtype)
    versions = [p.grad._version for p in host]
    t_host = E.nn.utils.clip_grad_norm_(host, max_norm)
    assert [p.grad._version for p in host] == [v + 1 for v in versions]
    with monkeypatch.context() as m:
        _general(m)
        gen = _params(E, dtype)
        t_gen = E.nn.utils.clip_grad_norm_(gen, max_norm)
    assert t_host.dtype == t_gen.dtype and t_host.shape == () and not t_host.requires_grad
    assert t_host.numpy().tobytes() == t_gen.numpy().tobytes()
    for a, b in zip(host, gen):
        assert a.grad.numpy().tobytes() == b.grad.numpy().tobytes()


def test_values_are_torchs():
    torch = pytest.importorskip("torch")
    d, t = _params(E), _params(torch)
    nd = E.nn.utils.clip_grad_norm_(d, 0.5)
    nt = torch.nn.utils.clip_grad_norm_(t, 0.5)
    np.testing.assert_allclose(nd.numpy(), nt.numpy(), rtol=1e-6)
    for a, b in zip(d, t):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert E.nn.utils.get_total_norm([p.grad for p in _params(E)]).item() == pytest.approx(
        torch.nn.utils.get_total_norm([p.grad for p in _params(torch)]).item(), rel=1e-6)


def test_the_host_path_is_taken_only_for_plain_gradients():
    ps = _params(E)
    assert C._plain([p.grad for p in ps])
    mixed = _params(E) + _params(E, np.float64)
    assert not C._plain([p.grad for p in mixed])
    rg = E.ones(3, requires_grad=True) * 2
    assert not C._plain([ps[0].grad, rg])
    half = [E.ones(3, dtype=E.float16)]
    assert not C._plain(half)
    # (mixed dtypes: the general path, PyTorch's grouping by dtype)
    total = E.nn.utils.clip_grad_norm_(mixed, 1.0)
    assert total.dtype == E.float64               # (stack promotes, as PyTorch's)


def test_nonfinite_norms_raise_and_change_nothing():
    ps = _params(E)
    ps[1].grad[0] = float("inf")
    before = [p.grad.numpy().copy() for p in ps]
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from "
                                           "`parameters` is non-finite"):
        E.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    for p, b in zip(ps, before):
        np.testing.assert_array_equal(p.grad.numpy(), b)
    E.nn.utils.clip_grad_norm_(ps, 1.0)                # (PyTorch's: a zero coefficient)
    assert (ps[0].grad.numpy() == 0).all() and np.isnan(ps[1].grad.numpy()[0])


def test_read_only_buffers_take_the_general_path():
    a = np.ones((3, 3), np.float32)
    a.flags.writeable = False
    p = E.nn.Parameter(E.zeros(3, 3))
    p.grad = E.from_numpy(a)
    assert C._plain([p.grad]) and not p.grad._buf.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        E.nn.utils.clip_grad_norm_([p], 0.1)
    np.testing.assert_array_equal(a, 1.0)


def test_an_inf_gradient_clips_to_nan_silently_as_torch():
    import warnings
    torch = pytest.importorskip("torch")
    got = []
    for m in (E, torch):
        w = m.nn.Parameter(m.ones(3))
        w.grad = m.tensor([float("inf"), 1.0, 2.0])
        with warnings.catch_warnings():
            warnings.simplefilter("error")              # (NumPy's "invalid value" too)
            norm = m.nn.utils.clip_grad_norm_([w], 1.0)
        got.append((repr(norm.item()), repr(w.grad.tolist())))
    assert got[0] == got[1]
