"""``keras.datasets.mnist``: 60,000 + 10,000 28x28 grayscale digits from Keras's ``mnist.npz``."""

from __future__ import annotations

import numpy as np

from .._get_file import get_file
from ._common import ORIGIN_FOLDER

FILE_HASH = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 arrays (60000, 28, 28), (60000,),
    (10000, 28, 28), (10000,); ``path`` is the file name in the cache."""
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}mnist.npz", file_hash=FILE_HASH)
    with np.load(path, allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
