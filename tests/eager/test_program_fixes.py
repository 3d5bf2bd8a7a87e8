"""Differences from PyTorch 2.13 found by running the public example programs in
tests/programs/eager (fast_neural_style, super_resolution, ...), each checked against torch."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dl

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("shape, reps", [((1, 3, 2, 2), (2, 1, 1, 1)), ((2, 1), (1, 3)),
                                         ((2, 2), (1, 1)), ((3,), (2, 2))])
def test_repeat_and_tile_are_new_writable_tensors(shape, reps):
    # fast_neural_style: style.repeat(batch, 1, 1, 1) then normalize_batch's div_(255) in place
    # (dlcore gave a read-only 0-stride view: 'assignment destination is read-only')
    for f in (lambda t: t.repeat(*reps), lambda t: t.tile(reps)):
        results = []
        for lib in (dl, torch):
            x = lib.arange(float(np.prod(shape))).reshape(shape)
            y = f(x)
            y.div_(2.0)
            results.append((x.numpy().copy(), y.numpy().copy()))
        np.testing.assert_array_equal(results[0][0], results[1][0])    # x untouched
        np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("call", [
    lambda m, x: m.pixel_shuffle(x, 2), lambda m, x: m.nn.PixelShuffle(2)(x),
    lambda m, x: m.nn.functional.pixel_unshuffle(x, 2), lambda m, x: m.nn.PixelUnshuffle(2)(x),
    lambda m, x: m.channel_shuffle(x, 2), lambda m, x: m.nn.ChannelShuffle(2)(x),
    lambda m, x: m.nn.Hardshrink(0.5)(x), lambda m, x: m.nn.functional.softshrink(x, 0.5),
    lambda m, x: m.nn.Softshrink()(x)])
def test_shuffle_and_shrink_grad_fn_names(call):
    # super_resolution printed the PixelShuffle output's grad_fn (dlcore: ViewBackward0)
    names = []
    for m in (dl, torch):
        x = m.tensor(np.linspace(-1, 1, 16, dtype=np.float32).reshape(1, 4, 2, 2),
                     requires_grad=True)
        y = call(m, x)
        y.sum().backward()
        names.append((type(y.grad_fn).__name__, y.detach().numpy().copy(), x.grad.numpy().copy()))
    assert names[0][0] == names[1][0]
    np.testing.assert_array_equal(names[0][1], names[1][1])
    np.testing.assert_array_equal(names[0][2], names[1][2])


def _names(container):
    return [(k, type(m).__name__) for k, m in container._modules.items()]


def _seq(m):
    return m.nn.Sequential(m.nn.Linear(2, 3), m.nn.ReLU(), m.nn.Linear(3, 1), m.nn.Tanh())


@pytest.mark.parametrize("edit", [
    lambda m, s: s[1:3],                      # neural style transfer: model[:(i + 1)]
    lambda m, s: s[::-1],
    lambda m, s: s[-1],
    lambda m, s: (s.__setitem__(-2, m.nn.Sigmoid()), s)[1],     # classifier[6] = Linear(...)
    lambda m, s: (s.__delitem__(1), s)[1],
    lambda m, s: (s.__delitem__(slice(0, 2)), s)[1],
    lambda m, s: (s.insert(1, m.nn.ELU()), s)[1],
    lambda m, s: (s.insert(-1, m.nn.ELU()), s)[1],
    lambda m, s: (s.pop(0), s)[1],
    lambda m, s: s.extend(m.nn.Sequential(m.nn.GELU())),
    lambda m, s: s + m.nn.Sequential(m.nn.GELU()),
    lambda m, s: s * 2,
    lambda m, s: m.nn.Sequential(m.nn.ReLU()).__iadd__(s),
    lambda m, s: m.nn.ModuleList(s)[1:],
    lambda m, s: (lambda ml: (ml.__setitem__(0, m.nn.ELU()), ml.__delitem__(-1),
                              ml.insert(1, m.nn.GELU()), ml.pop(2), ml)[-1])(m.nn.ModuleList(s)),
    lambda m, s: m.nn.ModuleList(s) + [m.nn.ELU()],
])
def test_sequential_and_modulelist_edits(edit):
    got, want = edit(dl, _seq(dl)), edit(torch, _seq(torch))
    if isinstance(want, torch.nn.Module) and want._modules:
        assert type(got).__name__ == type(want).__name__
        assert _names(got) == _names(want)
    else:
        assert type(got).__name__ == type(want).__name__


@pytest.mark.parametrize("bad", [lambda m, s: s[4], lambda m, s: s[-5],
                                 lambda m, s: s.__setitem__(7, m.nn.ReLU()),
                                 lambda m, s: s + m.nn.ModuleList(), lambda m, s: s * 0,
                                 lambda m, s: s * 1.5, lambda m, s: m.nn.ModuleList(s)[9],
                                 lambda m, s: s.insert(9, m.nn.ReLU()),
                                 lambda m, s: m.nn.ModuleList().extend(3)])
def test_container_misuse_as_torch(bad):
    with pytest.raises(Exception) as want:
        bad(torch, _seq(torch))
    s = _seq(dl)
    before = _names(s)
    with pytest.raises(want.type) as got:
        bad(dl, s)
    assert str(got.value).replace("dlcore_eager.nn.layers", "torch.nn.modules.container") \
        .replace("dlcore_eager.nn.module", "torch.nn.modules.module") == str(want.value)
    assert _names(s) == before


def _net(m):
    net = m.nn.Sequential(m.nn.Conv2d(1, 2, 3), m.nn.BatchNorm2d(2))
    net.head = m.nn.Linear(2, 2)
    return net


@pytest.mark.parametrize("call", [
    lambda n: type(n.get_submodule("")).__name__, lambda n: type(n.get_submodule("1")).__name__,
    lambda n: tuple(n.get_parameter("0.weight").shape), lambda n: n.get_parameter("head.bias"),
    lambda n: tuple(n.get_buffer("1.running_mean").shape), lambda n: n.get_submodule("2"),
    lambda n: n.get_submodule("head.weight"), lambda n: n.get_parameter("1.running_var"),
    lambda n: n.get_parameter("head.nope"), lambda n: n.get_buffer("1.weight"),
    lambda n: n.get_buffer("0.stride")])
def test_get_submodule_parameter_buffer(call):
    def outcome(m):
        try:
            r = call(_net(m))
            return "ok", r if isinstance(r, (str, tuple)) else type(r).__name__
        except Exception as e:          # noqa: BLE001  (the type and words are compared)
            return type(e).__name__, str(e)
    assert outcome(dl) == outcome(torch)


@pytest.mark.parametrize("name", ["empty", "zeros", "ones", "rand", "randn"])
def test_factories_take_size_as_a_keyword(name):
    # gat/main.py: nn.Parameter(torch.empty(size=(in_features, n_hidden * n_heads)))
    for lib in (dl, torch):
        f = getattr(lib, name)
        assert tuple(f(size=(2, 3)).shape) == (2, 3)
        assert tuple(f(size=[4], dtype=lib.float64).shape) == (4,)
        with pytest.raises(TypeError, match=f"^{name}\\(\\) "):     # (rand/randn: other words)
            f((2,), size=(3,))


def test_nn_parameter_module_address():
    # pygcn-style imports: from torch.nn.parameter import Parameter
    from dlcore_eager.nn.parameter import Parameter, UninitializedParameter
    assert Parameter is dl.nn.Parameter and dl.nn.parameter.Parameter is dl.nn.Parameter
    assert UninitializedParameter is dl.nn.UninitializedParameter
    p = Parameter(dl.zeros(2))
    assert p.requires_grad and type(p).__name__ == type(torch.nn.parameter.Parameter(
        torch.zeros(2))).__name__


@pytest.mark.parametrize("kw", [{}, {"total_iters": 3, "power": 2.0}, {"total_iters": 4,
                                                                      "power": 0.5}])
def test_polynomial_lr_as_torch(kw):
    rates = []
    for lib in (dl, torch):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))], lr=0.5)
        first = lib.optim.lr_scheduler.PolynomialLR(opt, **kw)
        second = lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)    # chained
        seq = []
        for _ in range(7):
            opt.step()
            first.step()
            second.step()
            seq.append(first.get_last_lr()[0])
        seq.append(first._get_closed_form_lr()[0])
        rates.append(seq)
    np.testing.assert_allclose(rates[0], rates[1], rtol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int8", "int16",
                                   "int32", "int64", "uint8", "bool", "complex64"])
def test_is_signed_is_cpu_get_device_is_same_size(dtype):
    got, want = ([t.is_signed(), t.is_cpu, t.get_device(), t.is_same_size(lib.ones(2)),
                  t.is_same_size(lib.ones(3))]
                 for lib in (dl, torch) for t in [lib.zeros(2, dtype=getattr(lib, dtype))])
    assert got == want
