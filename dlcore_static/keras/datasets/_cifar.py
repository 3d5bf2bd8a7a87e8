"""CIFAR from the dataset authors' binary tarballs (https://www.cs.toronto.edu/~kriz/cifar.html).

Each record of a ``.bin`` file is its label byte(s) then 3072 pixel bytes (1024 red, 1024 green,
1024 blue, rows of 32): CIFAR-10 has one label byte, CIFAR-100 a coarse then a fine one.  These
are the same images and labels, in the same order, as the pickled "python version" that Keras
reads, without a pickle stream.
"""

from __future__ import annotations

import os

import numpy as np

from .. import _backend_impl
from .._get_file import get_file

PIXELS = 3 * 32 * 32


def fetch(folder: str, origin: str, md5: str) -> str:
    """The extracted folder of the binary tarball (downloaded once into the cache)."""
    return get_file(fname=folder + "-target", origin=origin, extract=True, file_hash=md5)


def read_records(path: str, label_bytes: int) -> tuple[np.ndarray, np.ndarray]:
    """``(images (n, 3, 32, 32) uint8, labels (n, label_bytes) uint8)`` of one ``.bin`` file."""
    raw = np.fromfile(path, dtype=np.uint8)
    width = label_bytes + PIXELS
    if raw.size % width:
        raise ValueError(f"keras.datasets: {path!r} holds {raw.size} bytes, not a whole number "
                         f"of {width}-byte CIFAR records")
    rows = raw.reshape(-1, width)
    return rows[:, label_bytes:].reshape(-1, 3, 32, 32), rows[:, :label_bytes]


def channels_last(x: np.ndarray) -> np.ndarray:
    """``x`` (n, 3, 32, 32) as Keras returns it for ``image_data_format()``."""
    if _backend_impl.image_data_format() == "channels_last":
        return x.transpose(0, 2, 3, 1)
    return x


def member(folder: str, *names: str) -> str:
    path = os.path.join(folder, *names)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"keras.datasets: {path!r} is missing from the extracted "
                                "CIFAR tarball (delete the cached archive to download it again)")
    return path
