"""``keras.datasets.imdb``: ``get_word_index`` (Keras's JSON word -> rank file) works;
``load_data`` refuses Keras's ``imdb.npz``, whose reviews are pickled NumPy object arrays."""

from __future__ import annotations

import json

from .._get_file import get_file
from ._common import ORIGIN_FOLDER, refuse_pickled_npz

WORD_INDEX_HASH = "bfafd718b763782e994055a2d397834f"


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1,
              oov_char=2, index_from=3, **kwargs):
    """Raises ``ValueError``: the only source Keras offers is a pickle (see the message)."""
    raise refuse_pickled_npz(
        "imdb", f"{ORIGIN_FOLDER}imdb.npz",
        "the raw reviews are plain text at https://ai.stanford.edu/~amaas/data/sentiment/"
        "aclImdb_v1.tar.gz (keras.utils.get_file(..., extract=True)), to be read as files and "
        "turned into integer sequences with keras.layers.TextVectorization or "
        "keras.preprocessing.text.Tokenizer; imdb.get_word_index() gives Keras's word ranks.")


def get_word_index(path="imdb_word_index.json"):
    """``{word: rank}`` (rank 1 is the most frequent word) from Keras's JSON file."""
    path = get_file(fname=path, origin=f"{ORIGIN_FOLDER}imdb_word_index.json",
                    file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)
