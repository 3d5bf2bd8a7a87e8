"""``keras.preprocessing.image``: ``ImageDataGenerator`` (real-time augmentation of NumPy image
batches) and the transforms it applies, with the behaviour of Keras's own (Keras 3 still ships
it as ``keras.preprocessing.image.ImageDataGenerator``): the same random draws in the same
order from NumPy's global generator, so a given ``seed`` yields the same batches as Keras.

``flow(x, y, batch_size, shuffle, seed)`` returns an iterator of ``(x_batch, y_batch)`` (or
``x_batch``; ``(x, y, sample_weight)``), endless when iterated with ``next`` (``model.
fit_generator(datagen.flow(...), steps_per_epoch)``) and a ``keras.utils.Sequence`` of
``ceil(n / batch_size)`` batches (``model.fit(datagen.flow(...))``).  With a seed, NumPy's
global generator is re-seeded with ``seed + batches_seen`` before each batch, as Keras does.

Each image: a random affine transform (rotation in degrees, shifts as fractions of the
height/width or in pixels, shear in degrees, zoom), resampled by SciPy's
``ndimage.affine_transform`` around the image centre with ``fill_mode`` and ``cval``; then a
channel shift, horizontal/vertical flips, brightness (through PIL); then ``standardize``:
``preprocessing_function``, ``rescale``, sample-wise and feature-wise centring and scaling and
ZCA whitening (the feature-wise statistics from ``fit(x)``).  Nothing here builds a graph.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np

from ..utils import Sequence, array_to_img, img_to_array, load_img, save_img  # noqa: F401 - re-exported

__all__ = [
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "array_to_img",
    "flip_axis",
    "img_to_array",
    "random_rotation",
    "random_shear",
    "random_shift",
    "random_zoom",
    "transform_matrix_offset_center",
]


def _data_format(data_format):
    if data_format is None:
        from .. import backend
        data_format = backend.image_data_format()
    return data_format


# ----------------------------------------------------------------------------- transforms
def flip_axis(x, axis):
    """``x`` reversed along ``axis``."""
    return np.flip(np.asarray(x), axis)


def transform_matrix_offset_center(matrix, x, y):
    """``matrix`` (3x3, homogeneous) applied about the centre of an ``x`` by ``y`` image."""
    o_x, o_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1,
                           col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0, order=1):
    """One image (3-d) rotated by ``theta`` degrees, shifted by ``(tx, ty)`` pixels (rows,
    columns), sheared by ``shear`` degrees and zoomed by ``(zx, zy)``, each channel resampled
    by ``scipy.ndimage.affine_transform`` (``order`` of the spline, ``fill_mode``, ``cval``)."""
    if np.unique([row_axis, col_axis, channel_axis]).size != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: {({row_axis, col_axis, channel_axis}) - {0, 1, 2}}")
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    m = None
    if theta != 0:
        t = np.deg2rad(theta)
        m = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        s = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        m = s if m is None else m @ s
    if shear != 0:
        sh = np.deg2rad(shear)
        s = np.array([[1, -np.sin(sh), 0], [0, np.cos(sh), 0], [0, 0, 1]])
        m = s if m is None else m @ s
    if zx != 1 or zy != 1:
        s = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        m = s if m is None else m @ s
    if m is None:
        return x
    from scipy import ndimage
    m = transform_matrix_offset_center(m, x.shape[row_axis], x.shape[col_axis])
    x = np.rollaxis(x, channel_axis, 0)
    if col_axis > row_axis:
        m[:, [0, 1]] = m[:, [1, 0]]
        m[[0, 1]] = m[[1, 0]]
    channels = [ndimage.affine_transform(c, m[:2, :2], m[:2, 2], order=order, mode=fill_mode,
                                         cval=cval) for c in x]
    return np.rollaxis(np.stack(channels, axis=0), 0, channel_axis + 1)


def apply_channel_shift(x, intensity, channel_axis=0):
    """``intensity`` added to every channel, clipped to the image's own [min, max]."""
    x = np.rollaxis(x, channel_axis, 0)
    lo, hi = np.min(x), np.max(x)
    x = np.stack([np.clip(c + intensity, lo, hi) for c in x], axis=0)
    return np.rollaxis(x, 0, channel_axis + 1)


def apply_brightness_shift(x, brightness, scale=True):
    """The image's brightness scaled by ``brightness`` through PIL's ``ImageEnhance``."""
    from PIL import ImageEnhance
    lo, hi = np.min(x), np.max(x)
    local_scale = (lo < 0) or (hi > 255)
    img = ImageEnhance.Brightness(array_to_img(x, scale=local_scale or scale)).enhance(
        brightness)
    out = img_to_array(img)
    if not scale and local_scale:
        out = out / 255 * (hi - lo) + lo
    return out


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                    cval=0.0, interpolation_order=1):
    """A rotation by a uniform draw in ``[-rg, rg]`` degrees."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """A shift by uniform fractions ``[-hrg, hrg]`` of the height, ``[-wrg, wrg]`` of the
    width."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """A shear by a uniform draw in ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.0, interpolation_order=1):
    """A zoom by two uniform draws in ``zoom_range`` (rows, columns)."""
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: "
                         f"{zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


# ----------------------------------------------------------------------------- iterators
class Iterator(Sequence):
    """Batches of ``n`` samples: endless with ``next`` (re-shuffled at the start of each pass),
    or ``len(self)`` batches by index (re-shuffled by ``on_epoch_end``)."""

    def __init__(self, n, batch_size, shuffle, seed):
        self.n, self.batch_size, self.seed, self.shuffle = n, batch_size, seed, shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array: Any = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        return self._get_batches_of_transformed_samples(
            self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)])

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            self.batch_index = self.batch_index + 1 if self.n > current + self.batch_size \
                else 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    next = __next__

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError


class NumpyArrayIterator(Iterator):
    """Transformed batches of a rank-4 array ``x`` (with ``y``, ``sample_weight``, and extra
    arrays when ``x`` is ``(images, [arrays])``)."""

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, ignore_class_split=False,
                 dtype=None):
        data_format = _data_format(data_format)
        self.dtype = dtype or "float32"
        if isinstance(x, (tuple, list)):
            misc = [np.asarray(x[1])] if not isinstance(x[1], list) else \
                [np.asarray(a) for a in x[1]]
            x = x[0]
            for a in misc:
                if len(x) != len(a):
                    raise ValueError(f"All of the arrays in `x` should have the same length. "
                                     f"Found a pair with: len(x[0]) = {len(x)}, len(x[?]) = "
                                     f"{len(a)}")
        else:
            misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(f"`x` (images tensor) and `y` (labels) should have the same "
                             f"length. Found: x.shape = {np.asarray(x).shape}, y.shape = "
                             f"{np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"`x` (images tensor) and `sample_weight` should have the same "
                             f"length. Found: x.shape = {np.asarray(x).shape}, "
                             f"sample_weight.shape = {np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f'Invalid subset name: {subset}; expected "training" or '
                                 '"validation".')
            at = int(len(x) * image_data_generator._validation_split)
            if y is not None and not ignore_class_split and not np.array_equal(
                    np.unique(y[:at]), np.unique(y[at:])):
                raise ValueError("Training and validation subsets have different number of "
                                 "classes after the split. If your numpy arrays are sorted by "
                                 "the label, you might want to shuffle them.")
            part = slice(None, at) if subset == "validation" else slice(at, None)
            x = x[part]
            misc = [np.asarray(a[part]) for a in misc]
            y = None if y is None else y[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = misc
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You "
                             f"passed an array with shape {self.x.shape}")
        ch = 3 if data_format == "channels_last" else 1
        if self.x.shape[ch] not in {1, 3, 4}:
            warnings.warn(f'NumpyArrayIterator is set to use the data format convention '
                          f'"{data_format}" (channels on axis {ch}), i.e. expected either 1, '
                          f'3, or 4 channels on axis {ch}. However, it was passed an array '
                          f'with shape {self.x.shape} ({self.x.shape[ch]} channels).',
                          stacklevel=2)
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir, self.save_prefix, self.save_format = (save_to_dir, save_prefix,
                                                                save_format)
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        gen = self.image_data_generator
        batch = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            x = self.x[j]
            params = gen.get_random_transform(x.shape)
            batch[i] = gen.standardize(gen.apply_transform(x.astype(self.dtype), params))
        if self.save_to_dir:
            import os
            for i, j in enumerate(index_array):
                img = array_to_img(batch[i], self.data_format, scale=True)
                img.save(os.path.join(self.save_to_dir, f"{self.save_prefix}_{j}_"
                                      f"{np.random.randint(10000)}.{self.save_format}"))
        miscs = [a[index_array] for a in self.x_misc]
        out: tuple = (batch if not miscs else [batch, *miscs],)
        if self.y is None:
            return out[0]
        out += (self.y[index_array],)
        if self.sample_weight is not None:
            out += (self.sample_weight[index_array],)
        return out


from .image_directory import make_directory_iterator

DirectoryIterator = make_directory_iterator(Iterator)


# ----------------------------------------------------------------------------- the generator
class ImageDataGenerator:
    """Random augmentation and standardization of image batches (Keras's arguments and
    defaults; see the module docstring)."""

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest",
                 cval=0.0, horizontal_flip=False, vertical_flip=False, rescale=None,
                 preprocessing_function=None, data_format=None, validation_split=0.0,
                 interpolation_order=1, dtype=None):
        data_format = _data_format(data_format)
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening, self.zca_epsilon = zca_whitening, zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range, self.height_shift_range = width_shift_range, height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode, self.cval = fill_mode, cval
        self.horizontal_flip, self.vertical_flip = horizontal_flip, vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or "float32"
        self.interpolation_order = interpolation_order
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and '
                             'column) or `"channels_first"` (channel before row and column). '
                             f'Received: {data_format}')
        self.data_format = data_format
        self.channel_axis, self.row_axis, self.col_axis = (
            (1, 2, 3) if data_format == "channels_first" else (3, 1, 2))
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1.  Received: "
                             f"{validation_split}")
        self._validation_split = validation_split
        self.mean = self.std = self.zca_whitening_matrix = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two "
                             f"floats. Received: {zoom_range}")
        for flag, cond, text in (
                ("featurewise_center", zca_whitening, ("`zca_whitening`, which overrides "
                 "setting of `featurewise_center`.")),
                ("featurewise_center", featurewise_std_normalization,
                 ("`featurewise_std_normalization`, which overrides setting of "
                 "`featurewise_center`.")),
                ("samplewise_center", samplewise_std_normalization,
                 ("`samplewise_std_normalization`, which overrides setting of "
                 "`samplewise_center`."))):
            if cond and not getattr(self, flag):
                setattr(self, flag, True)
                warnings.warn("This ImageDataGenerator specifies " + text, stacklevel=2)
        if zca_whitening and featurewise_std_normalization:
            self.featurewise_std_normalization = False
            warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides "
                          "setting of`featurewise_std_normalization`.", stacklevel=2)
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2):
            raise ValueError(f"`brightness_range should be tuple or list of two floats. "
                             f"Received: {brightness_range}")
        self.brightness_range = brightness_range

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """Augmented batches of the arrays ``x`` (rank 4) and ``y``."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed,
                                  data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset,
                                  dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """Augmented batches of the images in ``directory``'s class folders (see
        ``image_directory.py``)."""
        return DirectoryIterator(directory, self, target_size=target_size,
                                 color_mode=color_mode, classes=classes, class_mode=class_mode,
                                 data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset,
                                 interpolation=interpolation,
                                 keep_aspect_ratio=keep_aspect_ratio, dtype=self.dtype)

    def _unfit(self, what: str) -> None:
        warnings.warn(f"This ImageDataGenerator specifies `{what}`, but it hasn't been fit on "
                      "any training data. Fit it first by calling `.fit(numpy_data)`.",
                      stacklevel=3)

    def standardize(self, x):
        """``x`` (in place where possible) after the normalizations that are switched on."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                self._unfit("featurewise_center")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                self._unfit("featurewise_std_normalization")
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
            else:
                self._unfit("zca_whitening")
        return x

    def _shift(self, rng_range, size):
        try:                                    # a list of pixel counts, or an int
            t = np.random.choice(rng_range)
            t *= np.random.choice([-1, 1])
        except ValueError:                      # a float: a fraction of the size
            t = np.random.uniform(-rng_range, rng_range)
        if np.max(rng_range) < 1:
            t *= size
        return t

    def get_random_transform(self, img_shape, seed=None):
        """The random parameters for one image of ``img_shape`` (drawn in Keras's order)."""
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) \
            if self.rotation_range else 0
        tx = self._shift(self.height_shift_range, img_shape[self.row_axis - 1]) \
            if self.height_shift_range else 0
        ty = self._shift(self.width_shift_range, img_shape[self.col_axis - 1]) \
            if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) \
            if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_h = (np.random.random() < 0.5) * self.horizontal_flip
        flip_v = (np.random.random() < 0.5) * self.vertical_flip
        shift = None
        if self.channel_shift_range != 0:
            shift = np.random.uniform(-self.channel_shift_range, self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_h, "flip_vertical": flip_v,
                "channel_shift_intensity": shift, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """One image (3-d) transformed by the parameters of ``get_random_transform``."""
        p = transform_parameters
        r, c, ch = self.row_axis - 1, self.col_axis - 1, self.channel_axis - 1
        x = apply_affine_transform(x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0),
                                   p.get("shear", 0), p.get("zx", 1), p.get("zy", 1),
                                   row_axis=r, col_axis=c, channel_axis=ch,
                                   fill_mode=self.fill_mode, cval=self.cval,
                                   order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], ch)
        if p.get("flip_horizontal", False):
            x = flip_axis(x, c)
        if p.get("flip_vertical", False):
            x = flip_axis(x, r)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """One image with a random transform applied."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """The feature-wise mean, std and ZCA matrix of the sample ``x`` (rank 4)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: "
                             + str(x.shape))
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            u, s, _ = np.linalg.svd(np.reshape(x, (n, -1)).T, full_matrices=False)
            self.zca_whitening_matrix = (u * (np.sqrt(n) / (s + self.zca_epsilon))).dot(u.T)
