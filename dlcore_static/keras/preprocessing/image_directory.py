"""``ImageDataGenerator.flow_from_directory``: Keras's ``DirectoryIterator``.

One sub-folder of ``directory`` per class (sorted names unless ``classes`` lists them; class
``i`` is the ``i``-th), every image file below it (walked in sorted order; ``.png``, ``.jpg``,
``.jpeg``, ``.bmp``, ``.ppm``, ``.tif``, ``.tiff``) one sample.  With the generator's
``validation_split``, each class's files are split in order: the first ``int(split * n)`` are
the ``'validation'`` subset, the rest ``'training'``.  A batch loads its files with Pillow
(``load_img``: ``color_mode``, ``target_size``, ``interpolation``), applies the generator's
random transform and standardization, and pairs the images with labels by ``class_mode``:
``categorical`` (one-hot), ``binary``/``sparse`` (the class index as a float), ``input`` (the
images), or None (images alone).  Batches, shuffling and seeds are ``Iterator``'s (as
``flow``), so a seed gives Keras's batches.
"""

from __future__ import annotations

import os

import numpy as np

from .. import backend as K
from ..utils import array_to_img, img_to_array, load_img

WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
CLASS_MODES = {"categorical", "binary", "sparse", "input", None}


def _files(directory: str, follow_links: bool):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda w: w[0]):
        for name in sorted(files):
            if name.lower().endswith(WHITE_LIST_FORMATS):
                yield root, name


def _class_files(directory: str, split, follow_links: bool) -> list:
    """The files of one class folder (relative to its parent), the subset ``split`` of them."""
    found = list(_files(directory, follow_links))
    if split:
        found = found[int(split[0] * len(found)):int(split[1] * len(found))]
    base = os.path.basename(directory)
    return [os.path.join(base, os.path.relpath(os.path.join(root, name), directory))
            for root, name in found]


def make_directory_iterator(iterator_cls):
    """``DirectoryIterator`` on ``image.Iterator`` (passed in: it lives in ``image.py``)."""

    class DirectoryIterator(iterator_cls):  # type: ignore[valid-type,misc]
        allowed_class_modes = CLASS_MODES
        white_list_formats = WHITE_LIST_FORMATS

        def __init__(self, directory, image_data_generator, target_size=(256, 256),
                     color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                     shuffle=True, seed=None, data_format=None, save_to_dir=None,
                     save_prefix="", save_format="png", follow_links=False, subset=None,
                     interpolation="nearest", keep_aspect_ratio=False, dtype=None):
            self.data_format = data_format or K.image_data_format()
            self.dtype = dtype or K.floatx()
            if color_mode not in {"rgb", "rgba", "grayscale"}:
                raise ValueError(f'Invalid color mode: {color_mode}; expected "rgb", "rgba", '
                                 'or "grayscale".')
            if class_mode not in CLASS_MODES:
                raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: "
                                 f"{CLASS_MODES}")
            self.image_data_generator = image_data_generator
            self.target_size, self.color_mode = tuple(target_size), color_mode
            self.keep_aspect_ratio, self.interpolation = keep_aspect_ratio, interpolation
            ch = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
            self.image_shape = self.target_size + (ch,) if self.data_format == \
                "channels_last" else (ch,) + self.target_size
            self.save_to_dir, self.save_prefix, self.save_format = (save_to_dir, save_prefix,
                                                                    save_format)
            split = None
            if subset is not None:
                vs = image_data_generator._validation_split
                if subset not in ("validation", "training"):
                    raise ValueError(f'Invalid subset name: {subset};expected "training" or '
                                     '"validation"')
                split = (0, vs) if subset == "validation" else (vs, 1)
            self.split, self.subset = split, subset
            self.directory, self.class_mode = directory, class_mode
            if not classes:
                classes = [d for d in sorted(os.listdir(directory))
                           if os.path.isdir(os.path.join(directory, d))]
            self.num_classes = len(classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
            self.filenames: list = []
            labels: list = []
            for name in classes:
                files = _class_files(os.path.join(directory, name), split, follow_links)
                self.filenames += files
                labels += [self.class_indices[name]] * len(files)
            self.samples = len(self.filenames)
            self.classes = np.array(labels, dtype="int32")
            print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
            self.filepaths = [os.path.join(directory, f) for f in self.filenames]
            self.labels = self.classes
            self.sample_weight = None
            super().__init__(self.samples, batch_size, shuffle, seed)

        def _get_batches_of_transformed_samples(self, index_array):
            gen = self.image_data_generator
            batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
            for i, j in enumerate(index_array):
                img = load_img(self.filepaths[j], color_mode=self.color_mode,
                               target_size=self.target_size, interpolation=self.interpolation,
                               keep_aspect_ratio=self.keep_aspect_ratio)
                x = img_to_array(img, data_format=self.data_format)
                img.close()
                if gen:
                    x = gen.standardize(gen.apply_transform(x, gen.get_random_transform(
                        x.shape)))
                batch_x[i] = x
            if self.save_to_dir:
                for i, j in enumerate(index_array):
                    array_to_img(batch_x[i], self.data_format, scale=True).save(os.path.join(
                        self.save_to_dir, f"{self.save_prefix}_{j}_"
                        f"{np.random.randint(10_000_000)}.{self.save_format}"))
            if self.class_mode == "input":
                return batch_x, batch_x.copy()
            if self.class_mode in ("binary", "sparse"):
                return batch_x, self.classes[index_array].astype(self.dtype)
            if self.class_mode == "categorical":
                y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
                y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
                return batch_x, y
            return batch_x

    return DirectoryIterator
