"""PyTorch's grad_fn of composite functions outside saved_tensors_hooks (torch 2.13).

``F.silu``/``F.gelu``/``var``/``std``/``logsumexp``/``F.mish``/``F.hardswish``/
``F.hardsigmoid`` are several primitives in dlcore; their node (the last primitive's, named as
PyTorch's) showed that primitive's saved tensors (SiluBackward0 had mul's ``_saved_other``,
GeluBackward0's ``_saved_self`` was ``x / 2``, VarBackward0 had none).  Now it shows PyTorch's:
``_saved_self`` (the input itself), ``_saved_result`` (std, logsumexp), ``_saved_dim``/
``_saved_keepdim``/``_saved_correction``/``_saved_approximate``, and nothing else
(``dir(grad_fn)`` lists only those).  ``nn.SiLU``/``nn.GELU``/``nn.ELU``/... call the labelled
functions (they showed MulBackward0, WhereBackward0 and the composites' inner nodes); an
in-place composite (``F.silu(x, inplace=True)``, ``F.hardswish(x, inplace=True)``) has its
input as its one edge.  Expected values recorded from torch 2.13."""

from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as torch
import dlcore_eager.nn.functional as F
from dlcore_eager import nn

U64 = 2 ** 64


def _x():
    return torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)


def _saved(gf) -> list:
    return sorted(a for a in dir(gf) if a.startswith("_saved"))


#: (call, PyTorch's node name, its _saved_* names, its non-tensor values)
CASES = [
    (F.silu, "SiluBackward0", ["_saved_self"], {}),
    (nn.SiLU(), "SiluBackward0", ["_saved_self"], {}),
    (F.gelu, "GeluBackward0", ["_saved_approximate", "_saved_self"],
     {"_saved_approximate": "none"}),
    (lambda t: F.gelu(t, approximate="tanh"), "GeluBackward0",
     ["_saved_approximate", "_saved_self"], {"_saved_approximate": "tanh"}),
    (nn.GELU("tanh"), "GeluBackward0", ["_saved_approximate", "_saved_self"],
     {"_saved_approximate": "tanh"}),
    (lambda t: t.var(), "VarBackward0",
     ["_saved_correction", "_saved_dim", "_saved_keepdim", "_saved_self"],
     {"_saved_correction": None, "_saved_dim": None, "_saved_keepdim": False}),
    (lambda t: torch.var(t, 0, correction=0), "VarBackward0",
     ["_saved_correction", "_saved_dim", "_saved_keepdim", "_saved_self"],
     {"_saved_correction": 0, "_saved_dim": (0,), "_saved_keepdim": False}),
    (lambda t: t.var(unbiased=False), "VarBackward0",
     ["_saved_correction", "_saved_dim", "_saved_keepdim", "_saved_self"],
     {"_saved_correction": 0, "_saved_dim": None, "_saved_keepdim": False}),
    (lambda t: t.var(dim=-1, keepdim=True), "VarBackward0",
     ["_saved_correction", "_saved_dim", "_saved_keepdim", "_saved_self"],
     {"_saved_correction": 1, "_saved_dim": (U64 - 1,), "_saved_keepdim": True}),
    (lambda t: t.std(0), "StdBackward0",
     ["_saved_correction", "_saved_dim", "_saved_keepdim", "_saved_result", "_saved_self"],
     {"_saved_correction": 1, "_saved_dim": (0,), "_saved_keepdim": False}),
    (lambda t: t.std(), "StdBackward0",
     ["_saved_correction", "_saved_dim", "_saved_keepdim", "_saved_result", "_saved_self"],
     {"_saved_correction": None, "_saved_dim": None, "_saved_keepdim": False}),
    (lambda t: torch.logsumexp(t, -1), "LogsumexpBackward0",
     ["_saved_dim", "_saved_keepdim", "_saved_result", "_saved_self"],
     {"_saved_dim": (U64 - 1,), "_saved_keepdim": False}),
    (lambda t: torch.logsumexp(t, (0,), keepdim=True), "LogsumexpBackward0",
     ["_saved_dim", "_saved_keepdim", "_saved_result", "_saved_self"],
     {"_saved_dim": (0,), "_saved_keepdim": True}),
    (F.mish, "MishBackward0", ["_saved_self"], {}),
    (nn.Mish(), "MishBackward0", ["_saved_self"], {}),
    (F.hardswish, "HardswishBackward0", ["_saved_self"], {}),
    (nn.Hardsigmoid(), "HardsigmoidBackward0", ["_saved_self"], {}),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_saved_attributes_are_torch_s(i):
    call, name, saved, values = CASES[i]
    x = _x()
    y = call(x)
    gf = y.grad_fn
    assert type(gf).__name__ == name and gf.name() == name
    assert _saved(gf) == saved
    assert gf._saved_self is x
    for k, v in values.items():
        assert getattr(gf, k) == v
    if "_saved_result" in saved:
        r = gf._saved_result
        assert r.shape == y.shape and np.array_equal(r.detach().numpy(), y.detach().numpy())
    else:
        with pytest.raises(AttributeError, match=f"'{name}' object has no attribute "
                                                 "'_saved_result'"):
            _ = gf._saved_result
    with pytest.raises(AttributeError, match="_saved_other"):
        _ = gf._saved_other
    assert [type(n).__name__ for n, _ in gf.next_functions] == ["AccumulateGrad"]


def test_saved_self_after_backward_and_after_an_in_place_change():
    x = _x()
    y = F.silu(x)
    y.sum().backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                                           "time"):
        _ = y.grad_fn._saved_self
    a = _x() * 1
    y = F.gelu(a)
    a.add_(1)
    with pytest.raises(RuntimeError, match=r"one of the variables needed for gradient "
                                           r"computation has been modified by an inplace "
                                           r"operation: \[torch.FloatTensor \[3\]\], which is "
                                           r"output 0 of Add, is at version 1; "
                                           r"expected version 0 instead"):
        _ = y.grad_fn._saved_self


def test_primitive_saved_tensor_changed_in_place_raises_as_torch():
    x = _x()
    a = x * 1
    z = a.sin()
    a.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch.FloatTensor \[3\]\], which is output 0 "
                                           r"of Add, is at version 1; expected version 0"):
        _ = z.grad_fn._saved_self
    y = (x * 1).exp()
    gf = y.grad_fn
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"which is output 0 of Exp, is at version 1; "
                                           r"expected version 0"):
        _ = gf._saved_result
    a = x * 1
    y = a * x
    a.mul_(2)
    assert y.grad_fn._saved_other.tolist() == [-1.0, 0.5, 2.0]   # (x: unchanged)


def test_values_and_gradients_unchanged():
    # torch 2.13, float64: silu, gelu, std's first and second derivatives
    x = torch.tensor([-1.0, 0.5, 2.0], dtype=torch.float64, requires_grad=True)
    g, = torch.autograd.grad(nn.SiLU()(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [0.07232948812851325, 0.7399611873026519,
                                                    1.0907842487848955], rtol=1e-12)
    g2, = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g2.numpy(), [0.3023661188100153, 0.4412290269770286,
                                            0.05006216869470701], rtol=1e-12)
    y = nn.GELU()(x)
    np.testing.assert_allclose(y.detach().numpy(), [-0.15865525393145707, 0.34573123063700656,
                                                    1.9544997361036416], rtol=1e-12)
    s = x.std()
    s.backward()
    d = x.detach().numpy() - x.detach().numpy().mean()
    np.testing.assert_allclose(x.grad.numpy(), d / (2 * s.item()), rtol=1e-12)


@pytest.mark.parametrize("call, name", [
    (lambda t: F.silu(t, inplace=True), "SiluBackward0"),
    (lambda t: F.hardswish(t, inplace=True), "HardswishBackward0"),
    (lambda t: F.mish(t, inplace=True), "MishBackward0"),
    (lambda t: F.hardsigmoid(t, inplace=True), "HardsigmoidBackward0"),
    (lambda t: F.elu(t, inplace=True), "EluBackward1"),
    (lambda t: F.selu(t, inplace=True), "EluBackward1"),
    (lambda t: F.celu(t, inplace=True), "CeluBackward1"),
    (lambda t: F.hardtanh(t, inplace=True), "HardtanhBackward0"),
    (lambda t: F.threshold(t, 0.1, 2.0, inplace=True), "ThresholdBackward1"),
    (lambda t: nn.SiLU(inplace=True)(t), "SiluBackward0"),
])
def test_in_place_composite_has_its_input_as_its_one_edge(call, name):
    x = _x()
    a = x * 1
    before = a.detach().clone()
    y = call(a)
    assert y is a and y.grad_fn.name() == name
    assert [n.name() for n, _ in y.grad_fn.next_functions] == ["MulBackward0"]
    if name in ("SiluBackward0", "HardswishBackward0", "MishBackward0"):
        assert y.grad_fn._saved_self.tolist() == before.tolist()   # (the values before)


@pytest.mark.parametrize("module, name", [
    (nn.ELU(), "EluBackward0"), (nn.CELU(), "CeluBackward0"), (nn.SELU(), "EluBackward0"),
    (nn.Softplus(), "SoftplusBackward0"), (nn.Hardtanh(), "HardtanhBackward0"),
    (nn.Threshold(0.1, 2.0), "ThresholdBackward0"), (nn.LogSigmoid(), "LogSigmoidBackward0"),
    (nn.Hardswish(), "HardswishBackward0"),
])
def test_activation_modules_name_their_node_as_torch(module, name):
    y = module(_x())
    assert y.grad_fn.name() == name     # (were WhereBackward0, MulBackward0, SubBackward0)


def test_glu_module_and_integer_refusals():
    y = nn.GLU()(torch.cat([_x(), _x()]))
    assert y.grad_fn.name() == "GluBackward0"
    for m, kernel in ((nn.GELU(), "GeluKernelImpl"), (nn.Softplus(), "softplus_cpu"),
                      (nn.SiLU(), "silu_cpu")):
        with pytest.raises(NotImplementedError, match=f'"{kernel}" not implemented for '
                                                      "'Long'"):
            m(torch.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match="\"softplus_cpu\" not implemented for 'Long'"):
        F.softplus(torch.tensor([1, 2]))


def test_under_saved_tensors_hooks_still_one_packed_node():
    packed = []
    x = _x()
    with torch.autograd.graph.saved_tensors_hooks(lambda t: packed.append(t) or t, lambda t: t):
        y = nn.SiLU()(x)
    assert y.grad_fn.name() == "SiluBackward0" and len(packed) == 1
    y.sum().backward()
    s = 1 / (1 + np.exp(-x.detach().numpy()))
    np.testing.assert_allclose(x.grad.numpy(), s * (1 + x.detach().numpy() * (1 - s)),
                               rtol=1e-6)


def test_against_installed_torch():
    real = pytest.importorskip("torch")
    for mod in (torch, real):
        x = mod.tensor([-1.0, 0.5, 2.0], requires_grad=True)
        got = []
        for f in (mod.nn.functional.silu, mod.nn.GELU(), lambda t: t.var(1 - 1),
                  lambda t: t.std(), lambda t, m=mod: m.logsumexp(t, 0), mod.nn.Mish(),
                  mod.nn.ELU(), mod.nn.Softplus()):
            gf = f(x).grad_fn
            got.append((gf.name(), [n.name() for n, _ in gf.next_functions],
                        "_saved_self" in dir(gf)))
        if mod is torch:
            ours = got
    assert ours == got


#: (call, PyTorch's node, its non-tensor _saved_* values, saves self (else result))
ACTIVATION_CASES = [
    (lambda t: F.elu(t), "EluBackward0",
     {"_saved_alpha": 1.0, "_saved_scale": 1, "_saved_input_scale": 1}, True),
    (lambda t: F.elu(t, 2), "EluBackward0",
     {"_saved_alpha": 2, "_saved_scale": 1, "_saved_input_scale": 1}, True),
    (F.selu, "EluBackward0", {"_saved_alpha": 1.6732632423543772,
                              "_saved_scale": 1.0507009873554805, "_saved_input_scale": 1}, True),
    (lambda t: F.celu(t, 2), "CeluBackward0", {"_saved_alpha": 2}, True),
    (lambda t: F.leaky_relu(t, 0.2), "LeakyReluBackward0", {"_saved_negative_slope": 0.2}, True),
    (nn.LeakyReLU(), "LeakyReluBackward0", {"_saved_negative_slope": 0.01}, True),
    (F.softplus, "SoftplusBackward0", {"_saved_beta": 1, "_saved_threshold": 20}, True),
    (nn.Softplus(), "SoftplusBackward0", {"_saved_beta": 1.0, "_saved_threshold": 20.0}, True),
    (lambda t: F.hardtanh(t, -2, 2), "HardtanhBackward0",
     {"_saved_min_val": -2, "_saved_max_val": 2}, True),
    (F.relu6, "HardtanhBackward0", {"_saved_min_val": 0, "_saved_max_val": 6}, True),
    (nn.ReLU6(), "HardtanhBackward0", {"_saved_min_val": 0.0, "_saved_max_val": 6.0}, True),
    (lambda t: F.threshold(t, 0.1, 2.0), "ThresholdBackward0", {"_saved_threshold": 0.1},
     True),
    (lambda t: F.elu(t * 1, inplace=True), "EluBackward1",
     {"_saved_alpha": 1.0, "_saved_scale": 1, "_saved_input_scale": 1}, False),
    (lambda t: F.celu(t * 1, inplace=True), "CeluBackward1", {"_saved_alpha": 1.0}, False),
    (lambda t: F.leaky_relu(t * 1, inplace=True), "LeakyReluBackward1",
     {"_saved_negative_slope": 0.01}, False),
    (lambda t: nn.LeakyReLU(0.1, True)(t * 1), "LeakyReluBackward1",
     {"_saved_negative_slope": 0.1}, False),
    (lambda t: F.elu_(t * 1, 2.0), "EluBackward1",
     {"_saved_alpha": 2.0, "_saved_scale": 1, "_saved_input_scale": 1}, False),
    (lambda t: nn.ReLU6(True)(t * 1), "HardtanhBackward0",
     {"_saved_min_val": 0.0, "_saved_max_val": 6.0}, True),
    (lambda t: F.threshold(t * 1, 0.1, 2.0, inplace=True), "ThresholdBackward1",
     {"_saved_threshold": 0.1}, True),
]


@pytest.mark.parametrize("i", range(len(ACTIVATION_CASES)))
def test_activation_parameters_are_torch_s(i):
    call, name, values, keeps_self = ACTIVATION_CASES[i]
    y = call(_x())
    gf = y.grad_fn
    assert gf.name() == name
    tensor = "_saved_self" if keeps_self else "_saved_result"
    assert _saved(gf) == sorted([*values, tensor])
    for k, v in values.items():
        got = getattr(gf, k)
        assert got == v and type(got) is type(v), (k, got, v)
    if not keeps_self:                           # (in place: the values written)
        assert gf._saved_result.tolist() == y.tolist()


def test_composite_node_hides_its_inner_primitive_s_tensors():
    # review rv20 F1: a labelled composite whose last primitive is where(mask, a, b) showed
    # the bool mask as _saved_self; PyTorch's node saves the input (shown since fideager9:
    # tests/eager/test_fideager9_saved_attrs.py), never the mask, and no _saved_other
    x = _x()
    c = torch.cat([x, x])
    for y, inp in ((F.softshrink(x), x), (F.hardshrink(x), x), (F.glu(c), c)):
        gf = y.grad_fn
        assert gf._saved_self is inp
        assert not [a for a in dir(gf) if a == "_saved_other"]
    w = torch.tensor([0.25], requires_grad=True)
    for y in (F.prelu(x, w), nn.PReLU()(x)):
        assert y.grad_fn.name() == "PreluKernelBackward0"
        assert [type(n).__name__ for n, _ in y.grad_fn.next_functions] == ["AccumulateGrad"] * 2
        assert y.grad_fn._saved_self is x                   # (was where's mask)


def test_non_tensor_fields_after_backward_and_stale_result():
    # review rv20 F2: torch keeps _saved_dim & co. after backward; a result changed in place
    x = _x()
    y = torch.logsumexp(x * 1, 0)
    y.backward()
    assert y.grad_fn._saved_dim == (0,) and y.grad_fn._saved_keepdim is False
    with pytest.raises(RuntimeError, match="second time"):
        _ = y.grad_fn._saved_result
    s = (x * 1).std()
    with torch.no_grad():
        s.add_(1)
    with pytest.raises(RuntimeError, match=r"which is output 0 of Std, is at version 1; "
                                           r"expected version 0"):
        _ = s.grad_fn._saved_result


@pytest.mark.parametrize("call, name, values", [
    (lambda t: torch.selu_(t), "EluBackward1", [-1.11133, 0.52535, 2.1014]),
    (lambda t: torch.celu_(t, 2.0), "CeluBackward1", [-0.78694, 0.5, 2.0]),
    (lambda t: torch.threshold_(t, 0.1, 2.0), "ThresholdBackward1", [2.0, 0.5, 2.0]),
    (lambda t: torch.rrelu_(t), "RreluWithNoiseBackward1", [-0.22917, 0.5, 2.0]),
])
def test_torch_in_place_activation_functions(call, name, values):
    # torch.selu_/celu_/threshold_/rrelu_ exist in torch 2.13 (were missing here)
    a = _x() * 1
    y = call(a)
    assert y is a and y.grad_fn.name() == name
    assert [round(v, 5) for v in y.tolist()] == values
    assert [n.name() for n, _ in y.grad_fn.next_functions] == ["MulBackward0"]


def test_rrelu_node_saves_as_torch():
    torch.manual_seed(0)
    x = _x()
    gf = F.rrelu(x, training=True).grad_fn
    assert gf.name() == "RreluWithNoiseBackward0"
    assert _saved(gf) == ["_saved_lower", "_saved_noise", "_saved_self", "_saved_training",
                          "_saved_upper"]
    assert (gf._saved_lower, gf._saved_upper, gf._saved_training) == (0.125, 1 / 3, True)
    assert gf._saved_self is x and gf._saved_noise.tolist()[1:] == [1.0, 1.0]
    assert 0.125 <= gf._saved_noise.tolist()[0] <= 1 / 3
    gf = F.rrelu(x * 1, 0.1, 0.2, False, inplace=True).grad_fn
    assert gf.name() == "RreluWithNoiseBackward1" and "_saved_result" in _saved(gf)
    assert "_saved_self" not in _saved(gf) and gf._saved_lower == 0.1


def test_std_mean_and_var_mean_nodes_save_as_torch():
    # torch 2.13: one node for both outputs, saving the input and (std_mean) the std as
    # _saved_result0; dlcore's std's node showed sqrt's _saved_result
    x = torch.tensor([[0.5, -1.0, 2.0], [1.0, 2.0, 3.0]], requires_grad=True)
    s, m = torch.std_mean(x, 0, correction=0, keepdim=True)
    for gf in (s.grad_fn, m.grad_fn):
        assert gf.name() == "StdMeanBackward0"
        assert _saved(gf) == ["_saved_correction", "_saved_dim", "_saved_keepdim",
                              "_saved_result0", "_saved_self"]
        assert (gf._saved_correction, gf._saved_dim, gf._saved_keepdim) == (0, (0,), True)
        assert gf._saved_self is x and gf._saved_result0.tolist() == s.tolist()
    v, m = torch.var_mean(x, 1)
    for gf in (v.grad_fn, m.grad_fn):
        assert _saved(gf) == ["_saved_correction", "_saved_dim", "_saved_keepdim",
                              "_saved_self"]
        assert (gf._saved_correction, gf._saved_dim) == (1, (1,))
