"""nn helpers from the long tail against real PyTorch 2.13: the deprecated ``nn.init`` names
without the underscore, ``nn.utils.clip_grad_norm`` / ``get_total_norm`` /
``clip_grads_with_norm_``, ``nn.utils.rnn.unpad_sequence`` / ``unpack_sequence`` /
``invert_permutation``, ``F.max_pool{1,2,3}d_with_indices`` and ``nn.DataParallel`` (CPU, or one CUDA device where dlcore has one)."""

from __future__ import annotations

import numpy as np
import pytest
from error_of import error_of

import dlcore_eager as dl

torch = pytest.importorskip("torch")


@pytest.mark.parametrize(("name", "args"), [("constant", (0.5,)), ("eye", ()),
                                            ("dirac", ()), ("xavier_uniform", ()),
                                            ("kaiming_normal", ()), ("normal", (0.0, 0.1))])
def test_deprecated_init_names(name, args):
    for lib in (torch, dl):
        w = lib.empty(3, 3, 3) if name == "dirac" else lib.empty(3, 4)
        with pytest.warns(FutureWarning, match=f"`nn.init.{name}` is now deprecated in favor "
                                               f"of `nn.init.{name}_`"):
            out = getattr(lib.nn.init, name)(w, *args)
        assert out is w
        if name in ("constant", "eye", "dirac"):
            ref = getattr(torch.nn.init, name + "_")(torch.empty(tuple(w.shape)), *args)
            np.testing.assert_array_equal(w.numpy(), ref.numpy())


def _grads(lib, scale):
    g = np.random.default_rng(0)
    ps = [lib.nn.Parameter(lib.tensor(g.standard_normal(s))) for s in ((3, 2), (4,))]
    for p in ps:
        p.grad = lib.tensor(g.standard_normal(tuple(p.shape)) * scale)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("scale", [0.01, 10.0])
def test_total_norm_and_clipping(norm_type, scale):
    res = []
    for lib in (torch, dl):
        ps = _grads(lib, scale)
        total = lib.nn.utils.get_total_norm([p.grad for p in ps], norm_type)
        lib.nn.utils.clip_grads_with_norm_(ps, 1.0, total)
        ps2 = _grads(lib, scale)
        with pytest.warns(FutureWarning, match="clip_grad_norm` is now deprecated"):
            t2 = lib.nn.utils.clip_grad_norm(ps2, 1.0, norm_type)
        res.append((total.numpy(), [p.grad.numpy() for p in ps], t2.numpy(),
                    [p.grad.numpy() for p in ps2], str(total.dtype)))
    np.testing.assert_allclose(res[1][0], res[0][0], rtol=1e-12)
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-12)
    for a, b in zip(res[0][1] + res[0][3], res[1][1] + res[1][3]):
        np.testing.assert_allclose(b, a, rtol=1e-12)
    assert res[1][4] == res[0][4]
    assert dl.nn.utils.get_total_norm([]).item() == torch.nn.utils.get_total_norm([]).item()


def test_rnn_unpad_unpack_invert():
    seqs = [np.arange(3.0), np.arange(1.0), np.arange(2.0) + 5]
    outs = []
    for lib in (torch, dl):
        ts = [lib.tensor(s) for s in seqs]
        lengths = lib.tensor([3, 1, 2])
        padded = lib.nn.utils.rnn.pad_sequence(ts)                  # (T, B): transposed in place
        back = lib.nn.utils.rnn.unpad_sequence(padded, lengths)
        packed = lib.nn.utils.rnn.pack_sequence(ts, enforce_sorted=False)
        unpacked = lib.nn.utils.rnn.unpack_sequence(packed)
        inv = lib.nn.utils.rnn.invert_permutation(lib.tensor([2, 0, 3, 1]))
        outs.append(([b.tolist() for b in back], tuple(padded.shape),
                     [u.tolist() for u in unpacked], inv.tolist(), str(inv.dtype)))
        assert lib.nn.utils.rnn.invert_permutation(None) is None
    assert outs[1] == outs[0]


@pytest.mark.parametrize(("shape", "nd"), [((1, 2, 6), 1), ((1, 1, 4, 5), 2),
                                           ((1, 1, 2, 4, 4), 3)])
def test_max_pool_with_indices(shape, nd):
    a = np.random.default_rng(3).standard_normal(shape)
    got = []
    for lib in (torch, dl):
        x = lib.tensor(a, requires_grad=True)
        y, idx = getattr(lib.nn.functional, f"max_pool{nd}d_with_indices")(x, 2)
        y.sum().backward()
        got.append((y.detach().numpy(), idx.numpy(), str(idx.dtype), x.grad.numpy()))
    for a_, b_ in zip(got[0], got[1]):
        if isinstance(a_, str):
            assert a_ == b_
        else:
            np.testing.assert_array_equal(b_, a_)


def test_data_parallel_on_cpu():
    a = np.random.default_rng(4).standard_normal((3, 2)).astype(np.float32)
    res = []
    for lib in (torch, dl):
        lib.manual_seed(0)
        inner = lib.nn.Linear(2, 2)
        with lib.no_grad():
            inner.weight.copy_(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
            inner.bias.copy_(lib.tensor([0.5, -0.5]))
        m = lib.nn.DataParallel(inner)
        on_gpu = lib.cuda.is_available()      # (dlcore under Numba's CUDA simulator in CI)
        assert m.module is inner and m.device_ids == ([0] if on_gpu else [])
        y = m(lib.tensor(a))
        y.sum().backward()
        res.append((list(m.state_dict()), y.detach().cpu().numpy(),
                    inner.weight.grad.cpu().numpy()))
        sd = {k: v for k, v in m.state_dict().items()}
        from importlib import import_module
        import_module(f"{lib.__name__}.nn.modules.utils"
                      if lib is dl else "torch.nn.modules.utils"
                      ).consume_prefix_in_state_dict_if_present(sd, "module.")
        inner.load_state_dict(sd)
    np.testing.assert_allclose(res[1][1], res[0][1], rtol=1e-6)
    assert res[0][0] == res[1][0] == ["module.weight", "module.bias"]
    np.testing.assert_allclose(res[1][2], res[0][2], rtol=1e-6)


def test_unpad_length_mismatch_error():
    errs = [error_of(lambda lib=lib: lib.nn.utils.rnn.unpad_sequence(
        lib.ones(2, 3), lib.tensor([1, 2, 1]), batch_first=True)) for lib in (torch, dl)]
    assert errs[1] == errs[0]


@pytest.mark.parametrize(("p", "kw"), [(2.0, {}), (3.0, {"stride": 1}), (float("inf"), {}),
                                       (1.5, {"ceil_mode": True})])
def test_lp_pool3d(p, kw):
    a = np.random.default_rng(5).uniform(0.1, 1.0, (1, 2, 3, 4, 5))
    got = []
    for lib in (torch, dl):
        x = lib.tensor(a, requires_grad=True)
        y = lib.nn.functional.lp_pool3d(x, p, 2, **kw)
        y.backward(lib.tensor(np.random.default_rng(6).standard_normal(tuple(y.shape))))
        m = lib.nn.LPPool3d(p, 2, **kw)(lib.tensor(a))
        got.append((y.detach().numpy(), x.grad.numpy(), m.numpy()))
    for a_, b_ in zip(*got):
        np.testing.assert_allclose(b_, a_, rtol=1e-10, atol=1e-12)


def test_skip_init_and_old_import_paths():
    for lib in (torch, dl):
        m = lib.nn.utils.skip_init(lib.nn.Linear, 5, 2, bias=False)
        assert tuple(m.weight.shape) == (2, 5) and m.bias is None and m.weight.requires_grad

    class NoDevice(dl.nn.Module):
        def __init__(self, n):
            super().__init__()
    assert error_of(lambda: dl.nn.utils.skip_init(NoDevice, 3)) == \
        (RuntimeError, "Module must support a 'device' arg to skip initialization")
    assert error_of(lambda: dl.nn.utils.skip_init(int, 3)) == \
        error_of(lambda: torch.nn.utils.skip_init(int, 3))
    from dlcore_eager.autograd.anomaly_mode import detect_anomaly
    from dlcore_eager.autograd.variable import Variable
    assert Variable is dl.autograd.Variable and detect_anomaly is dl.autograd.detect_anomaly
