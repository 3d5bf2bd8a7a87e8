"""load_model on damaged .keras and .h5 files: seeded byte flips and truncations raise the
loader's KerasFileError naming the file, never zipfile's NotImplementedError, h5py's
RuntimeError or a UnicodeError from a mangled name (interop's fuzz found those escaping)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from dlcore_static import keras
from dlcore_static.keras._files import KerasFileError


@pytest.mark.parametrize("ext", ["keras", "h5"])
def test_damaged_files_raise_keras_file_error(tmp_path, ext):
    keras.backend.clear_session()
    km = keras.models.Sequential([keras.layers.Dense(4, input_shape=(3,)), keras.layers.Dense(2)])
    good = tmp_path / f"k.{ext}"
    km.save(str(good))
    raw = good.read_bytes()
    rng = np.random.default_rng(0)
    escaped, refused = [], 0
    for i in range(150):
        b = bytearray(raw)
        if i % 3 == 0:
            b = b[:rng.integers(1, len(b))]
        else:
            for _ in range(rng.integers(1, 8)):
                j = rng.integers(0, len(b))
                b[j] = rng.integers(0, 256)
        bad = tmp_path / f"f.{ext}"
        bad.write_bytes(bytes(b))
        keras.backend.clear_session()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                keras.models.load_model(str(bad))
        except KerasFileError as e:
            refused += 1
            assert str(e)                             # (a message, whatever it names)
        except Exception as e:                        # noqa: BLE001 - what escaped
            escaped.append(f"{type(e).__name__}: {str(e)[:80]}")
    assert escaped == [] and refused > 50
