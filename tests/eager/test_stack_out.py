"""``out=`` of torch.hstack/vstack/dstack/column_stack (it was accepted and ignored): the result
is written into ``out``, resized with PyTorch's warning, and ``out`` is returned."""
import numpy as np
import pytest

import dlcore_eager as torch


@pytest.mark.parametrize("name,shape", [("hstack", (4,)), ("vstack", (2, 2)),
                                        ("dstack", (1, 2, 2)), ("column_stack", (2, 2))])
def test_out_is_written_resized_and_returned(name, shape):
    a, b = torch.ones(2), torch.arange(2.0)
    out = torch.zeros(1)
    with pytest.warns(UserWarning, match="was resized") as rec:
        got = getattr(torch, name)([a, b], out=out)
    assert rec[0].filename == __file__                   # PyTorch's warning names the caller
    assert got is out and tuple(out.shape) == shape
    want = {"hstack": np.hstack, "vstack": np.vstack, "dstack": np.dstack,
            "column_stack": np.column_stack}[name]([np.ones(2), np.arange(2.0)])
    np.testing.assert_array_equal(out.numpy(), want)


def test_an_int_out_refuses_a_float_result():
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type"):
        torch.hstack([torch.ones(2), torch.ones(2)], out=torch.zeros(4, dtype=torch.int64))


@pytest.mark.parametrize("name", ["tril_indices", "triu_indices"])
def test_tri_indices_take_dtype_as_torch(name):
    got = getattr(torch, name)(4, 3, 1, dtype=torch.int32)
    assert got.dtype == torch.int32
    np_fn = np.tril_indices if name == "tril_indices" else np.triu_indices
    np.testing.assert_array_equal(got.numpy(), np.stack(np_fn(4, 1, 3)))
    assert getattr(torch, name)(3, 3).dtype == torch.int64
    with pytest.raises(NotImplementedError, match=f'"{name}" not implemented for \'Float\''):
        getattr(torch, name)(3, 3, dtype=torch.float32)
