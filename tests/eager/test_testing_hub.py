"""torch.testing.assert_close (messages compared with PyTorch's, character for character) and
make_tensor against real PyTorch; torch.hub's refusal; numpy() of a bfloat16 tensor."""

# ruff: noqa: B023  (each lambda is called inside its own loop iteration)
import warnings

import numpy as np
import pytest
from error_of import error_of as _err

import dlcore_eager as dt
from dlcore_eager import testing as dtesting

torch = pytest.importorskip("torch")


INF, NAN = float("inf"), float("nan")
CASES = [
    (lambda L: L.tensor([1.0, 2, 3]), lambda L: L.tensor([1.0, 2.5, 3]), {}),
    (lambda L: L.tensor([1, 2, 3]), lambda L: L.tensor([1, 3, 3]), {}),
    (lambda L: L.tensor([[1.0, 2], [3, 4]]), lambda L: L.tensor([[1.0, 2], [3, 5]]), {}),
    (lambda L: L.tensor(1.0), lambda L: L.tensor(2.0), {}),
    (lambda L: 1.0, lambda L: 1.5, {}),
    (lambda L: 1, lambda L: 2, {}),
    (lambda L: 1, lambda L: 1.0, {}),
    (lambda L: True, lambda L: False, {}),
    (lambda L: [L.tensor(1.0), L.tensor(2.0)], lambda L: [L.tensor(1.0), L.tensor(3.0)], {}),
    (lambda L: {"a": L.tensor(1.0)}, lambda L: {"a": L.tensor(3.0)}, {}),
    (lambda L: {"a": 1, "b": 2}, lambda L: {"a": 1, "c": 2}, {}),
    (lambda L: [[L.ones(1)]], lambda L: [[L.zeros(1)]], {}),
    (lambda L: [L.ones(1)], lambda L: [L.ones(2)], {}),
    (lambda L: L.tensor([1.0, 2]), lambda L: L.tensor([1.0, 2, 3]), {}),
    (lambda L: L.tensor([1.0, 2]), lambda L: L.tensor([1.0, 2], dtype=L.float64), {}),
    (lambda L: L.tensor([1.0, 2]), lambda L: L.tensor([1.0, 2], dtype=L.float64),
     {"check_dtype": False}),
    (lambda L: L.tensor([1, 2]), lambda L: L.tensor([1.0, 2.0]), {}),
    (lambda L: L.tensor([1.0, NAN]), lambda L: L.tensor([1.0, NAN]), {}),
    (lambda L: L.tensor([1.0, NAN]), lambda L: L.tensor([1.0, NAN]), {"equal_nan": True}),
    (lambda L: L.tensor([1.0, 2]), lambda L: L.tensor([1.0, 2.1]), {"rtol": 0.1}),
    (lambda L: L.tensor([1.0, 2]), lambda L: L.tensor([1.0, 2.1]), {"rtol": 0.1, "atol": 0}),
    (lambda L: L.tensor([1.0, 2]), lambda L: L.tensor([1.0, 2.1]), {"msg": "custom"}),
    (lambda L: L.tensor([1.0, 2]), lambda L: [1.0, 2], {}),
    (lambda L: [1, 2], lambda L: (1, 2), {}),
    (lambda L: [1, 2], lambda L: [1, 2, 3], {}),
    (lambda L: L.tensor([0.0, 1.0]), lambda L: L.tensor([1e-6, 1.0]), {}),
    (lambda L: L.tensor([0.0, 1.0]), lambda L: L.tensor([1e-4, 1.0]), {}),
    (lambda L: L.arange(4.0).reshape(2, 2).t(), lambda L: L.tensor([[0.0, 2], [1, 3]]),
     {"check_stride": True}),
    (lambda L: L.tensor([1.0, 2], dtype=L.float16), lambda L: L.tensor([1.0, 2.001],
                                                                        dtype=L.float16), {}),
    (lambda L: L.tensor([1.0, 2], dtype=L.float16), lambda L: L.tensor([1.0, 2.1],
                                                                        dtype=L.float16), {}),
    (lambda L: L.tensor([True, False]), lambda L: L.tensor([True, True]), {}),
    (lambda L: L.tensor([]), lambda L: L.tensor([]), {}),
    (lambda L: L.tensor([1.0, INF]), lambda L: L.tensor([1.0, INF]), {}),
    (lambda L: L.tensor([1.0, INF]), lambda L: L.tensor([1.0, -INF]), {}),
    (lambda L: L.tensor([1.0, 2]), lambda L: L.tensor([1.0, 2.5]), {"msg": lambda m: "X" + m[:5]}),
    (lambda L: "a", lambda L: "a", {}),
    (lambda L: L.ones(2, requires_grad=True), lambda L: L.ones(2), {}),
    (lambda L: np.ones(2), lambda L: np.array([1.0, 3.0]), {}),
] + ([
    (lambda L: L.tensor([1 + 1j, 2 + 0j]), lambda L: L.tensor([1 + 1j, 2 + 0.5j]), {}),
    (lambda L: L.tensor([1 + 1j, 2 + 0j], dtype=L.complex128),
     lambda L: L.tensor([1 + 1j, 2 + 1e-9j], dtype=L.complex128), {}),
] if hasattr(dt, "complex64") else [])


@pytest.mark.parametrize("actual, expected, kw", CASES)
def test_assert_close_matches_torch(actual, expected, kw):
    got = _err(lambda: dtesting.assert_close(actual(dt), expected(dt), **kw))
    want = _err(lambda: torch.testing.assert_close(actual(torch), expected(torch), **kw))
    if want is not None and want[0] is TypeError and "No comparison pair" in want[1]:
        assert got[0] is TypeError and got[1].startswith("No comparison pair was able to handle")
    else:
        assert got == want


def test_assert_close_tolerance_pairs():
    assert _err(lambda: dtesting.assert_close(dt.ones(1), dt.ones(1), rtol=1e-3)) == \
        _err(lambda: torch.testing.assert_close(torch.ones(1), torch.ones(1), rtol=1e-3))


def test_make_tensor():
    mk = dtesting.make_tensor
    x = mk(200, dtype=dt.float32, device="cpu")
    assert x.dtype == dt.float32 and x.shape == (200,) and -9 <= x.min().item() < 9
    assert x.max().item() < 9
    i = mk((20, 10), dtype=dt.int64, device="cpu")
    assert i.dtype == dt.int64 and i.min().item() >= -9 and i.max().item() <= 9
    u = mk(300, dtype=dt.uint8, device="cpu")
    assert 0 <= u.min().item() and u.max().item() <= 9
    assert set(mk(300, dtype=dt.int64, device="cpu", low=2, high=5).unique().tolist()) == {2, 3, 4}
    assert not mk(300, dtype=dt.int8, device="cpu", exclude_zero=True).eq(0).any().item()
    assert mk(2, 3, dtype=dt.float32, device="cpu", requires_grad=True).requires_grad
    nc = mk(3, 4, dtype=dt.float64, device="cpu", noncontiguous=True)
    assert not nc.is_contiguous() and nc.shape == (3, 4)
    assert mk(4, dtype=dt.bool, device="cpu").dtype == dt.bool
    for kw in [{"low": 3, "high": 1}, {"low": float("nan")}, {"requires_grad": True}]:
        dtype_d = dt.int64 if "requires_grad" in kw else dt.float32
        dtype_t = torch.int64 if "requires_grad" in kw else torch.float32
        assert _err(lambda: mk(3, dtype=dtype_d, device="cpu", **kw)) == \
            _err(lambda: torch.testing.make_tensor(3, dtype=dtype_t, device="cpu", **kw))
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'device'"):
        mk(3, dtype=dt.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mk(2, dtype=dt.float32, device="cpu", low=2, high=2).tolist() == [2.0, 2.0]


def test_hub_refuses_with_the_alternative():
    for name in ["load", "list", "help", "load_state_dict_from_url", "download_url_to_file"]:
        with pytest.raises(RuntimeError, match=f"torch.hub.{name}: dlcore_eager has no "
                                               "torch.hub.*safetensors"):
            getattr(dt.hub, name)("pytorch/vision", "resnet18")


@pytest.mark.skipif(not hasattr(dt, "bfloat16"), reason="needs ml_dtypes")
def test_bfloat16_numpy_refused_as_torch_and_host_helpers_still_work():
    x, tx = dt.tensor([1.5, -2.0, 3.0]).bfloat16(), torch.tensor([1.5, -2.0, 3.0]).bfloat16()
    for fn in (lambda v: v.numpy(), lambda v: np.asarray(v)):
        assert _err(lambda: fn(x)) == _err(lambda: fn(tx)) == \
            (TypeError, "Got unsupported ScalarType BFloat16")
    assert x.float().numpy().tolist() == [1.5, -2.0, 3.0]
    # dlcore's own host-side helpers read bfloat16 buffers directly
    assert dt.isclose(x, x).all().item() and x.new_tensor(x).dtype == dt.bfloat16
    assert dt.cummax(x, 0).values.tolist() == torch.cummax(tx, 0).values.tolist()
    assert dt.searchsorted(x.sort().values, x).tolist() == \
        torch.searchsorted(tx.sort().values, tx).tolist()
    dtesting.assert_close(x, x)
