"""PyTorch 2.13's errors (type and message) for common mistakes in nn code: a convolution's
input rank, channel count (groups and transposed), a dilated kernel larger than the padded
input; Embedding's float indices (torch.FloatTensor named); LSTM's hidden[0]/hidden[1] size;
BatchNorm's one value per channel (torch.Size shown) and running statistics of the wrong
length.  Each is raised by torch and by dlcore_eager with the same type and message."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import dlcore_eager as T

CASES = {
    "conv2d rank": lambda L: L.nn.Conv2d(3, 4, 3)(L.ones(3, 5)),
    "conv1d rank": lambda L: L.nn.functional.conv1d(L.ones(3), L.ones(2, 3, 1)),
    "conv_transpose2d rank": lambda L: L.nn.functional.conv_transpose2d(L.ones(3, 5),
                                                                      L.ones(3, 2, 2, 2)),
    "conv channels": lambda L: L.nn.Conv2d(3, 4, 3)(L.ones(1, 2, 5, 5)),
    "conv channels unbatched": lambda L: L.nn.Conv1d(2, 4, 3)(L.ones(3, 5)),
    "conv groups": lambda L: L.nn.functional.conv2d(L.ones(1, 3, 5, 5), L.ones(4, 2, 3, 3),
                                                    groups=2),
    "conv transposed channels": lambda L: L.nn.ConvTranspose2d(2, 3, 2)(L.ones(1, 3, 4, 4)),
    "kernel too big": lambda L: L.nn.Conv2d(1, 1, 5)(L.ones(1, 1, 3, 3)),
    "kernel too big dilated": lambda L: L.nn.functional.conv1d(L.ones(1, 1, 3), L.ones(1, 1, 2),
                                                               dilation=3),
    "kernel too big valid": lambda L: L.nn.Conv2d(2, 1, 3, padding="valid")(L.ones(2, 2, 2)),
    "kernel too big 3d": lambda L: L.nn.Conv3d(1, 1, 2)(L.ones(1, 1, 1, 2, 2)),
    "embedding float": lambda L: L.nn.Embedding(3, 2)(L.tensor([1.0])),
    "embedding double": lambda L: L.nn.Embedding(3, 2)(L.tensor([1.0], dtype=L.float64)),
    "lstm h0": lambda L: L.nn.LSTM(3, 4)(L.ones(5, 2, 3), (L.zeros(1, 3, 4), L.zeros(1, 2, 4))),
    "lstm c0": lambda L: L.nn.LSTM(3, 4)(L.ones(5, 2, 3), (L.zeros(1, 2, 4), L.zeros(1, 3, 4))),
    "gru h0": lambda L: L.nn.GRU(3, 4)(L.ones(5, 2, 3), L.zeros(1, 3, 4)),
    "batchnorm one value": lambda L: L.nn.BatchNorm1d(3)(L.ones(1, 3)),
    "batchnorm channels": lambda L: L.nn.BatchNorm2d(3)(L.ones(2, 4, 2, 2)),
    "batchnorm channels eval": lambda L: L.nn.BatchNorm1d(3).eval()(L.ones(2, 5)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_as_torch(case):
    errors = []
    for L in (torch, T):
        with pytest.raises(Exception) as info:
            CASES[case](L)
        errors.append((type(info.value), str(info.value).split("\n")[0]))
    (gt, gm), (wt, wm) = errors[1], errors[0]
    assert issubclass(gt, wt) and gm == wm


def test_valid_convolutions_still_run():
    for L in (torch, T):
        assert tuple(L.nn.Conv2d(1, 1, 5, padding=1)(L.ones(1, 1, 3, 3)).shape) == (1, 1, 1, 1)
        assert tuple(L.nn.functional.conv2d(L.ones(1, 4, 5, 5), L.ones(4, 2, 3, 3), groups=2,
                                            padding=1).shape) == (1, 4, 5, 5)
        assert tuple(L.nn.Conv2d(2, 1, 3, padding="same")(L.ones(2, 2, 2)).shape) == (1, 2, 2)
        assert tuple(L.nn.Conv1d(2, 4, 3)(L.ones(2, 5)).shape) == (4, 3)
