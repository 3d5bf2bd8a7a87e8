"""``keras.datasets.cifar10``: 50,000 + 10,000 32x32 colour images in 10 classes, read from the
authors' binary tarball ``cifar-10-binary.tar.gz`` (no pickle; the same arrays as Keras)."""

from __future__ import annotations

import numpy as np

from . import _cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
FILE_HASH = "c32a1d4ab5d03f1284b67883e8d87530"  # the md5 the authors publish


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 (50000, 32, 32, 3) (channels first when
    ``image_data_format() == 'channels_first'``), uint8 labels (50000, 1); 10000 test rows."""
    folder = _cifar.fetch("cifar-10-batches-bin", ORIGIN, FILE_HASH)
    parts = [_cifar.read_records(_cifar.member(folder, "cifar-10-batches-bin",
                                               f"data_batch_{i}.bin"), 1) for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts]).reshape(-1, 1)
    x_test, y_test = _cifar.read_records(
        _cifar.member(folder, "cifar-10-batches-bin", "test_batch.bin"), 1)
    return ((_cifar.channels_last(x_train), y_train),
            (_cifar.channels_last(x_test), y_test.reshape(-1, 1)))
