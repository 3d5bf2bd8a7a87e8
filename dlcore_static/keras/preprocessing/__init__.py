"""``keras.preprocessing``: the NumPy and plain-Python helpers that Keras programs use before a
model sees their data: ``sequence`` (``pad_sequences``, ``skipgrams``, ``make_sampling_table``),
``image`` (``ImageDataGenerator`` and its transforms, as Keras 3 still ships them) and ``text``
(``Tokenizer``, ``text_to_word_sequence``, ``one_hot``, ``hashing_trick``), with the semantics of
Keras 2 (``keras_preprocessing`` 1.1).  Nothing here builds a graph."""

from ..utils import timeseries_dataset_from_array
from . import image, sequence, text

__all__ = ["image", "sequence", "text", "timeseries_dataset_from_array"]
