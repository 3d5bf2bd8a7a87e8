"""An advanced-index write that nothing records (``x[idx] = v``, ``x[mask] = v``, ``x[i, j] =
v``) is NumPy's assignment into the tensor's memory (``_indexing._write_advanced_in_place``):
the values, the errors (nothing written by a refused write), the version counter and the
autograd errors are PyTorch's."""

import numpy as np
import pytest

import dlcore_eager as E

torch = pytest.importorskip("torch")


def _x(lib, dtype="float32"):
    return lib.tensor(np.arange(24).reshape(4, 6).astype(dtype))


CASES = {
    "int index, number": lambda lib, x: x.__setitem__(lib.tensor([1, 3]), 0.5),
    "negative and repeated": lambda lib, x: x.__setitem__(lib.tensor([-1, 0, -1]), 7.0),
    "2-D index": lambda lib, x: x.__setitem__(lib.tensor([[0, 1], [2, 3]]), -2.0),
    "int32 index": lambda lib, x: x.__setitem__(lib.tensor([2], dtype=lib.int32), 9.0),
    "two index tensors": lambda lib, x: x.__setitem__((lib.tensor([0, 2]), lib.tensor([5, 1])),
                                                      lib.tensor([10.0, 20.0])),
    "index then slice, number": lambda lib, x: x.__setitem__((lib.tensor([1, 2]), slice(1, 4)),
                                                             3.0),
    "slice then index, number": lambda lib, x: x.__setitem__((slice(None), lib.tensor([0, 5])),
                                                             4.0),
    "rows from a tensor": lambda lib, x: x.__setitem__(lib.tensor([3, 0]),
                                                       lib.arange(12.0).reshape(2, 6)),
    "a row broadcast": lambda lib, x: x.__setitem__(lib.tensor([1, 2]), lib.arange(6.0)),
    "mask, number": lambda lib, x: x.__setitem__(x > 10, 0.0),
    "row mask, rows": lambda lib, x: x.__setitem__(lib.tensor([True, False, True, False]),
                                                   lib.ones(2, 6) * 5),
    "0-d value": lambda lib, x: x.__setitem__(lib.tensor([0]), lib.tensor(8.0)),
    "int beside an index": lambda lib, x: x.__setitem__((2, lib.tensor([0, 4])),
                                                        lib.tensor([1.0, 2.0])),
    "index, slice, index": lambda lib, x: x.view(4, 2, 3).__setitem__(
        (lib.tensor([0, 3]), slice(None), lib.tensor([2, 0])), lib.arange(4.0).reshape(2, 2)),
    "value of the rows' own": lambda lib, x: x.__setitem__(lib.tensor([0, 1]),
                                                           1 - x[lib.tensor([0, 1])]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_writes_are_torchs(name):
    got, want = _x(E), _x(torch)
    v0 = got._version
    CASES[name](E, got)
    CASES[name](torch, want)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert got._version > v0


@pytest.mark.parametrize("dtype,value", [("int64", 3), ("int32", -1), ("bool", True),
                                         ("float16", 0.25), ("float64", 2.5)])
def test_other_dtypes(dtype, value):
    got, want = _x(E, dtype), _x(torch, dtype)
    got[E.tensor([0, 2])] = value
    want[torch.tensor([0, 2])] = value
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("key,value", [
    ([1, 9], 1.0),                          # out of bounds
    ([0, 1], "three rows"),                 # (3, 6) into (2, 6)
    ([0, 1], "(2, 1, 6)"),                  # (2, 1, 6) into (2, 6)
])
@pytest.mark.parametrize("grad", [False, True])
def test_refused_writes_raise_torchs_error_and_write_nothing(key, value, grad):
    errors = []
    for lib in (E, torch):
        x = _x(lib)
        if grad:
            x = x * lib.ones(1, requires_grad=True)     # (recorded: the general path)
        v = {"three rows": lib.ones(3, 6), "(2, 1, 6)": lib.ones(2, 1, 6)}.get(value, value)
        with pytest.raises((IndexError, RuntimeError)) as e:
            x[lib.tensor(key)] = v
        errors.append((type(e.value), str(e.value).split("\n")[0]))
        if lib is E:                        # (PyTorch writes the rows before index 9)
            np.testing.assert_array_equal(x.detach().numpy(), np.arange(24).reshape(4, 6))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("shape", [(1, 2, 6), (1, 1, 2, 6), (1, 6), (1, 1, 6)])
def test_a_value_with_leading_ones_is_accepted_as_torch_accepts_it(shape, grad):
    res = []
    for lib in (E, torch):
        x = _x(lib)
        if grad:
            x = x * lib.ones(1, requires_grad=True)
        x[lib.tensor([0, 1])] = lib.arange(float(np.prod(shape))).reshape(shape)
        res.append(x.detach().numpy())
    np.testing.assert_array_equal(res[0], res[1])


def test_a_saved_tensor_written_in_place_is_refused_at_backward_as_torch():
    for lib in (E, torch):
        w = lib.ones(4, requires_grad=True)
        x = lib.arange(4.0)
        y = (w * x).sum()                   # (x saved for w's gradient)
        x[lib.tensor([1])] = 5.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def test_a_write_into_a_tensor_that_requires_grad_is_recorded():
    res = []
    for lib in (E, torch):
        a = lib.arange(6.0, requires_grad=True)
        x = a * 2
        x[lib.tensor([0, 4])] = 0.0
        x.sum().backward()
        res.append((x.detach().numpy(), a.grad.numpy(), x.grad_fn.name()))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_array_equal(res[0][1], res[1][1])
    assert res[0][2] == res[1][2]


def test_a_write_through_a_view_reaches_its_base():
    for lib in (E, torch):
        base = lib.zeros(3, 4)
        v = base[1:]
        v[lib.tensor([0]), lib.tensor([2])] = 1.0
        assert base[1, 2].item() == 1.0


@pytest.mark.parametrize("value", [-1e6, 0, 2.5])
def test_a_masked_write_into_scores_that_require_grad_is_torchs(value):
    """d2l's sequence_mask on attention scores: ``X[~mask] = value``, then softmax (the where
    kernel and its node directly: ``_indexing._masked_where``)."""
    res = []
    for lib in (E, torch):
        rng = np.random.default_rng(0)
        src = lib.tensor(rng.standard_normal((6, 5)).astype(np.float32), requires_grad=True)
        valid = lib.tensor([1.0, 5.0, 3.0, 2.0, 4.0, 5.0])
        x = src * 2
        mask = lib.arange(5, dtype=lib.float32)[None, :] < valid[:, None]
        x[~mask] = value
        y = lib.softmax(x, dim=-1)
        (y * lib.arange(30.0).reshape(6, 5)).sum().backward()
        res.append((x.detach().numpy(), src.grad.numpy(), x.grad_fn.name(), x._version))
    np.testing.assert_array_equal(res[0][0], res[1][0])
    np.testing.assert_allclose(res[0][1], res[1][1], rtol=1e-5, atol=1e-6)
    assert res[0][2:] == res[1][2:]
