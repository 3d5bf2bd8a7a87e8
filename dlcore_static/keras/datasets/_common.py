"""What the dataset loaders share: Keras's origin folder and the refusal of pickled files."""

from __future__ import annotations

ORIGIN_FOLDER = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


def refuse_pickled_npz(name: str, url: str, hint: str) -> ValueError:
    """The error of a loader whose only source is an ``.npz`` of pickled object arrays."""
    return ValueError(
        f"keras.datasets.{name}.load_data: Keras's {url} stores its ragged sequences as NumPy "
        "object arrays, which are pickle streams, and dlcore never loads pickle (loading a "
        f"file must not be able to run code). Get the data otherwise: {hint}")
