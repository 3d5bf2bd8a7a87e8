"""``counts[i, j] += 1`` and ``t *= 3`` on integer tensors with a Python int: the kernel writes
into the tensor (``Tensor._into``'s integer case), wrapping as PyTorch's integer kernels do;
an int outside the dtype's range, or an op that is not add/sub/mul, takes the general path."""
import numpy as np
import pytest

import dlcore_eager as dt

torch = pytest.importorskip("torch")


def _both(fn):
    return fn(dt), fn(torch)


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8"])
def test_counts_and_wrapping_match_torch(dtype):
    def prog(L):
        N = L.zeros((3, 4), dtype=getattr(L, dtype))
        for i, j in [(0, 1), (2, 3), (0, 1), (1, 1)]:
            N[i, j] += 1
        N[1] -= 2
        N *= 3
        top = {"int8": 127, "int16": 32767, "int32": 2 ** 31 - 1, "int64": 2 ** 63 - 1,
               "uint8": 255}[dtype]
        N[2, 2] += top          # wraps past the top, as PyTorch's kernel
        N[2, 2] += 5
        return N.tolist(), str(N.dtype).split(".")[-1]
    a, b = _both(prog)
    assert a == b


def test_writes_through_views_and_bumps_the_version():
    N = dt.zeros((2, 3), dtype=dt.int32)
    row = N[1]
    v0 = N._version
    row += 4
    assert N.tolist() == [[0, 0, 0], [4, 4, 4]]
    assert N._version > v0


def test_out_of_range_int_takes_the_general_path_like_torch():
    def prog(L):
        u = L.zeros(2, dtype=L.uint8)
        try:
            u += 300
        except Exception as e:          # (PyTorch may refuse or wrap: dlcore does as it does)
            return type(e).__name__
        return u.tolist()
    a, b = _both(prog)
    assert a == b


def test_true_division_of_an_int_tensor_in_place_still_refused():
    t = dt.ones(3, dtype=dt.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        t /= 2
    assert t.tolist() == [1, 1, 1]


def test_multinomial_one_sample_is_the_argmax_of_the_keys_as_torch():
    rng = np.random.default_rng(0)
    p = rng.random((4, 9)).astype(np.float32)
    outs = []
    for L in (dt, torch):
        g = L.Generator().manual_seed(7)
        outs.append([L.multinomial(L.tensor(p), 1, generator=g).tolist() for _ in range(5)])
    assert outs[0] == outs[1]
