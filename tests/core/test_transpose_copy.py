"""The tiled transposing copy (dlcore/kernels/cpu/transpose_copy.py): the same array as NumPy's
copy of the transposed view for every permutation, edges of fewer than 8 rows or columns,
copies into views of a padded buffer, and NumPy's own copy where the planner declines."""

import itertools

import numpy as np
import pytest

from dlcore.kernels.cpu import transpose_copy as tc


@pytest.fixture
def counted(monkeypatch):
    """Every array goes through the planner (no size floor); ``calls`` counts kernel runs."""
    monkeypatch.setattr(tc, "MIN_ELEMENTS", 0)
    kernel = tc.kernel()
    calls = []

    def spy(*args):
        calls.append(args)
        return kernel(*args)

    monkeypatch.setattr(tc, "_jit", spy)
    return calls


@pytest.mark.parametrize("shape", [(3, 5, 7, 9), (16, 9, 8, 17), (2, 33, 8, 13), (32, 3, 8, 8),
                                   (1, 64, 1, 64), (40, 24), (3, 4, 5, 2, 7)])
def test_every_permutation_equals_numpy(shape, counted):
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    for perm in itertools.permutations(range(len(shape))):
        got = tc.permuted(x, perm)
        want = np.ascontiguousarray(x.transpose(perm))
        assert got.flags.c_contiguous and got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
    assert counted                          # the tiles ran (not only NumPy's fallback)


def test_conv_layouts_take_the_tiles(counted):
    rng = np.random.default_rng(1)
    for shape, perm in [((4, 16, 5, 6), (0, 2, 3, 1)),     # NCHW -> NHWC
                        ((4, 5, 6, 16), (0, 3, 1, 2)),     # NHWC -> NCHW
                        ((24, 16, 3, 3), (2, 3, 1, 0)),    # filter -> (KH, KW, C, O)
                        ((3, 3, 16, 24), (3, 2, 0, 1))]:   # and back
        x = rng.standard_normal(shape).astype(np.float32)
        n = len(counted)
        np.testing.assert_array_equal(tc.permuted(x, perm), x.transpose(perm))
        assert len(counted) == n + 1, (shape, perm)


def test_into_a_padded_view_leaves_the_border():
    x = np.random.default_rng(2).standard_normal((3, 16, 9, 11)).astype(np.float32)
    xp = np.full((3, 12, 14, 16), 7.0, np.float32)
    tc.permuted_into(x, (0, 2, 3, 1), xp[:, 1:10, 2:13, :])
    np.testing.assert_array_equal(xp[:, 1:10, 2:13, :], x.transpose(0, 2, 3, 1))
    border = np.ones(xp.shape, bool)
    border[:, 1:10, 2:13, :] = False
    assert (xp[border] == 7.0).all()


def test_a_sliced_source_is_read_through_its_base(counted):
    out = np.random.default_rng(3).standard_normal((3, 3, 8, 16)).astype(np.float32)
    view = out[..., :10]                   # (a filter gradient's padded channels dropped)
    np.testing.assert_array_equal(tc.permuted(view, (3, 2, 0, 1)),
                                  np.ascontiguousarray(view.transpose(3, 2, 0, 1)))
    assert counted


def test_planner_declines_what_is_no_batch_of_transposes():
    assert tc.plan((4, 8, 8), (64, 8, 1), (64, 8, 1)) is None      # a plain copy
    assert tc.plan((8, 8), (-8, 1), (8, 1)) is None                 # a flipped axis
    assert tc.plan((2, 3, 4, 5, 6), (1, 2, 6, 24, 120), (360, 120, 30, 6, 1)) is None  # 3 more
    assert tc.plan((8, 16), (1, 8), (16, 1)) == (0, 0, 8, 0, 0, 16, 1, 1, 8, 16)


def test_fallbacks_copy_as_numpy(counted):
    rng = np.random.default_rng(4)
    x64 = rng.standard_normal((4, 8, 8, 8))                          # float64: NumPy's copy
    np.testing.assert_array_equal(tc.permuted(x64, (0, 2, 3, 1)), x64.transpose(0, 2, 3, 1))
    flipped = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)[:, :, ::-1, ::-1]
    np.testing.assert_array_equal(tc.permuted(flipped, (1, 0, 2, 3)),
                                  flipped.transpose(1, 0, 2, 3))
    assert not counted
    x = rng.standard_normal((4, 8, 8, 8)).astype(np.float32)
    same = x.transpose(0, 1, 2, 3)
    assert tc.permuted(x, (0, 1, 2, 3)) is not None and np.shares_memory(
        tc.permuted(x, (0, 1, 2, 3)), same)                          # already contiguous: x
