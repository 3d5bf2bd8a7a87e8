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
