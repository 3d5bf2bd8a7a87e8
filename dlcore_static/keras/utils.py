"""``keras.utils``: ``to_categorical``, ``normalize``, ``Sequence`` (also as ``np_utils``), and
Keras 2.4+/3's homes of ``pad_sequences``, ``set_random_seed`` and the image helpers
``img_to_array``, ``array_to_img``, ``load_img``, ``save_img`` (PIL), and the custom-object
registration names (``register_keras_serializable``, ``custom_object_scope``, ...: see
``saving_custom.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._progbar import Progbar  # noqa: F401 (Keras 3's keras.utils.Progbar)
from ._progbar import (  # noqa: F401 (Keras 3's keras.utils names, as keras.config's)
    disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled)
from .saving_custom import (  # noqa: F401 (Keras's names)
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)


def to_categorical(y, num_classes=None, dtype="float32") -> np.ndarray:
    """Class indices -> one-hot rows (``num_classes`` defaults to ``max(y) + 1``)."""
    y = np.array(y, dtype="int")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    if num_classes is None:
        num_classes = int(np.max(y)) + 1
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2) -> np.ndarray:
    n = np.atleast_1d(np.linalg.norm(x, order, axis))
    n[n == 0] = 1
    return x / np.expand_dims(n, axis)


class Sequence:
    """Base class of batch sources for ``fit_generator``: ``__len__`` batches per epoch,
    ``__getitem__(i)`` -> ``(x, y)``; ``on_epoch_end`` after each epoch."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        pass

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


def _keras2_module(sub: str, names: tuple, lazy=None):
    """Keras 2's ``keras.utils.<sub>`` module (``from keras.utils.generic_utils import
    Progbar``, ``from keras.utils.np_utils import to_categorical``): a module object under
    this one's name in ``sys.modules``, so the import finds it (this module is no package);
    ``lazy``: a module ``__getattr__`` for the names imported on first use."""
    import sys
    import types
    mod = types.ModuleType(f"{__name__}.{sub}", f"Keras 2's keras.utils.{sub}")
    for n in names:
        setattr(mod, n, globals()[n])
    if lazy is not None:
        mod.__getattr__ = lazy      # type: ignore[method-assign]
    sys.modules[mod.__name__] = mod
    return mod


np_utils = _keras2_module("np_utils", ("to_categorical", "normalize"))


def clear_session(free_memory: bool = True) -> None:
    """Keras 3's ``keras.utils.clear_session``: ``keras.backend.clear_session()`` (a new
    default graph; the default layer names count from ``dense`` again)."""
    from ._backend_impl import clear_session as _clear
    _clear()


def set_random_seed(seed) -> None:
    """Seed Python's ``random``, NumPy's global generator and the graph-level seed."""
    import random

    from ..random_ops import set_random_seed as _graph_seed
    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} "  # noqa: TRY004 - Keras raises ValueError
                         f"(of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    _graph_seed(seed)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """A PIL image from a file, in ``color_mode`` ('grayscale', 'rgb', 'rgba'), resized to
    ``target_size`` (height, width)."""
    from PIL import Image
    img: Any = Image.open(path)
    modes = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
    if color_mode not in modes:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if img.mode != modes[color_mode]:
        img = img.convert(modes[color_mode])
    if target_size is not None:
        size = (target_size[1], target_size[0])
        if img.size != size:
            methods = {"nearest": Image.Resampling.NEAREST,
                       "bilinear": Image.Resampling.BILINEAR,
                       "bicubic": Image.Resampling.BICUBIC}
            if interpolation not in methods:
                raise ValueError(f"Invalid interpolation method {interpolation} specified. "
                                 f"Supported methods are {', '.join(methods)}")
            box = None
            if keep_aspect_ratio:               # the centred crop of the target's aspect
                w, h = img.size
                ch = min(h, (w * size[1]) // size[0])
                cw = min(w, (h * size[0]) // size[1])
                top, left = (h - ch) // 2, (w - cw) // 2
                box = (left, top, left + cw, top + ch)
            img = img.resize(size, methods[interpolation], box=box)
    return img


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs) -> None:
    """Save a 3-d array as an image file (scaled to [0, 255] when ``scale``)."""
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format == "jpg" or file_format == "jpeg"):
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def __getattr__(name):
    if name == "pad_sequences":
        from .preprocessing.sequence import pad_sequences
        return pad_sequences
    if name == "get_file":
        from ._get_file import get_file
        return get_file
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _data_utils_lazy(name):
    if name == "get_file":
        from ._get_file import get_file
        return get_file
    raise AttributeError(f"module {__name__ + '.data_utils'!r} has no attribute {name!r}")


generic_utils = _keras2_module("generic_utils", (
    "Progbar", "CustomObjectScope", "custom_object_scope", "get_custom_objects"))
data_utils = _keras2_module("data_utils", ("Sequence",), _data_utils_lazy)


def _data_format(data_format):
    if data_format is None:
        from . import backend
        data_format = backend.image_data_format()
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image of a 3-d array (scaled to [0, 255] when ``scale``)."""
    from PIL import Image
    x = np.asarray(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if _data_format(data_format) == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x = x / top
        x = x * 255
    modes = {4: "RGBA", 3: "RGB", 1: "L"}
    if x.shape[2] not in modes:
        raise ValueError(f"Unsupported channel number: {x.shape[2]}")
    a = x.astype(np.uint8)
    return Image.fromarray(a[:, :, 0] if x.shape[2] == 1 else a, modes[x.shape[2]])


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a 3-d float array (height, width, channels) or channels first."""
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None]
    elif x.ndim != 3:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x.transpose(2, 0, 1) if _data_format(data_format) == "channels_first" else x


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Keras 3's sliding windows over ``data[start_index:end_index]``: window i holds the rows
    ``p_i + k * sampling_rate`` (k < ``sequence_length``, ``p_i = i * sequence_stride``) and,
    with ``targets``, the target row ``p_i`` of ``targets[start_index:end_index]``; batched
    into a ``tf.data.Dataset`` (``batch_size`` None: one window per element).  ``shuffle``
    permutes the windows with ``np.random.RandomState(seed)`` as Keras 3 does, without its
    further buffer shuffle (the order then differs from Keras 3's; the windows do not)."""
    from ..data import Dataset
    n = len(data)
    for arg, v in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if v <= 0:
            raise ValueError(f"`{arg}` must be higher than 0. Received: {arg}={v}")
        if v >= n:
            raise ValueError(f"`{arg}` must be lower than the length of the data. Received: "
                             f"{arg}={v}, for data of length {n}")
    if start_index and not 0 <= start_index < n:
        raise ValueError(f"`start_index` must be 0 or greater and lower than the length of "
                         f"the data. Received: start_index={start_index}, for data of length "
                         f"{n}")
    if end_index and not (start_index or 0) < end_index < n:
        raise ValueError(f"`end_index` must be higher than `start_index` and lower than the "
                         f"length of the data. Received: start_index={start_index}, and "
                         f"end_index={end_index}, for data of length {n}")
    start = start_index or 0
    end = n if end_index is None else end_index
    num = end - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        num = min(num, len(targets))
    pos = np.arange(0, max(num, 0), sequence_stride)
    if shuffle:
        np.random.RandomState(np.random.randint(10 ** 6) if seed is None else seed).shuffle(pos)
    arr = np.asarray(data)[start:end]
    windows = arr[pos[:, None] + np.arange(sequence_length) * sampling_rate]
    ds = Dataset.from_tensor_slices(windows if targets is None else
                                    (windows, np.asarray(targets)[start:end][pos]))
    return ds if batch_size is None else ds.batch(batch_size)
