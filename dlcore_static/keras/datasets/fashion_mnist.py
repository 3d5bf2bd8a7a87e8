"""``keras.datasets.fashion_mnist``: Zalando's 28x28 clothing images, Keras's four idx ``.gz``
files in ``$KERAS_HOME/datasets/fashion-mnist`` (labels: 8-byte header, images: 16-byte)."""

from __future__ import annotations

import gzip
import os

import numpy as np

from .._get_file import get_file
from ._common import ORIGIN_FOLDER

FILES = ["train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"]


def _read(path: str, offset: int) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 (60000, 28, 28), (60000,), (10000, 28,
    28), (10000,); labels 0-9 (T-shirt/top, Trouser, ..., Ankle boot)."""
    dirname = os.path.join("datasets", "fashion-mnist")
    paths = [get_file(name, origin=ORIGIN_FOLDER + name, cache_subdir=dirname) for name in FILES]
    y_train = _read(paths[0], 8)
    x_train = _read(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _read(paths[2], 8)
    x_test = _read(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
