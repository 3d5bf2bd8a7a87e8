"""``keras.datasets.boston_housing``: 506 rows of 13 features and a price, Keras's
``boston_housing.npz``, shuffled with ``np.random.RandomState(seed)`` and split as Keras does."""

from __future__ import annotations

import numpy as np

from .._get_file import get_file
from ._common import ORIGIN_FOLDER

FILE_HASH = "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)``: float64 (n, 13) and (n,); the first
    ``int(506 * (1 - test_split))`` shuffled rows train."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
    path = get_file(path, origin=f"{ORIGIN_FOLDER}boston_housing.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))
