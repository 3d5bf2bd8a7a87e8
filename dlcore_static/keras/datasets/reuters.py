"""``keras.datasets.reuters``: ``get_word_index`` (JSON) and ``get_label_names`` work;
``load_data`` refuses Keras's ``reuters.npz``, whose newswires are pickled NumPy object arrays."""

from __future__ import annotations

import json

from .._get_file import get_file
from ._common import ORIGIN_FOLDER, refuse_pickled_npz

WORD_INDEX_HASH = "4d44cc38712099c9e383dc6e5f11a921"


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3):
    """Raises ``ValueError``: the only source Keras offers is a pickle (see the message)."""
    raise refuse_pickled_npz(
        "reuters", f"{ORIGIN_FOLDER}reuters.npz",
        "the Reuters-21578 newswires are plain SGML text in the UCI archive "
        "(https://archive.ics.uci.edu/dataset/137/reuters+21578+text+categorization+collection), "
        "to be turned into integer sequences with keras.layers.TextVectorization or "
        "keras.preprocessing.text.Tokenizer; reuters.get_word_index() gives Keras's word ranks.")


def get_word_index(path="reuters_word_index.json"):
    """``{word: rank}`` from Keras's JSON file."""
    path = get_file(path, origin=f"{ORIGIN_FOLDER}reuters_word_index.json",
                    file_hash=WORD_INDEX_HASH)
    with open(path) as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, in label order."""
    return ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
            "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
            "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
            "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
            "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
            "dlr", "gas", "silver", "wpi", "hog", "lead")
