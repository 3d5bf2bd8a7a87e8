"""``x[..., i]`` and friends through the getitem fast path (issue 19: an Ellipsis key went to
the general entry, 11 against 3.6 us for the same key written out): the Ellipsis written out
as ``canonical_index`` expands it, so values, node params and gradients are the general
path's; any other Ellipsis key still goes the general way, with its errors."""

import numpy as np
import pytest

import dlcore_eager as T
from dlcore_eager import _fast_paths

from _getitem_paths import assert_as_general

E = Ellipsis
KEYS = [(E, 1), (E, slice(None, 1)), (1, E), (0, E, 2), (E, 1, 2, 3), (E, -1),
        (slice(1, 3), E, slice(None, None, 2)), (E,), (E, None), (E, None, slice(None)),
        (E, slice(None), None), (None, E, 1), (1, None, E, None)]


@pytest.mark.parametrize("key", KEYS, ids=str)
def test_the_general_paths_values_params_and_gradients(key):
    x, y = assert_as_general(key)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy()[key])
    if key not in ((E,),):
        assert np.shares_memory(y._buf, x._buf)        # (a view, as PyTorch's)


def test_the_ellipsis_is_written_out_only_where_it_stands_for_slices():
    assert _fast_paths._without_ellipsis((E, 1), (3, 4, 5)) == (slice(None), slice(None), 1)
    assert _fast_paths._without_ellipsis((1, E, 2, 3), (3, 4, 5)) == (1, 2, 3)
    assert _fast_paths._without_ellipsis((E, E), (3, 4, 5)) is None
    assert _fast_paths._without_ellipsis((E, None), (3, 4, 5)) == (slice(None),) * 3 + (None,)
    assert _fast_paths._without_ellipsis((None, E, 1, None), (3, 4)) == (None, slice(None), 1,
                                                                         None)
    assert _fast_paths._without_ellipsis((E, None, 4), (3, 4)) is None   # (out of range)
    assert _fast_paths._without_ellipsis((E, 1, 2, 3, 4), (3, 4, 5)) is None
    assert _fast_paths._without_ellipsis((1, 2), (3, 4, 5)) is None
    assert _fast_paths._without_ellipsis((E, 5), (3, 4, 5)) is None      # (out of range)


def test_the_general_errors():
    x = T.zeros(3, 4)
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 1 with size 4"):
        x[..., 7]
    torch = pytest.importorskip("torch")
    for key in ((E, 9), (E, -5), (1, E, 7)):
        with pytest.raises(IndexError) as want:
            torch.zeros(2, 3, 4)[key]
        with pytest.raises(IndexError) as got:
            T.zeros(2, 3, 4)[key]
        assert str(got.value) == str(want.value)
    assert x[..., ...].shape == (3, 4)                # (PyTorch takes two as one)
    assert x[..., None].shape == (3, 4, 1)
