"""In-place ops whose operand partly shares the written tensor's memory: PyTorch's
``assert_no_partial_overlap`` error (dlcore_eager._inplace_ops.check_no_partial_overlap),
raised before anything is written; exact aliases and layouts too hard to compare go ahead."""
from __future__ import annotations

import numpy as np
import pytest

import dlcore_eager as dt

MSG = ("unsupported operation: some elements of the input tensor and the written-to tensor "
       "refer to a single memory location. Please clone() the tensor before performing the "
       "operation.")

X = np.arange(9, dtype=np.float32).reshape(3, 3) / 7

REFUSED = {
    "sub_ of a 0-d view": lambda m, x: x.sub_(x[0, 0]),
    "shifted slices": lambda m, x: x[1:].sub_(x[:-1]),
    "transpose": lambda m, x: x.add_(x.t()),
    "a row into the whole": lambda m, x: x.__iadd__(x[0]),
    "copy_ of shifted rows": lambda m, x: x[1:].copy_(x[:-1]),
    "lerp_": lambda m, x: x.lerp_(x[0], 0.5),
    "clamp_ with a tensor bound": lambda m, x: x[1:].clamp_(min=x[:-1]),
    "add_ with alpha": lambda m, x: x[1:].add_(x[:-1], alpha=2),
    "mul_ of overlapping flat windows": lambda m, x: x.view(9)[:3].mul_(x.view(9)[1:4]),
    "setitem of shifted rows": lambda m, x: x.__setitem__(slice(1, None), x[:-1]),
    "addcmul_": lambda m, x: x[1:].addcmul_(x[:-1], x[:-1]),
    "addcdiv_": lambda m, x: x[1:].addcdiv_(x[:-1], x[:-1] + 1),
}
ALLOWED = {
    "itself": lambda m, x: x.add_(x),
    "a whole-tensor view": lambda m, x: x.mul_(x[:]),
    "a strided column (too hard to compare)": lambda m, x: x.add_(x[:, 0]),
    "a clone": lambda m, x: x[1:].sub_(x[:-1].clone()),
    "copy_ of itself": lambda m, x: x.copy_(x),
    "setitem of the same rows": lambda m, x: x.__setitem__(slice(1, None), x[1:]),
    "setitem of a clone": lambda m, x: x.__setitem__(slice(1, None), x[:-1].clone()),
    "setitem of one element by another": lambda m, x: x.__setitem__((0, 0), x[0, 1]),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_partial_overlap_is_refused_and_nothing_is_written(name):
    x = dt.tensor(X)
    before = x._vc[0]
    with pytest.raises(RuntimeError) as e:
        REFUSED[name](dt, x)
    assert str(e.value) == MSG
    np.testing.assert_array_equal(x.numpy(), X)
    assert x._vc[0] == before


@pytest.mark.parametrize("name", list(ALLOWED))
def test_exact_aliases_and_hard_layouts_go_ahead(name):
    x, want = dt.tensor(X), X.copy()
    ALLOWED[name](dt, x)
    ref = {"itself": want + want, "a whole-tensor view": want * want,
           "a strided column (too hard to compare)": want + want[:, 0],
           "copy_ of itself": want, "setitem of the same rows": want}
    if name == "a clone":
        want[1:] -= X[:-1]
        ref[name] = want
    if name == "setitem of a clone":
        want[1:] = X[:-1]
        ref[name] = want
    if name == "setitem of one element by another":
        want[0, 0] = X[0, 1]
        ref[name] = want
    np.testing.assert_allclose(x.numpy(), ref[name], rtol=1e-6)


def test_the_same_calls_as_torch():
    torch = pytest.importorskip("torch")
    for table, refused in ((REFUSED, True), (ALLOWED, False)):
        for name, f in table.items():
            t = torch.tensor(X)
            if refused:
                with pytest.raises(RuntimeError, match="refer to a single memory location"):
                    f(torch, t)
            else:
                f(torch, t)
                d = dt.tensor(X)
                f(dt, d)
                np.testing.assert_allclose(d.numpy(), t.numpy(), rtol=1e-6, err_msg=name)


OUT_CALLS = {      # (PyTorch's TensorIterator ops check out= against their inputs)
    "add": lambda m, x: m.add(x[:-1], 1, out=x[1:]),
    "add with alpha": lambda m, x: m.add(x[:-1], x[1:], alpha=2, out=x[1:]),
    "exp": lambda m, x: m.exp(x[:-1], out=x[1:]),
    "mul": lambda m, x: m.mul(x[:-1], x[1:], out=x[1:]),
    "atan2": lambda m, x: m.atan2(x[:-1], x[1:], out=x[1:]),
    "lerp": lambda m, x: m.lerp(x[:-1], x[1:], 0.5, out=x[1:]),
    "cumsum": lambda m, x: m.cumsum(x[:-1], 0, out=x[1:]),
    "round with decimals": lambda m, x: m.round(x[:-1], decimals=1, out=x[1:]),
    "clamp": lambda m, x: m.clamp(x[:-1], 0, 2, out=x[1:]),
    "clamp with a tensor bound": lambda m, x: m.clamp(x[:-1], x[:-1] * 0, out=x[1:]),
}


@pytest.mark.parametrize("name", list(OUT_CALLS))
def test_an_out_that_partly_overlaps_an_input_is_refused(name):
    x = dt.arange(6.)
    with pytest.raises(RuntimeError) as e:
        OUT_CALLS[name](dt, x)
    assert str(e.value) == MSG
    np.testing.assert_array_equal(x.numpy(), np.arange(6.))


def test_out_calls_as_torch():
    torch = pytest.importorskip("torch")
    for name, f in OUT_CALLS.items():
        with pytest.raises(RuntimeError, match="refer to a single memory location"):
            f(torch, torch.arange(6.))
    for m in (torch, dt):           # (the exact alias, and softmax, which PyTorch lets by)
        x = m.arange(6.)
        m.add(x, 1, out=x)
        assert x.tolist() == [1., 2., 3., 4., 5., 6.]
        m.log_softmax(x[:-1], 0, out=x[1:])
