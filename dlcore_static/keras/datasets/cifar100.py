"""``keras.datasets.cifar100``: 50,000 + 10,000 32x32 colour images in 100 fine / 20 coarse
classes, read from the authors' binary tarball ``cifar-100-binary.tar.gz`` (no pickle)."""

from __future__ import annotations

import numpy as np

from . import _cifar

ORIGIN = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz"
FILE_HASH = "03b5dce01913d631647c71ecec9e9cb8"  # the md5 the authors publish


def load_data(label_mode="fine"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 (50000, 32, 32, 3) images and int64
    labels (50000, 1) (Keras's dtype: its labels come from a Python list)."""
    if label_mode not in ["fine", "coarse"]:
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    folder = _cifar.fetch("cifar-100-binary", ORIGIN, FILE_HASH)
    column = 1 if label_mode == "fine" else 0
    out = []
    for name in ("train.bin", "test.bin"):
        x, labels = _cifar.read_records(_cifar.member(folder, "cifar-100-binary", name), 2)
        out.append((_cifar.channels_last(x), labels[:, column].astype(np.int64).reshape(-1, 1)))
    return out[0], out[1]
